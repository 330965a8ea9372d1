package feed

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// exportRules writes the corpus's rules and their list files, and checks
// every rule with the grammar checker.
func exportRules(t *testing.T, d Dialect) (*RuleSet, string) {
	t.Helper()
	var buf bytes.Buffer
	set, err := WriteRules(&buf, objects(corpus(t)...), RuleOptions{Options: Options{Now: testNow}, Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckRules(d, bytes.NewReader(buf.Bytes())); err != nil {
		t.Errorf("generated %s rules fail the grammar check:\n%v", d, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		r, err := ParseRule(d, line)
		if err != nil {
			continue // reported above
		}
		for _, k := range []string{"msg", "rev", "metadata", "classtype"} {
			if _, ok := r.Value(k); !ok {
				t.Errorf("rule without %s: %s", k, line)
			}
		}
	}
	return set, buf.String()
}

func TestSuricataRulesGolden(t *testing.T) {
	set, out := exportRules(t, Suricata)
	golden(t, "suricata.rules", []byte(out))
	var names []string
	for _, l := range set.Lists {
		var buf bytes.Buffer
		if _, err := l.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		golden(t, l.Name, buf.Bytes())
		names = append(names, l.Name)
		if !strings.Contains(out, listKeyword[l.Kind]+":"+l.Name+";") {
			t.Errorf("no rule loads %s", l.Name)
		}
	}
	if len(set.Lists) != 3 {
		t.Errorf("lists %v: want an MD5 and a SHA-256 list (SECRET) and a SHA-1 list (SECRET)", names)
	}
	golden(t, "suricata.report", []byte(reportText(set.Report)))
}

func TestSnortRulesGolden(t *testing.T) {
	set, out := exportRules(t, Snort)
	golden(t, "snort.rules", []byte(out))
	golden(t, "snort.report", []byte(reportText(set.Report)))
	if len(set.Lists) != 0 {
		t.Errorf("Snort export wrote %d list files", len(set.Lists))
	}
}

// reportText renders a report for a golden file.
func reportText(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d, exported %d, entries %d, skipped %d, partial %d, collisions %d\n",
		r.Read, r.Exported, r.Entries, r.SkippedCount, r.PartialCount, r.Collisions)
	for _, k := range sortedKeys(r.Ignored) {
		fmt.Fprintf(&b, "ignored %s: %d\n", k, r.Ignored[k])
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "skipped %s: %s\n", s.ID, s.Reason)
	}
	for _, s := range r.Partial {
		fmt.Fprintf(&b, "partial %s: %s\n", s.ID, s.Reason)
	}
	for _, m := range r.Markings {
		fmt.Fprintf(&b, "marking %s\n", m)
	}
	return b.String()
}
