package pattern

import (
	"fmt"
	"strings"
)

// hashLengths gives the hex lengths the specification's hashing-algorithm
// vocabulary implies, keyed by the name upper-cased without hyphens.
var hashLengths = map[string][]int{
	"MD5": {32}, "MD6": {32, 40, 56, 64, 96, 128}, "RIPEMD160": {40}, "SHA1": {40},
	"SHA224": {56}, "SHA256": {64}, "SHA384": {96}, "SHA512": {128},
	"SHA3224": {56}, "SHA3256": {64}, "SHA3384": {96}, "SHA3512": {128}, "WHIRLPOOL": {128},
}

// Validate parses a pattern and applies the semantic checks of Check: it
// accepts what the reference validator accepts.
func Validate(src string, v Version) (*Pattern, error) {
	p, err := ParseVersion(src, v)
	if err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// Check applies the semantic rules the specification sets beyond the
// grammar: a hash value must fit its algorithm, and an observation
// expression may carry at most one qualifier of each type. The error is a
// *SyntaxError.
func (p *Pattern) Check() error {
	if err := checkQualifiers(p.Root); err != nil {
		return err
	}
	return checkHashes(p)
}

// checkQualifiers rejects a repeated qualifier type in a chain applied to a
// bracketed expression, as in [a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS.
// A chain applied to a parenthesised expression is left alone, like the
// reference validator does.
func checkQualifiers(e ObservationExpr) error {
	switch x := e.(type) {
	case *ObservationBinary:
		if err := checkQualifiers(x.Left); err != nil {
			return err
		}
		return checkQualifiers(x.Right)
	case *Qualified:
		var chain []*Qualified
		var base ObservationExpr = x
		grouped := false
		for {
			q, ok := base.(*Qualified)
			if !ok {
				break
			}
			chain = append(chain, q)
			base = q.Inner
			if q.Grouped {
				grouped = true
				break
			}
		}
		if _, simple := base.(*ObservationSimple); simple && !grouped {
			seen := map[QualifierKind]bool{}
			for i := len(chain) - 1; i >= 0; i-- {
				if seen[chain[i].Kind] {
					return &SyntaxError{Offset: chain[i].Offset, Msg: "duplicate qualifier type encountered: " + qualifierNames[chain[i].Kind]}
				}
				seen[chain[i].Kind] = true
			}
		}
		return checkQualifiers(base)
	}
	return nil
}

var qualifierNames = map[QualifierKind]string{QualWithin: "WITHIN", QualRepeats: "REPEATS", QualStartStop: "START/STOP"}

// checkHashes rejects equality and set tests on a hashes property whose value
// cannot be a hash of the named algorithm ('f00' is not a SHA-256).
func checkHashes(p *Pattern) error {
	for _, leaf := range p.Leaves {
		if err := checkHashExpr(leaf.Expr); err != nil {
			return err
		}
	}
	return nil
}

func checkHashExpr(e ComparisonExpr) error {
	switch x := e.(type) {
	case *ComparisonBinary:
		if err := checkHashExpr(x.Left); err != nil {
			return err
		}
		return checkHashExpr(x.Right)
	case *Comparison:
		steps := x.Path.Steps
		if len(steps) < 2 || steps[len(steps)-1].IsIndex || !hasHashesStep(steps) {
			return nil
		}
		alg := steps[len(steps)-1].Key
		var vals []Literal
		switch x.Op {
		case OpEQ, OpNEQ:
			vals = []Literal{x.Value}
		case OpIn:
			vals = x.Set
		default:
			return nil
		}
		for _, v := range vals {
			if !validHash(alg, v) {
				return &SyntaxError{Offset: x.Offset, Msg: fmt.Sprintf("%s is not a valid %s hash", v.Text, alg)}
			}
		}
	}
	return nil
}

func hasHashesStep(steps []PathStep) bool {
	for _, s := range steps[:len(steps)-1] {
		if !s.IsIndex && s.Key == "hashes" {
			return true
		}
	}
	return false
}

func validHash(alg string, v Literal) bool {
	name := strings.ToUpper(strings.ReplaceAll(alg, "-", ""))
	if name == "SSDEEP" {
		if v.Kind != LitString || len(v.Str) < 1 || len(v.Str) > 128 {
			return false
		}
		for i := 0; i < len(v.Str); i++ {
			c := v.Str[i]
			if !(isLetter(c) && c != '_' || isDigit(c) || strings.IndexByte("/+:.", c) >= 0) {
				return false
			}
		}
		return true
	}
	lengths, known := hashLengths[name]
	if !known {
		return true
	}
	if v.Kind != LitString {
		return false
	}
	for i := 0; i < len(v.Str); i++ {
		if !isHex(v.Str[i]) {
			return false
		}
	}
	for _, n := range lengths {
		if len(v.Str) == n {
			return true
		}
	}
	return false
}
