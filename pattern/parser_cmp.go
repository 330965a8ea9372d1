package pattern

// comparisonExpr: comparisonExpressionAnd (OR comparisonExpressionAnd)*
func (p *parser) comparisonExpr() (ComparisonExpr, error) {
	left, err := p.comparisonAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokOr {
		p.advance()
		right, err := p.comparisonAnd()
		if err != nil {
			return nil, err
		}
		left = &ComparisonBinary{Left: left, Right: right}
	}
	return left, nil
}

// comparisonAnd: propTest (AND propTest)*
func (p *parser) comparisonAnd() (ComparisonExpr, error) {
	left, err := p.propTest()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokAnd {
		p.advance()
		right, err := p.propTest()
		if err != nil {
			return nil, err
		}
		left = &ComparisonBinary{And: true, Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) propTest() (ComparisonExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch t.kind {
	case tokLParen:
		p.advance()
		c, err := p.comparisonExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, "')' or a comparison operator"); err != nil {
			return nil, err
		}
		return c, nil
	case tokNot, tokExists:
		if p.v == V20 {
			return nil, p.errAt(t, "expected an object path, found %s (EXISTS is STIX 2.1 only)", describe(t))
		}
		neg := false
		if t.kind == tokNot {
			p.advance()
			neg = true
		}
		if _, err := p.expect(tokExists, "EXISTS"); err != nil {
			return nil, err
		}
		start := p.peek()
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c := &Comparison{Path: path, Negated: neg, Op: OpExists, Offset: p.offset(start.pos)}
		p.finish(c, start)
		return c, nil
	}
	path, err := p.objectPath()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path, Offset: p.offset(t.pos)}
	if p.peek().kind == tokNot {
		p.advance()
		c.Negated = true
	}
	opTok := p.advance()
	switch opTok.kind {
	case tokEQ, tokNEQ:
		c.Op = OpEQ
		if opTok.kind == tokNEQ {
			c.Op = OpNEQ
		}
		if c.Value, err = p.literal(true); err != nil {
			return nil, err
		}
	case tokLT, tokLE, tokGT, tokGE:
		c.Op = orderOps[opTok.kind]
		if c.Value, err = p.literal(false); err != nil {
			return nil, err
		}
	case tokIn:
		c.Op = OpIn
		if c.Set, err = p.setLiteral(); err != nil {
			return nil, err
		}
	case tokLike, tokMatches, tokIsSubset, tokIsSuperset:
		c.Op = stringOps[opTok.kind]
		s, err := p.expect(tokString, "a string literal after "+opTok.text)
		if err != nil {
			return nil, err
		}
		c.Value = Literal{Kind: LitString, Str: unquote(s.text), Text: s.text}
	default:
		return nil, p.errAt(opTok, "expected a comparison operator after the object path, found %s", describe(opTok))
	}
	p.finish(c, t)
	return c, nil
}

var (
	orderOps  = map[tokenKind]CompareOp{tokLT: OpLT, tokLE: OpLE, tokGT: OpGT, tokGE: OpGE}
	stringOps = map[tokenKind]CompareOp{tokLike: OpLike, tokMatches: OpMatches, tokIsSubset: OpIsSubset, tokIsSuperset: OpIsSuperset}
)

// finish prepares the comparison's matcher and records a static evaluation
// error, if any.
func (p *parser) finish(c *Comparison, at token) {
	if err := c.matcher.init(c); err != nil && p.evalErr == nil {
		p.evalErr = p.errAt(at, "%v", err)
	}
}

func isLiteralKind(k tokenKind, withBool bool) bool {
	switch k {
	case tokIntPos, tokIntNeg, tokFloatPos, tokFloatNeg, tokString, tokBinary, tokHex, tokTimestamp:
		return true
	case tokBool:
		return withBool
	}
	return false
}

func (p *parser) literal(withBool bool) (Literal, error) {
	t := p.advance()
	if !isLiteralKind(t.kind, withBool) {
		what := "a literal"
		if !withBool {
			what = "an orderable literal (number, string, binary or timestamp)"
		}
		return Literal{}, p.errAt(t, "expected %s, found %s", what, describe(t))
	}
	l, timeErr, err := literalFromToken(t)
	if err != nil {
		return l, p.errAt(t, "%v", err)
	}
	if timeErr != nil && p.evalErr == nil {
		p.evalErr = p.errAt(t, "%v", timeErr)
	}
	return l, nil
}

func (p *parser) setLiteral() ([]Literal, error) {
	if _, err := p.expect(tokLParen, "'(' to start a set"); err != nil {
		return nil, err
	}
	set := []Literal{}
	if p.peek().kind == tokRParen {
		p.advance()
		return set, nil
	}
	for {
		l, err := p.literal(true)
		if err != nil {
			return nil, err
		}
		set = append(set, l)
		t := p.advance()
		if t.kind == tokRParen {
			return set, nil
		}
		if t.kind != tokComma {
			return nil, p.errAt(t, "expected ',' or ')' in a set, found %s", describe(t))
		}
	}
}

// objectPath: objectType ':' firstPathComponent objectPathComponent*
func (p *parser) objectPath() (ObjectPath, error) {
	var path ObjectPath
	t := p.advance()
	if t.kind != tokIdent && t.kind != tokIdentHyphen {
		return path, p.errAt(t, "expected an object type, found %s", describe(t))
	}
	path.Type = t.text
	if _, err := p.expect(tokColon, "':' after the object type"); err != nil {
		return path, err
	}
	t = p.advance()
	switch t.kind {
	case tokIdent:
		path.Steps = append(path.Steps, PathStep{Key: t.text})
	case tokString:
		path.Steps = append(path.Steps, PathStep{Key: unquote(t.text)})
	default:
		return path, p.errAt(t, "expected a property name (quote names with hyphens), found %s", describe(t))
	}
	for {
		switch p.peek().kind {
		case tokDot:
			p.advance()
			t := p.advance()
			switch t.kind {
			case tokIdent:
				path.Steps = append(path.Steps, PathStep{Key: t.text})
			case tokString:
				path.Steps = append(path.Steps, PathStep{Key: unquote(t.text)})
			default:
				return path, p.errAt(t, "expected a property name after '.', found %s", describe(t))
			}
		case tokLBrack:
			p.advance()
			t := p.advance()
			switch t.kind {
			case tokAsterisk:
				path.Steps = append(path.Steps, PathStep{Star: true, IsIndex: true})
			case tokIntPos, tokIntNeg:
				l, _, err := literalFromToken(t)
				if err != nil {
					return path, p.errAt(t, "%v", err)
				}
				path.Steps = append(path.Steps, PathStep{Index: l.Int, IsIndex: true})
			default:
				return path, p.errAt(t, "expected a list index or '*', found %s", describe(t))
			}
			if _, err := p.expect(tokRBrack, "']' after the list index"); err != nil {
				return path, err
			}
		default:
			for i := range path.Steps {
				path.Steps[i].special = !path.Steps[i].IsIndex && isSpecialKey(path.Steps[i].Key)
			}
			return path, nil
		}
	}
}
