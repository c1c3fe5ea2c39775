package webpush

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the notifier's Prometheus collectors.
type Metrics struct {
	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	removed  *prometheus.CounterVec
	retried  prometheus.Counter
	queueLen prometheus.GaugeFunc
	connects *prometheus.CounterVec
}

func newMetrics(queueLen func() float64) *Metrics {
	return &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_push_sent_total", Help: "Web push notifications a push service accepted, by category.",
		}, []string{"category"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_push_failed_total", Help: "Web push notifications not delivered, by reason (gone, rejected, unavailable, network, refused_address).",
		}, []string{"reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_push_dropped_total", Help: "Web push work dropped because a queue was full, by queue (events, queue).",
		}, []string{"queue"}),
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_push_subscriptions_removed_total", Help: "Push subscriptions deleted by the sender, by reason (gone, session_ended, invalid_endpoint, refused_address).",
		}, []string{"reason"}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vardag_push_retries_total", Help: "Web push notifications tried again after 429 or 5xx.",
		}),
		queueLen: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vardag_push_queue_length", Help: "Web push notifications waiting for a worker.",
		}, queueLen),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_push_connections_total", Help: "Connections to push services, by result: allowed, or refused (the address was not public).",
		}, []string{"result"}),
	}
}

// connected counts one connection to a push service checked by the dialer.
func (m *Metrics) connected(allowed bool) {
	if allowed {
		m.connects.WithLabelValues("allowed").Inc()
	} else {
		m.connects.WithLabelValues("refused").Inc()
	}
}

// Register adds the collectors to a registry.
func (m *Metrics) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.sent, m.failed, m.dropped, m.removed, m.retried, m.queueLen, m.connects} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// sum adds up every series of a counter vector.
func sum(v *prometheus.CounterVec) float64 {
	ch := make(chan prometheus.Metric, 64)
	go func() { v.Collect(ch); close(ch) }()
	total := 0.0
	for m := range ch {
		total += metricValue(m)
	}
	return total
}

func value(c prometheus.Counter) float64 { return metricValue(c) }

func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if m.Write(&d) != nil || d.Counter == nil {
		return 0
	}
	return d.Counter.GetValue()
}
