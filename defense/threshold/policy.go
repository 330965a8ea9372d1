// Package threshold runs each nation's threshold policy: configuration in
// CEL over an incident's facts, its severity and the eight Tallinn Manual
// 2.0 Rule 69 factors with the analysts' confidence, yielding one of the
// levels the policy names. Named rules say why: the result lists the rules
// that fired and those that decided the level.
//
// A policy concludes what the nation's configuration says; it never
// declares that a treaty article is met. Everything fails closed: a policy
// that does not compile is not loaded, and one that fails to evaluate, or
// yields something other than one of its levels, gives an error naming
// the policy and the position in the expression, never a level.
package threshold

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/internal/celx"
	"github.com/kizuna-dev/kizuna/defense/internal/conf"
)

// Policy is one nation's threshold policy.
type Policy struct {
	Nation  string `json:"nation"`
	Version string `json:"version"`
	// Example marks a policy shipped as an illustration, not a nation's
	// position and not law.
	Example     bool       `json:"example"`
	Description string     `json:"description,omitempty"`
	Levels      []LevelDef `json:"levels"`
	Rules       []Rule     `json:"rules"`
	// Decision is a CEL expression of type string that yields the id of
	// one of Levels; it reads rules.<id> (bool) besides everything the
	// rules read.
	Decision Expr `json:"decision"`

	file     string
	digest   string
	decision *celx.Expr
	ruleIdx  map[string]int
	// ruleVarIdx maps "rules.<id>" to the rule's position.
	ruleVarIdx map[string]int
}

// LevelDef is a level as configured: an id the decision yields, a name
// for people, and its rank on the scale the allies share.
type LevelDef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Rank int    `json:"rank"`
}

// Rule is a named condition.
type Rule struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	When        Expr   `json:"when"`

	expr *celx.Expr
}

// Expr is a CEL expression, written in JSON as a string or as a list of
// lines.
type Expr string

// UnmarshalJSON accepts a string or a list of strings (joined by new
// lines).
func (e *Expr) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = Expr(s)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return fmt.Errorf("an expression is a string or a list of strings")
	}
	*e = Expr(strings.Join(lines, "\n"))
	return nil
}

// Error is a failure of a policy, at a JSON path of its file and a
// position in the expression there.
type Error struct {
	Nation, Version, File, Path string
	Issue                       celx.Issue
}

// Error formats the failure as "policy NATION VERSION (file): path:
// line:column: message".
func (e *Error) Error() string {
	if e.Issue.Line == 0 {
		return fmt.Sprintf("policy %s %s (%s): %s: %s", e.Nation, e.Version, e.File, e.Path, e.Issue.Message)
	}
	return fmt.Sprintf("policy %s %s (%s): %s: %s", e.Nation, e.Version, e.File, e.Path, e.Issue)
}

var ruleID = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)

var baseEnv = func() *cel.Env {
	opts := []cel.EnvOption{ext.Sets(), ext.Strings(), ext.Math()}
	for _, v := range Vars {
		opts = append(opts, cel.Variable(v.Name, v.Type))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic(err)
	}
	return env
}()

// Load reads, validates and compiles a policy; file names it in errors.
// Every problem is reported: the file, the JSON path and, for an
// expression, the line and column in it.
func Load(data []byte, file string) (*Policy, error) {
	p := &Policy{}
	if err := conf.Decode(data, file, p); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	sum := sha256.Sum256(data)
	p.file, p.digest = file, hex.EncodeToString(sum[:])
	var errs []error
	add := func(path string, is celx.Issue) {
		errs = append(errs, &Error{Nation: p.Nation, Version: p.Version, File: file, Path: path, Issue: is})
	}
	plain := func(path, format string, args ...any) { add(path, celx.Issue{Message: fmt.Sprintf(format, args...)}) }
	if !conf.Nation(p.Nation) {
		plain("$.nation", "%q is not an ISO 3166-1 alpha-3 code", p.Nation)
	}
	if p.Version == "" {
		plain("$.version", "is required")
	}
	p.validateLevels(plain)
	p.ruleIdx, p.ruleVarIdx = map[string]int{}, map[string]int{}
	var ruleVars []cel.EnvOption
	for i := range p.Rules {
		r := &p.Rules[i]
		path := conf.Index("$.rules", i)
		if !ruleID.MatchString(r.ID) {
			plain(path+".id", "%q is not a rule id (a-z, 0-9 and _, starting with a letter or _)", r.ID)
		} else if _, dup := p.ruleIdx[r.ID]; dup {
			plain(path+".id", "rule %q appears twice", r.ID)
		}
		p.ruleIdx[r.ID] = i
		p.ruleVarIdx["rules."+r.ID] = i
		ruleVars = append(ruleVars, cel.Variable("rules."+r.ID, cel.BoolType))
		x, iss := celx.Compile(baseEnv, string(r.When), cel.BoolType)
		for _, is := range iss {
			add(path+".when", is)
		}
		r.expr = x
	}
	denv, err := baseEnv.Extend(ruleVars...)
	if err != nil {
		plain("$.rules", "%v", err)
	} else {
		x, iss := celx.Compile(denv, string(p.Decision), cel.StringType)
		for _, is := range iss {
			add("$.decision", is)
		}
		p.decision = x
	}
	if len(errs) > 0 {
		return nil, kizuna.WrapError(kizuna.EINVALID, errors.Join(errs...), "%v", errors.Join(errs...))
	}
	return p, nil
}

func (p *Policy) validateLevels(plain func(path, format string, args ...any)) {
	if len(p.Levels) < 2 {
		plain("$.levels", "at least two levels are required")
	}
	ids, ranks := map[string]bool{}, map[int]bool{}
	for i, l := range p.Levels {
		path := conf.Index("$.levels", i)
		if l.ID == "" || ids[l.ID] {
			plain(path+".id", "must be present and unique, not %q", l.ID)
		}
		if l.Name == "" {
			plain(path+".name", "is required")
		}
		if ranks[l.Rank] || l.Rank < 0 {
			plain(path+".rank", "must be a unique rank, 0 or more, not %d", l.Rank)
		}
		ids[l.ID], ranks[l.Rank] = true, true
	}
	slices.SortFunc(p.Levels, func(a, b LevelDef) int { return a.Rank - b.Rank })
}

// Ref returns the reference an assessment records.
func (p *Policy) Ref() kizuna.PolicyRef {
	return kizuna.PolicyRef{Nation: p.Nation, Version: p.Version, Digest: p.digest, Example: p.Example}
}

// File returns the name the policy was loaded under.
func (p *Policy) File() string { return p.file }

// Level returns the level with the id, or nil.
func (p *Policy) Level(id string) *LevelDef {
	for i := range p.Levels {
		if p.Levels[i].ID == id {
			return &p.Levels[i]
		}
	}
	return nil
}
