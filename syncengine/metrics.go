package syncengine

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus collectors.
type Metrics struct {
	mutations     *prometheus.CounterVec
	commits       *prometheus.CounterVec
	commitSeconds prometheus.Histogram
	batchJobs     prometheus.Histogram
	pulled        prometheus.Counter
	damaged       prometheus.Counter
	// streamsRefused counts live streams refused, by the limit reached.
	streamsRefused *prometheus.CounterVec
}

func newMetrics() *Metrics {
	return &Metrics{
		mutations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_sync_mutations_total", Help: "Mutations handled, by result status.",
		}, []string{"status"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_sync_commits_total", Help: "Group commits, by outcome.",
		}, []string{"outcome"}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vardag_sync_commit_seconds", Help: "Time to apply and fsync one group commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		batchJobs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vardag_sync_commit_jobs", Help: "Pushes and server jobs sharing one commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		pulled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vardag_sync_pulled_changes_total", Help: "Changes sent in pulls.",
		}),
		damaged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vardag_damaged_records_total", Help: "Pulls refused because a record they would send is damaged (not valid JSON).",
		}),
		streamsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vardag_live_streams_refused_total", Help: "Live streams refused, by the limit reached: device, user or server.",
		}, []string{"limit"}),
	}
}

// Register adds the collectors to a registry.
func (m *Metrics) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.mutations, m.commits, m.commitSeconds, m.batchJobs, m.pulled, m.damaged, m.streamsRefused} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *Metrics) observeCommit(jobs int, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.commits.WithLabelValues(outcome).Inc()
	m.commitSeconds.Observe(d.Seconds())
	m.batchJobs.Observe(float64(jobs))
}
