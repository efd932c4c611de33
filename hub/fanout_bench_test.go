package hub_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// BenchmarkFanout measures one event's way from Broadcast to every subscriber over real
// loopback WebSocket connections served by Serve: each iteration stores one event in an
// in-memory log, broadcasts it, and waits until all subscribers have read it. deliveries/s is
// subscribers per iteration time; the load is paced by the slowest subscriber, so no queue
// builds up.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) { benchFanout(b, subs) })
	}
}

func benchFanout(b *testing.B, subs int) {
	f := newFixture(b, hub.Options{QueueSize: 4096}, hub.ConnOptions{})
	f.emit("j", 0)
	conns := make([]*websocket.Conn, subs)
	var readers sync.WaitGroup
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		readers.Wait()
	}()
	for i := range conns {
		conns[i] = f.dial("j", 0, 0)
		readSeqs(b, conns[i], 1, 1) // the replay has begun: the subscription is live
	}
	// Every subscriber reads in its own goroutine and reports each event's seq.
	got := make(chan int64, subs)
	for _, c := range conns {
		readers.Go(func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				var ev struct {
					Seq int64 `json:"seq"`
				}
				json.Unmarshal(msg, &ev)
				got <- ev.Seq
			}
		})
	}
	for b.Loop() {
		m := f.emit("j", 256)
		for range subs {
			if s := <-got; s != m.Seq {
				b.Fatalf("got seq %d, want %d", s, m.Seq)
			}
		}
	}
	b.ReportMetric(float64(subs)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
