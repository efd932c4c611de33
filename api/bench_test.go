package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

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

// BenchmarkFanout measures one event's way from the store append to every subscriber over real
// loopback WebSocket connections: each iteration emits one event through the agents' path
// (store, then hub) and waits until all subscribers have read it. deliveries/s is subscribers
// per iteration time; the load is paced by the slowest subscriber, so no queue builds up.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) { benchFanout(b, subs) })
	}
}

func benchFanout(b *testing.B, subs int) {
	e := newEnv(b, envOptions{queue: 4096})
	job := e.submit(statement(1, false), map[string]string{"enabled_agents": `["numeric_validation"]`})
	conns := make([]*websocket.Conn, subs)
	for i := range conns {
		conns[i] = e.dial(job.ID, 0)
		defer conns[i].Close()
	}
	// The replay comes after the subscription: once a connection has read the whole job, every
	// later event reaches it live.
	for _, c := range conns {
		readAll(b, c, 1)
	}
	got := make(chan int64, subs)
	for _, c := range conns {
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				var ev struct{ Seq int64 }
				if json.Unmarshal(msg, &ev) == nil {
					got <- ev.Seq
				}
			}
		}()
	}
	for b.Loop() {
		seq, err := e.gen.Generate(context.Background(), job.ID, 1, 0, 256, 1)
		if err != nil {
			b.Fatal(err)
		}
		for range subs {
			if s := <-got; s != seq {
				b.Fatalf("got seq %d, want %d", s, seq)
			}
		}
	}
	b.ReportMetric(float64(subs)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
