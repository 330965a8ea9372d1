package defapi_test

import (
	"testing"
)

// BenchmarkAPIAssess measures assessments through the node's API: each is
// a POST /api/v1/incidents/{id}/assessments over loopback HTTP that reads
// the incident, its impact and the nation's answers through the access
// decision, derives the facts and runs the nation's model and policy (not
// stored). 100 incidents under a SECRET//REL TO USA, JPN marking, each with
// answers; one op assesses each once.
func BenchmarkAPIAssess(b *testing.B) {
	n := newTestNode(b)
	ids := make([]string, 100)
	for i := range ids {
		id, body := incident(b, []string{n.secret})
		n.must("usa", "POST", "/api/v1/incidents", body, 201, nil)
		n.must("usa", "PUT", "/api/v1/incidents/"+id+"/factors", answers, 200, nil)
		ids[i] = id
	}
	req := map[string]any{"store": false}
	for b.Loop() {
		for _, id := range ids {
			n.must("usa", "POST", "/api/v1/incidents/"+id+"/assessments", req, 200, nil)
		}
	}
	b.ReportMetric(float64(b.N*len(ids))/b.Elapsed().Seconds(), "assessments/s")
}
