// Package metrics is what the service reports to Prometheus: HTTP requests, WebSocket streams,
// events delivered and appended, jobs and agents. Each package that is measured declares the
// small observer interface it calls; Metrics implements them all, so only main.go and the router
// know Prometheus is there. No label takes an unbounded value: routes are gin's templates, and
// job ids never appear.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the service's collectors, registered on its own registry.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	streams         prometheus.Gauge
	delivered       prometheus.Counter
	drops           *prometheus.CounterVec
	jobs            *prometheus.CounterVec
	agentDuration   *prometheus.HistogramVec
	agentErrors     *prometheus.CounterVec
	appendLatency   prometheus.Histogram
}

// New makes the collectors, with the Go runtime's and the process's own. queued, if not nil,
// counts the jobs waiting in the store (shared by every instance) when Prometheus scrapes.
func New(queued func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veritas_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "veritas_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template and method; upgraded WebSocket streams are not timed here.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "veritas_websocket_connections",
			Help: "WebSocket streams open now.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "veritas_events_delivered_total",
			Help: "Events written to WebSocket subscribers, replayed ones included.",
		}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veritas_websocket_closes_total",
			Help: "Streams the server closed, by close code: 1013 a subscriber too slow to keep up, 1000 its job deleted, 1001 shutdown.",
		}, []string{"code"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veritas_jobs_finished_total",
			Help: "Jobs this instance finished, by final status.",
		}, []string{"status"}),
		agentDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "veritas_agent_duration_seconds",
			Help:    "Time an agent ran on one document, by agent.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30, 120},
		}, []string{"agent"}),
		agentErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veritas_agent_errors_total",
			Help: "Agent runs that ended in an error row, by agent.",
		}, []string{"agent"}),
		appendLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "veritas_event_append_seconds",
			Help:    "Time to append events to a job's log (one store transaction).",
			Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
	}
	m.reg.MustRegister(m.requests, m.requestDuration, m.streams, m.delivered, m.drops, m.jobs,
		m.agentDuration, m.agentErrors, m.appendLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if queued != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "veritas_queue_depth",
			Help: "Jobs queued and not yet claimed by any instance (-1 when the store cannot say).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := queued(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Request counts an answered HTTP request; route is gin's template ("" when no route matched,
// so that unknown paths do not each make a series). A stream upgraded to a WebSocket (101) is
// counted but not timed: its duration is the stream's life.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other" // a method is any token a client sends
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	if status != 101 {
		m.requestDuration.WithLabelValues(route, method).Observe(took.Seconds())
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Streams moves the count of open WebSocket streams (hub.Observer).
func (m *Metrics) Streams(delta int) { m.streams.Add(float64(delta)) }

// Delivered counts events written to subscribers, once per batch (hub.Observer).
func (m *Metrics) Delivered(n int) { m.delivered.Add(float64(n)) }

// Dropped counts a stream the hub closed with code (hub.Observer).
func (m *Metrics) Dropped(code int) { m.drops.WithLabelValues(strconv.Itoa(code)).Inc() }

// JobFinished counts a job that ended with status (runner.Observer).
func (m *Metrics) JobFinished(status string) { m.jobs.WithLabelValues(status).Inc() }

// AgentRan records how long an agent ran on a document (runner.Observer).
func (m *Metrics) AgentRan(agentID string, took time.Duration) {
	m.agentDuration.WithLabelValues(agentID).Observe(took.Seconds())
}

// AgentFailed counts an agent run whose error row was stored (runner.Observer).
func (m *Metrics) AgentFailed(agentID string) { m.agentErrors.WithLabelValues(agentID).Inc() }

// Appended records one append to an event log (fanout.Observer).
func (m *Metrics) Appended(took time.Duration) { m.appendLatency.Observe(took.Seconds()) }
