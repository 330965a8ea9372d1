package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Environment variables that give the node commands (incident, consult)
// their defaults, so that a point of contact sets them once.
const (
	urlEnv    = "KIZUNA_URL"
	tokenEnv  = "KIZUNA_TOKEN"
	cacertEnv = "KIZUNA_CACERT"
)

// apiClient calls a node's native API as a principal.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

// apiFlags registers the flags that reach a node: its URL, the principal's
// token and the certificate to trust.
type apiFlags struct {
	url, token, tokenFile, cacert string
}

func (f *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", envOr(urlEnv, "http://127.0.0.1:8443"), "the node's address (default: $"+urlEnv+" when set)")
	fs.StringVar(&f.token, "token", "", "the principal's bearer token (default: $"+tokenEnv+")")
	fs.StringVar(&f.tokenFile, "token-file", "", "a file holding the principal's bearer token")
	fs.StringVar(&f.cacert, "cacert", os.Getenv(cacertEnv), "PEM certificate of the node to trust for HTTPS (its node-tls.crt; default: $"+cacertEnv+")")
}

// client returns the client the flags describe.
func (f *apiFlags) client() (*apiClient, error) {
	token := f.token
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, err
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		token = os.Getenv(tokenEnv)
	}
	if token == "" {
		return nil, fmt.Errorf("a token is required: --token, --token-file or $%s", tokenEnv)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", f.cacert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &apiClient{base: strings.TrimRight(f.url, "/"), token: token,
		http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}, nil
}

// call sends a request to the API and decodes a successful answer into
// out. An error answer is returned as an error with the node's description.
func (c *apiClient) call(method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		}
		if json.Unmarshal(b, &e) == nil && (e.Description != "" || e.Title != "") {
			return resp.StatusCode, fmt.Errorf("%d %s: %s", resp.StatusCode, e.Title, e.Description)
		}
		return resp.StatusCode, fmt.Errorf("%d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return resp.StatusCode, nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = b
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return resp.StatusCode, errors.New("the node's answer is not the JSON expected: " + err.Error())
	}
	return resp.StatusCode, nil
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) error {
	var b []byte
	var err error
	if raw, ok := v.(json.RawMessage); ok {
		var buf bytes.Buffer
		if err = json.Indent(&buf, raw, "", "  "); err != nil {
			return err
		}
		b = buf.Bytes()
	} else if b, err = json.MarshalIndent(v, "", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
