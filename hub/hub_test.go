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

// queue is a test connection: it takes frames whenever the hub signals.
type queue struct {
	c      *hub.Client
	signal chan struct{}
	frames []*hub.Frame
}

func newQueue(h *hub.Hub, job string) *queue {
	q := &queue{signal: make(chan struct{}, 1)}
	q.c = h.NewClient(job, func() {
		select {
		case q.signal <- struct{}{}:
		default:
		}
	})
	return q
}

// next waits for the next frame; ok is false once the client was dropped.
func (q *queue) next(t *testing.T) (f *hub.Frame, ok bool) {
	t.Helper()
	for len(q.frames) == 0 {
		frames, dropped, _, _ := q.c.Take(nil)
		if dropped {
			return nil, false
		}
		if len(frames) > 0 {
			q.frames = frames
			break
		}
		select {
		case <-q.signal:
		case <-time.After(5 * time.Second):
			t.Fatal("no message within 5s")
		}
	}
	f, q.frames = q.frames[0], q.frames[1:]
	return f, true
}

func TestBroadcastReachesOnlyThatJobInOrder(t *testing.T) {
	h, _ := start(t, hub.Options{})
	ctx := context.Background()
	a1, a2, b := newQueue(h, "a"), newQueue(h, "a"), newQueue(h, "b")
	for _, q := range []*queue{a1, a2, b} {
		if err := h.Register(ctx, q.c); err != nil {
			t.Fatal(err)
		}
	}
	for seq := int64(1); seq <= 100; seq++ {
		if err := h.Broadcast(ctx, hub.Message{JobID: "a", Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	h.Broadcast(ctx, hub.Message{JobID: "b", Seq: 1})
	for _, q := range []*queue{a1, a2} {
		for want := int64(1); want <= 100; want++ {
			m, ok := q.next(t)
			if !ok || m.JobID != "a" || m.Seq != want {
				t.Fatalf("got %+v (open %v), want job a seq %d", m, ok, want)
			}
			if want == 1 {
				if kind, data := writeAndRead(t, m.Msg); kind != websocket.TextMessage || len(data) != 0 {
					t.Fatalf("frame read as message type %d, %q; want an empty text message", kind, data)
				}
			}
		}
	}
	if m, _ := b.next(t); m.JobID != "b" || m.Seq != 1 {
		t.Fatalf("job b subscriber got %+v", m)
	}
}

func TestSlowClientIsDroppedWith1013AndOthersContinue(t *testing.T) {
	h, _ := start(t, hub.Options{QueueSize: 4})
	ctx := context.Background()
	slow, fast := newQueue(h, "j"), newQueue(h, "j")
	h.Register(ctx, slow.c)
	h.Register(ctx, fast.c)
	// Paced to the fast client, so only the slow one can fall behind.
	for want := int64(1); want <= 50; want++ {
		h.Broadcast(ctx, hub.Message{JobID: "j", Seq: want})
		if m, ok := fast.next(t); !ok || m.Seq != want {
			t.Fatalf("fast client got %+v (open %v), want seq %d", m, ok, want)
		}
	}
	frames, dropped, code, _ := slow.c.Take(nil)
	if !dropped || len(frames) != 0 || code != websocket.CloseTryAgainLater {
		t.Fatalf("slow client: dropped %v, %d frames, code %d; want dropped with 1013", dropped, len(frames), code)
	}
	h.Unregister(fast.c)
	h.Broadcast(ctx, hub.Message{JobID: "j", Seq: 51})
	waitDropped(t, fast)
	if _, dropped, code, _ := fast.c.Take(nil); !dropped || code != websocket.CloseNormalClosure {
		t.Fatalf("unregistered client: dropped %v code %d", dropped, code)
	}
}

func waitDropped(t *testing.T, q *queue) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, dropped, _, _ := q.c.Take(nil); dropped {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("client not dropped within 5s")
		}
		select {
		case <-q.signal:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestShutdownClosesWith1001AndNeverBlocksAfterwards(t *testing.T) {
	h, stop := start(t, hub.Options{})
	ctx := context.Background()
	q := newQueue(h, "j")
	if err := h.Register(ctx, q.c); err != nil {
		t.Fatal(err)
	}
	stop()
	waitDropped(t, q)
	if _, _, code, _ := q.c.Take(nil); code != websocket.CloseGoingAway {
		t.Fatalf("close code %d, want 1001", code)
	}
	done := make(chan struct{})
	go func() {
		for range 200 { // more than the unregister buffer
			h.Unregister(q.c)
		}
		h.CloseJob("j", 1000, "")
		if err := h.Register(ctx, newQueue(h, "j").c); err != hub.ErrStopped {
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

// Backlog counts, per subscriber, the frames in its queue and those still waiting for the hub
// goroutine: a publisher holding back on it must see events it has handed over but the hub has
// not fanned out yet, or it runs ahead and overflows every queue at once.
func TestBacklog(t *testing.T) {
	h := hub.New(slog.New(slog.NewTextHandler(io.Discard, nil)), hub.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	a, b := newQueue(h, "j"), newQueue(h, "j")
	for seq := range int64(3) {
		if err := h.Broadcast(ctx, hub.Message{JobID: "j", Seq: seq + 1, Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.Backlog("j"); got != 3 {
		t.Errorf("before the hub runs: backlog %v, want the 3 pending events", got)
	}
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// The 3 go out before anyone registers: then nothing waits.
	waitFor(t, func() bool { return h.Backlog("j") == 0 }, "the pending events fanned out to nobody")
	for _, q := range []*queue{a, b} {
		if err := h.Register(ctx, q.c); err != nil {
			t.Fatal(err)
		}
	}
	for seq := range int64(4) {
		h.Broadcast(ctx, hub.Message{JobID: "j", Seq: seq + 4, Data: []byte("{}")})
	}
	waitFor(t, func() bool { return h.Backlog("j") == 4 }, "4 queued per subscriber")
	for range 4 {
		a.next(t)
	}
	// a has its 4; b's last may still be on its way from the same delivery.
	waitFor(t, func() bool { return h.Backlog("j") == 2 }, "one subscriber took its 4, the other holds its 4")
	h.Unregister(b.c)
	waitFor(t, func() bool { return h.Backlog("j") == 0 }, "the other left with its queue")
	if got := h.Backlog("other"); got != 0 {
		t.Errorf("a job without subscribers: backlog %v", got)
	}
}

// waitFor polls cond until it holds, for at most 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting: %s", what)
		}
	}
}
