package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/api"
	"github.com/veritas-audit/veritas/handlers"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

// BenchmarkFanout measures one event's way from the store append to every subscriber over real
// loopback WebSocket connections: each iteration emits one event through the runner's path
// (store, then hub) and waits until all subscribers have read it. deliveries/s is subscribers
// per iteration time; the load is paced by the slowest subscriber, so no queue builds up.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) { benchFanout(b, subs) })
	}
}

func benchFanout(b *testing.B, subs int) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "v.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fan := hub.New(log, hub.Options{QueueSize: 4096})
	reg := agents.NewRegistry(numeric.New())
	runner := agents.NewRunner(st, fan, reg, log, agents.RunnerOptions{})
	h := handlers.New(st, runner, fan, reg, log, handlers.Options{})
	srv := httptest.NewServer(api.New(h, log, api.Options{}))
	admin := httptest.NewServer(api.NewAdmin(h, log))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { fan.Run(ctx) })
	wg.Go(func() { runner.Run(ctx) })
	defer func() {
		cancel()
		wg.Wait()
		h.WaitStreams(context.Background())
		admin.Close()
		srv.Close()
	}()

	resp, err := admin.Client().Post(admin.URL+"/debug/jobs/new/synthetic?count=0", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	var created struct {
		JobID string `json:"job_id"`
	}
	decodeJSON(b, resp.Body, &created)
	resp.Body.Close()

	conns := make([]*websocket.Conn, subs)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/jobs/" + created.JobID + "?since=1"
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	// Every subscriber reads in its own goroutine and reports each event's seq.
	got := make(chan int64, subs)
	for _, c := range conns {
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if i := strings.Index(string(msg), `"seq":`); i >= 0 {
					var seq int64
					fmt.Sscanf(string(msg[i+6:]), "%d", &seq)
					got <- seq
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the subscriptions settle
	b.ResetTimer()
	for b.Loop() {
		seq, err := runner.Synthetic(context.Background(), created.JobID, 1, 0, 256)
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

func decodeJSON(b *testing.B, r io.Reader, v any) {
	b.Helper()
	data, _ := io.ReadAll(r)
	if err := json.Unmarshal(data, v); err != nil {
		b.Fatalf("decode %s: %v", data, err)
	}
}
