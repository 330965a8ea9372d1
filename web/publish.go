package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

func init() {
	register(page{Pattern: "GET /publish", Template: "publish.html", Nav: "nav.publish", NavPath: "/publish", Order: 20, Handle: (*Server).publishForm})
	register(page{Pattern: "POST /publish", Template: "publish.html", Handle: (*Server).publish})
}

// publishData is the publish form and, after a POST, its outcome.
type publishData struct {
	Collections []*kizuna.Collection
	Collection  string
	JSON        string
	// Error is a refusal of the whole submission; Results the outcome of
	// each object.
	Error    string
	Results  []publishResult
	Accepted int
	Rejected int
}

type publishResult struct {
	Index   int
	ID      string
	Path    string // the stored object's page, for an accepted object
	Message string // why it was refused ("" when accepted)
	// Marking is the accepted object's, as the node labelled it.
	Marking *Marking
}

func (s *Server) publishForm(v *View, r *http.Request) error {
	v.Title = v.T("publish.title")
	cols, err := s.writable(r.Context())
	if err != nil {
		return err
	}
	v.Data = &publishData{Collections: cols, Collection: r.URL.Query().Get("collection")}
	return nil
}

// publish ingests the submitted objects (the text field, or the uploaded
// file) into the collection through the node's ingest, with the
// principal's rights, as a TAXII POST does: each object is validated,
// labelled and judged by the write rules on its own.
func (s *Server) publish(v *View, r *http.Request) error {
	ctx := r.Context()
	v.Title = v.T("publish.title")
	cols, err := s.writable(ctx)
	if err != nil {
		return err
	}
	limits := s.router.Limits()
	data := &publishData{Collections: cols, Collection: r.PostFormValue("collection")}
	v.Data = data
	fail := func(status int, msg string) error {
		data.Error = msg
		v.SetStatus(status)
		return nil
	}
	var col *kizuna.Collection
	for _, c := range cols {
		if c.ID == data.Collection || (c.Alias != "" && c.Alias == data.Collection) {
			col = c
		}
	}
	if col == nil {
		return fail(http.StatusNotFound, v.T("publish.no_collection"))
	}
	body := []byte(r.PostFormValue("json"))
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if h.Size > 0 {
			body, err = io.ReadAll(io.LimitReader(f, limits.MaxContentLength+1))
			if err != nil {
				return fail(http.StatusBadRequest, v.T("publish.unreadable", h.Filename))
			}
			if int64(len(body)) > limits.MaxContentLength {
				return fail(http.StatusRequestEntityTooLarge, v.T("publish.too_large", limits.MaxContentLength))
			}
		}
	} else if !errors.Is(err, http.ErrMissingFile) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, v.T("publish.too_large", limits.MaxContentLength))
		}
		return fail(http.StatusBadRequest, err.Error())
	} else {
		data.JSON = string(body)
	}
	objects, err := splitObjects(body)
	if err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	if len(objects) > limits.MaxObjects {
		return fail(http.StatusRequestEntityTooLarge, v.T("publish.too_many", len(objects), limits.MaxObjects))
	}
	// In the POST queue, within the principal's share, as a TAXII POST.
	results, err := s.router.Ingest(ctx, col.ID, objects)
	if code := kizuna.ErrorCode(err); code == kizuna.EUNAVAILABLE || code == "rate_limited" {
		v.w.Header().Set("Retry-After", "5")
		if code == "rate_limited" {
			return fail(http.StatusTooManyRequests, v.T("error.rate_limited"))
		}
		return fail(http.StatusServiceUnavailable, v.T("error."+kizuna.EUNAVAILABLE))
	} else if err != nil {
		return err
	}
	for i, res := range results {
		pr := publishResult{Index: i, ID: res.ID}
		if res.Err != nil {
			pr.Message = kizuna.ErrorMessage(res.Err)
			data.Rejected++
		} else {
			pr.Path = objectPath(res.ID, col.ID)
			data.Accepted++
		}
		data.Results = append(data.Results, pr)
	}
	if err := s.markPublished(v, col, data.Results); err != nil {
		return err
	}
	if data.Rejected > 0 {
		v.SetStatus(http.StatusUnprocessableEntity)
	}
	return nil
}

// markPublished reads the accepted objects back through the guard: each
// row gets the marking the node gave it, and the page's banners count
// them.
func (s *Server) markPublished(v *View, col *kizuna.Collection, results []publishResult) error {
	var ids []string
	for _, r := range results {
		if r.Message == "" && r.ID != "" {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found := map[string]Marking{}
	err := s.scanIDs(v.ctx, col.ID, ids, func(o *kizuna.Object) {
		found[o.ID] = s.markAll(v, o)
	})
	if err != nil {
		return err
	}
	for i := range results {
		if m, ok := found[results[i].ID]; ok {
			results[i].Marking = &m
		}
	}
	return nil
}

// splitObjects reads what the publish form takes: a STIX bundle, a TAXII
// envelope ({"objects": [...]}), a JSON array of objects or one object.
// Errors name the JSON path. A member of the top level given twice, in
// any case, is refused: tools that read the first and the last would see
// different objects.
func splitObjects(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(body) == 0 {
		return nil, fmt.Errorf("$: nothing to publish: paste a STIX object, bundle or array, or choose a file")
	}
	var list []json.RawMessage
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("$: %v", err)
		}
	case '{':
		members, err := topMembers(body)
		if err != nil {
			return nil, err
		}
		raw, ok := members["objects"]
		var typ string
		if t, found := members["type"]; found {
			json.Unmarshal(t, &typ)
		}
		if !ok || (typ != "" && typ != "bundle") {
			return []json.RawMessage{json.RawMessage(body)}, nil
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("$.objects: not an array of objects: %v", err)
		}
	default:
		return nil, fmt.Errorf("$: not a JSON object or array")
	}
	for i, o := range list {
		if t := bytes.TrimLeft(o, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return nil, fmt.Errorf("$[%d]: not a JSON object", i)
		}
	}
	return list, nil
}

// topMembers decodes the members of a JSON object, refusing one given
// twice (compared without case).
func topMembers(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("$: %v", err)
	}
	out := map[string]json.RawMessage{}
	seen := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("$: %v", err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("$.%s: %v", k, err)
		}
		if prev, dup := seen[strings.ToLower(k)]; dup {
			return nil, fmt.Errorf("$: member %s given twice (as %s and %s)", strconv.Quote(k), strconv.Quote(prev), strconv.Quote(k))
		}
		seen[strings.ToLower(k)] = k
		out[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("$: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("$: data after the top-level object")
	}
	return out, nil
}
