package fanout

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"

	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

// recorder is a Broadcaster that keeps what it was given, in order.
type recorder struct {
	mu   sync.Mutex
	seqs map[string][]int64
}

func (r *recorder) Broadcast(_ context.Context, m hub.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs[m.JobID] = append(r.seqs[m.JobID], m.Seq)
	return nil
}

// TestEmitKeepsEachJobInSeqOrder emits from many goroutines at once, for two jobs, with a log
// that hands out seqs as it appends: every job's events must reach the hub in seq order, each once.
func TestEmitKeepsEachJobInSeqOrder(t *testing.T) {
	rec := &recorder{seqs: map[string][]int64{}}
	l := NewLocal(rec, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	var mu sync.Mutex
	last := map[string]int64{}
	appendTo := func(job string) func(context.Context) (store.Event, error) {
		return func(context.Context) (store.Event, error) {
			mu.Lock()
			last[job]++
			seq := last[job]
			mu.Unlock()
			runtime.Gosched() // another emitter would overtake here without the job's lock
			return store.Event{JobID: job, Seq: seq}, nil
		}
	}
	var wg sync.WaitGroup
	for g := range 16 {
		job := []string{"a", "b"}[g%2]
		wg.Go(func() {
			for range 200 {
				if err := l.Emit(context.Background(), job, appendTo(job)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, job := range []string{"a", "b"} {
		seqs := rec.seqs[job]
		if len(seqs) != 1600 {
			t.Fatalf("job %s: %d events delivered, want 1600", job, len(seqs))
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("job %s: delivery %d has seq %d", job, i, s)
			}
		}
	}
	if len(l.locks) != 0 {
		t.Fatalf("%d job locks left after every emit ended", len(l.locks))
	}
}

func TestEmitReturnsTheAppendErrorAndDeliversNothing(t *testing.T) {
	rec := &recorder{seqs: map[string][]int64{}}
	l := NewLocal(rec, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	err := l.Emit(context.Background(), "a", func(context.Context) (store.Event, error) {
		return store.Event{}, store.ErrNotFound
	})
	if !errors.Is(err, store.ErrNotFound) || len(rec.seqs) != 0 {
		t.Fatalf("err %v, delivered %v", err, rec.seqs)
	}
}
