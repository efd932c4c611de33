package loadgen

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/store"
)

// fakeLog hands out seqs and counts what it appended; Emit runs the append directly.
type fakeLog struct {
	mu       sync.Mutex
	seq      int64
	appended chan int64
	done     []int // each step's done, in append order
	batches  int
}

func (f *fakeLog) AgentProgressBatch(_ context.Context, jobID, owner, agentID string, steps []store.Progress) ([]store.Event, error) {
	if owner != "" {
		// The store would refuse it: synthetic jobs are never claimed.
		return nil, store.ErrLeaseLost
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var evs []store.Event
	for _, st := range steps {
		f.seq++
		f.done = append(f.done, st.Done)
		f.appended <- f.seq
		evs = append(evs, store.Event{JobID: jobID, Seq: f.seq})
	}
	f.batches++
	return evs, nil
}

func (f *fakeLog) EmitBatch(ctx context.Context, _ string, appendEvents func(context.Context) ([]store.Event, error)) error {
	_, err := appendEvents(ctx)
	return err
}

// gate is a Backlog that lets one event through per signal.
type gate struct{ next chan struct{} }

func (g *gate) WaitBacklog(ctx context.Context, _ string, _ float64) error {
	select {
	case <-g.next:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newGen(t *testing.T) (*Generator, *fakeLog, *gate) {
	t.Helper()
	f := &fakeLog{seq: 10, appended: make(chan int64, 100)}
	g := &gate{next: make(chan struct{})}
	gen := New(f, f, g, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(gen.Stop)
	return gen, f, g
}

// TestUnpacedWaitsForTheSubscribers: after the first event, each next one waits until the
// backlog says the subscribers caught up.
func TestUnpacedWaitsForTheSubscribers(t *testing.T) {
	gen, f, g := newGen(t)
	first, err := gen.Generate(context.Background(), "job", 3, 0, 8, 1)
	if err != nil || first != 11 {
		t.Fatalf("first %d, %v", first, err)
	}
	<-f.appended // the first, emitted before Generate returned
	for _, want := range []int64{12, 13} {
		select {
		case s := <-f.appended:
			t.Fatalf("seq %d appended before the subscribers caught up", s)
		default:
		}
		g.next <- struct{}{}
		if s := <-f.appended; s != want {
			t.Fatalf("appended %d, want %d", s, want)
		}
	}
}

// TestStopEndsAWaitingGenerator: Stop returns while the generator waits on a stalled backlog,
// and nothing more is appended.
func TestStopEndsAWaitingGenerator(t *testing.T) {
	gen, f, _ := newGen(t)
	if _, err := gen.Generate(context.Background(), "job", 1000, 0, 8, 1); err != nil {
		t.Fatal(err)
	}
	<-f.appended
	gen.Stop()
	if len(f.appended) != 0 {
		t.Fatalf("%d events appended after Stop", len(f.appended))
	}
	if first, err := gen.Generate(context.Background(), "job", 5, 0, 8, 1); err != nil || first != 12 || len(f.appended) != 1 {
		t.Fatalf("after Stop: first %d, err %v, appended %d (want only the first)", first, err, len(f.appended))
	}
}

// TestPacedKeepsTheRate: 20 events at 200/s take about 95 ms from the first.
func TestPacedKeepsTheRate(t *testing.T) {
	gen, f, _ := newGen(t)
	start := time.Now()
	if _, err := gen.Generate(context.Background(), "job", 20, 200, 8, 1); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		<-f.appended
	}
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Fatalf("20 events at 200/s took %s, want at least 95ms", d)
	}
}

// TestBatchesAppendTogether: 10 events in batches of 4 are three appends (4, 4, 2), each
// waiting for the subscribers, with done counting 1..10 in order.
func TestBatchesAppendTogether(t *testing.T) {
	gen, f, g := newGen(t)
	first, err := gen.Generate(context.Background(), "job", 10, 0, 8, 4)
	if err != nil || first != 11 {
		t.Fatalf("first %d, %v", first, err)
	}
	for range 4 {
		<-f.appended
	}
	for _, n := range []int{4, 2} {
		g.next <- struct{}{}
		for range n {
			<-f.appended
		}
	}
	gen.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.batches != 3 {
		t.Fatalf("%d appends, want 3", f.batches)
	}
	for i, d := range f.done {
		if d != i+1 {
			t.Fatalf("done %v, want 1..10", f.done)
		}
	}
	if len(f.done) != 10 {
		t.Fatalf("done %v, want 1..10", f.done)
	}
}
