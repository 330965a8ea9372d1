package taxii

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kizuna-dev/kizuna"
)

// nativeAPIPath is where a kizuna node serves its native API, on the
// origin of its TAXII API root.
const nativeAPIPath = "/api/v1/"

// native returns a client for the kizuna native API beside the TAXII API
// root, with the same HTTP client and credentials.
func (c *Client) native() (*Client, error) {
	u, err := url.Parse(c.APIRoot)
	if err != nil || u.Host == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "API root %q is not an absolute URL", c.APIRoot)
	}
	n := *c
	n.APIRoot = (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: nativeAPIPath}).String()
	return &n, nil
}

// WitnessAuditHead asks a kizuna peer to witness a signed head of this
// node's audit log (POST /api/v1/audit/heads) and returns its receipt. A
// head the peer finds inconsistent with one it witnessed is ECONFLICT.
func (c *Client) WitnessAuditHead(ctx context.Context, h *kizuna.AuditHead) (*kizuna.AuditReceipt, error) {
	n, err := c.native()
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(h)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "audit head does not encode")
	}
	var out kizuna.AuditReceipt
	if _, err := n.do(ctx, http.MethodPost, "audit/heads", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WitnessedAuditHeads returns what a kizuna peer witnessed of this node's
// audit log: the heads with seq above afterSeq, and its alarms about the
// log (GET /api/v1/audit/heads).
func (c *Client) WitnessedAuditHeads(ctx context.Context, afterSeq int64, limit int) (*kizuna.WitnessedHeads, error) {
	n, err := c.native()
	if err != nil {
		return nil, err
	}
	q := url.Values{"after": {strconv.FormatInt(afterSeq, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out kizuna.WitnessedHeads
	if _, err := n.do(ctx, http.MethodGet, "audit/heads", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
