package hub

import (
	"context"
	"time"
)

// Live events of a job reach the hub in seq order from this instance's own runner, but events
// another instance published come through Redis, which delivers at most once. The hub keeps,
// per job with subscribers, the last seq it delivered: a repeat is dropped, and an event after a
// gap is held while the missing ones are read from the log, so every subscriber still gets
// each event once and in order. Each connection checks the same on its side, which also covers
// the events before the hub's first live one (the connection's replay reads those).

// fillPageSize is how many stored events one read of a fill takes.
const fillPageSize = 256

// maxHeld bounds the live frames a job holds while a gap is filled; past it, later frames are
// passed on as they come and each connection fills the gap from the log itself.
const maxHeld = 4096

// sequence is what the hub knows of one job's live events.
type sequence struct {
	last    int64    // the last seq delivered; 0 before the first
	filling bool     // a fill is reading the log; frames wait in held
	held    []*Frame // live frames that came during the fill, in arrival order
	again   bool     // a catch-up was asked for during the fill: read to the end once more
}

// fillPage is one page of stored events a fill read, handed to Run.
type fillPage struct {
	jobID  string
	frames []*Frame
	done   bool // the fill has ended (err, the gap is closed, or the log is read to its end)
	err    error
}

// order delivers m unless it repeats one delivered already; after a gap it holds m and starts
// reading what is missing. Called by Run only.
func (h *Hub) order(ctx context.Context, m *Frame) {
	sq := h.seqs[m.JobID]
	switch {
	case sq == nil:
		return // no subscribers
	case sq.filling:
		if len(sq.held) < maxHeld {
			sq.held = append(sq.held, m)
			return
		}
		h.deliver(m) // the connections fill what is missing themselves
	case sq.last > 0 && m.Seq <= sq.last:
		return // delivered already (published twice, or read by a fill)
	case sq.last > 0 && m.Seq > sq.last+1 && h.events != nil:
		sq.filling, sq.held = true, append(sq.held[:0], m)
		h.fill(ctx, m.JobID, sq.last, m.Seq-1)
	default:
		sq.last = m.Seq
		h.deliver(m)
	}
}

// fillArrived delivers a page of a fill; when the fill is done, it delivers the frames held
// meanwhile in order (which may start the next fill). Called by Run only.
func (h *Hub) fillArrived(ctx context.Context, p fillPage) {
	sq := h.seqs[p.jobID]
	if sq == nil {
		return // the job's last subscriber left meanwhile
	}
	for _, f := range p.frames {
		if f.Seq > sq.last {
			sq.last = f.Seq
			h.deliver(f)
		}
	}
	if !p.done {
		return
	}
	if p.err != nil && ctx.Err() == nil {
		h.log.Warn("fill a gap in a job's events from the log; the connections fill it themselves", "job_id", p.jobID, "err", p.err)
	}
	held := sq.held
	sq.filling, sq.held = false, nil
	if sq.again {
		sq.again = false
		sq.filling, sq.held = true, held
		h.fill(ctx, p.jobID, sq.last, -1)
		return
	}
	for i, f := range held {
		if p.err != nil && f.Seq > sq.last {
			sq.last = f.Seq // the log failed: pass the frames on rather than hold them for ever
			h.deliver(f)
			continue
		}
		h.order(ctx, f)
		if sq.filling { // another gap: the rest waits behind it
			sq.held = append(sq.held, held[i+1:]...)
			return
		}
	}
}

// CatchUp asks the hub to read, for every job with subscribers, the stored events after the last
// one it delivered, and deliver them: what this instance missed while its source of other
// instances' events (Redis) was away. It returns at once; without a Log it does nothing.
func (h *Hub) CatchUp(ctx context.Context) error {
	select {
	case h.catchUp <- struct{}{}:
	default: // one is pending already
	}
	return nil
}

// startCatchUp starts a fill to the end of the log for every job with subscribers. Called by
// Run only.
func (h *Hub) startCatchUp(ctx context.Context) {
	if h.events == nil {
		return
	}
	for jobID, sq := range h.seqs {
		if sq.filling {
			sq.again = true
			continue
		}
		sq.filling = true
		h.fill(ctx, jobID, sq.last, -1)
	}
}

// fill reads jobID's events after `after`, up to seq until (-1: to the end of the log), in a
// goroutine of its own, and hands them to Run a page at a time.
func (h *Hub) fill(ctx context.Context, jobID string, after, until int64) {
	h.fills.Go(func() {
		send := func(p fillPage) bool {
			select {
			case h.filled <- p:
				return true
			case <-h.stopped:
				return false
			}
		}
		for {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			events, err := h.events.Events(rctx, jobID, after, fillPageSize)
			cancel()
			if err != nil {
				send(fillPage{jobID: jobID, done: true, err: err})
				return
			}
			p := fillPage{jobID: jobID, done: len(events) < fillPageSize}
			for _, e := range events {
				if until >= 0 && e.Seq > until {
					p.done = true
					break
				}
				f, err := newFrame(e)
				if err != nil {
					p.done, p.err = true, err
					break
				}
				p.frames = append(p.frames, f)
				after = e.Seq
			}
			if until >= 0 && after >= until {
				p.done = true
			}
			if !send(p) || p.done {
				return
			}
		}
	})
}
