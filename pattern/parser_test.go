package pattern

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseErrorsCarryOffsets(t *testing.T) {
	cases := []struct {
		src    string
		offset int
		msg    string
	}{
		{"", 0, "expected '[' or '('"},
		{"[ipv4-addr:value = '1.2.3.4'", 28, "expected ']'"},
		{"[ipv4-addr:value = null]", 19, "expected a literal"},
		{"[some-type:needs-quotes = 1]", 11, "expected a property name"},
		{"[a:b = 1] WITHIN 1 second", 19, "expected SECONDS"},
		{"[a:b = 1] WITHIN -1 SECONDS", 17, "positive number of seconds"},
		{"[a:b = 1] START t'2016-01-01T00:00:00Z'", 39, "expected STOP"},
		{"[a:b = t'2010-05-21T13:21:43']", 7, "expected a literal"},
		{"[a:b > true]", 7, "orderable literal"},
		{"[a:b IN (1, 2]", 13, "expected ',' or ')'"},
		{"[a:b LIKE 5]", 10, "string literal after LIKE"},
		{"[a:b = 1] and [a:c = 2]", 10, "unexpected"},
		{"[日本:b = 1]", 1, "expected an object type"},
		{"[a:b = 'x'] FOLLOWEDBY", 22, "expected '[' or '('"},
		{"[a:b[x] = 1]", 5, "list index"},
		{"[a:b = 99999999999999999999]", 7, "out of range"},
		{"[a:b = 'x'] [a:c = 'y']", 12, "unexpected"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", c.src, err)
			continue
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%q) = %q, want offset %d and %q", c.src, err, c.offset, c.msg)
		}
	}
}

func TestParseStructure(t *testing.T) {
	p := MustParse("([file:hashes.'SHA-256' = 'x' OR file:name NOT LIKE 'a%'] AND [network-traffic:protocols[*] = 'tcp' AND network-traffic:x[-1] != 2]) " +
		"FOLLOWEDBY [domain-name:resolves_to_refs[0].value ISSUBSET '10.0.0.0/8'] REPEATS 2 TIMES WITHIN 1.5 SECONDS START t'2024-01-01T00:00:00Z' STOP t'2024-01-02T00:00:00.5Z'")
	fb, ok := p.Root.(*ObservationBinary)
	if !ok || fb.Op != OpFollowedBy {
		t.Fatalf("root is %T, want FOLLOWEDBY", p.Root)
	}
	and, ok := fb.Left.(*ObservationBinary)
	if !ok || and.Op != OpObsAnd {
		t.Fatalf("left is %T, want AND", fb.Left)
	}
	ss, ok := fb.Right.(*Qualified)
	if !ok || ss.Kind != QualStartStop || !ss.Stop.Equal(time.Date(2024, 1, 2, 0, 0, 0, 5e8, time.UTC)) {
		t.Fatalf("outer qualifier %+v, want START/STOP", fb.Right)
	}
	w := ss.Inner.(*Qualified)
	if w.Kind != QualWithin || w.Within != 1500*time.Millisecond {
		t.Fatalf("WITHIN qualifier %+v", w)
	}
	r := w.Inner.(*Qualified)
	if r.Kind != QualRepeats || r.Repeats != 2 {
		t.Fatalf("REPEATS qualifier %+v", r)
	}
	if len(p.Leaves) != 3 {
		t.Fatalf("%d leaves, want 3", len(p.Leaves))
	}
	first := p.Leaves[0].Expr.(*ComparisonBinary)
	if first.And {
		t.Fatalf("first bracket joins with AND, want OR")
	}
	like := first.Right.(*Comparison)
	if !like.Negated || like.Op != OpLike || like.Path.String() != "file:name" {
		t.Fatalf("second comparison %+v", like)
	}
	hash := first.Left.(*Comparison)
	if got := hash.Path.String(); got != "file:hashes.'SHA-256'" {
		t.Fatalf("path %q", got)
	}
	idx := p.Leaves[1].Expr.(*ComparisonBinary).Right.(*Comparison)
	if got := idx.Path.String(); got != "network-traffic:x[-1]" || idx.Op != OpNEQ || idx.Value.Int != 2 {
		t.Fatalf("index comparison %q %v %v", got, idx.Op, idx.Value)
	}
	star := p.Leaves[1].Expr.(*ComparisonBinary).Left.(*Comparison)
	if got := star.Path.String(); got != "network-traffic:protocols[*]" {
		t.Fatalf("star path %q", got)
	}
}

func TestParseLiterals(t *testing.T) {
	cases := []struct {
		src  string
		want Literal
	}{
		{"[a:b = 'it\\'s \\\\ here']", Literal{Kind: LitString, Str: `it's \ here`}},
		{"[a:b = -12]", Literal{Kind: LitInt, Int: -12}},
		{"[a:b = +7]", Literal{Kind: LitInt, Int: 7}},
		{"[a:b = -.5]", Literal{Kind: LitFloat, Float: -0.5}},
		{"[a:b = 3.25]", Literal{Kind: LitFloat, Float: 3.25}},
		{"[a:b = true]", Literal{Kind: LitBool, Bool: true}},
		{"[a:b = h'00ff']", Literal{Kind: LitBinary, Bytes: []byte{0, 255}}},
		{"[a:b = b'AAE=']", Literal{Kind: LitBinary, Bytes: []byte{0, 1}}},
		{"[a:b = t'2024-02-29T23:59:59.123456789Z']", Literal{Kind: LitTimestamp, Time: time.Date(2024, 2, 29, 23, 59, 59, 123456000, time.UTC)}},
	}
	for _, c := range cases {
		p, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		got := p.Leaves[0].Expr.(*Comparison).Value
		if got.Kind != c.want.Kind || got.Str != c.want.Str || got.Int != c.want.Int || got.Float != c.want.Float ||
			got.Bool != c.want.Bool || string(got.Bytes) != string(c.want.Bytes) || !got.Time.Equal(c.want.Time) {
			t.Errorf("Parse(%q) literal = %+v, want %+v", c.src, got, c.want)
		}
	}
}

func TestParseCommentsAndSpace(t *testing.T) {
	src := "/* c */ [ a:b\u00a0=\t'x' // line\n ] /* end */"
	if _, err := Parse(src); err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
}

func TestStaticEvaluationErrors(t *testing.T) {
	for _, src := range []string{
		"[a:b = 1] WITHIN 0 SECONDS",
		"[a:b = 1] REPEATS 0 TIMES",
		"[a:b IN (1, 'x')]",
		"[a:b = t'2024-02-30T00:00:00Z']",
		"[a:b MATCHES '(?<=x)y']",
	} {
		p, err := Parse(src)
		if err != nil {
			t.Errorf("Parse(%q): %v; the grammar accepts it", src, err)
			continue
		}
		_, err = p.Match(nil)
		var ee *EvalError
		if !errors.As(err, &ee) {
			t.Errorf("Match(%q) = %v, want an *EvalError", src, err)
		}
	}
}

func TestValidateChecks(t *testing.T) {
	cases := map[string]bool{
		"[file:hashes.MD5 = '3afb0216d2b9cb17f77d6c4a8c0ab990']":                true,
		"[file:hashes.MD5 = '3afb0216d2b9cb17f77d6c4a8c0ab99']":                 false,
		"[file:hashes.'SHA-1' IN ('52452959559884c486d9ffbf9f94984ed908aba5')]": true,
		"[file:hashes.'SHA-1' IN ('5245')]":                                     false,
		"[file:hashes.'SHA-256' LIKE 'ab%']":                                    true,
		"[file:hashes.'x-custom' = 'anything']":                                 true,
		"[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']":     true,
		"[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES":                             false,
		"([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES":                           true,
		"[a:b = 1] WITHIN 2 SECONDS REPEATS 3 TIMES":                            true,
	}
	for src, valid := range cases {
		_, err := Validate(src, V21)
		if (err == nil) != valid {
			t.Errorf("Validate(%q) = %v, want valid=%v", src, err, valid)
		}
	}
}

// The character offsets of a pattern's comparisons and observations cost a
// few passes over its text (an observation's offset is counted back from
// its last comparison), not one from its start for each: counting from
// the start made the parse of a long pattern quadratic (87 KB of 2,000
// OR-ed comparisons took 50 ms, and a publisher's 870 KB pattern some
// seconds of the node's CPU at each parse).
func TestParseOffsetsAreLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("[domain-name:value = 'é.example'")
	for i := range 2000 {
		fmt.Fprintf(&b, " OR domain-name:value = 'fillér%d.example'", i)
	}
	b.WriteString("] AND ([ipv4-addr:value = '10.0.0.1'] OR [url:value = 'ü']) REPEATS 2 TIMES")
	src := b.String()
	read := 0
	defer func(f func(string) int) { countRunes = f }(countRunes)
	countRunes = func(s string) int {
		read += len(s)
		return utf8.RuneCountInString(s)
	}
	p, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if read > 4*len(src) {
		t.Errorf("offsets read %d bytes of a %d-byte pattern", read, len(src))
	}
	// The offsets are still those of the text's characters.
	for _, want := range []struct {
		got  int
		text string
	}{
		{p.Leaves[0].Offset, "[domain-name:value = 'é"},
		{p.Leaves[1].Offset, "[ipv4-addr"},
		{p.Leaves[2].Offset, "[url"},
	} {
		if at := utf8.RuneCountInString(src[:strings.Index(src, want.text)]); want.got != at {
			t.Errorf("offset of %q: %d, want %d", want.text, want.got, at)
		}
	}
}

// offset counts from the last position it converted, forward or back, and
// gives each position's character offset whatever the order it is asked in.
func TestParseOffsetInAnyOrder(t *testing.T) {
	src := "[url:value = 'ü→é' AND x:y = '日本'] OR [a:b = 'plain']"
	var starts []int
	for i := range src {
		starts = append(starts, i)
	}
	starts = append(starts, len(src))
	p := &parser{src: src}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		pos := starts[r.IntN(len(starts))]
		if got, want := p.offset(pos), utf8.RuneCountInString(src[:pos]); got != want {
			t.Fatalf("offset(%d) = %d, want %d", pos, got, want)
		}
	}
}
