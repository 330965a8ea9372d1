package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcapi"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

// TestDeconflictThreeNodes runs the exchange between three real nodes
// (USA, JPN, AUS), each peered with the two others and configured only
// through the CLI. USA and JPN hold a deconfliction agreement; AUS holds
// one with each of them. A Japanese CAT1 monitoring of a /24 released to
// the USA, then a US takedown request of an address in it in an
// overlapping window released to Japan: each owner gets a notice on its
// own node naming the rule that fired, and both nodes audit the query and
// the hit. US takedowns on another /24, or on the same /24 in a disjoint
// window, raise nothing. The other way round (the US takedown registered
// first, a Japanese monitoring later) gives the same two notices; once
// the monitoring is withdrawn, a new takedown there raises nothing, and
// the first takedown registered again adds no notice. AUS
// learns nothing: its store, TAXII reads, audit and notices hold nothing
// of the others' actions, its own monitoring of the same /24 released to
// both meets nothing (the others' actions are not released to it), and a
// query of its own under the US–Japanese agreement is refused. Queries
// beyond an agreement's rate are refused and audited.
func TestDeconflictThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes: skipped in -short mode")
	}
	nodes := MustMesh(t, true,
		fedSpec{Name: "USA", Nation: "USA", Org: usaPOCOrg, Ceiling: []string{"USA:SECRET"}, MaxTLP: "amber"},
		fedSpec{Name: "JPN", Nation: "JPN", Org: jpnPOCOrg, Ceiling: []string{"JPN:gokuhi"}, MaxTLP: "amber"},
		fedSpec{Name: "AUS", Nation: "AUS", Org: ausPOCOrg, Ceiling: []string{"AUS:SECRET"}, MaxTLP: "green"})
	usa, jpn, aus := nodes[0], nodes[1], nodes[2]
	dir := t.TempDir()
	// The agreements: one key for each pair, written by one side and
	// handed to the other.
	for _, pair := range [][2]*fedNode{{usa, jpn}, {usa, aus}, {jpn, aus}} {
		a, b := pair[0], pair[1]
		id := a.Nation + "-" + b.Nation
		key := filepath.Join(dir, id+".key")
		MustRunCLI(t, "deconflict", "agreement", "new-key", key)
		a.cli(t, "deconflict", "agreement", "add", "--id", id, "--peer", strings.ToLower(b.Name), "--nation", b.Nation, "--agreement-key", key)
		b.cli(t, "deconflict", "agreement", "add", "--id", id, "--peer", strings.ToLower(a.Name), "--nation", a.Nation, "--agreement-key", key)
	}
	if out := usa.cli(t, "deconflict", "agreement", "list"); !strings.Contains(out, "USA-JPN") || !strings.Contains(out, "USA-AUS") {
		t.Fatalf("USA agreements:\n%s", out)
	}
	// An outsider: a US principal of another organisation.
	const usaOther = "identity--a2000000-0000-4000-8000-0000000000ff"
	outsider := strings.TrimSpace(usa.cli(t, "principal", "add", "--name", "other", "--org", usaOther, "--role", "reader", "--role", "publisher"))
	t.Cleanup(func() { // after the nodes stop
		for _, n := range nodes {
			b, _ := os.ReadFile(filepath.Join(n.dir, "serve.log"))
			if bytes.Contains(b, []byte("WARNING: DATA RACE")) {
				t.Errorf("%s: a data race (built with -race)", n.Name)
			}
			if t.Failed() {
				t.Logf("%s log:\n%s", n.Name, b)
			}
		}
	})
	for _, n := range nodes {
		n.start(t)
		t.Cleanup(func() { n.stop(t, 15) })
	}
	cli := func(n *fedNode, token string, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, append(args, "--url", "https://"+n.addr, "--cacert", filepath.Join(n.dir, "node-tls.crt"), "--token", token)...)
		if code != 0 {
			t.Fatalf("%s: kizuna %s: exit %d: %s", n.Name, strings.Join(args, " "), code, errOut)
		}
		return out
	}
	notices := func(n *fedNode, token string) []string {
		t.Helper()
		out := strings.TrimSpace(cli(n, token, "deconflict", "notices"))
		if out == "" {
			return nil
		}
		return strings.Split(out, "\n")
	}

	t0 := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	jpnID, jpnFile := writeAction(t, dir, "JPN", jpnPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/24", t0, 30, nil, "USA")
	cli(jpn, jpn.publisher, "deconflict", "register", jpnFile)
	ausID, ausFile := writeAction(t, dir, "AUS", ausPOCOrg, kizuna.ActionMonitor, 1, "198.51.100.0/24", t0, 30, nil, "USA", "JPN")
	cli(aus, aus.publisher, "deconflict", "register", ausFile)
	// Takedowns that do not overlap: another /24, a disjoint window.
	farID, farFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "203.0.113.7", t0.Add(10*day), 5, nil, "JPN", "AUS")
	laterID, laterFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "198.51.100.7", t0.Add(40*day), 5, nil, "JPN", "AUS")
	for _, f := range []string{farFile, laterFile} {
		cli(usa, usa.publisher, "deconflict", "register", f)
	}
	// The overlap: released to Japan only.
	usaID, usaFile := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "198.51.100.7", t0.Add(10*day), 5, nil, "JPN")
	if out := cli(usa, usa.publisher, "deconflict", "register", usaFile); !strings.Contains(out, "no conflict") {
		t.Errorf("USA register: the JPN action is not the registrant's to read, yet:\n%s", out)
	}

	// Each owner's notice, on its own node. The USA node sends one
	// registration after the other, so that the notices of the overlap
	// arrive after every exchange of the takedowns that do not overlap:
	// the JPN notice is stored when the last message of the last exchange
	// arrives.
	wait := func(n *fedNode, token, what string) []string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			if got := notices(n, token); len(got) > 0 {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no notice of %s", n.Name, what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	onUSA := wait(usa, usa.publisher, usaID)
	onJPN := wait(jpn, jpn.publisher, jpnID)
	if len(onUSA) != 1 || !strings.Contains(onUSA[0], "high\tdisruption-against-passive-collection\tyour "+usaID+" meets JPN/"+jpnPOCOrg+" monitor CAT1\t2027-03-11T00:00:00Z/2027-03-16T00:00:00Z") {
		t.Errorf("USA notices:\n%s", strings.Join(onUSA, "\n"))
	}
	if len(onJPN) != 1 || !strings.Contains(onJPN[0], "high\tdisruption-against-passive-collection\tyour "+jpnID+" meets USA/"+usaPOCOrg+" takedown-request CAT4\t2027-03-11T00:00:00Z/2027-03-16T00:00:00Z") {
		t.Errorf("JPN notices:\n%s", strings.Join(onJPN, "\n"))
	}
	// Readable by the owner's principals only: not by another US
	// organisation on the same node, nor by TAXII to it.
	if got := notices(usa, outsider); len(got) != 0 {
		t.Errorf("another US organisation reads the notices: %v", got)
	}
	noticeID := strings.Fields(onUSA[0])[0]
	if b := usa.taxii(t, "GET", "collections/deconfliction/objects/?match[type]="+dcstix.TypeNotice, outsider, nil); strings.Contains(string(b), noticeID) {
		t.Errorf("another US organisation reads the notice through TAXII: %s", b)
	}
	if b := usa.taxii(t, "GET", "collections/deconfliction/objects/?match[type]="+dcstix.TypeNotice, usa.publisher, nil); !strings.Contains(string(b), noticeID) ||
		!strings.Contains(string(b), `"agreement":"USA-JPN"`) {
		t.Errorf("the owner does not read its notice through TAXII: %s", b)
	}

	// Both nodes audit the query and the hit.
	hits := func(n *fedNode, action string) []*kizuna.AuditEvent {
		var out []*kizuna.AuditEvent
		for _, e := range n.audit(t, "deconflict.hit") {
			if strings.Contains(e.Reason, "action="+action) {
				out = append(out, e)
			}
		}
		return out
	}
	// The JPN node audits the hit just after it stores the notice.
	for deadline := time.Now().Add(10 * time.Second); len(hits(jpn, jpnID)) == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if h := hits(usa, usaID); len(h) != 1 || !strings.Contains(h[0].Reason, "agreement=USA-JPN") || !strings.Contains(h[0].Reason, "rule=disruption-against-passive-collection") {
		t.Errorf("USA hit records: %+v", h)
	}
	if h := hits(jpn, jpnID); len(h) != 1 || !strings.Contains(h[0].Reason, "agreement=USA-JPN") {
		t.Errorf("JPN hit records: %+v", h)
	}
	sent := 0
	for _, e := range usa.audit(t, "deconflict.query") {
		if e.Object == usaID && strings.Contains(e.Reason, "agreement=USA-JPN") {
			sent++
		}
		if e.Object == farID || e.Object == laterID {
			sent += 10
		}
		if e.Object == usaID && strings.Contains(e.Reason, "USA-AUS") {
			t.Errorf("the USA node queried AUS about an action not released to it: %+v", e)
		}
	}
	if sent != 1+4*10 {
		t.Errorf("USA query records: %d, want one for the overlap and two (JPN, AUS) for each of the others", sent)
	}
	answered := 0
	for _, e := range jpn.audit(t, "deconflict.query") {
		if e.Object == "USA-JPN" && strings.Contains(e.Reason, "answered") {
			answered++
		}
	}
	if answered != 3 {
		t.Errorf("JPN answered %d queries under USA-JPN, want 3 (the three US takedowns)", answered)
	}

	// The other way round: the US takedown first, the Japanese CAT2
	// monitoring later; the JPN node asks, the USA node answers, and each
	// owner has a second notice.
	usa2, usa2File := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "192.0.2.0/24", t0, 20, nil, "JPN")
	cli(usa, usa.publisher, "deconflict", "register", usa2File)
	jpn2, jpn2File := writeAction(t, dir, "JPN", jpnPOCOrg, kizuna.ActionMonitor, 2, "192.0.2.44", t0.Add(5*day), 30, nil, "USA")
	cli(jpn, jpn.publisher, "deconflict", "register", jpn2File)
	for _, side := range []struct {
		n          *fedNode
		token, own string
		other      string
	}{{usa, usa.publisher, usa2, "JPN/" + jpnPOCOrg + " monitor CAT2"}, {jpn, jpn.publisher, jpn2, "USA/" + usaPOCOrg + " takedown-request CAT4"}} {
		deadline := time.Now().Add(60 * time.Second)
		for len(notices(side.n, side.token)) < 2 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		got := strings.Join(notices(side.n, side.token), "\n")
		if !strings.Contains(got, "your "+side.own+" meets "+side.other+"\t2027-03-06T00:00:00Z/2027-03-21T00:00:00Z") {
			t.Errorf("%s notices after the later registration:\n%s", side.n.Name, got)
		}
	}

	// Withdrawn, the Japanese monitoring leaves the JPN node's index: a
	// new US takedown there raises nothing. The USA node sends one
	// registration after the other, so that once the JPN node has answered
	// the query of a later one, the takedown's exchange is over.
	answeredUSAJPN := func() int {
		n := 0
		for _, e := range jpn.audit(t, "deconflict.query") {
			if e.Object == "USA-JPN" && strings.Contains(e.Reason, "answered") {
				n++
			}
		}
		return n
	}
	withdrawn := withdrawAction(t, jpn2File)
	cli(jpn, jpn.publisher, "deconflict", "register", withdrawn)
	before := answeredUSAJPN()
	usa3, usa3File := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionTakedown, 4, "192.0.2.44", t0.Add(6*day), 2, nil, "JPN")
	cli(usa, usa.publisher, "deconflict", "register", usa3File)
	// The first takedown registered again (the same version): the same
	// meeting, no new notice on either side.
	cli(usa, usa.publisher, "deconflict", "register", usaFile)
	_, sentinel := writeAction(t, dir, "USA", usaPOCOrg, kizuna.ActionBlock, 3, "203.0.113.99", t0, 1, nil, "JPN")
	cli(usa, usa.publisher, "deconflict", "register", sentinel)
	within(t, 60*time.Second, "the JPN node answers the three later queries", func() bool { return answeredUSAJPN() >= before+3 })
	for _, side := range []struct {
		n     *fedNode
		token string
	}{{usa, usa.publisher}, {jpn, jpn.publisher}} {
		if got := notices(side.n, side.token); len(got) != 2 || strings.Contains(strings.Join(got, "\n"), usa3) {
			t.Errorf("%s notices after the withdrawal and the same registration again:\n%s", side.n.Name, strings.Join(got, "\n"))
		}
		for id, versions := range side.n.heldIn(t, "deconfliction") {
			if strings.HasPrefix(id, dcstix.TypeNotice+"--") && len(versions) != 1 {
				t.Errorf("%s: notice %s has %d versions, want 1", side.n.Name, id, len(versions))
			}
		}
	}

	// AUS learns nothing.
	if got := notices(aus, aus.publisher); len(got) != 0 {
		t.Errorf("AUS notices: %v", got)
	}
	if out := cli(aus, aus.publisher, "deconflict", "list"); strings.Contains(out, usaID) || strings.Contains(out, jpnID) || !strings.Contains(out, ausID) {
		t.Errorf("AUS list:\n%s", out)
	}
	for _, coll := range []string{"deconfliction", "default"} {
		for _, tok := range []string{aus.publisher, aus.reader} {
			b := aus.taxii(t, "GET", "collections/"+coll+"/objects/", tok, nil)
			for _, id := range []string{usaID, jpnID, usa2, jpn2, usa3, farID, laterID, noticeID, "USA-JPN", "198.51.100.7", "192.0.2.", dcstix.TypeNotice} {
				if strings.Contains(string(b), id) {
					t.Errorf("AUS reads %s in %s: %s", id, coll, b)
				}
			}
		}
	}
	for _, e := range aus.audit(t, "") {
		line := e.Action + " " + e.Object + " " + e.Reason
		for _, id := range []string{usaID, jpnID, usa2, jpn2, farID, laterID, "USA-JPN", "deconflict.hit"} {
			if strings.Contains(line, id) {
				t.Errorf("the AUS audit names %s: %s", id, line)
			}
		}
	}
	for id, versions := range aus.heldIn(t, "deconfliction") {
		if a, err := dcstix.DecodeAction(versions[0].Raw); id != ausID && (err != nil || a.Nation != "AUS") {
			t.Errorf("the AUS store holds %s", id)
		}
	}

	// A query of AUS's own under the US–Japanese agreement is refused, as
	// for an agreement that does not exist.
	q := map[string]any{"v": 1, "agreement": "USA-JPN", "epoch": 1, "rules": "x", "id": strings.Repeat("ab", 16), "exact": "", "up": ""}
	for _, ag := range []string{"USA-JPN", "NO-SUCH"} {
		q["agreement"] = ag
		body, _ := json.Marshal(q)
		req, _ := http.NewRequest("POST", "https://"+usa.addr+"/api/v1/deconfliction/exchange/query", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+aus.peerTokens["USA"])
		resp, err := usa.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Description string }
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || e.Description != `no deconfliction agreement "`+ag+`" with peer "aus" on this node` {
			t.Errorf("AUS querying under %s: %d %q", ag, resp.StatusCode, e.Description)
		}
	}
	// Under the USA–AUS agreement, AUS's queries are answered up to the
	// agreement's rate (60 a minute), then refused, and audited.
	rules, err := loadDeconflictRules(usa.dir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := readAgreementKey(filepath.Join(dir, "USA-AUS.key"))
	if err != nil {
		t.Fatal(err)
	}
	ag := &pairwise.Agreement{ID: "USA-AUS", Nations: [2]string{"AUS", "USA"}, Key: key, Epoch: 1, Bucket: day, Rules: rules.Digest}
	probe := &kizuna.DefensiveAction{ID: ausID, Kind: kizuna.ActionTakedown, Category: 4, Nation: "AUS", Organization: ausPOCOrg,
		Targets: []kizuna.ActionTarget{{Kind: kizuna.TargetIP, Value: "198.51.100.7"}}, Start: t0, End: t0.Add(day),
		State: kizuna.ActionApproved, DeconflictWith: []string{"USA"}}
	codes := map[int]int{}
	post := func(step string, msg any) (int, string) {
		body, _ := json.Marshal(msg)
		req, _ := http.NewRequest("POST", "https://"+usa.addr+"/api/v1/deconfliction/exchange/"+step, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+aus.peerTokens["USA"])
		resp, err := usa.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Description string }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Description
	}
	for range 130 { // whatever minute boundary falls among them, more than 60 in one minute
		q, _, err := pairwise.Ask(ag, rules, probe, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		code, msg := post("query", q)
		codes[code]++
		if code != http.StatusOK && (code != http.StatusServiceUnavailable || !strings.Contains(msg, "over its rate of 60 queries a minute")) {
			t.Fatalf("query: %d %s", code, msg)
		}
	}
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("130 queries under one agreement, none refused: %v", codes)
	}
	denied := 0
	for _, e := range usa.audit(t, "deconflict.query") {
		if e.Object == "USA-AUS" && e.Decision == "deny" {
			denied++
		}
	}
	if denied != codes[http.StatusServiceUnavailable] {
		t.Errorf("%d queries refused, %d audited", codes[http.StatusServiceUnavailable], denied)
	}
	// A confirm of a query the node did not answer.
	if code, msg := post("confirm", &pairwise.Confirm{V: 1, Agreement: "USA-AUS", Query: strings.Repeat("cd", 16), Sealed: make([]byte, 64)}); code != http.StatusNotFound {
		t.Errorf("a confirm of no query: %d %s", code, msg)
	}

	// A principal that is not a peer takes no part.
	body, _ := json.Marshal(q)
	req, _ := http.NewRequest("POST", "https://"+usa.addr+"/api/v1/deconfliction/exchange/query", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+usa.publisher)
	if resp, err := usa.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a publisher querying: %v %v", resp, err)
	}

	// The agreement keys: in a 0600 file of the data directory, never in
	// a log.
	for _, n := range nodes {
		st, err := os.Stat(filepath.Join(n.dir, dcapi.AgreementsState))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %s: %v %v", n.Name, dcapi.AgreementsState, st, err)
		}
		ags, err := os.ReadFile(filepath.Join(n.dir, dcapi.AgreementsState))
		if err != nil {
			t.Fatal(err)
		}
		var doc dcapi.Agreements
		json.Unmarshal(ags, &doc)
		logs, _ := os.ReadFile(filepath.Join(n.dir, "serve.log"))
		for _, c := range doc.Agreements {
			if k := base64.StdEncoding.EncodeToString(c.Key); bytes.Contains(logs, []byte(k)) || strings.Contains(usa.cli(t, "deconflict", "agreement", "list"), k) {
				t.Errorf("%s: the key of %s is in the log or the listing", n.Name, c.ID)
			}
		}
	}
}

// withdrawAction writes a new version of the registration in a file, in
// the state withdrawn, and returns the new file.
func withdrawAction(t *testing.T, path string) string {
	t.Helper()
	a, err := dcstix.DecodeAction(mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	a.State, a.Modified = kizuna.ActionWithdrawn, a.Modified.Add(time.Millisecond)
	raw, err := dcstix.EncodeAction(a)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSuffix(path, ".json") + "-withdrawn.json"
	if err := os.WriteFile(out, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}
