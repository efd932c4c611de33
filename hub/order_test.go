package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/hub"
)

// newOrdered starts a hub that fills gaps from log.
func newOrdered(t *testing.T, log *memLog) *hub.Hub {
	t.Helper()
	h, _ := start(t, hub.Options{QueueSize: 1024, Log: log})
	return h
}

func subscribe(t *testing.T, h *hub.Hub, job string) *queue {
	t.Helper()
	q := newQueue(h, job)
	if err := h.Register(context.Background(), q.c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Unregister(q.c) })
	return q
}

func (q *queue) expect(t *testing.T, seqs ...int64) {
	t.Helper()
	for _, want := range seqs {
		f, ok := q.next(t)
		if !ok || f.Seq != want {
			t.Fatalf("got %v (ok %v), want seq %d", f, ok, want)
		}
	}
}

// TestHubFillsAGapFromTheLog: events 3 and 4 were stored but never broadcast here (another
// instance published them and Redis lost them); when 5 arrives the subscriber gets 3, 4, 5 in
// order, and a repeat of 5 or an older event is not delivered again.
func TestHubFillsAGapFromTheLog(t *testing.T) {
	log := &memLog{events: map[string][]hub.Message{}}
	h := newOrdered(t, log)
	q := subscribe(t, h, "j")
	for range 2 {
		h.Broadcast(context.Background(), log.store("j", 0))
	}
	q.expect(t, 1, 2)
	log.store("j", 0)
	log.store("j", 0)
	five := log.store("j", 0)
	h.Broadcast(context.Background(), five)
	q.expect(t, 3, 4, 5)
	h.Broadcast(context.Background(), five)
	h.Broadcast(context.Background(), log.events["j"][3])
	h.Broadcast(context.Background(), log.store("j", 0))
	q.expect(t, 6)
}

// TestHubHoldsLiveEventsWhileItFills: events that arrive while a gap is being read wait, and go
// out after the gap, in order.
func TestHubHoldsLiveEventsWhileItFills(t *testing.T) {
	log := &memLog{events: map[string][]hub.Message{}}
	reading := make(chan struct{})
	release := make(chan struct{})
	log.onRead = func(string, int64) {
		close(reading)
		<-release
	}
	h := newOrdered(t, log)
	q := subscribe(t, h, "j")
	h.Broadcast(context.Background(), log.store("j", 0))
	q.expect(t, 1)
	log.store("j", 0)
	h.Broadcast(context.Background(), log.store("j", 0)) // 3: a gap at 2
	<-reading
	h.Broadcast(context.Background(), log.store("j", 0)) // 4 arrives during the fill
	h.Broadcast(context.Background(), log.store("j", 0))
	close(release)
	q.expect(t, 2, 3, 4, 5)
}

// TestCatchUpReadsWhatWasMissed: after a lost subscription nothing reveals the gap (no later
// event comes), so CatchUp reads every subscribed job's log to its end.
func TestCatchUpReadsWhatWasMissed(t *testing.T) {
	log := &memLog{events: map[string][]hub.Message{}}
	h := newOrdered(t, log)
	a, b := subscribe(t, h, "a"), subscribe(t, h, "b")
	h.Broadcast(context.Background(), log.store("a", 0))
	a.expect(t, 1)
	log.store("a", 0)
	log.store("a", 0)
	log.store("b", 0)
	h.CatchUp(context.Background())
	a.expect(t, 2, 3)
	b.expect(t, 1)
}

// TestWaitBacklogWakesWhenSubscribersTake: a publisher waiting for the backlog to fall is woken
// by the subscriber taking its frames, not by a timer.
func TestWaitBacklogWakesWhenSubscribersTake(t *testing.T) {
	h, _ := start(t, hub.Options{QueueSize: 1024})
	q := subscribe(t, h, "j")
	log := &memLog{events: map[string][]hub.Message{}}
	for range 10 {
		h.Broadcast(context.Background(), log.store("j", 0))
	}
	done := make(chan error, 1)
	go func() { done <- h.WaitBacklog(context.Background(), "j", 5) }()
	select {
	case err := <-done:
		t.Fatalf("returned (%v) with 10 events waiting", err)
	default:
	}
	// Takes every frame: the hub may still be fanning some out when the first Take runs.
	q.expect(t, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not woken by the subscriber taking its frames")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.WaitBacklog(ctx, "nobody", 0); err != nil {
		t.Fatalf("a job without subscribers has no backlog: %v", err)
	}
}
