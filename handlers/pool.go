package handlers

import "sync/atomic"

// writePool runs streams' writers on a few shared goroutines while there is work, instead of
// starting a goroutine per connection for every event: with thousands of subscribers, starting
// and ending those goroutines cost more than the bookkeeping of the write itself. Workers start
// when work arrives and end when the queue is empty, so an idle server runs none; about max
// run at once. A pooled writer never waits for its connection (see stream.write).
type writePool struct {
	queue   chan pooledWriter
	running atomic.Int32
	max     int32
}

// pooledWriter is a stream as the pool sees it.
type pooledWriter interface{ write(pooled bool) }

func newWritePool(size, workers int) *writePool {
	return &writePool{queue: make(chan pooledWriter, size), max: int32(workers)}
}

// submit queues s's writer; false when the queue is full (the caller starts a goroutine).
func (p *writePool) submit(s pooledWriter) bool {
	select {
	case p.queue <- s:
	default:
		return false
	}
	if p.reserve() {
		go p.work()
	}
	return true
}

func (p *writePool) work() {
	for {
		select {
		case s := <-p.queue:
			s.write(true)
			continue
		default:
		}
		p.running.Add(-1)
		// A submit that queued after the receive above and then saw max workers running started
		// none: its writer is taken here. Either this receive finds it, or the submit came late
		// enough to see this worker gone and start one. Each worker ending this way may briefly
		// be one over max.
		select {
		case s := <-p.queue:
			p.running.Add(1)
			s.write(true)
		default:
			return
		}
	}
}

// reserve counts one more worker unless max are running.
func (p *writePool) reserve() bool {
	for {
		n := p.running.Load()
		if n >= p.max {
			return false
		}
		if p.running.CompareAndSwap(n, n+1) {
			return true
		}
	}
}
