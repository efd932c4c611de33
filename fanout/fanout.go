// Package fanout delivers each stored event to the subscribers of its job: it is the runner's
// Emitter. Local serves one process, handing events to its hub. The store assigns seq when it
// appends, so the one rule here is order: a job's appends and deliveries happen one at a time,
// and its subscribers see seq 1, 2, 3… as the log holds them.
package fanout

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

// Broadcaster takes an event for every live subscriber of its job (the hub).
type Broadcaster interface {
	Broadcast(ctx context.Context, m hub.Message) error
}

// Observer records how long appends to the event log take (metrics).
type Observer interface {
	Appended(took time.Duration)
}

type noObserver struct{}

func (noObserver) Appended(time.Duration) {}

// Local appends and delivers the events of this process's jobs to its hub.
type Local struct {
	hub Broadcaster
	log *slog.Logger
	obs Observer

	mu    sync.Mutex
	locks map[string]*jobLock
}

// jobLock orders one job's emits; it lives while anyone emits for that job.
type jobLock struct {
	mu   sync.Mutex
	refs int // guarded by Local.mu
}

// NewLocal makes an emitter that delivers through h; obs, if not nil, times the appends.
func NewLocal(h Broadcaster, log *slog.Logger, obs Observer) *Local {
	if obs == nil {
		obs = noObserver{}
	}
	return &Local{hub: h, log: log, obs: obs, locks: map[string]*jobLock{}}
}

// Emit runs appendEvent and broadcasts the event it stored, with no other emit of jobID in
// between. A broadcast that fails (the hub has stopped) is logged, not returned: the event is
// stored, and subscribers that missed it read it from the log when they reconnect.
func (l *Local) Emit(ctx context.Context, jobID string, appendEvent func(context.Context) (store.Event, error)) error {
	return l.EmitBatch(ctx, jobID, one(appendEvent))
}

// EmitBatch is Emit for a store call that appends several events of jobID at once: they are
// broadcast in the order it returns them.
func (l *Local) EmitBatch(ctx context.Context, jobID string, appendEvents func(context.Context) ([]store.Event, error)) error {
	return l.emit(ctx, jobID, l.timed(appendEvents))
}

// timed reports how long each append takes to the observer.
func (l *Local) timed(appendEvents func(context.Context) ([]store.Event, error)) func(context.Context) ([]store.Event, error) {
	return func(ctx context.Context) ([]store.Event, error) {
		start := time.Now()
		evs, err := appendEvents(ctx)
		l.obs.Appended(time.Since(start))
		return evs, err
	}
}

// emit runs appendEvents and broadcasts what it stored, with no other emit of jobID in between.
func (l *Local) emit(ctx context.Context, jobID string, appendEvents func(context.Context) ([]store.Event, error)) error {
	jl := l.acquire(jobID)
	defer l.release(jobID, jl)
	jl.mu.Lock()
	defer jl.mu.Unlock()
	evs, err := appendEvents(ctx)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := l.hub.Broadcast(context.WithoutCancel(ctx), hub.Message{JobID: ev.JobID, Seq: ev.Seq, Data: ev.Data}); err != nil {
			l.log.Warn("broadcast event", "job_id", ev.JobID, "seq", ev.Seq, "err", err)
			break // the hub has stopped: the rest would fail the same way
		}
	}
	return nil
}

// one makes a single-event append look like a batch of one.
func one(appendEvent func(context.Context) (store.Event, error)) func(context.Context) ([]store.Event, error) {
	return func(ctx context.Context) ([]store.Event, error) {
		ev, err := appendEvent(ctx)
		if err != nil {
			return nil, err
		}
		return []store.Event{ev}, nil
	}
}

func (l *Local) acquire(jobID string) *jobLock {
	l.mu.Lock()
	defer l.mu.Unlock()
	jl := l.locks[jobID]
	if jl == nil {
		jl = &jobLock{}
		l.locks[jobID] = jl
	}
	jl.refs++
	return jl
}

func (l *Local) release(jobID string, jl *jobLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if jl.refs--; jl.refs == 0 {
		delete(l.locks, jobID)
	}
}
