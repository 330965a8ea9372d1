package feed

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

var sidRe = regexp.MustCompile(`sid:(\d+);`)

// rulesByMsg maps each rule's message and metadata to its sid.
func rulesByMsg(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sid := sidRe.FindStringSubmatch(line)[1]
		key := sidRe.ReplaceAllString(line, "")
		m[key] = sid
	}
	return m
}

// A rule keeps its id when other indicators come and go or arrive in
// another order.
func TestRuleIDsStable(t *testing.T) {
	objs := corpus(t)
	var a, b bytes.Buffer
	if _, err := WriteRules(&a, objects(objs...), RuleOptions{Options: Options{Now: testNow}}); err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(objs)
	slices.Reverse(rev)
	rev = rev[5:] // some indicators gone, the rest reversed
	if _, err := WriteRules(&b, objects(rev...), RuleOptions{Options: Options{Now: testNow}}); err != nil {
		t.Fatal(err)
	}
	before, after := rulesByMsg(t, a.String()), rulesByMsg(t, b.String())
	same := 0
	for k, sid := range after {
		if strings.Contains(k, "kizuna_id indicator--00000001-") {
			continue // the reversed stream reads the second version of indicator 1 first
		}
		if old, ok := before[k]; ok {
			same++
			if old != sid {
				t.Errorf("rule changed its id from %s to %s: %s", old, sid, k)
			}
		}
	}
	if same < 30 {
		t.Errorf("only %d rules in common", same)
	}
}

// In a small range the ids collide: each is derived again, every rule still
// gets its own id within the range, and a full range is an error.
func TestRuleIDCollisions(t *testing.T) {
	var objs []*kizuna.Object
	for i := 0; i < 40; i++ {
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-2222-4222-8222-222222222222","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.%d']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`, i, i)
		objs = append(objs, mustObject(t, []byte(raw), testLabels["green"], 2))
	}
	var buf bytes.Buffer
	set, err := WriteRules(&buf, objects(objs...), RuleOptions{SIDs: SIDRange{First: 5000, Last: 5099}})
	if err != nil {
		t.Fatal(err)
	}
	if set.Report.Collisions == 0 {
		t.Error("80 rules in 100 ids and no collision")
	}
	if err := CheckRules(Suricata, &buf); err != nil {
		t.Fatal(err) // includes the check that no sid repeats
	}
	for _, m := range sidRe.FindAllStringSubmatch(buf.String(), -1) {
		if m[1] < "5000" || m[1] > "5099" || len(m[1]) != 4 {
			t.Errorf("sid %s outside 5000-5099", m[1])
		}
	}
	_, err = WriteRules(&bytes.Buffer{}, objects(objs...), RuleOptions{SIDs: SIDRange{First: 5000, Last: 5049}})
	if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), "full") {
		t.Errorf("a range too small: %v", err)
	}
}

func TestRuleOptionsRefused(t *testing.T) {
	for _, o := range []RuleOptions{
		{SIDs: SIDRange{First: 10, Last: 9}},
		{Action: "reject"},
		{Classtype: "bad unknown"},
		{ListPrefix: "../x"},
		{HomeNet: "home"},
	} {
		if _, err := WriteRules(&bytes.Buffer{}, objects(), o); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// Options change the rules as documented, and the rules stay well formed.
func TestRuleOptions(t *testing.T) {
	objs := corpus(t)
	for _, d := range []Dialect{Suricata, Snort} {
		var buf bytes.Buffer
		_, err := WriteRules(&buf, objects(objs...), RuleOptions{Dialect: d, Action: "drop", Subdomains: true, NoHTTP: true,
			MsgPrefix: "JPCERT", Classtype: "none", HomeNet: "[10.0.0.0/8, 192.168.0.0/16]", NoComments: true, ListPrefix: "jp"})
		if err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if err := CheckRules(d, strings.NewReader(out)); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		for _, bad := range []string{"\nalert ", "HTTP host", "classtype:", "\n# "} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: %q in the rules despite the options", d, bad)
			}
		}
		for _, want := range []string{"\ndrop ", "msg:\"JPCERT ", "[10.0.0.0/8, 192.168.0.0/16]"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q missing", d, want)
			}
		}
		if d == Suricata && !strings.Contains(out, `dns.query; dotprefix; content:".login-portal.example"; nocase; endswith;`) {
			t.Errorf("no subdomain rule:\n%s", out)
		}
		if d == Suricata && !strings.Contains(out, "filemd5:jp-md5-") {
			t.Errorf("list prefix not used")
		}
	}
}
