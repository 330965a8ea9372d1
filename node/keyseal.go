package node

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// A node on PostgreSQL keeps its private keys, and the credentials it
// presents to its peers, in the database, sealed with AES-256-GCM under a
// key-encryption key read from a file the operator names (--key-file). The
// database is shared by every instance and copied by its backups and
// replicas; sealed, a dump or a replica of it holds neither the keys peers
// pin the node by nor its tokens on them, and the key file stays on the
// instances' own disks (or in the operator's secret store that mounts it).
// Keeping the whole key in a file would leave the instances to agree on
// it by hand; sealing keeps one identity in the database, created once.

// sealedNames are the documents sealed: the private keys, and the peers,
// which hold the credentials this node presents to its peers.
var sealedNames = []string{federation.SigningKeyFile, federation.TLSKeyFile, federation.PeersFile}

// SecretsSuffix ends the name of every other document that is sealed: the
// credentials the node presents to the servers it pulls from.
const SecretsSuffix = ".secrets"

// sealed reports whether the named document is sealed.
func sealed(name string) bool {
	return slices.Contains(sealedNames, name) || strings.HasSuffix(name, SecretsSuffix)
}

// sealPrefix marks a sealed document.
const sealPrefix = "kizuna-sealed-v1:"

// sealedState seals the private keys it writes and opens those it reads;
// other documents pass through.
type sealedState struct {
	kizuna.StateStore
	aead cipher.AEAD
}

// WriteState seals a sealed document before storing it.
func (s sealedState) WriteState(ctx context.Context, name string, data []byte) error {
	if !sealed(name) {
		return s.StateStore.WriteState(ctx, name, data)
	}
	sealed, err := s.seal(name, data)
	if err != nil {
		return err
	}
	return s.StateStore.WriteState(ctx, name, sealed)
}

// ReadState opens a sealed document; one that is not sealed, or does not
// open under this key, is an error.
func (s sealedState) ReadState(ctx context.Context, name string) ([]byte, error) {
	data, err := s.StateStore.ReadState(ctx, name)
	if err != nil || !sealed(name) {
		return data, err
	}
	return s.open(name, data)
}

// UpdateState updates a document, opening and sealing it again when it is
// sealed.
func (s sealedState) UpdateState(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error {
	if !sealed(name) {
		return s.StateStore.UpdateState(ctx, name, fn)
	}
	return s.StateStore.UpdateState(ctx, name, func(old []byte) ([]byte, error) {
		if old != nil {
			plain, err := s.open(name, old)
			if err != nil {
				return nil, err
			}
			old = plain
		}
		data, err := fn(old)
		if err != nil {
			return nil, err
		}
		return s.seal(name, data)
	})
}

// seal encrypts a document under the key file's key, bound to its name.
func (s sealedState) seal(name string, data []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := s.aead.Seal(nonce, nonce, data, []byte(name))
	return []byte(sealPrefix + base64.StdEncoding.EncodeToString(sealed)), nil
}

// open decrypts a sealed document.
func (s sealedState) open(name string, data []byte) ([]byte, error) {
	enc, ok := strings.CutPrefix(string(data), sealPrefix)
	if !ok {
		return nil, fmt.Errorf("node state %q is not sealed; refusing it in the clear", name)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, fmt.Errorf("node state %q: malformed sealed key", name)
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("node state %q does not open with the key file: is it this node's --key-file?", name)
	}
	return plain, nil
}

// keyFileSize is the key-encryption key's length: AES-256.
const keyFileSize = 32

// loadKeyFile reads the key-encryption key (base64 of 32 bytes) from path;
// with create, a missing file is made (0600) with a new random key.
func loadKeyFile(path string, create bool) (cipher.AEAD, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key := make([]byte, keyFileSize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		b = []byte(base64.StdEncoding.EncodeToString(key) + "\n")
		if err := writeFileExclusive(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != keyFileSize {
		return nil, fmt.Errorf("key file %s: want the base64 encoding of %d random bytes", path, keyFileSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
