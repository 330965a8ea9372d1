package pattern

import "time"

// ObservationOp is an operator joining two observation expressions.
type ObservationOp int

// The observation operators, from the loosest binding to the tightest.
const (
	OpFollowedBy ObservationOp = iota + 1
	OpObsOr
	OpObsAnd
)

// CompareOp is the operator of a comparison expression.
type CompareOp int

// The comparison operators of STIX 2.1 patterning.
const (
	OpEQ CompareOp = iota + 1
	OpNEQ
	OpLT
	OpLE
	OpGT
	OpGE
	OpIn
	OpLike
	OpMatches
	OpIsSubset
	OpIsSuperset
	OpExists
)

var compareOpNames = map[CompareOp]string{
	OpEQ: "=", OpNEQ: "!=", OpLT: "<", OpLE: "<=", OpGT: ">", OpGE: ">=", OpIn: "IN",
	OpLike: "LIKE", OpMatches: "MATCHES", OpIsSubset: "ISSUBSET", OpIsSuperset: "ISSUPERSET",
	OpExists: "EXISTS",
}

// String returns the operator as written in a pattern.
func (o CompareOp) String() string { return compareOpNames[o] }

// ObservationExpr is a node of the observation-expression tree: *ObservationBinary,
// *ObservationSimple or *Qualified.
type ObservationExpr interface{ obsNode() }

// ObservationBinary joins two observation expressions with AND, OR or FOLLOWEDBY.
type ObservationBinary struct {
	Op          ObservationOp
	Left, Right ObservationExpr
}

// ObservationSimple is a bracketed comparison expression, "[ ... ]". It is the
// leaf that observations are bound to; Leaf numbers it within its pattern.
type ObservationSimple struct {
	Expr   ComparisonExpr
	Leaf   int
	Offset int
}

// QualifierKind names a qualifier.
type QualifierKind int

// The three qualifiers.
const (
	QualWithin QualifierKind = iota + 1
	QualRepeats
	QualStartStop
)

// Qualified applies one qualifier to an observation expression.
type Qualified struct {
	Inner   ObservationExpr
	Kind    QualifierKind
	Within  time.Duration // WITHIN n SECONDS
	Repeats int64         // REPEATS n TIMES
	Start   time.Time     // START t'...'
	Stop    time.Time     // STOP t'...'
	Offset  int
	// Grouped is set when Inner was written in parentheses.
	Grouped bool
}

func (*ObservationBinary) obsNode() {}
func (*ObservationSimple) obsNode() {}
func (*Qualified) obsNode()         {}

// ComparisonExpr is a node inside brackets: *ComparisonBinary or *Comparison.
type ComparisonExpr interface{ cmpNode() }

// ComparisonBinary joins two comparison expressions with AND (And true) or OR.
type ComparisonBinary struct {
	And         bool
	Left, Right ComparisonExpr
}

// Comparison tests the values an object path selects against a literal.
type Comparison struct {
	Path    ObjectPath
	Negated bool // NOT
	Op      CompareOp
	Value   Literal   // all operators but IN and EXISTS
	Set     []Literal // IN
	Offset  int       // character offset of the object path

	matcher valueMatcher
}

func (*ComparisonBinary) cmpNode() {}
func (*Comparison) cmpNode()       {}

// ObjectPath is "type:step.step[i]...".
type ObjectPath struct {
	Type  string
	Steps []PathStep
}

// PathStep is a property name or a list index; Star is "[*]".
type PathStep struct {
	Key     string
	Index   int64
	IsIndex bool
	Star    bool
	special bool // Key ends in _ref, _refs, _hex or _bin
}

// String writes the path back in pattern syntax.
func (p ObjectPath) String() string {
	b := []byte(p.Type)
	b = append(b, ':')
	for i, s := range p.Steps {
		switch {
		case s.Star:
			b = append(b, "[*]"...)
		case s.IsIndex:
			b = append(b, '[')
			b = appendInt(b, s.Index)
			b = append(b, ']')
		default:
			if i > 0 {
				b = append(b, '.')
			}
			if isPlainKey(s.Key) {
				b = append(b, s.Key...)
			} else {
				b = append(b, quoteString(s.Key)...)
			}
		}
	}
	return string(b)
}

func isPlainKey(k string) bool {
	if k == "" || !isLetter(k[0]) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isIdentCh(k[i]) {
			return false
		}
	}
	_, kw := keywords[k]
	return !kw && k != "true" && k != "false"
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
