package feed

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/pattern"
	"github.com/kizuna-dev/kizuna/stix"
)

// indicator holds the properties of an indicator that the feeds carry.
type indicator struct {
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	Labels         []string `json:"labels"`
	IndicatorTypes []string `json:"indicator_types"`
	Confidence     *int     `json:"confidence"`
	Revoked        bool     `json:"revoked"`
}

// entry is one object an exporter writes: an indicator (ind set) or an
// observable, with its marking and the values it carries.
type entry struct {
	obj  *kizuna.Object
	mark marking
	ind  *indicator
	obs  []Observable
	// dropped names the conditions of a pattern translated in part; why,
	// when set, says why an indicator's pattern does not translate at all.
	dropped []string
	why     string
}

// walk reads the stream and hands each indicator, and each observable when
// observables is set, to fn. It leaves out, and reports, what no feed may
// carry: objects without a marking it can state, revoked, expired and
// duplicate indicators, patterns that do not parse. An indicator whose
// pattern does not translate is handed over with why set, for the formats
// that carry the pattern itself.
func walk(objs Objects, opt Options, r *Report, observables bool, fn func(*entry) error) error {
	ms := markings{}
	seen := newSet64(1 << 10)
	seed := maphash.MakeSeed()
	for o, err := range objs {
		if err != nil {
			return err
		}
		if o == nil {
			continue
		}
		r.Read++
		isIndicator := o.Type == "indicator"
		if !isIndicator && !(observables && scoKinds[o.Type]) {
			r.Ignored[o.Type]++
			continue
		}
		m, err := ms.of(o)
		if err != nil {
			r.skip(o, err.Error())
			continue
		}
		if !seen.add(maphash.String(seed, o.ID)) {
			r.skip(o, "a second version of an id already exported")
			continue
		}
		e := &entry{obj: o, mark: m}
		if isIndicator {
			if reason := e.indicator(opt); reason != "" {
				r.skip(o, reason)
				continue
			}
		} else if err := e.observable(); err != nil {
			r.skip(o, err.Error())
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	r.finish()
	return nil
}

// indicator reads an indicator's properties and translates its pattern. It
// returns the reason to leave the indicator out, or "".
func (e *entry) indicator(opt Options) string {
	var ind indicator
	if err := json.Unmarshal(e.obj.Raw, &ind); err != nil {
		return fmt.Sprintf("the indicator does not decode: %v", err)
	}
	e.ind = &ind
	if ind.Revoked || e.obj.Revoked {
		return "revoked"
	}
	if !opt.Now.IsZero() {
		if ind.ValidUntil != "" {
			if t, err := stix.ParseTimestamp(ind.ValidUntil); err == nil && !t.After(opt.Now) {
				return "expired (valid_until " + ind.ValidUntil + ")"
			}
		}
		if t, err := stix.ParseTimestamp(ind.ValidFrom); err == nil && t.After(opt.Now) {
			return "not valid yet (valid_from " + ind.ValidFrom + ")"
		}
	}
	if ind.PatternType != "" && ind.PatternType != "stix" {
		e.why = "pattern_type " + ind.PatternType + " is not a STIX pattern"
		return ""
	}
	v := pattern.V21
	if e.obj.SpecVersion == "2.0" {
		v = pattern.V20
	}
	p, err := pattern.ParseVersion(ind.Pattern, v)
	if err != nil {
		return fmt.Sprintf("the pattern does not parse: %v", err)
	}
	t, err := Translate(p)
	if err != nil {
		e.why = err.Error()
		return ""
	}
	e.obs, e.dropped = t.Observables, t.Dropped
	return ""
}

// scoKinds lists the cyber-observable types whose values the feeds carry.
var scoKinds = map[string]bool{
	"ipv4-addr": true, "ipv6-addr": true, "domain-name": true, "url": true, "email-addr": true,
	"file": true, "x509-certificate": true,
}

// observable reads the values of a cyber observable.
func (e *entry) observable() error {
	var sco struct {
		Value  string            `json:"value"`
		Hashes map[string]string `json:"hashes"`
	}
	if err := json.Unmarshal(e.obj.Raw, &sco); err != nil {
		return fmt.Errorf("the observable does not decode: %v", err)
	}
	var kinds []Kind
	switch e.obj.Type {
	case "file":
		for _, alg := range []string{"MD5", "SHA-1", "SHA-256", "SHA-512"} {
			for name, h := range sco.Hashes {
				if strings.EqualFold(strings.ReplaceAll(name, "-", ""), strings.ReplaceAll(alg, "-", "")) {
					if v, err := normalizeHash(h, hashKinds[alg]); err == nil {
						e.obs = append(e.obs, Observable{Kind: hashKinds[alg], Value: v})
					}
				}
			}
		}
	case "x509-certificate":
		for name, h := range sco.Hashes {
			if strings.EqualFold(strings.ReplaceAll(name, "-", ""), "SHA1") {
				if v, err := normalizeHash(h, KindX509SHA1); err == nil {
					e.obs = append(e.obs, Observable{Kind: KindX509SHA1, Value: v})
				}
			}
		}
	default:
		kinds = []Kind{map[string]Kind{"ipv4-addr": KindIPv4, "ipv6-addr": KindIPv6, "domain-name": KindDomain,
			"url": KindURL, "email-addr": KindEmail}[e.obj.Type]}
	}
	for _, k := range kinds {
		o, err := observe(k, e.obj.Type == "ipv6-addr", sco.Value)
		if err != nil {
			return err
		}
		e.obs = append(e.obs, o)
	}
	if len(e.obs) == 0 {
		return fmt.Errorf("the %s carries no value a feed can state", e.obj.Type)
	}
	return nil
}

// name is the indicator's name, else its id.
func (e *entry) name() string {
	if e.ind != nil && e.ind.Name != "" {
		return e.ind.Name
	}
	return e.obj.ID
}
