package stix

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pkind is the STIX data type of a property.
type pkind uint8

const (
	tString          pkind = iota // string
	tStrings                      // non-empty list of strings
	tTimestamp                    // timestamp
	tBool                         // boolean
	tInt                          // integer, optionally within [min, max]
	tFloat                        // number, optionally within [min, max]
	tRef                          // identifier of one of vals (any type when empty)
	tRefs                         // non-empty list of identifiers
	tDict                         // dictionary
	tHashes                       // hashes dictionary
	tKillChain                    // list of kill-chain-phase
	tOV                           // open vocabulary: values outside vals are warnings
	tOVs                          // list of open vocabulary values
	tEnum                         // enumeration: values outside vals are errors
	tEnums                        // list of enumeration values
	tBinary                       // base64 binary
	tHex                          // hexadecimal string
	tObject                       // object described by shape
	tObjects                      // non-empty list of objects described by shape
	tAny                          // any value but null
	tCharset                      // character set name of the IANA registry
	tURI                          // absolute RFC 3986 URI
	tSecondTimestamp              // timestamp precise to the second, without fraction
	tLanguages                    // non-empty list of language tags or ISO 639-2 codes
	tReserved                     // reserved by the specification: MUST NOT be used
	tForbidden                    // not a property of this type: MUST NOT be present
	tHandled                      // checked by validateObject itself
)

// prop describes one property.
type prop struct {
	kind     pkind
	vals     []string
	min, max float64
	ranged   bool
	shape    *shape
}

// shape describes an object: a STIX object, an extension or a nested type.
type shape struct {
	required []string
	props    map[string]prop
	// atLeastOne requires at least one property of props to be present.
	atLeastOne bool
	// check runs the rules that tie several properties together.
	check func(c *checker, v *value, p *path)
}

var (
	pString    = prop{kind: tString}
	pStrings   = prop{kind: tStrings}
	pTimestamp = prop{kind: tTimestamp}
	pBool      = prop{kind: tBool}
	pInt       = prop{kind: tInt}
	pNonNeg    = intRange(0, math.MaxInt64)
	pDict      = prop{kind: tDict}
	pHashes    = prop{kind: tHashes}
	pKillChain = prop{kind: tKillChain}
	pBinary    = prop{kind: tBinary}
	pHex       = prop{kind: tHex}
	pAnyRef    = prop{kind: tRef}
	pAnyRefs   = prop{kind: tRefs}
	pReserved  = prop{kind: tReserved}
	pCharset   = prop{kind: tCharset}
	pURI       = prop{kind: tURI}
	// pSecondTimestamp is a timestamp STIX requires to be precise to the
	// second (windows-pebinary-ext's time_date_stamp).
	pSecondTimestamp = prop{kind: tSecondTimestamp}
	pForbidden       = prop{kind: tForbidden}
)

func intRange(min, max float64) prop { return prop{kind: tInt, min: min, max: max, ranged: true} }
func floatRange(min, max float64) prop {
	return prop{kind: tFloat, min: min, max: max, ranged: true}
}
func ref(types ...string) prop  { return prop{kind: tRef, vals: types} }
func refs(types ...string) prop { return prop{kind: tRefs, vals: types} }
func ov(vocab ...string) prop   { return prop{kind: tOV, vals: vocab} }
func ovs(vocab ...string) prop  { return prop{kind: tOVs, vals: vocab} }
func enum(vals ...string) prop  { return prop{kind: tEnum, vals: vals} }
func enums(vals ...string) prop { return prop{kind: tEnums, vals: vals} }
func object(s *shape) prop      { return prop{kind: tObject, shape: s} }
func objects(s *shape) prop     { return prop{kind: tObjects, shape: s} }
func merge(ms ...map[string]prop) map[string]prop {
	out := map[string]prop{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// checkProp validates v, the value of a property described by pr.
func (c *checker) checkProp(pr prop, v *value, p *path) {
	if v.kind == kNull {
		c.errf(p, "must not be null; omit the property instead")
		return
	}
	switch pr.kind {
	case tString:
		c.wantString(v, p)
	case tStrings:
		c.list(v, p, func(e *value, q *path) { c.wantString(e, q) })
	case tTimestamp:
		c.timestamp(v, p)
	case tBool:
		if v.kind != kBool {
			c.errf(p, "must be a boolean, not a %s", v.kind)
		}
	case tInt:
		n, ok := c.integer(v, p)
		if ok && pr.ranged && (float64(n) < pr.min || float64(n) > pr.max) {
			c.errf(p, "must be between %s and %s, not %d", fmtNum(pr.min), fmtNum(pr.max), n)
		}
	case tFloat:
		if v.kind != kNumber {
			c.errf(p, "must be a number, not a %s", v.kind)
			return
		}
		f, err := strconv.ParseFloat(v.s, 64)
		if err != nil || math.IsInf(f, 0) {
			c.errf(p, "number %s is out of range", v.s)
		} else if pr.ranged && (f < pr.min || f > pr.max) {
			c.errf(p, "must be between %s and %s, not %s", fmtNum(pr.min), fmtNum(pr.max), v.s)
		}
	case tRef:
		c.ref(v, p, pr.vals)
	case tRefs:
		c.list(v, p, func(e *value, q *path) { c.ref(e, q, pr.vals) })
	case tDict:
		c.dict(v, p)
	case tHashes:
		c.hashes(v, p)
	case tKillChain:
		c.list(v, p, func(e *value, q *path) { c.object(e, q, killChainShape) })
	case tOV, tEnum:
		c.vocab(v, p, pr)
	case tOVs, tEnums:
		c.list(v, p, func(e *value, q *path) { c.vocab(e, q, pr) })
	case tBinary:
		c.binary(v, p)
	case tHex:
		c.hex(v, p)
	case tObject:
		c.object(v, p, pr.shape)
	case tObjects:
		c.list(v, p, func(e *value, q *path) { c.object(e, q, pr.shape) })
	case tAny:
		c.customValue("", v, p)
	case tSecondTimestamp:
		if _, ok := c.timestamp(v, p); ok && strings.IndexByte(v.s, '.') >= 0 {
			c.errf(p, "must be precise to the second, without fractional seconds")
		}
	case tURI:
		c.uriProp(v, p)
	case tCharset:
		c.charset(v, p)
	case tLanguages:
		c.list(v, p, func(e *value, q *path) { c.softwareLanguage(e, q) })
	case tReserved:
		c.errf(p, "is reserved by STIX 2.1 and must not be used")
	case tForbidden:
		c.errf(p, "is not a property of this object type and must not be present")
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func (c *checker) wantString(v *value, p *path) bool {
	if v.kind != kString {
		c.errf(p, "must be a string, not a %s", v.kind)
		return false
	}
	return true
}

// integer reads an integer; STIX integers are JSON numbers without fraction
// or exponent parts beyond what an integer needs.
func (c *checker) integer(v *value, p *path) (int64, bool) {
	if v.kind != kNumber {
		c.errf(p, "must be an integer, not a %s", v.kind)
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v.s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			c.errf(p, "must be an integer, not %s", truncate(v.s, 32))
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

func (c *checker) timestamp(v *value, p *path) (time.Time, bool) {
	if v.kind != kString {
		c.errf(p, "must be a timestamp string, not a %s", v.kind)
		return time.Time{}, false
	}
	t, _, err := parseTimestamp(v.s)
	if err != nil {
		c.errf(p, "%v", err)
		return time.Time{}, false
	}
	return t, true
}

// list checks that v is a non-empty list and checks each element.
func (c *checker) list(v *value, p *path, each func(e *value, q *path)) {
	if v.kind != kArray {
		c.errf(p, "must be a list, not a %s", v.kind)
		return
	}
	if len(v.arr) == 0 {
		c.errf(p, "must not be an empty list; omit the property instead")
		return
	}
	for i := range v.arr {
		q := p.at(i)
		if v.arr[i].kind == kNull {
			c.errf(&q, "must not be null")
			continue
		}
		each(&v.arr[i], &q)
	}
}

func (c *checker) vocab(v *value, p *path, pr prop) {
	if !c.wantString(v, p) {
		return
	}
	if slices.Contains(pr.vals, v.s) {
		return
	}
	if pr.kind == tEnum || pr.kind == tEnums {
		c.errf(p, "%q is not one of %v", truncate(v.s, 64), pr.vals)
	} else {
		c.warnf(p, "%q is not in the suggested vocabulary %v", truncate(v.s, 64), pr.vals)
	}
}

var killChainShape = &shape{
	required: []string{"kill_chain_name", "phase_name"},
	props:    map[string]prop{"kill_chain_name": pString, "phase_name": pString},
	check: func(c *checker, v *value, p *path) {
		for _, k := range []string{"kill_chain_name", "phase_name"} {
			if s := v.get(k); s != nil && s.kind == kString && hasUpperOrSpace(s.s) {
				q := p.child(k)
				c.warnf(&q, "should be all lowercase, with hyphens instead of spaces")
			}
		}
	},
}

func hasUpperOrSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' || s[i] == ' ' || s[i] == '_' {
			return true
		}
	}
	return false
}

// object checks v against a nested shape. Unknown properties follow the
// custom property rules.
func (c *checker) object(v *value, p *path, s *shape) {
	if v.kind != kObject {
		c.errf(p, "must be an object, not a %s", v.kind)
		return
	}
	c.shapeProps(v, p, s, nil, false)
}

// shapeProps checks required properties, known properties (looked up in s
// then in common) and custom properties of the object v.
func (c *checker) shapeProps(v *value, p *path, s *shape, common map[string]prop, toplevelExt bool) {
	for _, name := range s.required {
		if v.get(name) == nil {
			q := p.child(name)
			c.errf(&q, "is required")
		}
	}
	known := 0
	for i := range v.obj {
		m := &v.obj[i]
		q := p.child(m.key)
		if pr, ok := s.props[m.key]; ok {
			known++
			c.checkProp(pr, &m.val, &q)
			continue
		}
		if pr, ok := common[m.key]; ok {
			c.checkProp(pr, &m.val, &q)
			continue
		}
		c.customProperty(m, &q, toplevelExt)
	}
	if s.atLeastOne && known == 0 {
		c.errf(p, "must have at least one of its defined properties")
	}
	if s.check != nil {
		c.check(v, p, s)
	}
}

func (c *checker) check(v *value, p *path, s *shape) { s.check(c, v, p) }
