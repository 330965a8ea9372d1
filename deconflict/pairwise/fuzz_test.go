package pairwise_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
)

// FuzzMessages: whatever the other party sends, parsing it and acting on
// it never panics; a tampered sealed part never opens.
func FuzzMessages(f *testing.F) {
	rules := mustRules(f)
	ag := &pairwise.Agreement{ID: "USA-JPN", Nations: [2]string{"USA", "JPN"}, Key: bytes.Repeat([]byte{7}, 32), Epoch: 1, Bucket: day, Rules: rules.Digest}
	monitor := act("JPN", orgJP, kizuna.ActionMonitor, 1, t0, t0.Add(20*day), "203.0.113.45")
	ix, err := pairwise.BuildIndex(ag, rules, "JPN", []*kizuna.DefensiveAction{monitor})
	if err != nil {
		f.Fatal(err)
	}
	q, pend, _ := pairwise.Ask(ag, rules, act("USA", orgUS, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), target), rand.Reader)
	ans, st, _ := ix.Respond(q, rand.Reader)
	_, conf, _ := pend.Resolve(ans, t0, ids("8000"), rand.Reader)
	for _, m := range []any{q, ans, conf} {
		b, _ := json.Marshal(m)
		f.Add(byte(0), b)
		f.Add(byte(1), b)
		f.Add(byte(2), b)
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		switch which % 3 {
		case 0:
			if q, err := pairwise.ParseQuery(ag, data); err == nil {
				ix.Respond(q, rand.Reader)
			}
		case 1:
			if a, err := pairwise.ParseAnswer(ag, data); err == nil {
				a.Query = q.ID
				_, _, err := pend.Resolve(a, t0, ids("8000"), rand.Reader)
				if err == nil && !bytes.Equal(a.Sealed, ans.Sealed) {
					t.Fatal("an altered answer opened")
				}
			}
		case 2:
			if c, err := pairwise.ParseConfirm(ag, data); err == nil {
				c.Query = q.ID
				ix.Confirmed(st, c, time.Time{}, ids("9000"))
			}
		}
	})
}
