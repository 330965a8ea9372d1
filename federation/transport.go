package federation

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// CheckURL accepts a peer's API root URL: HTTPS, or plain HTTP to a loopback
// address only (tests and the demo), ending in "/".
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return kizuna.Errorf(kizuna.EINVALID, "peer URL %q: want an absolute URL such as https://peer.example/taxii2/api/", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		return kizuna.Errorf(kizuna.EINVALID, "peer URL %q: an API root URL ends in \"/\"", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return kizuna.Errorf(kizuna.EINVALID, "peer URL %q: plain HTTP is allowed only to a loopback address; use https", raw)
	}
	return kizuna.Errorf(kizuna.EINVALID, "peer URL %q: want https (or http to a loopback address)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PinnedClient returns an HTTP client that accepts only a server whose
// certificate has the SHA-256 fingerprint pin. Peers' certificates are
// self-signed and exchanged with their public keys when the agreement is
// set up, so the pin replaces the web PKI: no certificate authority can
// impersonate a peer, and a peer's name need not be in a public DNS.
func PinnedClient(pin string, timeout time.Duration) (*http.Client, error) {
	want, err := ParseFingerprint(pin)
	if err != nil {
		return nil, err
	}
	wantBytes, _ := hex.DecodeString(want)
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS13,
		// The chain is not verified against a CA pool: the pin below is the
		// whole verification, and it runs on every handshake.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return kizuna.Errorf(kizuna.EUNAUTHORIZED, "peer presented no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if subtle.ConstantTimeCompare(sum[:], wantBytes) != 1 {
				return kizuna.Errorf(kizuna.EUNAUTHORIZED, "peer certificate %s does not match the pinned fingerprint %s", hex.EncodeToString(sum[:]), want)
			}
			return nil
		},
	}
	tr := &http.Transport{
		TLSClientConfig:     cfg,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// ClientFor returns the HTTP client for a peer: pinned for HTTPS, plain for
// loopback HTTP. A peer with an HTTPS URL and no pin is refused: nothing
// goes to a server the operator has not pinned.
func ClientFor(pc *PeerConfig, timeout time.Duration) (*http.Client, error) {
	if err := CheckURL(pc.URL); err != nil {
		return nil, err
	}
	if strings.HasPrefix(pc.URL, "http://") {
		return &http.Client{Timeout: timeout}, nil
	}
	if pc.CertSHA256 == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "peer %q: an https URL needs the peer's certificate fingerprint (--cert-sha256)", pc.Name)
	}
	return PinnedClient(pc.CertSHA256, timeout)
}
