package node

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// memState is a StateStore in memory.
type memState map[string][]byte

func (m memState) ReadState(_ context.Context, name string) ([]byte, error) {
	b, ok := m[name]
	if !ok {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s not found", name)
	}
	return b, nil
}

func (m memState) WriteState(_ context.Context, name string, data []byte) error {
	m[name] = data
	return nil
}

func (m memState) UpdateState(ctx context.Context, name string, fn func([]byte) ([]byte, error)) error {
	data, err := fn(m[name])
	if err != nil {
		return err
	}
	m[name] = data
	return nil
}

func testSealed(tb testing.TB, key byte) (sealedState, memState) {
	tb.Helper()
	k := make([]byte, keyFileSize)
	for i := range k {
		k[i] = key
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		tb.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		tb.Fatal(err)
	}
	mem := memState{}
	return sealedState{StateStore: mem, aead: aead}, mem
}

// TestSealedState: the sealed documents are stored encrypted and bound to
// their name, open only under their key, and are updated in place; the
// others pass through.
func TestSealedState(t *testing.T) {
	ctx := context.Background()
	s, mem := testSealed(t, 1)
	secret := []byte("-----BEGIN PRIVATE KEY-----")
	if err := s.WriteState(ctx, federation.SigningKeyFile, secret); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mem[federation.SigningKeyFile]), "PRIVATE") {
		t.Error("the key is stored in the clear")
	}
	if got, err := s.ReadState(ctx, federation.SigningKeyFile); err != nil || string(got) != string(secret) {
		t.Errorf("read back %q %v", got, err)
	}
	// Bound to its name: the sealed key moved under another sealed name
	// does not open.
	mem[federation.TLSKeyFile] = mem[federation.SigningKeyFile]
	if _, err := s.ReadState(ctx, federation.TLSKeyFile); err == nil {
		t.Error("a sealed document opened under another name")
	}
	other, _ := testSealed(t, 2)
	other.StateStore = mem
	if _, err := other.ReadState(ctx, federation.SigningKeyFile); err == nil {
		t.Error("a sealed document opened under another key")
	}
	mem[federation.PeersFile] = []byte(`{"peers":[]}`)
	if _, err := s.ReadState(ctx, federation.PeersFile); err == nil {
		t.Error("a plain document was accepted where a sealed one belongs")
	}
	delete(mem, federation.PeersFile)
	for _, add := range []string{"a", "b"} {
		if err := s.UpdateState(ctx, federation.PeersFile, func(old []byte) ([]byte, error) { return append(old, add...), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.ReadState(ctx, federation.PeersFile); err != nil || string(got) != "ab" {
		t.Errorf("updated sealed document %q %v", got, err)
	}
	// A document named with SecretsSuffix (the TAXII sources'
	// credentials) is sealed too.
	creds := "sources" + SecretsSuffix
	if err := s.WriteState(ctx, creds, []byte(`{"partner":"token-xyz"}`)); err != nil || strings.Contains(string(mem[creds]), "token-xyz") {
		t.Errorf("the sources' credentials are stored in the clear: %q %v", mem[creds], err)
	}
	if got, err := s.ReadState(ctx, creds); err != nil || string(got) != `{"partner":"token-xyz"}` {
		t.Errorf("the sources' credentials read back %q %v", got, err)
	}
	if err := s.WriteState(ctx, federation.CursorsFile, []byte("{}")); err != nil || string(mem[federation.CursorsFile]) != "{}" {
		t.Errorf("a document that is not sealed was changed: %q %v", mem[federation.CursorsFile], err)
	}
}

// FuzzOpenSealed: no stored bytes make opening a sealed document panic,
// and none but a sealing under the key opens.
func FuzzOpenSealed(f *testing.F) {
	s, _ := testSealed(f, 1)
	good, err := s.seal(federation.SigningKeyFile, []byte("key"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(sealPrefix))
	f.Add([]byte(sealPrefix + "AAAA"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, err := s.open(federation.SigningKeyFile, data)
		if err == nil && string(data) != string(good) && string(plain) != "key" {
			t.Errorf("%q opened to %q", data, plain)
		}
	})
}
