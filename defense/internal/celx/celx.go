// Package celx compiles and runs the CEL expressions of kizuna's
// collective-defense configuration (scoring equations, threshold
// policies), reporting every failure with its line and column in the
// expression, so that a person can find what to fix.
package celx

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// CostLimit bounds the work of one evaluation, so that a runaway
// expression fails instead of stalling every assessment.
const CostLimit = 1_000_000

// Issue is a problem of an expression at a position: a 1-based line and
// column within the expression's text (0, 0 when it has none).
type Issue struct {
	Line, Column int
	Message      string
}

// String formats the issue as "line:column: message".
func (i Issue) String() string {
	return fmt.Sprintf("%d:%d: %s", i.Line, i.Column, i.Message)
}

// fullName rewrites CEL's "undeclared reference to 'factors' (in
// container ”)" to name the whole dotted name written at the position,
// which is what a person mistyped.
func fullName(src string, line, col int, msg string) string {
	if !strings.HasPrefix(msg, "undeclared reference to '") {
		return msg
	}
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) || col < 0 || col >= len(lines[line-1]) {
		return msg
	}
	rest := lines[line-1][col:]
	end := strings.IndexFunc(rest, func(r rune) bool {
		return !(r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return msg
	}
	return "undeclared reference to '" + strings.TrimRight(rest[:end], ".") + "'"
}

// Expr is a compiled expression.
type Expr struct {
	Source string
	ast    *cel.Ast
	prg    cel.Program
}

// Compile parses and type-checks src in env and plans it. The result must
// be of type want; anything else is an issue at the expression's start.
func Compile(env *cel.Env, src string, want *cel.Type) (*Expr, []Issue) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		var out []Issue
		for _, e := range iss.Errors() {
			out = append(out, Issue{Line: e.Location.Line(), Column: e.Location.Column() + 1,
				Message: fullName(src, e.Location.Line(), e.Location.Column(), e.Message)})
		}
		return nil, out
	}
	if !ast.OutputType().IsExactType(want) {
		return nil, []Issue{{Line: 1, Column: 1, Message: fmt.Sprintf("the expression yields %s; it must yield %s", ast.OutputType(), want)}}
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(CostLimit))
	if err != nil {
		return nil, []Issue{{Line: 1, Column: 1, Message: err.Error()}}
	}
	return &Expr{Source: src, ast: ast, prg: prg}, nil
}

// Eval evaluates the expression; a failure is an Issue at the position of
// the sub-expression that failed.
func (x *Expr) Eval(act interpreter.Activation) (ref.Val, *Issue) {
	out, _, err := x.prg.Eval(act)
	if err != nil {
		is := x.position(err)
		return nil, &is
	}
	return out, nil
}

// Bool evaluates an expression of type bool.
func (x *Expr) Bool(act interpreter.Activation) (bool, *Issue) {
	v, is := x.Eval(act)
	if is != nil {
		return false, is
	}
	b, ok := v.Value().(bool)
	if !ok {
		return false, &Issue{Line: 1, Column: 1, Message: fmt.Sprintf("yielded %s, not a bool", v.Type().TypeName())}
	}
	return b, nil
}

// Double evaluates an expression of type double; NaN and infinities are
// issues.
func (x *Expr) Double(act interpreter.Activation) (float64, *Issue) {
	v, is := x.Eval(act)
	if is != nil {
		return 0, is
	}
	f, ok := v.Value().(float64)
	if !ok {
		return 0, &Issue{Line: 1, Column: 1, Message: fmt.Sprintf("yielded %s, not a double", v.Type().TypeName())}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &Issue{Line: 1, Column: 1, Message: fmt.Sprintf("yielded %v, not a finite number", f)}
	}
	return f, nil
}

// String evaluates an expression of type string.
func (x *Expr) String(act interpreter.Activation) (string, *Issue) {
	v, is := x.Eval(act)
	if is != nil {
		return "", is
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", &Issue{Line: 1, Column: 1, Message: fmt.Sprintf("yielded %s, not a string", v.Type().TypeName())}
	}
	return s, nil
}

// position finds where an evaluation error happened.
func (x *Expr) position(err error) Issue {
	is := Issue{Line: 1, Column: 1, Message: err.Error()}
	var e *types.Err
	if errors.As(err, &e) && e.NodeID() != 0 {
		loc := x.ast.NativeRep().SourceInfo().GetStartLocation(e.NodeID())
		if loc.Line() > 0 {
			is.Line, is.Column = loc.Line(), loc.Column()+1
		}
	}
	return is
}

// References lists the qualified names the expression reads
// ("factors.severity.degree"), each once, in no particular order.
func (x *Expr) References() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range x.ast.NativeRep().ReferenceMap() {
		if r.Name != "" && !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r.Name)
		}
	}
	return out
}

// Vars is an activation over a fixed table of names, resolved by index so
// that an evaluation allocates no map.
type Vars struct {
	Index  map[string]int
	Values []any
	Up     interpreter.Activation
}

// ResolveName implements interpreter.Activation.
func (v *Vars) ResolveName(name string) (any, bool) {
	if i, ok := v.Index[name]; ok {
		return v.Values[i], true
	}
	if v.Up != nil {
		return v.Up.ResolveName(name)
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (v *Vars) Parent() interpreter.Activation { return v.Up }
