package federation

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// MustKeys generates and loads a node's keys in a temporary directory.
func MustKeys(tb testing.TB) (*Keys, string) {
	tb.Helper()
	dir := tb.TempDir()
	if err := GenerateKeys(context.Background(), DirState(dir), []string{"node.example", "192.0.2.1"}); err != nil {
		tb.Fatal(err)
	}
	k, err := LoadKeys(context.Background(), DirState(dir))
	if err != nil {
		tb.Fatal(err)
	}
	return k, dir
}

func TestKeysGeneratedOnceAndPrivate(t *testing.T) {
	k, dir := MustKeys(t)
	for _, f := range []string{SigningKeyFile, TLSCertFile, TLSKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, st.Mode().Perm())
		}
	}
	if err := GenerateKeys(context.Background(), DirState(dir), nil); err != nil {
		t.Fatal(err)
	}
	again, err := LoadKeys(context.Background(), DirState(dir))
	if err != nil {
		t.Fatal(err)
	}
	if again.PublicKey() != k.PublicKey() || again.CertSHA256 != k.CertSHA256 {
		t.Fatal("GenerateKeys replaced existing keys")
	}
	if !strings.HasPrefix(k.PublicKey(), "ed25519:") || len(k.CertSHA256) != 64 || len(k.KeyID()) != 16 {
		t.Fatalf("key texts: %q %q %q", k.PublicKey(), k.CertSHA256, k.KeyID())
	}
}

func TestPinnedClient(t *testing.T) {
	k, _ := MustKeys(t)
	other, _ := MustKeys(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{k.TLS}}
	srv.StartTLS()
	defer srv.Close()

	good, err := PinnedClient(k.CertSHA256, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := good.Get(srv.URL)
	if err != nil {
		t.Fatalf("the pinned certificate was refused: %v", err)
	}
	resp.Body.Close()

	bad, _ := PinnedClient(other.CertSHA256, 5*time.Second)
	if _, err := bad.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "pinned fingerprint") {
		t.Fatalf("a server with another certificate was accepted: %v", err)
	}
	if _, err := PinnedClient("not hex", time.Second); err == nil {
		t.Fatal("a malformed pin was accepted")
	}
	pc := &PeerConfig{Name: "x", URL: srv.URL + "/taxii2/api/"}
	if _, err := ClientFor(pc, time.Second); err == nil {
		t.Fatal("an https peer without a pin got a client")
	}
}
