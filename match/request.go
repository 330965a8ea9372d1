package match

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
)

// Limits of one request.
const (
	MaxValues  = 10_000
	MaxBundles = 100
)

// Match answers which indicators the principal in ctx may read match the
// request's observations, and records sightings when asked.
func (s *Service) Match(ctx context.Context, req *kizuna.MatchRequest) (*kizuna.MatchResult, error) {
	p := kizuna.PrincipalFromContext(ctx)
	if p == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "no principal")
	}
	if len(req.Values) > MaxValues || len(req.Bundles) > MaxBundles {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "at most %d values and %d bundles per request", MaxValues, MaxBundles)
	}
	if len(req.Values) == 0 && len(req.Bundles) == 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the request has neither values nor bundles")
	}
	// Hits outside the principal's scope are dropped at once: reading them
	// by id through the guard would only be refused (and audited as a
	// request the principal never made).
	access, err := s.guarded.Scope(ctx)
	if err != nil {
		return nil, err
	}
	var scope map[int64]bool
	if !access.Unrestricted {
		scope = make(map[int64]bool, len(access.LabelIDs))
		for _, id := range access.LabelIDs {
			scope[id] = true
		}
	}
	now := time.Now().UTC()
	res := &kizuna.MatchResult{Matches: []kizuna.Match{}, Indicators: []json.RawMessage{}}

	var hits []hit
	for i, b := range req.Bundles {
		obs, err := pattern.ParseObservations(b, pattern.V21)
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "$.bundles[%d]: %v", i, err)
		}
		hits = append(hits, s.candidates(obs, nil, now, scope)...)
	}
	if len(req.Values) > 0 {
		var obs []*pattern.Observation
		var vals []string
		for _, v := range req.Values {
			o, unknown := pattern.ObservationFromValues([]string{v}, now)
			if len(unknown) > 0 {
				res.Unrecognized = append(res.Unrecognized, v)
				continue
			}
			obs, vals = append(obs, o), append(vals, v)
		}
		hits = append(hits, s.candidates(obs, vals, now, scope)...)
	}

	visible, err := s.visible(ctx, hits)
	if err != nil {
		return nil, err
	}
	perIndicator := map[string][]hit{}
	var order []string
	for _, h := range hits {
		k := key(h.entry.collection, h.entry.id)
		if visible[k] == nil {
			continue
		}
		if perIndicator[k] == nil {
			order = append(order, k)
		}
		perIndicator[k] = append(perIndicator[k], h)
		res.Matches = append(res.Matches, kizuna.Match{
			Indicator: h.entry.id, Collection: h.entry.collection, ObservedData: h.observedData, Value: h.value,
		})
	}
	sortMatches(res.Matches)
	for _, k := range order {
		res.Indicators = append(res.Indicators, visible[k].Raw)
	}
	if req.RecordSightings {
		for _, k := range order {
			id, err := s.recordSighting(ctx, p, visible[k], perIndicator[k], req.Anonymous, now)
			if err != nil {
				return nil, err
			}
			res.Sightings = append(res.Sightings, id)
		}
	}
	s.mu.RLock()
	res.IndexedAt = s.indexedAt
	s.mu.RUnlock()
	return res, nil
}

// visible reads the matched indicators through the guard: only those the
// principal may read come back, as it may read them.
func (s *Service) visible(ctx context.Context, hits []hit) (map[string]*kizuna.Object, error) {
	ids := map[string][]string{}
	seen := map[string]bool{}
	for _, h := range hits {
		k := key(h.entry.collection, h.entry.id)
		if !seen[k] {
			seen[k] = true
			ids[h.entry.collection] = append(ids[h.entry.collection], h.entry.id)
		}
	}
	out := map[string]*kizuna.Object{}
	for c, list := range ids {
		for len(list) > 0 {
			n := min(len(list), 500)
			page, err := s.guarded.FindObjects(ctx, kizuna.ObjectFilter{
				Collection: c, IDs: list[:n], Types: []string{"indicator"},
				Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: n,
			})
			if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
				break // a collection the principal may not read
			} else if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				if !o.Revoked {
					o.Collection = c
					out[key(c, o.ID)] = o
				}
			}
			list = list[n:]
		}
	}
	return out, nil
}

// recordSighting stores a sighting of the indicator through the ingest path,
// with the principal's rights. It carries the indicator's markings, so that
// it is never more visible than what it reveals.
func (s *Service) recordSighting(ctx context.Context, p *kizuna.Principal, ind *kizuna.Object, hits []hit, anonymous bool, now time.Time) (string, error) {
	first, last := hits[0].first, hits[0].last
	var ods []string
	for _, h := range hits {
		if h.first.Before(first) {
			first = h.first
		}
		if h.last.After(last) {
			last = h.last
		}
		if strings.HasPrefix(h.observedData, "observed-data--") {
			ods = append(ods, h.observedData)
		}
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	sighting := map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": "sighting--" + kizuna.NewUUID(),
		"created": ts(now), "modified": ts(now), "sighting_of_ref": ind.ID,
		"count": len(hits), "first_seen": ts(first), "last_seen": ts(last),
	}
	if len(ind.MarkingRefs) > 0 {
		sighting["object_marking_refs"] = ind.MarkingRefs
	}
	if len(ods) > 0 {
		sighting["observed_data_refs"] = dedupe(ods)
	}
	if !anonymous && p.Organization != "" {
		sighting["created_by_ref"] = p.Organization
		sighting["where_sighted_refs"] = []string{p.Organization}
	}
	raw, err := json.Marshal(sighting)
	if err != nil {
		return "", err
	}
	results, err := s.ingester.Ingest(ctx, ind.Collection, []json.RawMessage{raw})
	if err != nil {
		return "", fmt.Errorf("recording a sighting of %s: %w", ind.ID, err)
	}
	if results[0].Err != nil {
		var ke *kizuna.Error
		if errors.As(results[0].Err, &ke) {
			return "", kizuna.Errorf(ke.Code, "recording a sighting of %s: %s", ind.ID, ke.Message)
		}
		return "", results[0].Err
	}
	return sighting["id"].(string), nil
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
