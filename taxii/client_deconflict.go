package taxii

import (
	"context"
	"encoding/json"
	"net/http"
)

// ExchangeDeconfliction sends one message of the deconfliction exchange
// to a kizuna peer (POST /api/v1/deconfliction/exchange/STEP, step query
// or confirm) and returns the peer's answer as sent, for the caller to
// check.
func (c *Client) ExchangeDeconfliction(ctx context.Context, step string, body []byte) (json.RawMessage, error) {
	n, err := c.native()
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	if _, err := n.do(ctx, http.MethodPost, "deconfliction/exchange/"+step, nil, body, &out); err != nil {
		return nil, err
	}
	return out, nil
}
