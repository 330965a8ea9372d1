package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
	"github.com/kizuna-dev/kizuna/taxii"
)

// serveProcess is a real 'kizuna serve' child process (the test binary
// acting as kizuna) on a free loopback port.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
}

// MustServeProcess starts 'kizuna serve' on data with extra flags and waits
// until it answers /healthz.
func MustServeProcess(t *testing.T, data string, extra ...string) *serveProcess {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	p := &serveProcess{base: "http://" + addr, log: &bytes.Buffer{}}
	p.cmd = exec.Command(self, append([]string{"serve", "--data", data, "--listen", addr, "--log-level", "warn"}, extra...)...)
	p.cmd.Env = append(os.Environ(), "KIZUNA_TEST_MAIN=1")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("kizuna serve did not start: %v\n%s", err, p.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *serveProcess) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
}

// taxii sends a TAXII request as the named principal and returns the status
// code and body.
func (p *serveProcess) taxii(t *testing.T, method, path, user, token string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
	}
	req.SetBasicAuth(user, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestKilledNodeSettlesPendingStatuses kills a real node (SIGKILL) while it
// ingests a large POST, restarts it, and checks that the POST's status is
// complete at once: each posted version the store holds is a success, each
// other one a failure saying the request was interrupted.
func TestKilledNodeSettlesPendingStatuses(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const n = 20_000
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data, "--nation", "USA")
	token := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "pub", "--role", "publisher", "--role", "reader"))
	var envelope bytes.Buffer
	if err := writeSyntheticBundle(&envelope, n, 11); err != nil {
		t.Fatal(err)
	}

	proc := MustServeProcess(t, data)
	code, body := proc.taxii(t, http.MethodPost, "/taxii2/api/collections/"+node.DefaultAlias+"/objects/", "pub", token, &envelope)
	var st taxii.StatusResource
	if err := json.Unmarshal(body, &st); err != nil || code != http.StatusAccepted || st.Status != kizuna.StatusPending {
		t.Fatalf("large POST: %d %s", code, body)
	}
	statusPath := "/taxii2/api/status/" + st.ID + "/"
	// Kill the node once it has stored part of the envelope.
	deadline := time.Now().Add(2 * time.Minute)
	for st.SuccessCount+st.FailureCount == 0 || st.Status != kizuna.StatusPending {
		if st.Status == kizuna.StatusComplete || time.Now().After(deadline) {
			t.Fatalf("the kill must land during the ingest; status %s, %d stored", st.Status, st.SuccessCount)
		}
		time.Sleep(20 * time.Millisecond) // within the default rate limit
		code, body = proc.taxii(t, http.MethodGet, statusPath, "pub", token, nil)
		if err := json.Unmarshal(body, &st); err != nil || code != http.StatusOK {
			t.Fatalf("status: %d %s", code, body)
		}
	}
	proc.kill()

	proc = MustServeProcess(t, data)
	code, body = proc.taxii(t, http.MethodGet, statusPath, "pub", token, nil)
	if err := json.Unmarshal(body, &st); err != nil || code != http.StatusOK {
		t.Fatalf("status after the restart: %d %s", code, body)
	}
	proc.kill()
	if st.Status != kizuna.StatusComplete || st.PendingCount != 0 || st.SuccessCount+st.FailureCount != n || st.FailureCount == 0 || st.SuccessCount == 0 {
		t.Fatalf("status after the restart: %s, %d successes, %d failures, %d pendings of %d; want complete, both kinds, no pending",
			st.Status, st.SuccessCount, st.FailureCount, st.PendingCount, st.TotalCount)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(data, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]bool{}
	filter := kizuna.ObjectFilter{Collection: node.DefaultAlias, Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true}}
	for {
		page, err := db.FindObjects(context.Background(), filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			stored[o.ID] = true
		}
		if !page.More {
			break
		}
		filter.Next = page.Next
	}
	for _, d := range st.Successes {
		if !stored[d.ID] {
			t.Fatalf("success %s is not stored", d.ID)
		}
	}
	for _, d := range st.Failures {
		if stored[d.ID] || d.Message != taxii.InterruptedMessage {
			t.Fatalf("failure %+v: stored %v, want not stored and the interruption message", d, stored[d.ID])
		}
	}
	t.Logf("%d of %d versions stored before the kill", st.SuccessCount, n)
}
