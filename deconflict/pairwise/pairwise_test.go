package pairwise_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/deconflicttest"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

const (
	orgUS  = "identity--b0000000-0000-4000-8000-000000000001"
	orgJP  = "identity--b0000000-0000-4000-8000-000000000002"
	orgAU  = "identity--b0000000-0000-4000-8000-000000000003"
	day    = 24 * time.Hour
	target = "203.0.113.0/24"
)

var (
	t0        = deconflicttest.T0
	mustRules = deconflicttest.MustRules
)

// agreement derives a pairwise agreement between two nations from fresh
// X25519 keys, as each side would, and checks both sides get the same key.
func agreement(tb testing.TB, rules *deconflict.Rules, a, b string) *pairwise.Agreement {
	tb.Helper()
	ka, _ := ecdh.X25519().GenerateKey(rand.Reader)
	kb, _ := ecdh.X25519().GenerateKey(rand.Reader)
	id := a + "-" + b + "-deconfliction"
	k1, err := pairwise.DeriveKey(ka, kb.PublicKey(), id, 1)
	if err != nil {
		tb.Fatal(err)
	}
	k2, _ := pairwise.DeriveKey(kb, ka.PublicKey(), id, 1)
	if !bytes.Equal(k1, k2) {
		tb.Fatal("the two sides derive different keys")
	}
	return &pairwise.Agreement{ID: id, Nations: [2]string{a, b}, Key: k1, Epoch: 1, Bucket: day, Rules: rules.Digest}
}

var seq int

func act(nation, org, kind string, cat int, start, end time.Time, targets ...string) *kizuna.DefensiveAction {
	seq++
	a := &kizuna.DefensiveAction{ID: fmt.Sprintf("x-kizuna-defensive-action--00000000-0000-4000-8000-%012d", seq), Kind: kind, Category: cat,
		Start: start, End: end, Nation: nation, Organization: org, State: kizuna.ActionActive, DeconflictWith: []string{"USA", "JPN", "AUS"}}
	for _, t := range targets {
		kind := kizuna.TargetIP
		if strings.ContainsAny(t, "abcdefghijklmnopqrstuvwxyz") {
			kind = kizuna.TargetDomain
		}
		a.Targets = append(a.Targets, kizuna.ActionTarget{Kind: kind, Value: t})
	}
	return a
}

func ids(prefix string) func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("x-kizuna-deconfliction-notice--00000000-0000-4000-%s-%012d", prefix, n)
	}
}

// exchange runs the protocol from the initiator's action against the
// responder's index, through the messages' JSON, and returns both sides'
// notices and the transcript.
type transcript struct{ query, answer, confirm []byte }

func exchange(t *testing.T, ag *pairwise.Agreement, rules *deconflict.Rules, x *kizuna.DefensiveAction, ix *pairwise.Index) (mine, theirs []kizuna.DeconflictionNotice, tr transcript) {
	t.Helper()
	q, pend, err := pairwise.Ask(ag, rules, x, rand.Reader)
	if err != nil || q == nil {
		t.Fatalf("ask: %v %v", q, err)
	}
	tr.query, _ = json.Marshal(q)
	q2, err := pairwise.ParseQuery(ag, tr.query)
	if err != nil {
		t.Fatal(err)
	}
	ans, st, err := ix.Respond(q2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tr.answer, _ = json.Marshal(ans)
	ans2, err := pairwise.ParseAnswer(ag, tr.answer)
	if err != nil {
		t.Fatal(err)
	}
	mine, conf, err := pend.Resolve(ans2, t0, ids("8000"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tr.confirm, _ = json.Marshal(conf)
	conf2, err := pairwise.ParseConfirm(ag, tr.confirm)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err = ix.Confirmed(st, conf2, t0, ids("9000"))
	if err != nil {
		t.Fatal(err)
	}
	return mine, theirs, tr
}

// TestTakedownAgainstAlliedMonitoring: a US takedown request on a /24 and
// a Japanese CAT1 monitoring of an address inside it, in overlapping
// windows, registered on two nodes: the exchange notifies both owners with
// the rule that fired. Non-overlapping actions produce no notice, and the
// messages of a miss are the same size as those of a hit.
func TestTakedownAgainstAlliedMonitoring(t *testing.T) {
	rules := mustRules(t)
	ag := agreement(t, rules, "USA", "JPN")
	monitor := act("JPN", orgJP, kizuna.ActionMonitor, 1, t0.Add(-10*day), t0.Add(20*day), "203.0.113.45", "tide-update.example")
	jpn := []*kizuna.DefensiveAction{monitor,
		act("JPN", orgJP, kizuna.ActionMonitor, 1, t0.Add(-10*day), t0.Add(20*day), "198.51.100.0/24"),
		act("JPN", orgJP, kizuna.ActionTakedown, 4, t0, t0.Add(day), "192.0.2.0/24")}
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", jpn)
	if err != nil {
		t.Fatal(err)
	}
	takedown := act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target)
	mine, theirs, hit := exchange(t, ag, rules, takedown, ix)
	if len(mine) != 1 || mine[0].Recipient != orgUS || mine[0].OtherNation != "JPN" || mine[0].OtherOrg != orgJP ||
		mine[0].OtherKind != kizuna.ActionMonitor || mine[0].OtherCategory != 1 || mine[0].Rule != "disruption-against-passive-collection" ||
		!slices.Equal(mine[0].Overlap, []string{"ip4:203.0.113.0/24"}) || !mine[0].WindowStart.Equal(t0) || !mine[0].WindowEnd.Equal(t0.Add(3*day)) {
		t.Fatalf("US notice: %+v", mine)
	}
	if len(theirs) != 1 || theirs[0].Recipient != orgJP || theirs[0].ActionRef != monitor.ID || theirs[0].OtherNation != "USA" ||
		theirs[0].OtherKind != kizuna.ActionTakedown || theirs[0].Rule != "disruption-against-passive-collection" || theirs[0].Agreement != ag.ID {
		t.Fatalf("JPN notice: %+v", theirs)
	}
	for name, x := range map[string]*kizuna.DefensiveAction{
		"another range":             act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), "203.0.112.0/24"),
		"after the monitoring ends": act("USA", orgUS, kizuna.ActionTakedown, 4, t0.Add(21*day), t0.Add(22*day), target),
		"no rule fires":             act("USA", orgUS, kizuna.ActionMonitor, 1, t0, t0.Add(3*day), target),
	} {
		mine, theirs, miss := exchange(t, ag, rules, x, ix)
		if len(mine)+len(theirs) != 0 {
			t.Errorf("%s: notices %+v %+v", name, mine, theirs)
		}
		if len(miss.answer) != len(hit.answer) || len(miss.confirm) != len(hit.confirm) {
			t.Errorf("%s: a miss (%d, %d bytes) is told from a hit (%d, %d) by its size", name, len(miss.answer), len(miss.confirm), len(hit.answer), len(hit.confirm))
		}
	}
	// An action not released for deconfliction with JPN is not asked about.
	private := act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target)
	private.DeconflictWith = nil
	if q, _, err := pairwise.Ask(ag, rules, private, rand.Reader); q != nil || err != nil {
		t.Errorf("an action not released for deconfliction was asked about: %v", err)
	}
}

// TestThirdNationLearnsNothing: Australia, party to agreements with both
// (so holding keys and the rules), sees the whole US–JPN transcript of a
// hit. No target, owner, nation or kind appears in it; no token in it is
// one Australia can compute for the true target, under any class, bucket
// or key it holds; the sealed parts do not open with its keys.
func TestThirdNationLearnsNothing(t *testing.T) {
	rules := mustRules(t)
	ag := agreement(t, rules, "USA", "JPN")
	monitor := act("JPN", orgJP, kizuna.ActionMonitor, 1, t0.Add(-10*day), t0.Add(20*day), "203.0.113.45", "tide-update.example")
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", []*kizuna.DefensiveAction{monitor})
	if err != nil {
		t.Fatal(err)
	}
	takedown := act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target, "tide-update.example")
	mine, theirs, tr := exchange(t, ag, rules, takedown, ix)
	if len(mine) != 1 || len(theirs) != 1 {
		t.Fatalf("no hit: %d, %d", len(mine), len(theirs))
	}
	// The agreement's id names the channel, which a network observer sees
	// anyway (the two nodes talking); nothing else may name a party.
	all := strings.ReplaceAll(plainText(t, tr.query)+plainText(t, tr.answer)+plainText(t, tr.confirm), ag.ID, "")
	for _, secret := range []string{"203.0.113", "tide-update", "example", orgUS, orgJP, "JPN", "USA", "monitor", "takedown", monitor.ID, takedown.ID} {
		if strings.Contains(all, secret) {
			t.Errorf("the transcript shows %q", secret)
		}
	}
	// Australia's own agreements with each party, and one under which it
	// registers the same kinds of action on the same targets.
	seen := map[uint64]bool{}
	var q pairwise.Query
	json.Unmarshal(tr.query, &q)
	for _, tok := range append(q.Exact, q.Up...) {
		seen[tok] = true
	}
	for _, aus := range []*pairwise.Agreement{agreement(t, rules, "AUS", "USA"), agreement(t, rules, "AUS", "JPN")} {
		for _, kind := range []string{kizuna.ActionMonitor, kizuna.ActionTakedown} {
			for _, cat := range []int{1, 4} {
				probe := act("AUS", orgAU, kind, cat, t0.Add(-10*day), t0.Add(20*day), "203.0.113.45", target, "tide-update.example")
				aq, _, err := pairwise.Ask(aus, rules, probe, rand.Reader)
				if err != nil || aq == nil {
					t.Fatalf("probe: %v", err)
				}
				pix, err := pairwise.BuildIndex(aus, rules, "AUS", []*kizuna.DefensiveAction{probe})
				if err != nil {
					t.Fatal(err)
				}
				for _, tok := range append(aq.Exact, aq.Up...) {
					if seen[tok] {
						t.Fatalf("a token Australia computes under %s appears in the US–JPN query", aus.ID)
					}
				}
				// Australia's index answers the US–JPN query with nothing.
				if _, _, err := pix.Respond(&q, rand.Reader); err == nil {
					t.Error("a query of another agreement was answered")
				}
			}
		}
		var ans pairwise.Answer
		json.Unmarshal(tr.answer, &ans)
		ans.Agreement = aus.ID
		raw, _ := json.Marshal(ans)
		a2, err := pairwise.ParseAnswer(aus, raw)
		if err != nil {
			t.Fatal(err)
		}
		probe := act("AUS", orgAU, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target)
		_, pend, _ := pairwise.Ask(aus, rules, probe, rand.Reader)
		a2.Query = ans.Query
		if _, _, err := pend.Resolve(a2, t0, ids("a000"), rand.Reader); err == nil {
			t.Error("Australia opened the US–JPN answer")
		}
	}
}

// TestResponderDoesNotTakeTheInitiatorsWord: a confirm naming a kind under
// which no rule fires, or a handle never given, yields no notice.
func TestResponderDoesNotTakeTheInitiatorsWord(t *testing.T) {
	rules := mustRules(t)
	ag := agreement(t, rules, "USA", "JPN")
	monitor := act("JPN", orgJP, kizuna.ActionMonitor, 1, t0, t0.Add(20*day), "203.0.113.45")
	ix, _ := pairwise.BuildIndex(ag, rules, "JPN", []*kizuna.DefensiveAction{monitor})
	takedown := act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target)
	q, pend, _ := pairwise.Ask(ag, rules, takedown, rand.Reader)
	ans, st, _ := ix.Respond(q, rand.Reader)
	// The initiator lies: it says its action is a monitoring.
	takedown.Kind, takedown.Category = kizuna.ActionMonitor, 1
	_, conf, err := pend.Resolve(ans, t0, ids("8000"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.Confirmed(st, conf, t0, ids("9000")); len(got) != 0 {
		t.Errorf("notices on a confirm whose rules do not fire: %+v", got)
	}
	// A confirm for another query is refused.
	other := *conf
	other.Query = strings.Repeat("0", 32)
	if _, err := ix.Confirmed(st, &other, t0, ids("9000")); err == nil {
		t.Error("a confirm for another query was accepted")
	}
}

// TestIndexUpdates: actions registered after the index was built are
// matched; removed, withdrawn or replaced ones are not.
func TestIndexUpdates(t *testing.T) {
	rules := mustRules(t)
	ag := agreement(t, rules, "USA", "JPN")
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", nil)
	if err != nil {
		t.Fatal(err)
	}
	takedown := act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target)
	hits := func() int {
		mine, _, _ := exchange(t, ag, rules, takedown, ix)
		return len(mine)
	}
	monitor := act("JPN", orgJP, kizuna.ActionMonitor, 1, t0, t0.Add(20*day), "203.0.113.45")
	if err := ix.Put(monitor); err != nil {
		t.Fatal(err)
	}
	if hits() != 1 {
		t.Fatal("an action added to the index is not matched")
	}
	moved := *monitor
	moved.Targets = []kizuna.ActionTarget{{Kind: kizuna.TargetIP, Value: "198.51.100.7"}}
	ix.Put(&moved)
	if hits() != 0 {
		t.Error("the replaced version of an action is still matched")
	}
	ix.Put(monitor)
	withdrawn := *monitor
	withdrawn.State = kizuna.ActionWithdrawn
	ix.Put(&withdrawn)
	if hits() != 0 {
		t.Error("a withdrawn action is still matched")
	}
	ix.Put(monitor)
	ix.Remove(monitor.ID)
	if hits() != 0 {
		t.Error("a removed action is still matched")
	}
}

// plainText returns the member names and the readable values of a JSON
// message, one per line, leaving out opaque values (base64 or hex of
// random tokens and sealed parts): a short name such as "USA" turns up in
// random base64 now and then, and what is sealed is checked by opening it.
func plainText(t *testing.T, msg []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(msg, &v); err != nil {
		t.Fatalf("transcript message: %v", err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				b.WriteString(k + "\n")
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			if !opaque(v) {
				b.WriteString(v + "\n")
			}
		default:
			fmt.Fprintln(&b, v)
		}
	}
	walk(v)
	return b.String()
}

// opaque reports whether s is the hex or base64 of at least 8 bytes.
func opaque(s string) bool {
	if len(s) < 12 {
		return false
	}
	if _, err := hex.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}
