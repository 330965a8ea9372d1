package dcapi

import (
	"testing"
	"time"
)

// TestAnsweredQueriesAreKeptPerAgreement: a query id sent under another
// agreement (a peer that learnt or guessed a pending id) neither replaces
// nor takes the entry of the query asked under the first, and an entry is
// taken once, by its own peer.
func TestAnsweredQueriesAreKeptPerAgreement(t *testing.T) {
	now := time.Date(2027, 2, 16, 0, 0, 0, 0, time.UTC)
	q := answeredQueries{}
	usa := &answered{agreement: "usa-jpn", peer: "usa-node", at: now}
	q.put(now, "query-1", usa)
	q.put(now, "query-1", &answered{agreement: "aus-jpn", peer: "aus-node", at: now})
	if got := q.take("usa-jpn", "aus-node", "query-1"); got != nil {
		t.Fatalf("another peer took the USA query: %+v", got)
	}
	if got := q.take("usa-jpn", "usa-node", "query-1"); got != usa {
		t.Fatalf("the USA confirm found %+v, want its own query", got)
	}
	if got := q.take("usa-jpn", "usa-node", "query-1"); got != nil {
		t.Errorf("a query was confirmed twice")
	}
	if got := q.take("aus-jpn", "aus-node", "query-1"); got == nil || got.agreement != "aus-jpn" {
		t.Errorf("the AUS query: %+v", got)
	}
	q.put(now, "old", &answered{agreement: "usa-jpn", peer: "usa-node", at: now})
	q.put(now.Add(answeredTTL+time.Second), "new", &answered{agreement: "usa-jpn", peer: "usa-node", at: now.Add(answeredTTL + time.Second)})
	if q.take("usa-jpn", "usa-node", "old") != nil {
		t.Errorf("a query past answeredTTL was kept")
	}
}
