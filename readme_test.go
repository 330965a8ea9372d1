package kizuna_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeRunsAsWritten runs every ```sh block of README.md, in order and
// as written, in one bash on a fresh copy of the repository: the first
// command (the node, `go run ./cmd/kizuna serve --sample`) in the
// background, waited for until it answers, and every other command against
// it, each of which must succeed (set -e, pipefail). The node listens on a
// free port, which the README's commands take from KIZUNA_LISTEN; curl is
// configured (CURL_HOME) to fail on an HTTP error status, so that a tour
// whose requests are refused fails too.
//
// The copy is of the working tree as it is when the test runs (tracked files
// with their current content, and new files not ignored by git), not of a
// commit: the test checks the README and code being worked on, without
// touching the developer's own ./kizuna-data or binary. Untracked files at
// the repository's root are left out: they are what running the tour by
// hand leaves behind (out.json, observations.json, ...), and the tour must
// not depend on them.
func TestReadmeRunsAsWritten(t *testing.T) {
	if os.Getenv("KIZUNA_README_TEST") != "" {
		t.Skip("running inside the README's own tour")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	blocks, err := shellBlocks("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d sh blocks; the tour needs the node's command and more", len(blocks))
	}
	work := t.TempDir()
	repo, err := tourDir(t)
	if err != nil {
		t.Fatal(err)
	}
	if err := copyWorkingTree(".", repo); err != nil {
		t.Fatal(err)
	}
	script, err := tourScript(blocks)
	if err != nil {
		t.Fatal(err)
	}
	curlHome := filepath.Join(work, "curl")
	os.Mkdir(curlHome, 0o700)
	if err := os.WriteFile(filepath.Join(curlHome, ".curlrc"), []byte("fail-with-body\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddress(t)
	serveLog := filepath.Join(work, "serve.log")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KIZUNA_LISTEN=") && !strings.HasPrefix(kv, "CURL_HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "KIZUNA_LISTEN="+addr, "CURL_HOME="+curlHome, "KIZUNA_README_TEST=1", "KIZUNA_README_SERVE_LOG="+serveLog)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	cmd.Dir, cmd.Env = repo, env
	// Its own process group, so that the node it leaves running in the
	// background (go run and its child) can be stopped as a whole; output
	// to files, which a background process holding them open cannot block.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := os.Create(filepath.Join(work, "tour.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	runErr := cmd.Run()
	stopGroup(cmd.Process.Pid)
	if testing.Verbose() {
		t.Logf("the README's tour:\n%s", tail(filepath.Join(work, "tour.out"), 1<<20))
	}
	if runErr != nil {
		t.Errorf("the README's tour failed: %v\n--- output (commands traced with +) ---\n%s\n--- node log ---\n%s",
			runErr, tail(filepath.Join(work, "tour.out"), 12000), tail(serveLog, 4000))
	}
}

// tourDir returns an empty directory for the copy, locked for this test
// until it ends and removed then. Its path is the same on every run from
// one checkout: the build cache keys the packages of the copy by their
// directory, so that the tour's go run and go build then reuse what the
// previous run compiled instead of building the node again (and the
// dependencies are those every build of the checkout already compiled).
func tourDir(t *testing.T) (string, error) {
	root, err := filepath.Abs(".")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("kizuna-readme-%x", sha256.Sum256([]byte(root)))[:len("kizuna-readme-")+16])
	lock, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", err
	}
	// Another run of the tour from this checkout waits here.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		return "", err
	}
	t.Cleanup(func() {
		os.RemoveAll(dir)
		lock.Close()
	})
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o700)
}

// shellBlocks returns the lines of each ```sh block of a Markdown file.
func shellBlocks(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var blocks [][]string
	var cur []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, line)
		}
	}
	if in {
		return nil, fmt.Errorf("%s: an sh block is not closed", path)
	}
	return blocks, sc.Err()
}

// tourScript makes one bash script of the blocks: the first command of the
// first block runs in the background and is waited for; every other line
// runs as written.
func tourScript(blocks [][]string) (string, error) {
	var b strings.Builder
	b.WriteString("set -Eeuo pipefail\n")
	b.WriteString(`trap 'echo "README command failed with exit status $?: $BASH_COMMAND" >&2' ERR` + "\n")
	b.WriteString("set -x\n")
	first := true
	for _, block := range blocks {
		for _, line := range block {
			trimmed := strings.TrimSpace(line)
			if first && trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				if strings.HasSuffix(trimmed, "\\") {
					return "", fmt.Errorf("the node's command %q continues on the next line", trimmed)
				}
				first = false
				b.WriteString(line + ` > "$KIZUNA_README_SERVE_LOG" 2>&1 &` + "\n")
				b.WriteString(`{ set +x; } 2>/dev/null
node=$!
for i in $(seq 1500); do
  if curl -s -o /dev/null "http://$KIZUNA_LISTEN/healthz"; then break; fi
  kill -0 "$node" || { echo "the node's command ended" >&2; exit 1; }
  [ "$i" -lt 1500 ] || { echo "the node did not answer within 5 minutes" >&2; exit 1; }
  sleep 0.2
done
set -x
`)
				continue
			}
			b.WriteString(line + "\n")
		}
	}
	if first {
		return "", errors.New("the README's sh blocks hold no command")
	}
	return b.String(), nil
}

// copyWorkingTree copies the repository at src to dst as its working tree
// is now (see TestReadmeRunsAsWritten); without git, every file but .git,
// the data directory and the binary the tour builds.
func copyWorkingTree(src, dst string) error {
	var files []string
	tracked, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached").Output()
	if err == nil {
		untracked, err := exec.Command("git", "-C", src, "ls-files", "-z", "--others", "--exclude-standard").Output()
		if err != nil {
			return err
		}
		files = splitNUL(tracked)
		for _, f := range splitNUL(untracked) {
			if strings.Contains(f, "/") && !strings.HasPrefix(f, "kizuna-data/") {
				files = append(files, f)
			}
		}
	} else {
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, path)
			if d.IsDir() && (rel == ".git" || rel == "kizuna-data") {
				return filepath.SkipDir
			}
			if !d.IsDir() && rel != "kizuna" {
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range files {
		from := filepath.Join(src, filepath.FromSlash(f))
		st, err := os.Lstat(from)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		} else if err != nil {
			return err
		}
		to := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
		case st.Mode().IsRegular():
			if err := copyFile(from, to, st.Mode().Perm()); err != nil {
				return err
			}
		}
	}
	return nil
}

func splitNUL(b []byte) []string {
	var out []string
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) > 0 {
			out = append(out, string(f))
		}
	}
	return out
}

func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// freeAddress returns a loopback address with a port free a moment ago.
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// stopGroup stops what is left of a process group: SIGTERM, which lets the
// node shut down cleanly, then SIGKILL after ten seconds.
func stopGroup(pgid int) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(-pgid, 0) != nil {
			return
		}
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	time.Sleep(100 * time.Millisecond)
}

// tail returns the last n bytes of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
