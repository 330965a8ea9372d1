package match

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// recordSighting stores a sighting of the indicator through the ingest path,
// with the principal's rights. A sighting reveals the indicator and the
// observations that matched it, so it carries every marking of both (the
// indicator's portions and its collection's default included) and the
// audience they leave, and it is stored only when the label those give it
// is at least as restrictive as each of its sources: a peer that receives
// it recomputes its label from these markings. A sighting that the write
// rules refuse, or that cannot be marked so, is reported in refusal and
// nothing of it is stored; err is for failures of the node itself.
func (s *Service) recordSighting(ctx context.Context, p *kizuna.Principal, ind *kizuna.Object, hits []hit, anonymous bool, now time.Time) (id string, refusal *kizuna.SightingRefusal, err error) {
	refuse := func(format string, args ...any) (string, *kizuna.SightingRefusal, error) {
		return "", &kizuna.SightingRefusal{Indicator: ind.ID, Collection: ind.Collection, Reason: fmt.Sprintf(format, args...)}, nil
	}
	c, err := s.store.FindCollectionByID(ctx, ind.Collection)
	if err != nil {
		return "", nil, err
	}
	// The version as stored, with every portion's label: the principal's
	// copy may have had portions removed.
	page, err := s.store.FindObjects(ctx, kizuna.ObjectFilter{
		Collection: c.ID, IDs: []string{ind.ID}, Versions: kizuna.VersionMatch{At: []time.Time{ind.Version}},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: 1,
	})
	if err != nil {
		return "", nil, err
	}
	if len(page.Objects) == 0 {
		return refuse("the matched version of the indicator is no longer stored")
	}
	sources := []policy.DerivedSource{{Object: page.Objects[0], Collection: c}}
	first, last := hits[0].first, hits[0].last
	var ods []string
	seen := map[*kizuna.Object]bool{}
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
		for _, o := range h.sources {
			if !seen[o] {
				seen[o] = true
				sources = append(sources, policy.DerivedSource{Object: o})
			}
		}
	}
	d, err := s.deriver.Derive(ctx, sources)
	if kizuna.ErrorCode(err) == kizuna.EINVALID {
		return refuse("the sighting cannot be marked: %s", kizuna.ErrorMessage(err))
	} else if err != nil {
		return "", nil, err
	}

	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	sighting := map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": "sighting--" + kizuna.NewUUID(),
		"created": ts(now), "modified": ts(now), "sighting_of_ref": ind.ID,
		"count": len(hits), "first_seen": ts(first), "last_seen": ts(last),
		"object_marking_refs": d.MarkingRefs,
	}
	if ext := d.Extension(); ext != nil {
		sighting["extensions"] = ext
	}
	if len(ods) > 0 {
		sighting["observed_data_refs"] = dedupe(ods)
	}
	obj := &kizuna.Object{ID: sighting["id"].(string), Type: "sighting", SpecVersion: "2.1", MarkingRefs: d.MarkingRefs}
	if !anonymous && p.Organization != "" {
		sighting["created_by_ref"] = p.Organization
		sighting["where_sighted_refs"] = []string{p.Organization}
		obj.CreatedByRef = p.Organization
	}
	if obj.Raw, err = json.Marshal(sighting); err != nil {
		return "", nil, err
	}
	if _, err := s.deriver.CheckDerived(ctx, obj, c, d); err != nil {
		if code := kizuna.ErrorCode(err); code != kizuna.EFORBIDDEN && code != kizuna.EINVALID {
			return "", nil, err
		}
		return refuse("%s", kizuna.ErrorMessage(err))
	}
	results, err := s.ingester.Ingest(ctx, ind.Collection, []json.RawMessage{obj.Raw})
	if code := kizuna.ErrorCode(err); code == kizuna.ENOTFOUND || code == kizuna.EFORBIDDEN {
		return refuse("%s", kizuna.ErrorMessage(err))
	} else if err != nil {
		return "", nil, fmt.Errorf("recording a sighting of %s: %w", ind.ID, err)
	}
	if results[0].Err != nil {
		if kizuna.ErrorCode(results[0].Err) == kizuna.EINTERNAL {
			return "", nil, fmt.Errorf("recording a sighting of %s: %w", ind.ID, results[0].Err)
		}
		return refuse("%s", kizuna.ErrorMessage(results[0].Err))
	}
	return obj.ID, nil, nil
}

// submitted is what the matcher reads of each object of a submitted bundle:
// the markings it carries and, for observed-data, the SCOs it references.
type submitted struct {
	Type             string                   `json:"type"`
	ID               string                   `json:"id"`
	SpecVersion      string                   `json:"spec_version"`
	CreatedByRef     string                   `json:"created_by_ref"`
	MarkingRefs      []string                 `json:"object_marking_refs"`
	GranularMarkings []kizuna.GranularMarking `json:"granular_markings"`
	ObjectRefs       []string                 `json:"object_refs"`
}

// observationSources maps each observed-data id of a submitted bundle (or
// list of bundles) to the objects a sighting of it reveals: the
// observed-data and the SCOs it references in the bundle.
func observationSources(raw json.RawMessage) (map[string][]*kizuna.Object, error) {
	var bundles []json.RawMessage
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &bundles); err != nil {
			return nil, err
		}
	} else {
		bundles = []json.RawMessage{raw}
	}
	byID := map[string]*kizuna.Object{}
	var ods []*submitted
	for bi, b := range bundles {
		var bundle struct {
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			return nil, fmt.Errorf("bundle[%d]: %v", bi, err)
		}
		for oi, o := range bundle.Objects {
			var sub submitted
			if err := json.Unmarshal(o, &sub); err != nil {
				return nil, fmt.Errorf("bundle[%d].objects[%d]: %v", bi, oi, err)
			}
			byID[sub.ID] = &kizuna.Object{ID: sub.ID, Type: sub.Type, SpecVersion: sub.SpecVersion, CreatedByRef: sub.CreatedByRef,
				MarkingRefs: sub.MarkingRefs, GranularMarkings: sub.GranularMarkings, Raw: o}
			if sub.Type == "observed-data" {
				ods = append(ods, &sub)
			}
		}
	}
	out := make(map[string][]*kizuna.Object, len(ods))
	for _, od := range ods {
		list := []*kizuna.Object{byID[od.ID]}
		for _, ref := range od.ObjectRefs {
			if o := byID[ref]; o != nil && ref != od.ID {
				list = append(list, o)
			}
		}
		out[od.ID] = append(out[od.ID], list...)
	}
	return out, nil
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
