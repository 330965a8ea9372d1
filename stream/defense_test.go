package stream_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamConsultationFollowsItsIncident: a consultation step reaches a
// reader only when it may read the incident too, as the
// collective-defense API answers 404 for a consultation on an incident the
// reader may not read; incidents and consultation steps are events of
// their own kinds, which ?events= selects.
func TestStreamConsultationFollowsItsIncident(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{})
	q := "collection=" + w.coll
	cleared := listen(t, w.s.Base, w.cleared, q, "")
	public := listen(t, w.s.Base, w.public, q, "")
	onlySteps := listen(t, w.s.Base, w.cleared, q+"&events=consultation", "")

	t0 := time.Date(2026, 11, 20, 2, 40, 0, 0, time.UTC)
	secretInc, openInc := newID("incident"), newID("incident")
	incident := func(id string, refs []string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": "incident", "spec_version": "2.1", "id": id, "created": "2026-11-20T02:40:00.000Z",
			"modified": "2026-11-20T02:40:00.000Z", "name": "incident " + id, "object_marking_refs": refs})
		return b
	}
	consultation := func(incident string) (string, json.RawMessage) {
		c := &kizuna.Consultation{ID: newID(defstix.TypeConsultation), Created: t0, Modified: t0, MarkingRefs: []string{policy.TLP2Clear},
			IncidentRef: incident, Nation: "USA", State: kizuna.ConsultRequested, Rank: 1, OpenedAt: t0,
			Parties: []kizuna.Party{{Nation: "USA", POCRef: "identity--" + kizuna.NewUUID(), Status: "opened"}},
			Steps: []kizuna.ConsultStep{{Seq: 1, Action: "open", Nation: "USA", ActorRef: "identity--" + kizuna.NewUUID(), At: t0,
				StateBefore: "", StateAfter: kizuna.ConsultRequested}}}
		b, err := defstix.EncodeConsultation(c)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID, b
	}
	onSecret, c1 := consultation(secretInc)
	onOpen, c2 := consultation(openInc)
	last := newID("indicator")
	ingestAll(t, w.s.Node, w.coll, incident(secretInc, []string{w.secret}), incident(openInc, []string{policy.TLP2Clear}), c1, c2)
	ingestAll(t, w.s.Node, w.coll, indicator(last, t0, []string{policy.TLP2Clear}, "", ""))

	got := cleared.until(t, last)
	if ids := eventIDs(got); !slices.Equal(ids, []string{secretInc, openInc, onSecret, onOpen, last}) {
		t.Fatalf("the cleared reader got %v", ids)
	}
	if got[0].Kind != stream.KindIncident || got[2].Kind != stream.KindConsultation {
		t.Errorf("kinds %s, %s", got[0].Kind, got[2].Kind)
	}
	// The public reader may read the consultation on the secret incident
	// by its own marking, but not the incident: it gets neither.
	if ids := eventIDs(public.until(t, last)); !slices.Equal(ids, []string{openInc, onOpen, last}) {
		t.Fatalf("the public reader got %v", ids)
	}
	for _, want := range []string{onSecret, onOpen} {
		if _, ev := onlySteps.next(t); ev.ID != want || ev.Kind != stream.KindConsultation {
			t.Errorf("?events=consultation: got %s %s, want %s", ev.Kind, ev.ID, want)
		}
	}
}
