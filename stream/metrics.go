package stream

import "github.com/prometheus/client_golang/prometheus"

// metrics are the stream's Prometheus instruments.
type metrics struct {
	open    prometheus.Gauge
	events  *prometheus.CounterVec
	dropped *prometheus.CounterVec
	refused prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kizuna_stream_open",
			Help: "Live streams (GET /api/v1/stream) open on this instance.",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_stream_events_total",
			Help: "Events sent to live streams, by kind.",
		}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_stream_dropped_total",
			Help: "Live streams the node closed, by reason: slow (the client did not take a write within the write timeout, or let its deletion queue fill) or revoked (its principal was revoked or changed).",
		}, []string{"reason"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kizuna_stream_refused_total",
			Help: "Stream requests answered 429: too many streams open on the instance or for the principal.",
		}),
	}
}

// Register adds the stream's metrics to a registry.
func (s *Server) Register(reg prometheus.Registerer) error {
	s.init()
	for _, c := range []prometheus.Collector{s.metrics.open, s.metrics.events, s.metrics.dropped, s.metrics.refused} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
