package federation

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Files of a node's keys in its data directory, each written 0600.
const (
	SigningKeyFile = "node-signing.key" // Ed25519 private key, PKCS #8 PEM
	TLSCertFile    = "node-tls.crt"     // self-signed certificate, PEM
	TLSKeyFile     = "node-tls.key"     // the certificate's ECDSA P-256 key, PKCS #8 PEM
)

// publicKeyPrefix starts the text form of a node's public key, so that a
// key pasted in the wrong place is recognised.
const publicKeyPrefix = "ed25519:"

// Keys are a node's signing key and TLS certificate.
type Keys struct {
	Signing ed25519.PrivateKey
	TLS     tls.Certificate
	// CertSHA256 is the hex SHA-256 of the certificate's DER encoding: what
	// peers pin.
	CertSHA256 string
}

// PublicKey returns the text form of the node's public signing key.
func (k *Keys) PublicKey() string {
	return EncodePublicKey(k.Signing.Public().(ed25519.PublicKey))
}

// KeyID returns the id of the node's signing key.
func (k *Keys) KeyID() string { return KeyID(k.Signing.Public().(ed25519.PublicKey)) }

// EncodePublicKey returns the text form of an Ed25519 public key:
// "ed25519:" and the standard base64 of its 32 bytes.
func EncodePublicKey(pub ed25519.PublicKey) string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads the text form EncodePublicKey writes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	if !ok {
		return nil, kizuna.Errorf(kizuna.EINVALID, "public key %q: want %q followed by base64", s, publicKeyPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, kizuna.Errorf(kizuna.EINVALID, "public key %q: want the base64 of %d bytes", s, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// KeyID names a public key in signatures: the first 16 hex digits of the
// SHA-256 of the key, enough to tell a node's keys apart after a rotation.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// ParseFingerprint normalises a certificate fingerprint: 64 hex digits,
// colons allowed, any case.
func ParseFingerprint(s string) (string, error) {
	f := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if b, err := hex.DecodeString(f); err != nil || len(b) != sha256.Size {
		return "", kizuna.Errorf(kizuna.EINVALID, "certificate fingerprint %q: want the 64 hex digits of a SHA-256", s)
	}
	return f, nil
}

// GenerateKeys writes a new signing key and a self-signed TLS certificate
// for hosts into the node's state, unless they exist: keys are made once, at
// initialisation, because peers pin them.
func GenerateKeys(ctx context.Context, st kizuna.StateStore, hosts []string) error {
	if _, err := st.ReadState(ctx, SigningKeyFile); err == nil {
		return nil
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "kizuna node", Organization: []string{"kizuna"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &tlsKey.PublicKey, tlsKey)
	if err != nil {
		return err
	}
	signDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	tlsDER, err := x509.MarshalPKCS8PrivateKey(tlsKey)
	if err != nil {
		return err
	}
	// The signing key is written last: its presence marks complete keys.
	for _, f := range []struct {
		name, typ string
		der       []byte
	}{{TLSKeyFile, "PRIVATE KEY", tlsDER}, {TLSCertFile, "CERTIFICATE", der}, {SigningKeyFile, "PRIVATE KEY", signDER}} {
		data := pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der})
		if err := st.WriteState(ctx, f.name, data); err != nil {
			return err
		}
	}
	return nil
}

// LoadKeys reads the keys GenerateKeys wrote.
func LoadKeys(ctx context.Context, st kizuna.StateStore) (*Keys, error) {
	b, err := st.ReadState(ctx, SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("node keys: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("node keys: %s is not PEM", SigningKeyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("node keys: %s: %v", SigningKeyFile, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("node keys: %s holds no Ed25519 key", SigningKeyFile)
	}
	certPEM, err := st.ReadState(ctx, TLSCertFile)
	if err != nil {
		return nil, fmt.Errorf("node keys: %w", err)
	}
	keyPEM, err := st.ReadState(ctx, TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("node keys: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("node keys: %v", err)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	return &Keys{Signing: priv, TLS: cert, CertSHA256: hex.EncodeToString(sum[:])}, nil
}

// writeFileAtomic replaces path with data (0600): a temporary file in the
// same directory, synced, then renamed over path, then the directory
// synced, so that a crash leaves either the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
