package pattern

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Version is the STIX version whose patterning grammar and matching rules apply.
type Version string

// The supported STIX versions.
const (
	V21 Version = "2.1"
	V20 Version = "2.0"
)

// SyntaxError reports a pattern the grammar or the specification's semantic
// rules reject. Offset counts characters (not bytes) from 0.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error formats the error as "offset N: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// maxDepth bounds the nesting of parentheses and brackets so that hostile
// input cannot exhaust the stack.
const maxDepth = 500

type parser struct {
	src    string
	v      Version
	toks   []token
	i      int
	depth  int
	leaves []*ObservationSimple
	// evalErr records the first problem that the grammar allows but that makes
	// every evaluation fail (reference matcher: "matcher-error").
	evalErr error
	// at and runes are the last position offset converted and its
	// character offset: offset counts from there, so that the offsets of
	// a pattern's comparisons cost a few passes over its text.
	at, runes int
}

// Parse parses a STIX 2.1 pattern by the grammar. Parse accepts what the
// reference matcher accepts; Validate adds the specification's semantic checks.
func Parse(src string) (*Pattern, error) { return ParseVersion(src, V21) }

// ParseVersion parses a pattern under the grammar of STIX version v (2.1 or 2.0).
func ParseVersion(src string, v Version) (*Pattern, error) {
	if v != V21 && v != V20 {
		return nil, fmt.Errorf("pattern: unsupported STIX version %q", v)
	}
	if !utf8.ValidString(src) {
		return nil, &SyntaxError{Offset: 0, Msg: "pattern is not valid UTF-8"}
	}
	p := &parser{src: src, v: v}
	lx := &lexer{src: src}
	p.toks = make([]token, 0, len(src)/4+4)
	for {
		t := lx.next()
		p.toks = append(p.toks, t)
		if t.kind == tokEOF {
			break
		}
	}
	root, err := p.observationExprs()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, "unexpected %s after the end of the pattern", describe(t))
	}
	return &Pattern{Version: v, Root: root, Leaves: p.leaves, text: src, evalErr: p.evalErr}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// offset converts a byte position, at the start of a token, to a character
// offset. It counts the characters between pos and the position it
// converted last: the parser asks for positions in nearly the order of the
// text (an observation's after its comparisons), and counting from the
// start every time made the parse of a long pattern quadratic (87 KB of
// 2,000 OR-ed comparisons took 50 ms, 870 KB some seconds).
func (p *parser) offset(pos int) int {
	if pos >= p.at {
		p.runes += countRunes(p.src[p.at:pos])
	} else {
		p.runes -= countRunes(p.src[pos:p.at])
	}
	p.at = pos
	return p.runes
}

// countRunes is utf8.RuneCountInString; tests count what it reads.
var countRunes = utf8.RuneCountInString

func (p *parser) errAt(t token, format string, args ...any) error {
	return &SyntaxError{Offset: p.offset(t.pos), Msg: fmt.Sprintf(format, args...)}
}

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of pattern"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) expect(k tokenKind, what string) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.errAt(t, "expected %s, found %s", what, describe(t))
	}
	return p.advance(), nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(p.peek(), "nesting deeper than %d", maxDepth)
	}
	return nil
}

// observationExprs: observationExpressionOr (FOLLOWEDBY observationExpressionOr)*
func (p *parser) observationExprs() (ObservationExpr, error) {
	return p.obsBinary(OpFollowedBy)
}

// obsBinary parses the left-associative chain of one observation operator.
func (p *parser) obsBinary(op ObservationOp) (ObservationExpr, error) {
	sub := func() (ObservationExpr, error) {
		if op == OpObsAnd {
			return p.observationExpr()
		}
		return p.obsBinary(op + 1)
	}
	kind := tokAnd
	switch op {
	case OpFollowedBy:
		kind = tokFollowedBy
	case OpObsOr:
		kind = tokOr
	}
	left, err := sub()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == kind {
		p.advance()
		right, err := sub()
		if err != nil {
			return nil, err
		}
		left = &ObservationBinary{Op: op, Left: left, Right: right}
	}
	return left, nil
}

// observationExpr: '[' comparisonExpression ']' | '(' observationExpressions ')',
// followed by any number of qualifiers.
func (p *parser) observationExpr() (ObservationExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	var expr ObservationExpr
	grouped := t.kind == tokLParen
	switch t.kind {
	case tokLBrack:
		p.advance()
		c, err := p.comparisonExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRBrack, "']' or a comparison operator"); err != nil {
			return nil, err
		}
		leaf := &ObservationSimple{Expr: c, Leaf: len(p.leaves), Offset: p.offset(t.pos)}
		p.leaves = append(p.leaves, leaf)
		expr = leaf
	case tokLParen:
		p.advance()
		e, err := p.observationExprs()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, "')' or an observation operator"); err != nil {
			return nil, err
		}
		expr = e
	default:
		return nil, p.errAt(t, "expected '[' or '(' to start an observation expression, found %s", describe(t))
	}
	for {
		t := p.peek()
		var q *Qualified
		var err error
		switch t.kind {
		case tokWithin:
			q, err = p.within()
		case tokRepeats:
			q, err = p.repeats()
		case tokStart:
			q, err = p.startStop()
		default:
			return expr, nil
		}
		if err != nil {
			return nil, err
		}
		q.Inner = expr
		q.Offset = p.offset(t.pos)
		q.Grouped = grouped
		grouped = false
		expr = q
	}
}

func (p *parser) within() (*Qualified, error) {
	p.advance()
	t := p.advance()
	var secs float64
	switch t.kind {
	case tokIntPos, tokFloatPos:
		l, _, err := literalFromToken(t)
		if err != nil {
			return nil, p.errAt(t, "%v", err)
		}
		secs = l.Float
		if l.Kind == LitInt {
			secs = float64(l.Int)
		}
	default:
		return nil, p.errAt(t, "expected a positive number of seconds after WITHIN, found %s", describe(t))
	}
	if _, err := p.expect(tokSeconds, "SECONDS"); err != nil {
		return nil, err
	}
	if secs <= 0 && p.evalErr == nil {
		p.evalErr = p.errAt(t, "WITHIN must be positive, got %s", t.text)
	}
	d := time.Duration(math.MaxInt64)
	if secs*1e9 < float64(math.MaxInt64) {
		d = time.Duration(secs * 1e9)
	}
	return &Qualified{Kind: QualWithin, Within: d}, nil
}

func (p *parser) repeats() (*Qualified, error) {
	p.advance()
	t, err := p.expect(tokIntPos, "a positive integer after REPEATS")
	if err != nil {
		return nil, err
	}
	l, _, err := literalFromToken(t)
	if err != nil {
		return nil, p.errAt(t, "%v", err)
	}
	if _, err := p.expect(tokTimes, "TIMES"); err != nil {
		return nil, err
	}
	if l.Int < 1 && p.evalErr == nil {
		p.evalErr = p.errAt(t, "REPEATS must be at least 1, got %s", t.text)
	}
	return &Qualified{Kind: QualRepeats, Repeats: l.Int}, nil
}

func (p *parser) timestampArg(after string) (time.Time, error) {
	t := p.advance()
	switch {
	case t.kind == tokTimestamp:
		ts, err := parseTimestamp(t.text[2 : len(t.text)-1])
		if err != nil && p.evalErr == nil {
			p.evalErr = p.errAt(t, "%v", err)
		}
		return ts, nil
	case t.kind == tokString && p.v == V20:
		ts, err := parseTimestamp(unquote(t.text))
		if err != nil && p.evalErr == nil {
			p.evalErr = p.errAt(t, "%v", err)
		}
		return ts, nil
	}
	return time.Time{}, p.errAt(t, "expected a timestamp literal t'...' after %s, found %s", after, describe(t))
}

func (p *parser) startStop() (*Qualified, error) {
	p.advance()
	start, err := p.timestampArg("START")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokStop, "STOP"); err != nil {
		return nil, err
	}
	stop, err := p.timestampArg("STOP")
	if err != nil {
		return nil, err
	}
	return &Qualified{Kind: QualStartStop, Start: start, Stop: stop}, nil
}
