package hub

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// writers send connections' live batches on a few shared goroutines, at most one per core,
// instead of waking each connection's own goroutine for every batch. A connection's goroutine
// replays the log, finishes a batch the socket did not take at once (errBlocked), and closes;
// the batches in between run here, and never wait for a socket longer than quickWait. Workers
// start when batches are queued and end when the queue is empty, so an idle server runs none.
//
// Measured side by side on the 2-core machine (BENCHMARKS.md, "Write path through gorilla",
// "Shared writers"; medians): 1 000 subscribers × 2 000 events unpaced, 631 k deliveries/s at
// 2.0 µs of server CPU each with shared writers, 559 k/s at 2.3 µs with each connection's writer
// woken per batch; 10 000 subscribers at 10 events/s, p99 181 ms against 275 ms.
type writers struct {
	queue   chan *conn
	running atomic.Int32 // workers started and not yet ended
	max     int32
}

// writerQueue bounds the connections waiting for a shared writer. Each waits at most once at a
// time (conn.sched); past the bound, a connection's batch runs on a goroutine of its own.
const writerQueue = 1 << 16

var (
	sharedWriters     *writers
	sharedWritersOnce sync.Once
)

// shared returns the process's writers.
func shared() *writers {
	sharedWritersOnce.Do(func() {
		sharedWriters = &writers{queue: make(chan *conn, writerQueue), max: int32(runtime.GOMAXPROCS(0))}
	})
	return sharedWriters
}

// submit runs c's next batch on a shared writer; it never blocks.
func (w *writers) submit(c *conn) {
	select {
	case w.queue <- c:
	default:
		go c.run()
		return
	}
	for {
		n := w.running.Load()
		if n >= w.max {
			return // a running worker takes c before it ends (see work)
		}
		if w.running.CompareAndSwap(n, n+1) {
			go w.work()
			return
		}
	}
}

// work runs queued batches until the queue is empty.
func (w *writers) work() {
	for {
		select {
		case c := <-w.queue:
			c.run()
			continue
		default:
		}
		// A submit that queued after the receive above, and saw this worker counted, started
		// none: uncounted now, this worker looks once more. A submit after that look sees it
		// uncounted and starts a worker.
		w.running.Add(-1)
		select {
		case c := <-w.queue:
			w.running.Add(1)
			c.run()
		default:
			return
		}
	}
}
