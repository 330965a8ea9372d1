package node_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
)

// TestMount: a feature's routes mounted on a node sit behind the node's
// authentication (the principal in the request's context) and take
// precedence over the native API's catch-all.
func TestMount(t *testing.T) {
	mount := func(n *node.Node, r *node.Router) error {
		r.Mux.Handle("GET /api/v1/whoami", r.Protect(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			io.WriteString(w, kizuna.PrincipalFromContext(req.Context()).Name+" on "+n.Identity.Nation)
		})))
		return nil
	}
	s := nodetest.Serve(t, nodetest.Options{Nation: "JPN"}, node.ServeConfig{Mounts: []node.Mount{mount}})
	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.Base+"/api/v1/whoami", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(s.Admin); code != http.StatusOK || body != "admin on JPN" {
		t.Errorf("as the admin: %d %q", code, body)
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", code)
	}
}
