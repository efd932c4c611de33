// Package loadgen generates events for load tests: agent_progress events appended to a job's log
// and delivered through the same Emitter as every agent's events, so an outside load tool
// (cmd/veritas-load) drives the real store and fan-out. Only the admin listener uses it.
package loadgen

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/veritas-audit/veritas/store"
)

// Agent is the agent_id of generated events.
const Agent = "synthetic_load"

// maxBacklog is how many events per subscriber an unpaced generator lets wait before it waits
// for the connections to catch up.
const maxBacklog = 8

// Store appends generated events to a job's log. The generator holds no lease on the synthetic
// jobs it fills (no worker runs them), so it passes no owner.
type Store interface {
	AgentProgressBatch(ctx context.Context, jobID, owner, agentID string, steps []store.Progress) ([]store.Event, error)
}

// Emitter appends events and delivers them, in seq order per job (as runner.Emitter does one).
type Emitter interface {
	EmitBatch(ctx context.Context, jobID string, appendEvents func(context.Context) ([]store.Event, error)) error
}

// Backlog tells how far a job's subscribers are behind: WaitBacklog returns once they have at
// most max events waiting on average (the hub).
type Backlog interface {
	WaitBacklog(ctx context.Context, jobID string, max float64) error
}

// Generator emits generated events in the background until Stop.
type Generator struct {
	store   Store
	emitter Emitter
	backlog Backlog
	log     *slog.Logger

	ctx  context.Context
	stop context.CancelFunc
	mu   sync.Mutex // orders wg.Go against Stop's wg.Wait
	wg   sync.WaitGroup
}

// New makes a generator.
func New(st Store, em Emitter, bl Backlog, log *slog.Logger) *Generator {
	ctx, stop := context.WithCancel(context.Background())
	return &Generator{store: st, emitter: em, backlog: bl, log: log, ctx: ctx, stop: stop}
}

// Generate appends count agent_progress events to job id (message padded to about size bytes;
// rate per second, 0 for as fast as the subscribers take them), batch events per append: one
// transaction and one delivery round for each batch, as a producer that sends several events
// per request. The first batch is emitted before it returns, with its first seq; the rest follow
// in the background until done or Stop.
//
// Unpaced, it waits while the job's subscribers have more than maxBacklog events waiting on
// average (at most a second per batch): like a publisher whose call returns once the server
// has taken the events, and one stalled subscriber among many barely moves the average. Paced,
// batch i is due when its first event is.
func (g *Generator) Generate(ctx context.Context, id string, count, rate, size, batch int) (first int64, err error) {
	if count <= 0 {
		return 0, nil
	}
	batch = max(1, min(batch, count))
	message := strings.Repeat("x", size)
	emit := func(ctx context.Context, from int) error {
		steps := make([]store.Progress, 0, batch)
		for i := from; i < from+batch && i <= count; i++ {
			steps = append(steps, store.Progress{Done: i, Total: count, Message: message})
		}
		return g.emitter.EmitBatch(ctx, id, func(ctx context.Context) ([]store.Event, error) {
			evs, err := g.store.AgentProgressBatch(ctx, id, "", Agent, steps)
			if from == 1 && len(evs) > 0 {
				first = evs[0].Seq
			}
			return evs, err
		})
	}
	if err := emit(ctx, 1); err != nil {
		return 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx.Err() != nil {
		return first, nil // stopping: the rest is not generated
	}
	g.wg.Go(func() {
		ctx := g.ctx
		start := time.Now()
		for i := 1 + batch; i <= count; i += batch {
			if rate > 0 {
				t := time.NewTimer(time.Until(start.Add(time.Duration(i-1) * time.Second / time.Duration(rate))))
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			} else {
				wctx, cancel := context.WithTimeout(ctx, time.Second)
				g.backlog.WaitBacklog(wctx, id, maxBacklog)
				cancel()
				if ctx.Err() != nil {
					return
				}
			}
			// Each append runs to its end; Stop takes effect between two. Given a context that
			// can end, database/sql and the SQLite driver start a goroutine per transaction and
			// per statement to watch it: 17 µs of server CPU per event, a fifth of the generator's
			// cost (100 subscribers × 30 000 events, CPU profile).
			if err := emit(context.WithoutCancel(ctx), i); err != nil {
				g.log.Warn("generated event", "job_id", id, "err", err)
				return
			}
		}
	})
	return first, nil
}

// Stop ends every generation in progress and waits for it.
func (g *Generator) Stop() {
	g.mu.Lock()
	g.stop()
	g.mu.Unlock()
	g.wg.Wait()
}
