package feed

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna/pattern"
)

// maxClauses bounds the expansion of a bracketed expression into
// alternatives, so that a hostile pattern cannot make the translation
// explode ((a OR b) AND (c OR d) AND ... doubles with each term).
const maxClauses = 256

// Translation is what the feeds can use of one STIX pattern: the values it
// tests for, each of which alone satisfies the pattern (or the part of it
// that was translated).
type Translation struct {
	Observables []Observable
	// Dropped names the conditions of a pattern translated in part: an
	// alternative that cannot be expressed (the feed then detects less than
	// the pattern), or a condition beside a value that cannot be (the feed
	// then detects more: a file's name beside its hash).
	Dropped []string
}

// NotTranslatedError says why a pattern cannot be carried by a feed.
type NotTranslatedError struct{ Reason string }

func (e *NotTranslatedError) Error() string { return e.Reason }

func notTranslated(format string, args ...any) error {
	return &NotTranslatedError{Reason: fmt.Sprintf(format, args...)}
}

// Translate extracts from a parsed pattern the values a feed can carry:
// addresses, networks, domains, URLs, e-mail addresses, file hashes and
// certificate fingerprints tested for equality (or, for networks, with
// ISSUBSET), alone or as alternatives joined by OR, with the port and
// transport of a network-traffic pattern. The error, a *NotTranslatedError,
// names what no feed can express: observation expressions joined by AND
// or FOLLOWEDBY, qualifiers, NOT, the operators other than = IN and
// ISSUBSET, conditions on several objects in one observation, paths with
// no feed equivalent.
func Translate(p *pattern.Pattern) (*Translation, error) {
	t := &Translation{}
	if err := t.observation(p.Root); err != nil {
		return nil, err
	}
	seen := make(map[Observable]bool, len(t.Observables))
	out := t.Observables[:0]
	for _, o := range t.Observables {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	t.Observables = out
	t.Dropped = uniq(t.Dropped)
	return t, nil
}

func (t *Translation) observation(e pattern.ObservationExpr) error {
	switch x := e.(type) {
	case *pattern.ObservationBinary:
		switch x.Op {
		case pattern.OpObsOr:
			return t.either(func(s *Translation) error { return s.observation(x.Left) },
				func(s *Translation) error { return s.observation(x.Right) })
		case pattern.OpObsAnd:
			return notTranslated("observation expressions joined by AND (several observations together) cannot be expressed")
		default:
			return notTranslated("FOLLOWEDBY (observations in order) cannot be expressed")
		}
	case *pattern.Qualified:
		return notTranslated("the qualifier %s cannot be expressed", qualifierName(x.Kind))
	case *pattern.ObservationSimple:
		clauses, err := alternatives(x.Expr)
		if err != nil {
			return err
		}
		fns := make([]func(*Translation) error, len(clauses))
		for i, c := range clauses {
			fns[i] = func(s *Translation) error { return s.clause(c) }
		}
		return t.either(fns...)
	}
	return notTranslated("unknown observation expression")
}

func qualifierName(k pattern.QualifierKind) string {
	switch k {
	case pattern.QualWithin:
		return "WITHIN"
	case pattern.QualRepeats:
		return "REPEATS"
	}
	return "START/STOP"
}

// either translates alternatives: the ones that translate are kept, the
// others become dropped conditions; only when none translates is the whole
// untranslatable.
func (t *Translation) either(alts ...func(*Translation) error) error {
	var reasons []string
	ok := false
	for _, alt := range alts {
		s := &Translation{}
		if err := alt(s); err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		ok = true
		t.Observables = append(t.Observables, s.Observables...)
		t.Dropped = append(t.Dropped, s.Dropped...)
	}
	reasons = uniq(reasons)
	if !ok {
		return &NotTranslatedError{Reason: strings.Join(reasons, "; ")}
	}
	for _, r := range reasons {
		t.Dropped = append(t.Dropped, "an alternative: "+r)
	}
	return nil
}

// alternatives expands a comparison expression into clauses joined by OR,
// each a list of comparisons joined by AND.
func alternatives(e pattern.ComparisonExpr) ([][]*pattern.Comparison, error) {
	switch x := e.(type) {
	case *pattern.Comparison:
		return [][]*pattern.Comparison{{x}}, nil
	case *pattern.ComparisonBinary:
		l, err := alternatives(x.Left)
		if err != nil {
			return nil, err
		}
		r, err := alternatives(x.Right)
		if err != nil {
			return nil, err
		}
		if !x.And {
			if len(l)+len(r) > maxClauses {
				return nil, errTooComplex
			}
			return append(l, r...), nil
		}
		if len(l)*len(r) > maxClauses {
			return nil, errTooComplex
		}
		out := make([][]*pattern.Comparison, 0, len(l)*len(r))
		for _, a := range l {
			for _, b := range r {
				out = append(out, append(slices.Clip(a), b...))
			}
		}
		return out, nil
	}
	return nil, notTranslated("unknown comparison expression")
}

var errTooComplex = notTranslated("the comparison expression has more than %d alternatives", maxClauses)

// clause translates comparisons joined by AND, which all test one object.
func (t *Translation) clause(cs []*pattern.Comparison) error {
	typ := cs[0].Path.Type
	var ids, ports, types []term
	proto := ""
	for _, c := range cs {
		if c.Path.Type != typ {
			return notTranslated("conditions on %s and %s in one observation cannot be expressed", typ, c.Path.Type)
		}
		tm, err := classify(c)
		if err != nil {
			return err
		}
		switch tm.role {
		case roleValue:
			ids = append(ids, tm)
		case rolePort:
			ports = append(ports, tm)
		case roleProto:
			if proto != "" && proto != tm.proto {
				return notTranslated("%s: two transports in one observation", c.Path)
			}
			proto = tm.proto
		case roleOther:
			t.Dropped = append(t.Dropped, tm.why)
		case roleType:
			if tm.proto != "" {
				types = append(types, tm)
			}
		}
	}
	if len(ids) == 0 {
		if len(t.Dropped) > 0 {
			return notTranslated("%s", t.Dropped[0])
		}
		return notTranslated("%s: no value a feed can test", cs[0].Path)
	}
	if len(ids) > 1 && !allHashes(ids) {
		return notTranslated("%s: several values tested together in one object cannot be expressed", ids[1].path)
	}
	for _, id := range ids {
		for _, o := range id.values {
			for _, ty := range types {
				if ty.source == (o.Dir == DirSrc) && !typeFits(ty.proto, o.Kind) {
					return notTranslated("%s is %q but the address is %s", ty.path, ty.proto, o.Value)
				}
			}
			o.Proto = proto
			for _, p := range ports {
				if p.source != (o.Dir == DirSrc) {
					return notTranslated("%s: a port of the other end of the traffic cannot be expressed", p.path)
				}
				if !o.Kind.IsIP() {
					t.Dropped = append(t.Dropped, p.path+": the port of a domain name")
					continue
				}
				if o.Port != 0 && o.Port != p.port {
					return notTranslated("%s: two ports in one observation", p.path)
				}
				o.Port = p.port
			}
			if o.Proto != "" && !o.Kind.IsIP() {
				t.Dropped = append(t.Dropped, cs[0].Path.Type+": the transport of a domain name")
				o.Proto = ""
			}
			t.Observables = append(t.Observables, o)
		}
	}
	return nil
}

// typeFits reports whether an address of kind k is of the STIX type typ.
func typeFits(typ string, k Kind) bool {
	switch typ {
	case "ipv4-addr":
		return k == KindIPv4 || k == KindNet4
	case "ipv6-addr":
		return k == KindIPv6 || k == KindNet6
	case "domain-name":
		return k == KindDomain
	}
	return false
}

func allHashes(ids []term) bool {
	for _, id := range ids {
		if !id.values[0].Kind.IsHash() {
			return false
		}
	}
	return true
}

// role is what a comparison contributes to a clause.
type role int

const (
	roleValue role = iota + 1 // the values of an observable
	rolePort                  // a network-traffic port
	roleProto                 // a network-traffic transport
	roleOther                 // a condition no feed expresses (dropped beside a value)
	roleType                  // the type of a network-traffic address, which its value implies
)

type term struct {
	role   role
	path   string
	values []Observable
	port   int
	source bool
	proto  string
	why    string
}

// classify maps one comparison to its role in a clause. Conditions that no
// feed can express but that are safe to leave out beside a value (a file's
// name beside its hash) are roleOther; the rest is an error.
func classify(c *pattern.Comparison) (term, error) {
	path := c.Path.String()
	tm := term{path: path}
	if c.Negated {
		return tm, notTranslated("%s: NOT cannot be expressed", path)
	}
	steps := keys(c.Path.Steps)
	switch c.Path.Type + ":" + steps {
	case "network-traffic:dst_port", "network-traffic:src_port":
		if c.Op != pattern.OpEQ || c.Value.Kind != pattern.LitInt || c.Value.Int < 1 || c.Value.Int > 65535 {
			return tm, notTranslated("%s: only = with a port number can be expressed", path)
		}
		tm.role, tm.port, tm.source = rolePort, int(c.Value.Int), steps == "src_port"
		return tm, nil
	case "network-traffic:protocols.*", "network-traffic:protocols.0":
		if c.Op == pattern.OpEQ && c.Value.Kind == pattern.LitString {
			switch p := strings.ToLower(c.Value.Str); p {
			case "tcp", "udp":
				tm.role, tm.proto = roleProto, p
				return tm, nil
			case "ipv4", "ipv6", "ip":
				tm.role = roleType // the address says its version
				return tm, nil
			}
		}
		tm.role, tm.why = roleOther, path+": a protocol other than tcp or udp"
		return tm, nil
	case "network-traffic:dst_ref.type", "network-traffic:src_ref.type":
		if c.Op != pattern.OpEQ || c.Value.Kind != pattern.LitString {
			return tm, notTranslated("%s: only = with a type name can be expressed", path)
		}
		tm.role, tm.proto, tm.source = roleType, c.Value.Str, steps == "src_ref.type"
		return tm, nil
	}
	kind, v6, ok := valuePath(c.Path.Type, c.Path.Steps)
	if !ok {
		tm.role, tm.why = roleOther, path+": no feed equivalent"
		return tm, nil
	}
	var lits []pattern.Literal
	switch c.Op {
	case pattern.OpEQ:
		lits = []pattern.Literal{c.Value}
	case pattern.OpIn:
		lits = c.Set
	case pattern.OpIsSubset:
		if !kind.IsIP() {
			return tm, notTranslated("%s: ISSUBSET applies to addresses only", path)
		}
		lits = []pattern.Literal{c.Value}
	default:
		return tm, notTranslated("%s: the operator %s cannot be expressed", path, c.Op)
	}
	tm.role = roleValue
	source := strings.HasPrefix(steps, "src_ref")
	for _, l := range lits {
		if l.Kind != pattern.LitString {
			return tm, notTranslated("%s: %s is not a string", path, l.Text)
		}
		o, err := observe(kind, v6, l.Str)
		if err != nil {
			return tm, notTranslated("%s: %v", path, err)
		}
		if c.Path.Type == "network-traffic" && o.Kind.IsIP() {
			o.Dir = DirDst
			if source {
				o.Dir = DirSrc
			}
		}
		if c.Op == pattern.OpIsSubset && !(o.Kind == KindNet4 || o.Kind == KindNet6 || o.Kind == KindIPv4 || o.Kind == KindIPv6) {
			return tm, notTranslated("%s: ISSUBSET %s", path, l.Text)
		}
		tm.values = append(tm.values, o)
	}
	if len(tm.values) == 0 {
		return tm, notTranslated("%s: an empty set", path)
	}
	return tm, nil
}

// kindAny marks a network-traffic address reference, whose value may be an
// address or a domain name.
const kindAny Kind = -1

// valuePath maps an object path that names an observable value to its
// kind. v6 tells ipv6-addr from ipv4-addr.
func valuePath(typ string, steps []pattern.PathStep) (k Kind, v6, ok bool) {
	s := keys(steps)
	switch typ + ":" + s {
	case "ipv4-addr:value":
		return KindIPv4, false, true
	case "ipv6-addr:value":
		return KindIPv6, true, true
	case "domain-name:value":
		return KindDomain, false, true
	case "url:value":
		return KindURL, false, true
	case "email-addr:value", "email-message:from_ref.value", "email-message:sender_ref.value":
		return KindEmail, false, true
	case "network-traffic:dst_ref.value", "network-traffic:src_ref.value":
		return kindAny, false, true
	}
	if len(steps) == 2 && steps[0].Key == "hashes" && !steps[1].IsIndex && !steps[1].Star {
		alg := strings.ToUpper(steps[1].Key)
		switch typ {
		case "file":
			k, ok := hashKinds[alg]
			return k, false, ok
		case "x509-certificate":
			return KindX509SHA1, false, alg == "SHA-1" || alg == "SHA1"
		}
	}
	return 0, false, false
}

// keys joins a path's steps as "a.b.*.0".
func keys(steps []pattern.PathStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		switch {
		case s.Star:
			parts[i] = "*"
		case s.IsIndex:
			parts[i] = fmt.Sprint(s.Index)
		default:
			parts[i] = s.Key
		}
	}
	return strings.Join(parts, ".")
}

// observe normalises one value of a kind.
func observe(k Kind, v6 bool, s string) (Observable, error) {
	switch {
	case k == kindAny:
		if o, err := normalizeIP(s, strings.Contains(s, ":")); err == nil {
			return o, nil
		}
		d, err := normalizeDomain(s)
		if err != nil {
			return Observable{}, errors.New("the value is neither an IP address nor a domain name")
		}
		return Observable{Kind: KindDomain, Value: d}, nil
	case k.IsIP():
		return normalizeIP(s, v6)
	case k == KindDomain:
		d, err := normalizeDomain(s)
		return Observable{Kind: k, Value: d}, err
	case k == KindURL:
		u, err := normalizeURL(s)
		return Observable{Kind: k, Value: u}, err
	case k == KindEmail:
		e, err := normalizeEmail(s)
		return Observable{Kind: k, Value: e}, err
	default:
		h, err := normalizeHash(s, k)
		return Observable{Kind: k, Value: h}, err
	}
}

// uniq drops repeated strings, keeping the first of each in order.
func uniq(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
