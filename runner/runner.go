// Package runner runs audit jobs: it claims queued jobs from the store, runs each job's agents
// under supervision (cancel, deadline, panics), resumes what a stopped process left unfinished,
// and emits every state change as an event through an Emitter. It knows the agents only through
// their interface, storage only through the Store it declares, and fan-out only through Emitter.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// Store is what the runner needs from storage. Each call that changes a job also appends the
// matching event, in one transaction, and returns it for delivery. The calls that change a
// running job take this instance's owner and return store.ErrLeaseLost, changing nothing, when
// another instance has taken the job over.
type Store interface {
	Claim(ctx context.Context, owner string, lease, timeout time.Duration) (string, error)
	RenewLease(ctx context.Context, jobID, owner string, lease time.Duration) (cancelRequested bool, err error)
	ReleaseLease(ctx context.Context, jobID, owner string) error
	RunState(ctx context.Context, id string) (store.RunState, error)
	Document(ctx context.Context, jobID string) (*extract.Document, error)
	RequestCancel(ctx context.Context, id string) error
	CancelQueued(ctx context.Context, jobID string) (store.Event, error)
	AgentStarted(ctx context.Context, jobID, owner, agentID string) (store.Event, error)
	AgentProgress(ctx context.Context, jobID, owner, agentID string, done, total int, message string) (store.Event, error)
	AgentFinished(ctx context.Context, jobID, owner string, out store.AgentOutcome) (store.Event, error)
	FinishJob(ctx context.Context, jobID, owner, status, errMsg string) (store.Event, error)
}

var _ Store = (*store.SQLite)(nil)

// Emitter appends one event of a job to the log and then delivers it to the job's subscribers.
// appendEvent makes the state change and stores its event (one store call); Emit runs it and
// delivers what it returned. Emit calls for one job are serialised, so subscribers receive a
// job's events in seq order. A failed delivery is not an error: the event is stored, and every
// subscriber gets it from the log.
type Emitter interface {
	Emit(ctx context.Context, jobID string, appendEvent func(context.Context) (store.Event, error)) error
}

var (
	errCancelled = errors.New("cancelled by request")
	errTimeout   = errors.New("job timed out")
	errLeaseLost = errors.New("lease lost: another instance runs the job")
)

// Options tune a Runner.
type Options struct {
	// Workers bounds the jobs that run at once (default 4).
	Workers int
	// JobTimeout bounds one job's run (default 5 minutes).
	JobTimeout time.Duration
	// AgentDelay makes every agent wait this long before it starts work. It exists for
	// recovery drills and demonstrations of the live stream; 0 in normal operation.
	AgentDelay time.Duration
	// PollInterval is how often the queue is checked when nothing signalled new work
	// (default 2 s); new uploads in this process wake the runner at once.
	PollInterval time.Duration
	// ProgressInterval is the least time between two agent_progress events of one agent
	// (default 250 ms).
	ProgressInterval time.Duration
	// Owner names this instance in the jobs it claims (default: a random id).
	Owner string
	// Lease is how long a claimed job stays this instance's without a renewal (default 15 s).
	// The runner renews it every Lease/3; when an instance dies, another takes its jobs over
	// once their leases have run out.
	Lease time.Duration
	// Observer, if set, is told how jobs and agents end (metrics).
	Observer Observer
}

// Observer counts what the runner does. Its methods must be quick and safe for concurrent use.
type Observer interface {
	// JobFinished counts a job this instance finished, with its final status.
	JobFinished(status string)
	// AgentRan records how long an agent ran on a document.
	AgentRan(agentID string, took time.Duration)
	// AgentFailed counts an agent run whose error row was stored.
	AgentFailed(agentID string)
}

type noObserver struct{}

func (noObserver) JobFinished(string)             {}
func (noObserver) AgentRan(string, time.Duration) {}
func (noObserver) AgentFailed(string)             {}

// Runner takes queued jobs from the store and runs their enabled agents, with at most Workers
// jobs at a time. The job row is the queue: a job is claimed by moving it from queued to
// processing under a lease, so a job accepted with 202 is run even if the process dies before a
// worker sees it, and a job whose instance died is taken over, by another instance or the next
// start, once its lease has run out. Any number of instances may share one store.
type Runner struct {
	store    Store
	emitter  Emitter
	registry *agents.Registry
	log      *slog.Logger
	opt      Options
	notify   chan struct{}

	mu      sync.Mutex
	running map[string]*run
}

// run is one job being run in this process.
type run struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
	lost   bool // the store refused a write: another instance holds the job (guarded by Runner.mu)
}

// New makes a runner; it runs nothing until Run starts.
func New(st Store, em Emitter, reg *agents.Registry, log *slog.Logger, opt Options) *Runner {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.JobTimeout <= 0 {
		opt.JobTimeout = 5 * time.Minute
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 2 * time.Second
	}
	if opt.ProgressInterval <= 0 {
		opt.ProgressInterval = 250 * time.Millisecond
	}
	if opt.Owner == "" {
		opt.Owner = uuid.NewString()
	}
	if opt.Lease <= 0 {
		opt.Lease = 15 * time.Second
	}
	if opt.Observer == nil {
		opt.Observer = noObserver{}
	}
	return &Runner{
		store: st, emitter: em, registry: reg, log: log, opt: opt,
		notify:  make(chan struct{}, 1),
		running: map[string]*run{},
	}
}

// Submitted wakes a worker for a new job. Its job_queued event is not broadcast: nobody can
// have subscribed to the job before it was stored, and every subscription replays the log, so
// it reaches every subscriber from there, and only the job's own runner broadcasts (in seq order).
func (r *Runner) Submitted() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Run claims jobs until ctx ends: queued jobs, and jobs whose instance stopped renewing their
// lease (it died, or shut down and released them), which it resumes. On return every job it ran
// has stopped; jobs interrupted by the shutdown are released to another instance or the next
// start.
func (r *Runner) Run(ctx context.Context) error {
	slots := make(chan struct{}, r.opt.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		id, err := r.store.Claim(ctx, r.opt.Owner, r.opt.Lease, r.opt.JobTimeout)
		if err != nil && ctx.Err() == nil {
			r.log.Error("claim job", "err", err)
		}
		if id != "" {
			wg.Go(func() {
				defer func() { <-slots }()
				r.runJob(ctx, id)
			})
			continue
		}
		<-slots
		select {
		case <-r.notify:
		case <-time.After(r.opt.PollInterval):
		case <-ctx.Done():
			return nil
		}
	}
}

// Owner is the name this instance's claims carry.
func (r *Runner) Owner() string { return r.opt.Owner }

// Cancel asks a queued or running job to stop. A queued job is ended at once; a running one
// ends as cancelled when its agents have stopped. It returns store.ErrConflict for a finished job.
func (r *Runner) Cancel(ctx context.Context, id string) error {
	// The flag is stored before the running set is read, and a worker registers a job before
	// it reads the flag, so one of the two always sees the other.
	if err := r.store.RequestCancel(ctx, id); err != nil {
		return err
	}
	if r.cancelRunning(id, errCancelled) {
		return nil
	}
	err := r.emit(ctx, id, func(ctx context.Context) (store.Event, error) {
		return r.store.CancelQueued(ctx, id)
	})
	switch {
	case err == nil:
		r.opt.Observer.JobFinished(schemas.JobCancelled)
	case errors.Is(err, store.ErrConflict):
		// Claimed by a worker meanwhile: it has seen or will see the flag.
		r.cancelRunning(id, errCancelled)
	default:
		return err
	}
	return nil
}

func (r *Runner) cancelRunning(id string, cause error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.running[id]; ok {
		j.cancel(cause)
		return true
	}
	return false
}

// leaseLost stops job id once the store has refused one of its writes because another instance
// took the job over (this one stalled past its lease and has not renewed since): its agents
// stop, and it stores nothing more.
func (r *Runner) leaseLost(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.running[id]; ok {
		j.lost = true
		j.cancel(errLeaseLost)
	}
}

// Wait returns when job id is not running in this process, or ctx ends.
func (r *Runner) Wait(ctx context.Context, id string) error {
	r.mu.Lock()
	j, ok := r.running[id]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// emit makes one state change of job id through write and delivers its event.
func (r *Runner) emit(ctx context.Context, id string, write func(context.Context) (store.Event, error)) error {
	return r.emitter.Emit(context.WithoutCancel(ctx), id, write)
}

func (r *Runner) runJob(parent context.Context, id string) {
	log := r.log.With("job_id", id)
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	j := &run{cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.running[id] = j
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, id)
		r.mu.Unlock()
		close(j.done)
	}()
	stopLease := make(chan struct{})
	leaseDone := make(chan struct{})
	go func() {
		defer close(leaseDone)
		r.keepLease(id, cancel, stopLease)
	}()
	defer func() {
		close(stopLease)
		<-leaseDone
	}()

	st, err := r.store.RunState(ctx, id)
	if err != nil {
		log.Error("load job", "err", err)
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			r.finish(ctx, id, schemas.JobFailed, "The job could not be loaded from storage.")
		}
		return
	}
	doc, err := r.store.Document(ctx, id)
	if err != nil {
		log.Error("load document", "err", err)
		if ctx.Err() == nil {
			r.finish(ctx, id, schemas.JobFailed, "The document could not be loaded from storage.")
		}
		return
	}
	// A cancel requested before a restart applies now, once what the job needs is loaded (with
	// the context cancelled first, the load failed and the job stayed processing for ever).
	if st.CancelRequested {
		cancel(errCancelled)
	}
	deadline := st.Deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(r.opt.JobTimeout)
	}
	ctx, stop := context.WithDeadlineCause(ctx, deadline, errTimeout)
	defer stop()

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ends = map[ending]int{}
	)
	for _, agentID := range st.Job.EnabledAgents {
		status := st.Job.Agents[agentID]
		if status != schemas.AgentPending && status != schemas.AgentRunning {
			// Finished before a restart: not run again, but its ending still counts (the
			// process may have stopped after the last agent ended and before the job did).
			// Agents started earlier in this loop may be counting already: under mu.
			mu.Lock()
			ends[finishedEnding(st, agentID)]++
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			// A running agent was interrupted by a crash or shutdown: run it again, without
			// announcing it twice.
			end := r.runAgent(ctx, id, agentID, doc, status == schemas.AgentRunning)
			mu.Lock()
			ends[end]++
			mu.Unlock()
		})
	}
	wg.Wait()

	r.mu.Lock()
	lost := j.lost
	r.mu.Unlock()
	// The agents' endings decide, not whatever the context says now: a cancel or a deadline
	// that arrives after every agent has finished changes nothing. A lost lease stops all: the
	// job is another instance's, whatever else stopped it here.
	switch {
	case lost || errors.Is(context.Cause(ctx), errLeaseLost):
		log.Warn("job left to the instance that took over its lease")
	case ends[endInterrupted] > 0:
		// Shutdown: the lease is handed back so that another instance takes the job over at once.
		if err := r.store.ReleaseLease(context.WithoutCancel(ctx), id, r.opt.Owner); err != nil {
			log.Warn("release lease", "err", err)
		}
		log.Info("job interrupted by shutdown; another instance or the next start resumes it")
	case ends[endTimedOut] > 0:
		r.finish(ctx, id, schemas.JobFailed, fmt.Sprintf("The audit did not finish within %s.", r.opt.JobTimeout))
	case ends[endLost] > 0:
		r.finish(ctx, id, schemas.JobFailed, "An agent's outcome could not be stored; the error has been logged.")
	case ends[endCancelled] > 0:
		r.finish(ctx, id, schemas.JobCancelled, "")
	default:
		r.finish(ctx, id, schemas.JobCompleted, "")
	}
}

// keepLease renews job id's lease every Lease/3 until stop is closed. A cancel requested through
// any instance reaches the job here; when another instance has taken the job over, it stops.
func (r *Runner) keepLease(id string, cancel context.CancelCauseFunc, stop <-chan struct{}) {
	t := time.NewTicker(r.opt.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, done := context.WithTimeout(context.Background(), r.opt.Lease/3)
		cancelRequested, err := r.store.RenewLease(ctx, id, r.opt.Owner, r.opt.Lease)
		done()
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			cancel(errLeaseLost)
			return
		case err != nil:
			// Kept trying: a lease renewed late is still this instance's while nobody took it.
			r.log.Warn("renew lease", "job_id", id, "err", err)
		case cancelRequested:
			cancel(errCancelled)
		}
	}
}

// finishedEnding is how an agent that finished before a restart ended: cancelled, or stopped by
// the job's deadline (it failed at or after the deadline: once the deadline has passed, an
// agent's run can end no other way but completed), or done.
func finishedEnding(st store.RunState, agentID string) ending {
	switch st.Job.Agents[agentID] {
	case schemas.AgentCancelled:
		return endCancelled
	case schemas.AgentFailed:
		if at, ok := st.Updated[agentID]; ok && !st.Deadline.IsZero() && !at.Before(st.Deadline) {
			return endTimedOut
		}
	}
	return endDone
}

// ending is how one agent's run ended, as far as the job's final status is concerned.
type ending int

const (
	endDone        ending = iota // completed or failed on its own; its outcome is stored
	endCancelled                 // stopped by a cancel request
	endTimedOut                  // stopped by the job's deadline; its error row is stored
	endInterrupted               // stopped by shutdown or a lost lease; nothing stored, it runs again on resume
	endLost                      // its outcome could not be stored
)

func (r *Runner) finish(ctx context.Context, id, status, msg string) {
	err := r.emit(ctx, id, func(ctx context.Context) (store.Event, error) {
		return r.store.FinishJob(ctx, id, r.opt.Owner, status, msg)
	})
	switch {
	case err == nil:
		r.opt.Observer.JobFinished(status)
	case errors.Is(err, store.ErrNotFound):
	case errors.Is(err, store.ErrLeaseLost):
		r.log.Warn("job left to the instance that took over its lease", "job_id", id)
	default:
		r.log.Error("finish job", "job_id", id, "err", err)
	}
}

func (r *Runner) runAgent(ctx context.Context, jobID, agentID string, doc *extract.Document, resumed bool) ending {
	log := r.log.With("job_id", jobID, "agent_id", agentID)
	agent, ok := r.registry.Lookup(agentID)
	if !ok {
		return r.agentDone(ctx, jobID, agentID, nil, fmt.Errorf("Agent %s is not available on this server.", agentID))
	}
	if ctx.Err() != nil {
		return r.agentDone(ctx, jobID, agentID, nil, ctx.Err())
	}
	if !resumed {
		err := r.emit(ctx, jobID, func(ctx context.Context) (store.Event, error) {
			return r.store.AgentStarted(ctx, jobID, r.opt.Owner, agentID)
		})
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			r.leaseLost(jobID)
			return endInterrupted
		case err != nil:
			log.Error("store agent_started", "err", err)
			return r.agentDone(ctx, jobID, agentID, nil, errors.New("The agent could not be started: storage failed."))
		}
	}
	if info := agent.Info(); !info.Available {
		reason := info.Reason
		if strings.TrimSpace(reason) == "" {
			reason = agentID + " is not available on this server."
		}
		return r.agentDone(ctx, jobID, agentID, nil, errors.New(reason))
	}
	if r.opt.AgentDelay > 0 {
		select {
		case <-time.After(r.opt.AgentDelay):
		case <-ctx.Done():
		}
	}
	var (
		progressMu sync.Mutex
		last       time.Time
	)
	progress := func(done, total int, message string) {
		progressMu.Lock()
		defer progressMu.Unlock()
		if ctx.Err() != nil || time.Since(last) < r.opt.ProgressInterval {
			return
		}
		last = time.Now()
		err := r.emit(ctx, jobID, func(ctx context.Context) (store.Event, error) {
			return r.store.AgentProgress(ctx, jobID, r.opt.Owner, agentID, done, total, message)
		})
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			r.leaseLost(jobID) // the agent sees its context end
		case err != nil:
			log.Warn("agent progress", "err", err)
		}
	}
	var (
		findings []schemas.Finding
		err      = ctx.Err()
	)
	if err == nil {
		start := time.Now()
		findings, err = safeRun(ctx, agent, doc, progress)
		r.opt.Observer.AgentRan(agentID, time.Since(start))
	}
	if pe := (*panicError)(nil); errors.As(err, &pe) {
		log.Error("agent panicked", "panic", pe.value, "stack", string(pe.stack))
	} else if err != nil {
		log.Info("agent ended with an error", "err", err)
	}
	return r.agentDone(ctx, jobID, agentID, findings, err)
}

// safeRun runs one agent, turning a panic into an error so one broken check cannot take the
// job (or the server) down.
func safeRun(ctx context.Context, a agents.Agent, doc *extract.Document, p agents.Progress) (f []schemas.Finding, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return a.Run(ctx, doc, p)
}

// agentDone stores how an agent ended: its findings (or one empty row), its error row, or, when
// the job was cancelled or shut down under it, only its status or nothing.
func (r *Runner) agentDone(ctx context.Context, jobID, agentID string, findings []schemas.Finding, runErr error) ending {
	out := store.AgentOutcome{AgentID: agentID, Category: schemas.Category(agentID)}
	cause := context.Cause(ctx)
	end := endDone
	fail := func(msg string) {
		out.Status, out.Error = schemas.AgentFailed, msg
		out.Rows = []schemas.Result{schemas.ErrorRow(jobID, agentID, msg)}
	}
	switch pe := (*panicError)(nil); {
	case runErr == nil:
		rows, err := schemas.ResultRows(jobID, agentID, findings)
		if err != nil {
			r.log.Error("agent produced an invalid finding", "job_id", jobID, "agent_id", agentID, "err", err)
			fail("The agent produced an invalid finding; the error has been logged.")
			break
		}
		out.Status, out.Rows = schemas.AgentCompleted, rows
	case ctx.Err() != nil && errors.Is(cause, errCancelled):
		out.Status, end = schemas.AgentCancelled, endCancelled
	case ctx.Err() != nil && errors.Is(cause, errTimeout):
		fail(fmt.Sprintf("%s stopped: the audit did not finish within %s.", agentID, r.opt.JobTimeout))
		end = endTimedOut
	case ctx.Err() != nil:
		// Shutdown, or the lease went to another instance: the agent stays running in storage and
		// runs again where the job resumes.
		return endInterrupted
	case errors.As(runErr, &pe):
		fail("The agent stopped on an internal error; the error has been logged.")
	case strings.TrimSpace(runErr.Error()) == "":
		fail("The agent failed without saying why.")
	default:
		fail(runErr.Error())
	}
	save := func() error {
		return r.emit(ctx, jobID, func(ctx context.Context) (store.Event, error) {
			return r.store.AgentFinished(ctx, jobID, r.opt.Owner, out)
		})
	}
	err := save()
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		r.leaseLost(jobID)
		return endInterrupted
	case err == nil || errors.Is(err, store.ErrNotFound):
		if err == nil && out.Status == schemas.AgentFailed {
			r.opt.Observer.AgentFailed(agentID)
		}
		return end
	}
	r.log.Error("store agent outcome", "job_id", jobID, "agent_id", agentID, "err", err)
	// Store at least that the agent failed, so the job does not end with its outcome missing.
	fail("The agent's outcome could not be stored; the error has been logged.")
	switch err := save(); {
	case errors.Is(err, store.ErrLeaseLost):
		r.leaseLost(jobID)
		return endInterrupted
	case err != nil:
		r.log.Error("store agent failure", "job_id", jobID, "agent_id", agentID, "err", err)
		return endLost
	}
	r.opt.Observer.AgentFailed(agentID)
	return end
}

// panicError is an agent's panic, kept with its stack for the log; clients see only that the
// agent failed.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("internal error in agent: %v", e.value) }
