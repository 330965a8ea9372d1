package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

// umaskMu serialises the tests that start processes under a umask of their
// choosing: the umask is the process's, and the child takes it at start.
var umaskMu sync.Mutex

// syncBuffer is a buffer a running process writes to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startKizunaUmask starts the real command under a umask.
func startKizunaUmask(t *testing.T, mask int, stdin io.Reader, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KIZUNA_TEST_MAIN=1")
	var out, errb syncBuffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	umaskMu.Lock()
	old := syscall.Umask(mask)
	err := cmd.Start()
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errb
}

// runKizunaUmask runs the real command under a umask to its end.
func runKizunaUmask(t *testing.T, mask int, stdin string, args ...string) string {
	t.Helper()
	cmd, out, errb := startKizunaUmask(t, mask, strings.NewReader(stdin), args...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kizuna %s: %v\n%s%s", strings.Join(args, " "), err, out, errb)
	}
	return out.String()
}

// checkPrivate walks the data directory: the directory (and any below it)
// must be 0700 and every file 0600.
func checkPrivate(t *testing.T, dir, when string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a temporary file renamed while the node runs
		} else if err != nil {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			n++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: %s has mode %v, want %v", when, path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("%s: only %d files in %s", when, n, dir)
	}
}

// TestDataDirIsPrivate runs a node's life from the CLI under umasks 022 and
// 000 (init, an organisation, a principal, a peer, an import from standard
// input, serve with writes, reads, a match recording a sighting, shutdown)
// and checks at each stage that the data directory is 0700 and every file
// in it 0600: the object and audit databases with their WAL and shared
// memory files, tokens, keys, configuration. A directory left wider by an
// older version is narrowed by the next command.
func TestDataDirIsPrivate(t *testing.T) {
	for _, mask := range []int{0o022, 0o000} {
		t.Run(fmt.Sprintf("umask %03o", mask), func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			runKizunaUmask(t, mask, "", "init", "--data", data, "--sample")
			checkPrivate(t, data, "after init")
			org := strings.TrimSpace(runKizunaUmask(t, mask, "", "org", "add", "--data", data, "--name", "Peer Org", "--nation", "JPN"))
			runKizunaUmask(t, mask, "", "principal", "add", "--data", data, "--name", "pub", "--role", "publisher", "--role", "reader")
			runKizunaUmask(t, mask, "", "peer", "add", "--data", data, "--name", "jp", "--url", "http://127.0.0.1:9/taxii2/api/",
				"--nation", "JPN", "--org", org, "--plain")
			runKizunaUmask(t, mask, `[`+importIndicators(10, 9)+`]`, "import", "--data", data, "--collection", node.DefaultAlias, "--quiet", "-")
			checkPrivate(t, data, "after the CLI commands")

			serve, out, errb := startKizunaUmask(t, mask, nil, "serve", "--data", data, "--listen", "127.0.0.1:0", "--federation-catch-up", "100ms")
			defer serve.Process.Kill()
			base := ""
			for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
				if m := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/taxii2/`).FindStringSubmatch(out.String()); m != nil {
					base = m[1]
				} else if time.Now().After(deadline) {
					t.Fatalf("serve did not start:\n%s%s", out, errb)
				}
			}
			admin := readAdminToken(t, data)
			// A write, a classified read (audited) and a match recording a
			// sighting, so that both databases have written their WAL.
			code, body := postJSON(t, base+"/taxii2/api/collections/"+node.DefaultAlias+"/objects/", "application/taxii+json;version=2.1", "admin", admin,
				map[string]any{"objects": []any{json.RawMessage(importIndicators(1, 10))}})
			if code != http.StatusAccepted {
				t.Fatalf("POST: %d %s", code, body)
			}
			if code, body := taxiiGet(t, base+"/taxii2/api/collections/"+node.SampleAlias+"/objects/", "admin", admin); code != http.StatusOK {
				t.Fatalf("GET: %d %s", code, body)
			}
			code, body = postJSON(t, base+"/api/v1/match", "application/json", "admin", admin,
				kizuna.MatchRequest{Values: []string{"d0.example"}, RecordSightings: true})
			if code != http.StatusOK {
				t.Fatalf("match: %d %s", code, body)
			}
			for _, f := range []string{"kizuna.db-wal", "kizuna.db-shm", "kizuna-audit.db-wal", "kizuna-audit.db-shm"} {
				if _, err := os.Stat(filepath.Join(data, f)); err != nil {
					t.Errorf("while serving: %v", err)
				}
			}
			checkPrivate(t, data, "while serving")
			serve.Process.Signal(syscall.SIGTERM)
			if err := serve.Wait(); err != nil {
				t.Fatalf("serve: %v\n%s", err, errb)
			}
			checkPrivate(t, data, "after shutdown")

			// A data directory from before these rules is narrowed.
			os.Chmod(data, 0o755)
			for _, f := range []string{node.SQLiteFile, "kizuna-audit.db", node.AdminTokenFile} {
				os.Chmod(filepath.Join(data, f), 0o644)
			}
			runKizunaUmask(t, mask, "", "audit", "verify", "--data", data)
			// The admin token is the operator's file: the node narrows only
			// what it opens, so put it back before checking the rest.
			os.Chmod(filepath.Join(data, node.AdminTokenFile), 0o600)
			checkPrivate(t, data, "after a command on an older directory")
		})
	}
}
