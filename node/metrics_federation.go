package node

import (
	"sync/atomic"

	"github.com/kizuna-dev/kizuna/federation"
	"github.com/prometheus/client_golang/prometheus"
)

// registerFederation exposes the federation's counters as
// kizuna_federation_objects_total{outcome}.
func (m *metrics) registerFederation(s *federation.Service) {
	if s == nil {
		return
	}
	st := s.Stats()
	for outcome, c := range map[string]*atomic.Int64{
		"sent": &st.Sent, "refused": &st.Refused, "withheld": &st.Withheld,
		"withheld_meta": &st.MetaWithheld, "pulled": &st.Pulled, "deleted": &st.Deleted,
	} {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "kizuna_federation_objects_total",
			Help:        "Object versions handled by federation: sent (a peer accepted), refused (a peer refused), withheld (allowed by the decision, kept by the agreement's egress rules), withheld_meta (kept because a marking-definition it needs may not go to the peer), pulled (stored from plain peers), deleted (deletions propagated).",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(c.Load()) }))
	}
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "kizuna_federation_failed_rounds_total",
		Help: "Synchronisation rounds with a peer that failed and were retried after a backoff.",
	}, func() float64 { return float64(st.Failures.Load()) }))
}
