package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/schemas"
)

// BenchmarkAudit measures what a user waits for: from sending the upload of a 10-table
// statement to the first event on the WebSocket (job_queued), and to audit_complete. Each
// iteration is one job, through the real router, store file, runner and hub; run it with
// -benchtime=200x for the figures in BENCHMARKS.md.
func BenchmarkAudit(b *testing.B) {
	e := newEnv(b, envOptions{})
	doc := statement(10, true)
	var first, whole []time.Duration
	for b.Loop() {
		start := time.Now()
		resp := e.upload(form{file: doc})
		var job schemas.Job
		decode(b, resp, http.StatusAccepted, &job)
		ws := e.dial(job.ID, 0)
		readEvent(b, ws)
		first = append(first, time.Since(start))
		readAll(b, ws, 2)
		whole = append(whole, time.Since(start))
		ws.Close()
	}
	report(b, "first-event", first)
	report(b, "complete", whole)
}

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	q := func(p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), name+"-p50-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
}
