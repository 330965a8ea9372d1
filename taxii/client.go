package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// DefaultMaxResponseBytes bounds a response body the client reads.
const DefaultMaxResponseBytes = 256 << 20

// Client talks TAXII 2.1 to one API root of a peer, kizuna or not.
type Client struct {
	// APIRoot is the API root URL, ending in "/", e.g.
	// "https://peer.example/taxii2/api/".
	APIRoot string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Username and Token are sent as HTTP Basic credentials when Username
	// is set, else Token alone as a bearer token.
	Username string
	Token    string
	// MaxResponseBytes bounds each response body (0: DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// RespondAsync asks the server to answer a POST of objects at once,
	// with the status pending (Prefer: respond-async), rather than after
	// ingesting a small envelope: a client that keeps several envelopes
	// posted, and polls their statuses, gets the next one into the
	// server's queue while the server processes the one before.
	RespondAsync bool
}

// ObjectQuery selects objects of a collection; zero fields are not sent.
type ObjectQuery struct {
	AddedAfter   time.Time
	Limit        int
	Next         string
	IDs          []string
	Types        []string
	Versions     []string // "first", "last", "all" or timestamps
	SpecVersions []string
}

func (q ObjectQuery) values() url.Values {
	v := url.Values{}
	if !q.AddedAfter.IsZero() {
		v.Set("added_after", formatDateAdded(q.AddedAfter))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Next != "" {
		v.Set("next", q.Next)
	}
	for key, list := range map[string][]string{"match[id]": q.IDs, "match[type]": q.Types,
		"match[version]": q.Versions, "match[spec_version]": q.SpecVersions} {
		if len(list) > 0 {
			v.Set(key, strings.Join(list, ","))
		}
	}
	return v
}

// ObjectsPage is one page of Get Objects.
type ObjectsPage struct {
	Envelope
	// DateAddedFirst and DateAddedLast come from the X-TAXII-Date-Added-*
	// headers; zero when the server sent none.
	DateAddedFirst time.Time
	DateAddedLast  time.Time
}

// APIRootInfo returns the API root resource.
func (c *Client) APIRootInfo(ctx context.Context) (*APIRoot, error) {
	var out APIRoot
	_, err := c.do(ctx, http.MethodGet, "", nil, nil, &out)
	return &out, err
}

// Collections lists the collections the credentials can see.
func (c *Client) Collections(ctx context.Context) ([]Collection, error) {
	var out Collections
	_, err := c.do(ctx, http.MethodGet, "collections/", nil, nil, &out)
	return out.Collections, err
}

// GetObjects returns one page of objects of a collection.
func (c *Client) GetObjects(ctx context.Context, collection string, q ObjectQuery) (*ObjectsPage, error) {
	var out ObjectsPage
	h, err := c.do(ctx, http.MethodGet, "collections/"+url.PathEscape(collection)+"/objects/", q.values(), nil, &out.Envelope)
	if err != nil {
		return nil, err
	}
	out.DateAddedFirst, _ = time.Parse(time.RFC3339Nano, h.Get("X-TAXII-Date-Added-First"))
	out.DateAddedLast, _ = time.Parse(time.RFC3339Nano, h.Get("X-TAXII-Date-Added-Last"))
	return &out, nil
}

// AllObjects pages through every object matching q, calling fn with each
// page in order, and stops at the first error fn returns.
func (c *Client) AllObjects(ctx context.Context, collection string, q ObjectQuery, fn func(*ObjectsPage) error) error {
	q.Next = ""
	for {
		page, err := c.GetObjects(ctx, collection, q)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		if !page.More {
			return nil
		}
		if page.Next == "" {
			return kizuna.Errorf(kizuna.EINVALID, "TAXII server said more=true without a next cursor")
		}
		q.Next = page.Next
	}
}

// AddObjects posts objects to a collection and returns the status resource
// the server answered with (usually still pending).
func (c *Client) AddObjects(ctx context.Context, collection string, objects []json.RawMessage) (*StatusResource, error) {
	body, err := json.Marshal(Envelope{Objects: objects})
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "objects are not valid JSON")
	}
	var out StatusResource
	_, err = c.do(ctx, http.MethodPost, "collections/"+url.PathEscape(collection)+"/objects/", nil, body, &out)
	return &out, err
}

// Status returns a status resource.
func (c *Client) Status(ctx context.Context, id string) (*StatusResource, error) {
	var out StatusResource
	_, err := c.do(ctx, http.MethodGet, "status/"+url.PathEscape(id)+"/", nil, nil, &out)
	return &out, err
}

// WaitStatus polls a status resource every interval until it is complete
// or ctx ends.
func (c *Client) WaitStatus(ctx context.Context, id string, interval time.Duration) (*StatusResource, error) {
	for {
		st, err := c.Status(ctx, id)
		if err != nil || st.Status == kizuna.StatusComplete {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// do sends one request relative to the API root and decodes a 2xx answer
// into out. Other answers become a *kizuna.Error whose code follows the
// HTTP status and whose message carries the server's error description.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) (http.Header, error) {
	u := c.APIRoot + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "bad TAXII request URL %q", u)
	}
	req.Header.Set("Accept", MediaTypeTAXII)
	if body != nil {
		req.Header.Set("Content-Type", MediaTypeTAXII)
	}
	if c.RespondAsync && method == http.MethodPost {
		req.Header.Set("Prefer", "respond-async")
	}
	if c.Username != "" {
		req.SetBasicAuth(c.Username, c.Token)
	} else if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EUNAVAILABLE, err, "TAXII server unreachable: %s %s", method, u)
	}
	defer resp.Body.Close()
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EUNAVAILABLE, err, "reading the TAXII response to %s %s", method, u)
	}
	if int64(len(data)) > limit {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "TAXII response to %s %s exceeds %d bytes", method, u, limit)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var em ErrorMessage
		json.Unmarshal(data, &em)
		msg := em.Description
		if msg == "" {
			msg = em.Title
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return resp.Header, kizuna.Errorf(codeForStatus(resp.StatusCode), "TAXII %s %s: %d: %s", method, u, resp.StatusCode, msg)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return resp.Header, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, kizuna.WrapError(kizuna.EINVALID, err, "TAXII response to %s %s is not the expected JSON: %v", method, u, err)
	}
	return resp.Header, nil
}

// String names the client's API root, for logs.
func (c *Client) String() string { return fmt.Sprintf("taxii.Client(%s)", c.APIRoot) }
