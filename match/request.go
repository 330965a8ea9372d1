package match

import (
	"context"
	"encoding/json"
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
//
// The answer is the same whether or not the observations also hit
// indicators the principal may not read (outside its scope, or in a
// collection it may not read): those hits are absent, not counted, and
// cause no error; the audit log records them (withhold).
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

	withheld := map[string]entry{}
	var hits []hit
	for i, b := range req.Bundles {
		obs, err := pattern.ParseObservations(b, pattern.V21)
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "$.bundles[%d]: %v", i, err)
		}
		var sources map[string][]*kizuna.Object
		if req.RecordSightings {
			if sources, err = observationSources(b); err != nil {
				return nil, kizuna.Errorf(kizuna.EINVALID, "$.bundles[%d]: %v", i, err)
			}
		}
		bundleHits := s.candidates(obs, nil, now, scope, withheld)
		for j := range bundleHits {
			bundleHits[j].sources = sources[bundleHits[j].observedData]
		}
		hits = append(hits, bundleHits...)
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
		hits = append(hits, s.candidates(obs, vals, now, scope, withheld)...)
	}

	visible, err := s.visible(ctx, hits)
	if err != nil {
		return nil, err
	}
	perIndicator := map[string][]hit{}
	var order []string
	for _, h := range hits {
		k := h.key
		if o := visible[k]; o == nil {
			withheld[k] = h.entry
			continue
		} else if o.Revoked {
			continue // revoked since the index took it
		}
		if perIndicator[k] == nil {
			order = append(order, k)
		}
		perIndicator[k] = append(perIndicator[k], h)
		res.Matches = append(res.Matches, kizuna.Match{
			Indicator: h.entry.id(k), Collection: h.entry.collection(k), ObservedData: h.observedData, Value: h.value,
		})
	}
	s.withhold(ctx, p, withheld)
	sortMatches(res.Matches)
	for _, k := range order {
		res.Indicators = append(res.Indicators, visible[k].Raw)
	}
	if req.RecordSightings {
		for _, k := range order {
			id, refusal, err := s.recordSighting(ctx, p, visible[k], perIndicator[k], req.Anonymous, now)
			if err != nil {
				return nil, err
			}
			if refusal != nil {
				res.RefusedSightings = append(res.RefusedSightings, *refusal)
				continue
			}
			res.Sightings = append(res.Sightings, id)
		}
	}
	return res, nil
}

// visible reads the matched indicators through the guard: only those the
// principal may read come back, as it may read them (revoked ones too, which
// the caller leaves out). A collection the
// principal may not read (whether it may write to it or not) holds nothing
// it may read.
func (s *Service) visible(ctx context.Context, hits []hit) (map[string]*kizuna.Object, error) {
	ids := map[string][]string{}
	seen := map[string]bool{}
	for _, h := range hits {
		k := h.key
		if !seen[k] {
			seen[k] = true
			c := h.entry.collection(k)
			ids[c] = append(ids[c], h.entry.id(k))
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
			if code := kizuna.ErrorCode(err); code == kizuna.ENOTFOUND || code == kizuna.EFORBIDDEN {
				break
			} else if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				o.Collection = c
				out[key(c, o.ID)] = o
			}
			list = list[n:]
		}
	}
	return out, nil
}
