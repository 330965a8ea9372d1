package feed

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// Search narrows an export to the objects matching every filter it sets: a
// saved search, when a named feed carries it. Each list matches an object
// holding any of its values. The filters judge each object as the reader
// sees it, after the guard (its portion redaction included): an object
// matches on what the reader may read of it, never on a hidden portion.
type Search struct {
	// Types are the STIX types exported; with a format that takes only
	// indicators, indicator is implied and the only one allowed.
	Types []string `json:"types,omitempty"`
	// Labels are STIX labels (the labels property).
	Labels []string `json:"labels,omitempty"`
	// Markings are marking-definition ids the object's
	// object_marking_refs must name.
	Markings []string `json:"markings,omitempty"`
	// CreatedBy is the identity id of the object's created_by_ref.
	CreatedBy string `json:"created_by,omitempty"`
	// ModifiedSince is an RFC 3339 time, or a duration (720h) counted back
	// from the start of the hour of the export: versions older are left
	// out (an object's version is its modified, else created, else the
	// time the node first stored it).
	ModifiedSince string `json:"modified_since,omitempty"`
}

// IsZero reports whether the search selects everything.
func (s *Search) IsZero() bool {
	return s == nil || (len(s.Types) == 0 && len(s.Labels) == 0 && len(s.Markings) == 0 && s.CreatedBy == "" && s.ModifiedSince == "")
}

// validate checks every filter, naming the flag and the value that is
// wrong; indicatorsOnly says the format takes only indicators.
func (s *Search) validate(format string, indicatorsOnly bool) error {
	for _, t := range s.Types {
		if !isSTIXType(t) {
			return kizuna.Errorf(kizuna.EINVALID, "--type %q: want a STIX type (3 to 250 lower-case letters, digits and '-')", t)
		}
		if indicatorsOnly && t != "indicator" {
			return kizuna.Errorf(kizuna.EINVALID, "--type %q: %s takes indicators only (csv and misp take others with --observables)", t, format)
		}
	}
	for _, l := range s.Labels {
		if strings.TrimSpace(l) == "" {
			return kizuna.Errorf(kizuna.EINVALID, "--label %q: an empty label matches nothing", l)
		}
	}
	for _, m := range s.Markings {
		if !isID(m, "marking-definition") {
			return kizuna.Errorf(kizuna.EINVALID, "--marking %q: want a marking-definition id (marking-definition--UUID)", m)
		}
	}
	if s.CreatedBy != "" && !isID(s.CreatedBy, "identity") {
		return kizuna.Errorf(kizuna.EINVALID, "--created-by %q: want an identity id (identity--UUID)", s.CreatedBy)
	}
	if s.ModifiedSince != "" {
		if _, err := s.since(time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// since returns the earliest version the search keeps at now (zero: no
// bound).
func (s *Search) since(now time.Time) (time.Time, error) {
	if s == nil || s.ModifiedSince == "" {
		return time.Time{}, nil
	}
	if t, err := stix.ParseTimestamp(s.ModifiedSince); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s.ModifiedSince); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s.ModifiedSince)
	if err != nil || d <= 0 {
		return time.Time{}, kizuna.Errorf(kizuna.EINVALID, "--modified-since %q: want an RFC 3339 time (2026-01-31T00:00:00Z) or a positive duration (720h)", s.ModifiedSince)
	}
	return now.UTC().Truncate(time.Hour).Add(-d), nil
}

// needsRaw reports whether the search reads the objects' JSON.
func (s *Search) needsRaw() bool {
	return s != nil && (len(s.Labels) > 0 || len(s.Markings) > 0 || s.CreatedBy != "")
}

// searched is what a search reads of an object's JSON.
type searched struct {
	Labels      []string `json:"labels"`
	MarkingRefs []string `json:"object_marking_refs"`
	CreatedBy   string   `json:"created_by_ref"`
}

// match reports whether o, as the reader sees it, matches the search.
func (s *Search) match(o *kizuna.Object, since time.Time) (bool, error) {
	if len(s.Types) > 0 && !slices.Contains(s.Types, o.Type) {
		return false, nil
	}
	if !since.IsZero() && o.Version.Before(since) {
		return false, nil
	}
	if !s.needsRaw() {
		return true, nil
	}
	if len(o.Raw) == 0 {
		return false, kizuna.Errorf(kizuna.EINTERNAL, "%s: the search reads the object's JSON, which the store did not return", o.ID)
	}
	var v searched
	if err := json.Unmarshal(o.Raw, &v); err != nil {
		// A property of another shape than STIX's matches nothing.
		return false, nil
	}
	anyOf := func(want, have []string) bool {
		return len(want) == 0 || slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
	}
	return anyOf(s.Labels, v.Labels) && anyOf(s.Markings, v.MarkingRefs) &&
		(s.CreatedBy == "" || s.CreatedBy == v.CreatedBy), nil
}

// Query returns the store query of the spec over a collection: the latest
// version of each object, of the types the format and the search take.
// The other filters are applied by Read, to what the guard hands over.
func (s *Spec) Query(collection string) kizuna.ObjectFilter {
	f := kizuna.ObjectFilter{Collection: collection, Versions: kizuna.VersionMatch{Last: true}, Limit: 1000}
	switch {
	case s.Search != nil && len(s.Search.Types) > 0:
		f.Types = slices.Clone(s.Search.Types)
	case !s.Observables:
		f.Types = []string{"indicator"}
	}
	return f
}

// Read streams what the spec selects: every page of filter read from
// store, which must be the guarded store with the reader's principal in
// ctx, narrowed by the search as judged at now. When the search reads the
// objects' JSON, the store is asked for it whatever filter.IncludeRaw.
func (s *Spec) Read(ctx context.Context, store kizuna.ObjectStore, filter kizuna.ObjectFilter, now time.Time) Objects {
	if s.Search.IsZero() {
		return Pages(ctx, store, filter)
	}
	if s.Search.needsRaw() {
		filter.IncludeRaw = true
	}
	objs := Pages(ctx, store, filter)
	return func(yield func(*kizuna.Object, error) bool) {
		since, err := s.Search.since(now)
		if err != nil {
			yield(nil, err)
			return
		}
		for o, err := range objs {
			if err == nil && o != nil {
				ok, merr := s.Search.match(o, since)
				if merr != nil {
					yield(nil, merr)
					return
				}
				if !ok {
					continue
				}
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// isSTIXType reports whether t is a well-formed STIX type name.
func isSTIXType(t string) bool {
	if len(t) < 3 || len(t) > 250 || t[0] == '-' || t[len(t)-1] == '-' {
		return false
	}
	for _, c := range t {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isID reports whether id is a STIX identifier of the type: "type--" and
// a UUID in its canonical form.
func isID(id, typ string) bool {
	u, ok := strings.CutPrefix(id, typ+"--")
	if !ok || len(u) != 36 {
		return false
	}
	for i, c := range u {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// String names the search's filters as the command line gives them
// ("" for none).
func (s *Search) String() string {
	if s == nil {
		return ""
	}
	var parts []string
	add := func(flag string, vs ...string) {
		for _, v := range vs {
			if v != "" {
				parts = append(parts, "--"+flag+" "+strconv.Quote(v))
			}
		}
	}
	add("type", s.Types...)
	add("label", s.Labels...)
	add("marking", s.Markings...)
	add("created-by", s.CreatedBy)
	add("modified-since", s.ModifiedSince)
	return strings.Join(parts, " ")
}
