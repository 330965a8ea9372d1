package node_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/policy/policytest"
)

// answered checks an answer's status: 401 for a reader without valid
// credentials, else 200 or one of also. It reports whether the answer is a
// 200 to read.
func (c *leakChecker) answered(lr *leakReader, path string, resp leakResponse, also ...int) bool {
	if lr.hidden {
		if resp.code != http.StatusUnauthorized || bytes.Contains(resp.body, []byte("indicator--")) {
			c.fail(lr, path, fmt.Sprintf("answered %d %.300s to a reader without valid credentials, want 401", resp.code, resp.body))
		}
		return false
	}
	if resp.code != http.StatusOK && !slices.Contains(also, resp.code) {
		c.fail(lr, path, fmt.Sprintf("answered %d %.300s", resp.code, resp.body))
	}
	return resp.code == http.StatusOK
}

// compare checks, for every version in specs, that the answer holds it
// exactly when the model says so, redacted as the model says; and that the
// answer holds nothing else. Each version is one case.
func (c *leakChecker) compare(lr *leakReader, path string, specs []*policytest.ObjectSpec, got map[string]json.RawMessage, want func(*policytest.ObjectSpec) bool) {
	known := map[string]bool{}
	for _, spec := range specs {
		c.cases++
		key := spec.Key()
		known[key] = true
		w := want(spec)
		raw, g := got[key]
		if path == "objects" {
			c.stats.listed++
		}
		if w && path == "objects" {
			c.stats.visible++
			if e := lr.want.exp[key]; len(e.Redacted) > 0 {
				c.stats.redacted++
			}
			if !lr.want.exp[leakKey(spec.ID, c.newest(spec.ID))].Visible {
				c.stats.older++
			}
		}
		if w != g {
			c.disagree(lr, spec, path, leakPresence(w), leakPresence(g))
			continue
		}
		if g && raw != nil {
			if msg := leakCheckRedacted(raw, spec, lr.want.exp[key]); msg != "" {
				c.disagree(lr, spec, path, fmt.Sprintf("visible, redacted %v", lr.want.exp[key].Redacted), msg)
			}
		}
	}
	for key := range got {
		if !known[key] {
			c.fail(lr, path, "answered "+key+", which the scenario does not hold here")
		}
	}
}

func leakPresence(b bool) string {
	if b {
		return "present"
	}
	return "absent"
}

// leakCheckRedacted compares x_kizuna_redacted with the model and checks that
// every value the model keeps is there and every one it removes is gone.
func leakCheckRedacted(raw json.RawMessage, spec *policytest.ObjectSpec, exp policytest.Expectation) string {
	var doc struct {
		Redacted []string `json:"x_kizuna_redacted"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "the object's JSON does not parse: " + err.Error()
	}
	if !slices.Equal(doc.Redacted, exp.Redacted) {
		return fmt.Sprintf("x_kizuna_redacted %v", doc.Redacted)
	}
	for sel, secret := range spec.Secrets {
		if !slices.Contains(exp.Redacted, sel) && !strings.Contains(string(raw), secret) {
			return sel + " was removed but is not listed as redacted"
		}
	}
	return ""
}

// scan fails when an answer holds any text the reader may not see: a value
// of a hidden version or portion, or the id of an object it may not see.
func (c *leakChecker) scan(lr *leakReader, path string, body []byte, forbidden []string) {
	for _, f := range forbidden {
		if bytes.Contains(body, []byte(f)) {
			c.fail(lr, path, fmt.Sprintf("the answer holds %q, which the reader may not see", f))
		}
	}
}

// keyed indexes objects by version key.
func (c *leakChecker) keyed(lr *leakReader, path string, objs []json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, raw := range objs {
		k := leakKeyOf(raw)
		if _, dup := out[k]; dup {
			c.fail(lr, path, k+" twice in one answer")
		}
		out[k] = raw
	}
	return out
}

// leakKeyOf is the version key of an object's JSON (with "?" for a missing
// or malformed modified, which matches no version of the scenario).
func leakKeyOf(raw json.RawMessage) string {
	var head struct{ ID, Modified string }
	json.Unmarshal(raw, &head)
	t, err := time.Parse(time.RFC3339Nano, head.Modified)
	if err != nil {
		return head.ID + "@?"
	}
	return leakKey(head.ID, t)
}

// specsOf lists the scenario's versions of an object.
func (c *leakChecker) specsOf(id string) []*policytest.ObjectSpec {
	var out []*policytest.ObjectSpec
	for _, s := range c.sc.Objects {
		if s.ID == id {
			out = append(out, s)
		}
	}
	return out
}

// newest is the latest version of an object among those stored.
func (c *leakChecker) newest(id string) time.Time {
	var t time.Time
	for _, s := range c.specsOf(id) {
		if !c.sc.Expect(policytest.Reader{}, s).Rejected && s.Modified.After(t) {
			t = s.Modified
		}
	}
	return t
}

// fail reports a wrong answer that is not a single case's decision (paging,
// headers, status codes, error bodies).
func (c *leakChecker) fail(lr *leakReader, path, msg string) {
	c.t.Helper()
	c.bad++
	c.t.Errorf("%s: reader %+v: %s", path, lr.r, msg)
}
