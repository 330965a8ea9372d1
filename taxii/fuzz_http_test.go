package taxii_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

// FuzzRequest drives the whole handler with arbitrary methods, paths,
// queries, headers and bodies: whatever comes in, the answer is never a 500,
// every error is a TAXII error object, and a redirect to the canonical path
// carries no body.
func FuzzRequest(f *testing.F) {
	f.Add("GET", "/taxii2/api/collections/"+openID+"/objects/", "limit=5&match[version]=all", taxii.MediaTypeTAXII, "", "")
	f.Add("POST", "/taxii2/api/collections/"+openID+"/objects/", "", "*/*", taxii.MediaTypeTAXII, `{"objects":[{"id":"x"}]}`)
	f.Add("DELETE", "/taxii2/api/collections/open/objects/indicator--00000000-0000-4000-8000-000000000000/", "match[spec_version]=2.1", "", "", "")
	f.Add("GET", "/taxii2/api/status/00000000-0000-4000-8000-000000000000", "", "application/taxii+json", "", "")
	f.Add("GET", "/taxii2/api/collections/"+openID+"/objects/indicator--00000000-0000-4000-8000-000000000000/versions/", "next=abc", "text/html", "", "")
	fx := MustFixture(f, taxii.Config{MaxContentLength: 4096})
	fx.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		if filter.Next != "" && filter.Next != "abc" {
			return nil, kizuna.Errorf(kizuna.EINVALID, "malformed cursor")
		}
		return &kizuna.ObjectPage{}, nil
	}
	fx.objects.DeleteObjectFn = func(ctx context.Context, c, id string, v kizuna.VersionMatch, a kizuna.AccessScope) (int, error) {
		return 0, nil
	}
	fx.ingester.IngestFn = judge
	h := fx.srv.Handler()
	f.Fuzz(func(t *testing.T, method, path, query, accept, contentType, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?# \r\n\t") || strings.ContainsAny(method, " \r\n\t/") || method == "" ||
			strings.ContainsAny(query, "# \r\n") {
			return // not an HTTP request line net/http would deliver
		}
		req, err := http.NewRequest(method, "http://node"+path+"?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer tok-alice")
		req.Header.Set("Accept", accept)
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s?%s: %d %s", method, path, query, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 && (rec.Body.Len() > 0 || rec.Header().Get("Content-Type") != "" || rec.Header().Get("Location") == "") {
			t.Fatalf("%s %s: redirect %d with %q %q, want a Location and no body", method, path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if rec.Code >= 400 {
			var em taxii.ErrorMessage
			if rec.Header().Get("Content-Type") != taxii.MediaTypeTAXII || json.Unmarshal(rec.Body.Bytes(), &em) != nil || em.HTTPStatus == "" {
				t.Fatalf("%s %s: error %d is not a TAXII error object: %s", method, path, rec.Code, rec.Body)
			}
		}
	})
}
