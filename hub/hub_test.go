package hub_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/veritas-audit/veritas/hub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T, opt hub.Options) (*hub.Hub, context.CancelFunc) {
	t.Helper()
	h := hub.New(slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h, cancel
}

func recv(t *testing.T, c *hub.Client) (*hub.Frame, bool) {
	t.Helper()
	select {
	case m, ok := <-c.Messages():
		return m, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5s")
		return nil, false
	}
}

func TestBroadcastReachesOnlyThatJobInOrder(t *testing.T) {
	h, _ := start(t, hub.Options{})
	ctx := context.Background()
	a1, a2, b := h.NewClient("a"), h.NewClient("a"), h.NewClient("b")
	for _, c := range []*hub.Client{a1, a2, b} {
		if err := h.Register(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for seq := int64(1); seq <= 100; seq++ {
		if err := h.Broadcast(ctx, hub.Message{JobID: "a", Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	h.Broadcast(ctx, hub.Message{JobID: "b", Seq: 1})
	for _, c := range []*hub.Client{a1, a2} {
		for want := int64(1); want <= 100; want++ {
			m, ok := recv(t, c)
			if !ok || m.JobID != "a" || m.Seq != want {
				t.Fatalf("got %+v (open %v), want job a seq %d", m, ok, want)
			}
			if want == 1 && string(m.Bytes) != "\x81\x00" {
				t.Fatalf("frame %q, want an empty final text frame", m.Bytes)
			}
		}
	}
	if m, _ := recv(t, b); m.JobID != "b" || m.Seq != 1 {
		t.Fatalf("job b subscriber got %+v", m)
	}
}

func TestSlowClientIsDroppedWith1013AndOthersContinue(t *testing.T) {
	h, _ := start(t, hub.Options{QueueSize: 4})
	ctx := context.Background()
	slow, fast := h.NewClient("j"), h.NewClient("j")
	h.Register(ctx, slow)
	h.Register(ctx, fast)
	got := make(chan int64, 100)
	go func() {
		for m := range fast.Messages() {
			got <- m.Seq
		}
		close(got)
	}()
	// Paced to the fast client, so only the slow one can fall behind.
	for want := int64(1); want <= 50; want++ {
		h.Broadcast(ctx, hub.Message{JobID: "j", Seq: want})
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("fast client got seq %d, want %d", seq, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("fast client stalled at seq %d", want)
		}
	}
	n := 0
	for range slow.Messages() {
		n++
	}
	if n != 4 {
		t.Fatalf("slow client kept %d queued messages, want its queue size 4", n)
	}
	if code, _ := slow.CloseCode(); code != websocket.CloseTryAgainLater {
		t.Fatalf("slow client close code %d, want 1013", code)
	}
	h.Unregister(fast)
	if _, ok := <-got; ok {
		t.Fatal("fast client got a message after its unregister")
	}
}

func TestShutdownClosesWith1001AndNeverBlocksAfterwards(t *testing.T) {
	h, stop := start(t, hub.Options{})
	ctx := context.Background()
	c := h.NewClient("j")
	if err := h.Register(ctx, c); err != nil {
		t.Fatal(err)
	}
	stop()
	if _, ok := recv(t, c); ok {
		t.Fatal("queue still open after shutdown")
	}
	if code, _ := c.CloseCode(); code != websocket.CloseGoingAway {
		t.Fatalf("close code %d, want 1001", code)
	}
	done := make(chan struct{})
	go func() {
		for range 200 { // more than the unregister buffer
			h.Unregister(c)
		}
		if err := h.Register(ctx, h.NewClient("j")); err != hub.ErrStopped {
			t.Errorf("Register after stop: %v, want ErrStopped", err)
		}
		if err := h.Broadcast(ctx, hub.Message{JobID: "j", Seq: 1}); err != hub.ErrStopped {
			t.Errorf("Broadcast after stop: %v, want ErrStopped", err)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Unregister/Register/Broadcast blocked after the hub stopped")
	}
}
