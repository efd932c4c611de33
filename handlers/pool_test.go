package handlers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingWriter records how often it ran and how many pooled runs were at once.
type countingWriter struct {
	runs              *atomic.Int64
	active, maxActive *atomic.Int32
	pooled            *atomic.Int64
}

func (w countingWriter) write(pooled bool) {
	w.runs.Add(1)
	if !pooled {
		return
	}
	w.pooled.Add(1)
	n := w.active.Add(1)
	for {
		m := w.maxActive.Load()
		if n <= m || w.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(time.Microsecond) // long enough for workers to overlap
	w.active.Add(-1)
}

// Every submitted writer runs once, on at most max workers, and the workers end when the queue
// is empty, also when submits race with workers that are about to end.
func TestWritePool(t *testing.T) {
	const workers, producers, bursts, perBurst = 2, 4, 200, 50
	p := newWritePool(1<<10, workers)
	var runs, pooled atomic.Int64
	var active, maxActive atomic.Int32
	w := countingWriter{&runs, &active, &maxActive, &pooled}
	var submitted, refused atomic.Int64
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for range bursts {
				for range perBurst {
					if p.submit(w) {
						submitted.Add(1)
					} else {
						refused.Add(1)
						w.write(false) // what kick does: a goroutine of its own
					}
				}
				time.Sleep(50 * time.Microsecond) // let workers drain and end between bursts
			}
		})
	}
	wg.Wait()
	for deadline := time.Now().Add(10 * time.Second); p.running.Load() != 0 || runs.Load() != producers*bursts*perBurst; {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d of %d writers ran, %d workers still running, %d queued",
				runs.Load(), producers*bursts*perBurst, p.running.Load(), len(p.queue))
		}
		time.Sleep(time.Millisecond)
	}
	if pooled.Load() != submitted.Load() {
		t.Errorf("%d pooled runs for %d submits", pooled.Load(), submitted.Load())
	}
	// A worker that finds work just as it ends takes it, so each of them may briefly be one
	// over the bound.
	if got := maxActive.Load(); got > 2*workers || got < 1 {
		t.Errorf("%d pooled writers ran at once, want 1 to %d", got, 2*workers)
	}
}

// A full queue refuses, so the hub's goroutine never waits for the pool.
func TestWritePoolFullQueueRefuses(t *testing.T) {
	p := newWritePool(2, 0) // no workers: nothing drains
	var runs, pooled atomic.Int64
	var active, maxActive atomic.Int32
	w := countingWriter{&runs, &active, &maxActive, &pooled}
	if !p.submit(w) || !p.submit(w) {
		t.Fatal("a queue with room refused")
	}
	if p.submit(w) {
		t.Error("a full queue took a writer")
	}
}
