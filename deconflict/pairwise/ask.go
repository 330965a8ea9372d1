package pairwise

import (
	"encoding/hex"
	"io"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// origin is what the initiator keeps of one query token.
type origin struct {
	class  deconflict.Class
	bucket int64
	key    string
}

// Pending is the initiator's state of a query until its answer arrives.
type Pending struct {
	ag     *Agreement
	rules  *deconflict.Rules
	action *kizuna.DefensiveAction
	query  string
	tokens map[uint64]origin
}

// Ask builds the query for an action registered on this node. random
// supplies the query id and the padding (crypto/rand.Reader in the node).
// An action that does not take part in the exchange with the agreement's
// other party (not matched in its state, or not released for
// deconfliction with that nation) gives no query (nil, nil, nil).
func Ask(ag *Agreement, rules *deconflict.Rules, a *kizuna.DefensiveAction, random io.Reader) (*Query, *Pending, error) {
	if err := ag.Check(); err != nil {
		return nil, nil, err
	}
	if rules.Digest != ag.Rules {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: the rules loaded are not those agreed", ag.ID)
	}
	if !eligible(a, ag.Other(a.Nation)) {
		return nil, nil, nil
	}
	keys, err := deconflict.KeysOf(a)
	if err != nil {
		return nil, nil, err
	}
	buckets, err := ag.buckets(a.Start, a.End)
	if err != nil {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.window: %v", a.ID, err)
	}
	var id [16]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return nil, nil, err
	}
	q := &Query{V: Version, Agreement: ag.ID, Epoch: ag.Epoch, Rules: ag.Rules, ID: hex.EncodeToString(id[:])}
	p := &Pending{ag: ag, rules: rules, action: a, query: q.ID, tokens: map[uint64]origin{}}
	tk := newTokenizer(ag)
	up := upOnly(keys)
	// The tokens an action of each conflicting class would have indexed.
	for _, c := range rules.Conflicting(deconflict.ClassOf(a), ag.sameNation()) {
		for _, b := range buckets {
			for _, k := range keys.Exact {
				t := tk.token(c, b, k)
				q.Exact = append(q.Exact, t)
				p.tokens[t] = origin{c, b, k}
			}
			for _, k := range up {
				t := tk.token(c, b, k)
				q.Up = append(q.Up, t)
				p.tokens[t] = origin{c, b, k}
			}
		}
	}
	if q.Exact, err = pad(q.Exact, random); err != nil {
		return nil, nil, err
	}
	if q.Up, err = pad(q.Up, random); err != nil {
		return nil, nil, err
	}
	return q, p, nil
}

// minPad is the smallest token list a query sends.
const minPad = 64

// pad adds random tokens up to the next power of two (at least minPad)
// and sorts, so that a list's length tells only its order of magnitude
// and its order nothing.
func pad(t Tokens, random io.Reader) (Tokens, error) {
	n := minPad
	for n < len(t) {
		n *= 2
	}
	buf := make([]byte, 8*(n-len(t)))
	if _, err := io.ReadFull(random, buf); err != nil {
		return nil, err
	}
	for i := 0; i < len(buf); i += 8 {
		t = append(t, uint64(buf[i])<<56|uint64(buf[i+1])<<48|uint64(buf[i+2])<<40|uint64(buf[i+3])<<32|
			uint64(buf[i+4])<<24|uint64(buf[i+5])<<16|uint64(buf[i+6])<<8|uint64(buf[i+7]))
	}
	slices.Sort(t)
	return t, nil
}

// Resolve reads the answer to the query and returns the notices for the
// owner of the action asked about and the confirm to send back (always,
// so that the traffic does not tell a hit from a miss). A hit claiming
// tokens the query did not send, or whose window does not overlap the
// action's, is dropped.
func (p *Pending) Resolve(ans *Answer, now time.Time, newID func() string, random io.Reader) ([]kizuna.DeconflictionNotice, *Confirm, error) {
	if ans.Query != p.query {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "agreement %s: the answer is to query %s, not %s", p.ag.ID, ans.Query, p.query)
	}
	var hits []Hit
	if err := open(p.ag, "answer", p.query, ans.Sealed, &hits); err != nil {
		return nil, nil, err
	}
	a := p.action
	var notices []kizuna.DeconflictionNotice
	var confirmed []Confirmed
	for _, h := range hits {
		var class *deconflict.Class
		var overlap []string
		var buckets []int64
		for _, t := range h.Matched {
			o, ok := p.tokens[t]
			if !ok {
				class = nil
				break
			}
			class = &o.class
			overlap = append(overlap, o.key)
			buckets = append(buckets, o.bucket)
		}
		from, to, ok := deconflict.Overlap(a.Start, a.End, h.Start, h.End)
		if class == nil || !ok {
			continue
		}
		fired := p.rules.Fired(deconflict.ClassOf(a), *class, a.Nation == h.Nation)
		if len(fired) == 0 {
			continue
		}
		slices.Sort(overlap)
		slices.Sort(buckets)
		notices = append(notices, kizuna.DeconflictionNotice{ID: newID(), Created: now.UTC(), Rule: fired[0], Rules: fired,
			Severity: p.rules.Severity(fired), ActionRef: a.ID, Recipient: a.Organization, OtherNation: h.Nation, OtherOrg: h.Organization,
			OtherKind: class.Kind, OtherCategory: class.Category, Overlap: slices.Compact(overlap), WindowStart: from, WindowEnd: to,
			Agreement: p.ag.ID})
		confirmed = append(confirmed, Confirmed{Handle: h.Handle, Rules: fired, Nation: a.Nation, Organization: a.Organization,
			Kind: a.Kind, Category: a.Category, Start: a.Start.UTC(), End: a.End.UTC(), Overlap: slices.Compact(buckets)})
	}
	if confirmed == nil {
		confirmed = []Confirmed{}
	}
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, nil, err
	}
	sealed, err := seal(p.ag, "confirm", p.query, confirmed, nonce)
	if err != nil {
		return nil, nil, err
	}
	return notices, &Confirm{V: Version, Agreement: p.ag.ID, Query: p.query, Sealed: sealed}, nil
}
