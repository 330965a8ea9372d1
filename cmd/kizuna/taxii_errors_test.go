package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/taxii"
)

// TestEveryTAXIIErrorIsATAXIIErrorMessage asks a real node for what does not
// exist under /taxii2/, with wrong methods and in paths not in canonical
// form: every error is a TAXII error message with its status, and a
// redirect to the canonical path carries no HTML.
func TestEveryTAXIIErrorIsATAXIIErrorMessage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data, "--nation", "USA")
	token := strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", data, "--name", "pub", "--role", "publisher", "--role", "reader"))
	node := MustServeProcess(t, data)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/taxii2/no-such-root/", 404},
		{"GET", "/taxii2/no-such-root/collections/", 404},
		{"GET", "/taxii2/api/no-such-resource/", 404},
		{"GET", "/taxii2/api/collections/no-such-collection/", 404},
		{"GET", "/taxii2/api/collections/default/objects/indicator--0b1a9d0c-0000-4000-8000-000000000000/versions/extra/", 404},
		{"GET", "/taxii2/api/status/not-a-status/", 404},
		{"PUT", "/taxii2/api/collections/", 405},
		{"POST", "/taxii2/", 405},
		{"INVENTED", "/taxii2/api/", 405},
		{"DELETE", "/taxii2/no-such-root/", 404},
		{"GET", "/taxii2", 307},
		{"GET", "/taxii2//", 307},
		{"GET", "/taxii2/./api/", 307},
		{"GET", "/taxii2/api/collections", 307},
		{"GET", "/taxii2/api/collections/default/../default/", 307},
	} {
		req, err := http.NewRequest(c.method, node.base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("pub", token)
		req.Header.Set("Accept", taxii.MediaTypeTAXII)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d %s %s, want %d", c.method, c.path, resp.StatusCode, ct, body, c.status)
			continue
		}
		if c.status < 400 {
			if len(body) != 0 || ct != "" || resp.Header.Get("Location") == "" {
				t.Errorf("%s %s: redirect to %q with %q %q, want a Location and no body", c.method, c.path, resp.Header.Get("Location"), ct, body)
			}
			continue
		}
		var em taxii.ErrorMessage
		if ct != taxii.MediaTypeTAXII || json.Unmarshal(body, &em) != nil || em.Title == "" || em.HTTPStatus != strconv.Itoa(c.status) {
			t.Errorf("%s %s: %d %q %s is not a TAXII error message", c.method, c.path, resp.StatusCode, ct, body)
		}
	}
}
