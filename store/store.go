// Package store keeps jobs, their documents, result rows and event logs. The embedded default is
// a SQLite file; PostgreSQL is the store several instances share. Both have the same methods and
// semantics: every write that changes what a client can see also appends the matching event to
// the job's log in the same transaction, so the log and the rows never disagree.
package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Sentinel errors; handlers map them to HTTP statuses.
var (
	// ErrNotFound means no job has that id.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the job is not in a state that allows the change (e.g. cancelling a
	// finished job).
	ErrConflict = errors.New("conflict")
	// ErrLeaseLost means the caller no longer holds the job's lease: another owner took the job
	// over, or the job is no longer processing (it finished; or it was deleted, and then the
	// error is also ErrNotFound). The caller stops working on the job.
	ErrLeaseLost = errors.New("lease lost")
	// ErrDuplicateKey means an upload's Idempotency-Key was used already, within
	// IdempotencyTTL: CreateJob created nothing, and IdempotentUpload tells what the key made.
	ErrDuplicateKey = errors.New("idempotency key already used")
)

// IdempotencyTTL is how long an upload's Idempotency-Key is remembered; a key older than this
// is free again, and its row is deleted by the next upload that carries a key.
const IdempotencyTTL = 24 * time.Hour

// Idempotency is an upload's Idempotency-Key and the fingerprint of what it asked for.
type Idempotency struct {
	Tenant      string // "" until uploads carry a tenant
	Key         string
	Fingerprint string
}

// Replay is what the first upload with an Idempotency-Key made: its job, its fingerprint and
// the 202 body it was answered with (nil until the handler stored it).
type Replay struct {
	JobID       string
	Fingerprint string
	Response    []byte
}

// fence decides whether owner may still change a running job whose row says status and
// claimedBy ("" for none), read under the lock of the write's own transaction. An instance that
// stalled past its lease (a long pause, a partition from the database) learns only at its next
// renewal that another instance took the job over; until then its writes would land next to the
// new owner's. So a write by an owner is refused with ErrLeaseLost, changing nothing, unless the
// job is processing and claimed by that owner (ErrConflict as well when the job has finished).
// An empty owner is a writer that holds no lease, such as the load generator, and is not fenced.
func fence(status, claimedBy, owner string) error {
	switch {
	case owner == "", status == schemas.JobProcessing && claimedBy == owner:
		return nil
	case schemas.Finished(status):
		return fmt.Errorf("%w: %w", ErrLeaseLost, ErrConflict)
	}
	return ErrLeaseLost
}

// NewJob is everything an upload stores at once: the job, its document and its first event.
type NewJob struct {
	ID string
	// Tenant owns the job: only calls made for that tenant see it. "" is the tenant of open mode
	// (no API keys) and of every job stored before tenants existed.
	Tenant        string
	Name          string // empty means "Report #N"
	EnabledAgents []string
	Filename      string
	ContentType   string
	Content       []byte
	SHA256        string
	Extracted     *extract.Document
	// Idempotency, when set, records the upload's Idempotency-Key with the job, in the same
	// transaction; a key already used gives ErrDuplicateKey and stores nothing.
	Idempotency *Idempotency
	// Synthetic marks a job made by the admin load generator: it starts processing with its
	// agents already completed and no lease, so Claim never takes it, no worker runs it and only
	// generated events fill its log.
	Synthetic bool
}

// Ticket is what a stream ticket was issued for; see CreateTicket and UseTicket.
type Ticket struct {
	JobID  string
	Tenant string
	// Expired is true when the ticket was used after its expiry.
	Expired bool
}

// Event is one stored event: its place in the job's log and the JSON a client receives.
type Event struct {
	JobID string
	Seq   int64
	Data  []byte
}

// Progress is one agent_progress report: done of total steps, and what the agent is doing.
type Progress struct {
	Done, Total int
	Message     string
}

// RunState is what the runner needs to start or resume a job.
type RunState struct {
	Job             schemas.Job
	CancelRequested bool
	// Deadline is when the job must have finished, set when it was first claimed (zero for a
	// job claimed before deadlines were stored).
	Deadline time.Time
	// Updated is when each agent's run last changed status: for a finished agent, when it
	// finished.
	Updated map[string]time.Time
}

// AgentOutcome is how an agent's run ended, as the runner stores it.
type AgentOutcome struct {
	AgentID  string
	Status   string           // completed, failed or cancelled
	Rows     []schemas.Result // the rows to store (findings, one empty row, or one error row)
	Error    string           // for failed: the agent_error message
	Category string
}

// progressEvents makes the agent_progress events of steps, before they have seqs.
func progressEvents(jobID, agentID string, steps []Progress) []*schemas.Event {
	evs := make([]*schemas.Event, len(steps))
	for i, st := range steps {
		evs[i] = &schemas.Event{
			Type: schemas.EventAgentProgress, JobID: jobID, AgentID: agentID, Done: &st.Done, Total: &st.Total, Message: st.Message,
		}
	}
	return evs
}
