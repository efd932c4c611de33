package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/external"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/fanout"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// funcAgent runs a function as an agent and counts its runs.
type funcAgent struct {
	id   string
	runs atomic.Int32
	fn   func(ctx context.Context) ([]schemas.Finding, error)
}

func (a *funcAgent) Info() schemas.AgentInfo {
	return schemas.AgentInfo{ID: a.id, Category: schemas.Category(a.id), Name: a.id, Description: "test agent", Available: true}
}

func (a *funcAgent) Run(ctx context.Context, _ *extract.Document, _ agents.Progress) ([]schemas.Finding, error) {
	a.runs.Add(1)
	return a.fn(ctx)
}

func types(evs []event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type + ":" + ev.AgentID
	}
	return out
}

func TestFailingAndPanickingAgentsStillCompleteTheJob(t *testing.T) {
	failing := &funcAgent{id: schemas.AgentLogic, fn: func(context.Context) ([]schemas.Finding, error) {
		return nil, errors.New("the logic rules could not be loaded")
	}}
	panicking := &funcAgent{id: schemas.AgentDisclosure, fn: func(context.Context) ([]schemas.Finding, error) {
		var m map[string]int
		m["boom"]++
		return nil, nil
	}}
	e := newEnv(t, envOptions{agents: []agents.Agent{numeric.New(), failing, panicking}})
	job := e.submit(statement(1, true), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	errs := map[string]string{}
	for _, ev := range evs {
		if ev.Type == schemas.EventAgentError {
			errs[ev.AgentID] = ev.Error
		}
	}
	if errs[schemas.AgentLogic] != "the logic rules could not be loaded" || errs[schemas.AgentDisclosure] == "" || len(errs) != 2 {
		t.Fatalf("agent errors %v in %v", errs, types(evs))
	}
	last := evs[len(evs)-1]
	if last.Status != schemas.JobCompleted || last.Summary.Errors != 2 || last.Summary.Findings < 1 {
		t.Fatalf("audit_complete %+v %+v", last, last.Summary)
	}
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/results/agent/logic_consistency", nil), 200, &rows)
	if len(rows) != 1 || rows[0].Error == nil || rows[0].Severity != nil {
		t.Fatalf("error row %+v", rows)
	}
	var j schemas.Job
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), 200, &j)
	if j.Agents[schemas.AgentLogic] != schemas.AgentFailed || j.Agents[schemas.AgentNumeric] != schemas.AgentCompleted {
		t.Fatalf("agent statuses %v", j.Agents)
	}
}

func TestCancelRunningJob(t *testing.T) {
	agent := newGateAgent(schemas.AgentLogic, 0, 0)
	e := newEnv(t, envOptions{agents: []agents.Agent{numeric.New(), agent}})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	<-agent.started
	var j schemas.Job
	decode(t, e.do(http.MethodPost, "/api/v1/jobs/"+job.ID+"/cancel", nil), http.StatusAccepted, &j)
	evs := readAll(t, ws, 1)
	last := evs[len(evs)-1]
	if last.Status != schemas.JobCancelled {
		t.Fatalf("audit_complete status %q; events %v", last.Status, types(evs))
	}
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), 200, &j)
	if j.Status != schemas.JobCancelled || j.Agents[schemas.AgentLogic] != schemas.AgentCancelled || j.FinishedAt == nil {
		t.Fatalf("job %+v", j)
	}
	checkProblem(t, e.do(http.MethodPost, "/api/v1/jobs/"+job.ID+"/cancel", nil), http.StatusConflict)
}

func TestDeleteRunningJob(t *testing.T) {
	agent := newGateAgent(schemas.AgentLogic, 0, 0)
	e := newEnv(t, envOptions{agents: []agents.Agent{agent}})
	job := e.submit(statement(1, false), nil)
	<-agent.started
	decode(t, e.do(http.MethodDelete, "/api/v1/jobs/"+job.ID, nil), 200, nil)
	checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), 404)
	if n, _ := e.store.CountJobs(context.Background()); n != 0 {
		t.Fatalf("%d jobs after delete", n)
	}
}

func TestJobTimeoutFailsTheJob(t *testing.T) {
	agent := newGateAgent(schemas.AgentLogic, 0, 0) // never opened
	e := newEnv(t, envOptions{agents: []agents.Agent{numeric.New(), agent}, jobTimeout: 300 * time.Millisecond})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	last := evs[len(evs)-1]
	if last.Status != schemas.JobFailed {
		t.Fatalf("status %q; events %v", last.Status, types(evs))
	}
	var j schemas.Job
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), 200, &j)
	if j.Status != schemas.JobFailed || j.ErrorMessage == nil || j.Agents[schemas.AgentNumeric] != schemas.AgentCompleted ||
		j.Agents[schemas.AgentLogic] != schemas.AgentFailed {
		t.Fatalf("job %+v", j)
	}
}

// TestResumeAfterShutdown stops the server while one agent has finished and another is still
// running, then starts a new server on the same file: the finished agent is not run again, its
// events are not repeated, and the job completes with one unbroken seq.
func TestResumeAfterShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "veritas.db")
	quick := &funcAgent{id: schemas.AgentNumeric, fn: func(context.Context) ([]schemas.Finding, error) { return nil, nil }}
	slow := newGateAgent(schemas.AgentLogic, 0, 0)
	e1 := newEnv(t, envOptions{dbPath: path, agents: []agents.Agent{quick, slow}})
	job := e1.submit(statement(1, false), nil)
	<-slow.started
	waitFor(t, func() bool {
		j, _ := e1.store.Job(context.Background(), "", job.ID, false)
		return j.Agents[schemas.AgentNumeric] == schemas.AgentCompleted
	})
	e1.stop()

	quick2 := &funcAgent{id: schemas.AgentNumeric, fn: func(context.Context) ([]schemas.Finding, error) { return nil, nil }}
	slow2 := newGateAgent(schemas.AgentLogic, 0, 0)
	slow2.openAll()
	e2 := newEnv(t, envOptions{dbPath: path, agents: []agents.Agent{quick2, slow2}})
	ws := e2.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	count := map[string]int{}
	for _, ev := range evs {
		count[ev.Type+":"+ev.AgentID]++
	}
	if quick2.runs.Load() != 0 || count["agent_completed:numeric_validation"] != 1 || count["agent_started:logic_consistency"] != 1 ||
		count["agent_completed:logic_consistency"] != 1 || count["audit_complete:"] != 1 {
		t.Fatalf("reruns %d, events %v", quick2.runs.Load(), types(evs))
	}
}

// TestStalledInstanceStoresNothingAfterTakeOver: the instance running a job stalls past its
// lease, and another takes the job over before the first renews it. Whatever the stalled
// instance's agent stores next (progress, or its outcome) is refused: its run ends without
// storing anything more, with one warning and no error logged.
func TestStalledInstanceStoresNothingAfterTakeOver(t *testing.T) {
	for _, tc := range []struct {
		name     string
		progress int // progress events the agent reports once let go
	}{
		{"progress next", 2},
		{"outcome next", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gate := newGateAgent(schemas.AgentLogic, 0, tc.progress)
			logs := &logBuffer{}
			// An hour's lease: the runner does not renew, and so learn of the take-over, during the test.
			e := newEnv(t, envOptions{agents: []agents.Agent{gate}, lease: time.Hour, logTo: logs})
			job := e.submit(statement(1, false), nil)
			<-gate.started // agent_started is stored before the agent runs
			ctx := context.Background()
			// As if the lease had run out: the runner's claim ends, and instance B claims the job.
			if err := e.store.ReleaseLease(ctx, job.ID, e.runner.Owner()); err != nil {
				t.Fatal(err)
			}
			if got, err := e.store.Claim(ctx, "B", time.Hour, time.Minute); got != job.ID || err != nil {
				t.Fatalf("B claimed %q, %v; want %s", got, err, job.ID)
			}
			state := func() string {
				t.Helper()
				j, err := e.store.Job(ctx, "", job.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := e.store.Events(ctx, job.ID, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := e.store.Results(ctx, "", job.ID, "")
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprintf("status %s, last_seq %d, agents %v, %d events, %d rows", j.Status, j.LastSeq, j.Agents, len(evs), len(rows))
			}
			want := state()

			gate.openAll()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := e.runner.Wait(wctx, job.ID); err != nil {
				t.Fatalf("the stalled instance's run did not end: %v", err)
			}
			if got := state(); got != want {
				t.Fatalf("the stalled instance stored more after the take-over\nfrom %s\nto   %s", want, got)
			}
			if out := logs.String(); strings.Contains(out, "level=ERROR") || strings.Count(out, "level=WARN") != 1 ||
				!strings.Contains(out, "took over its lease") {
				t.Fatalf("want one warning about the lease and no error, logged:\n%s", out)
			}
		})
	}
}

// logBuffer collects log output written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor checks cond every 2 ms until it holds, and fails the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("condition not met within 10s")
		}
	}
}

// blockingBroadcaster stops the first broadcast of an event of type `on` until `release` is
// closed, so a test can act while that event is stored but not yet delivered.
type blockingBroadcaster struct {
	next    fanout.Broadcaster
	on      string
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingBroadcaster) Broadcast(ctx context.Context, m hub.Message) error {
	if strings.Contains(string(m.Data), `"type":"`+b.on+`"`) {
		b.once.Do(func() {
			close(b.reached)
			<-b.release
		})
	}
	return b.next.Broadcast(ctx, m)
}

// TestCancelAfterEveryAgentFinishedLeavesJobCompleted: a cancel that lands once the agents are
// done (the last agent_completed stored, the job not yet finished) does not turn a finished
// audit into a cancelled one.
func TestCancelAfterEveryAgentFinishedLeavesJobCompleted(t *testing.T) {
	var bb *blockingBroadcaster
	e := newEnv(t, envOptions{wrapHub: func(b fanout.Broadcaster) fanout.Broadcaster {
		bb = &blockingBroadcaster{next: b, on: schemas.EventAgentCompleted, reached: make(chan struct{}), release: make(chan struct{})}
		return bb
	}})
	job := e.submit(statement(1, false), nil)
	<-bb.reached
	decode(t, e.do(http.MethodPost, "/api/v1/jobs/"+job.ID+"/cancel", nil), http.StatusAccepted, nil)
	close(bb.release)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	if last := evs[len(evs)-1]; last.Status != schemas.JobCompleted {
		t.Fatalf("status %q after a late cancel", last.Status)
	}
}

func TestAgentErrorWithoutMessageIsStillExplained(t *testing.T) {
	silent := &funcAgent{id: schemas.AgentLogic, fn: func(context.Context) ([]schemas.Finding, error) {
		return nil, errors.New("")
	}}
	invalid := &funcAgent{id: schemas.AgentDisclosure, fn: func(context.Context) ([]schemas.Finding, error) {
		return []schemas.Finding{{Severity: "catastrophic", Description: "x"}}, nil
	}}
	e := newEnv(t, envOptions{agents: []agents.Agent{silent, invalid}})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	errs := map[string]string{}
	for _, ev := range evs {
		if ev.Type == schemas.EventAgentError {
			errs[ev.AgentID] = ev.Error
		}
	}
	if errs[schemas.AgentLogic] == "" || !strings.Contains(errs[schemas.AgentDisclosure], "invalid finding") {
		t.Fatalf("agent errors %v; events %v", errs, types(evs))
	}
	if last := evs[len(evs)-1]; last.Status != schemas.JobCompleted || last.Summary.Errors != 2 {
		t.Fatalf("audit_complete %+v", last)
	}
}

// TestFullTeamWithoutGeminiKey runs the four agents as main wires them without a Gemini key:
// three report, external_signal says it is not configured, and the job completes.
func TestFullTeamWithoutGeminiKey(t *testing.T) {
	team := []agents.Agent{numeric.New(), logic.New(logic.Options{}), disclosure.New(), external.New(nil)}
	e := newEnv(t, envOptions{agents: team})
	var infos []schemas.AgentInfo
	decode(t, e.do(http.MethodGet, "/api/v1/agents", nil), 200, &infos)
	if len(infos) != 4 {
		t.Fatalf("agents %+v", infos)
	}
	for _, in := range infos {
		if want := in.ID != schemas.AgentExternal; in.Available != want {
			t.Fatalf("%s available %v", in.ID, in.Available)
		}
		if in.ID == schemas.AgentExternal && !strings.Contains(in.Reason, "not configured") {
			t.Fatalf("external_signal reason %q", in.Reason)
		}
	}
	job := e.submit(statement(2, true), nil)
	if len(job.EnabledAgents) != 4 {
		t.Fatalf("default enabled_agents %v", job.EnabledAgents)
	}
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	completed, errored := map[string]bool{}, map[string]string{}
	for _, ev := range evs {
		switch ev.Type {
		case schemas.EventAgentCompleted:
			completed[ev.AgentID] = true
		case schemas.EventAgentError:
			errored[ev.AgentID] = ev.Error
		}
	}
	if len(completed) != 3 || len(errored) != 1 || !strings.Contains(errored[schemas.AgentExternal], "external_signal is not configured") {
		t.Fatalf("completed %v, errors %v; events %v", completed, errored, types(evs))
	}
	last := evs[len(evs)-1]
	if last.Status != schemas.JobCompleted || last.Summary.Errors != 1 {
		t.Fatalf("audit_complete %+v %+v", last, last.Summary)
	}
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/results/agent/external_signal", nil), 200, &rows)
	if len(rows) != 1 || rows[0].Error == nil || rows[0].Category != "external" {
		t.Fatalf("external_signal rows %+v", rows)
	}
}

// TestResumeAfterEveryAgentEndedKeepsHowTheyEnded: the process stops after the last agent's
// outcome is stored and before the job's final status is. On the next start the job ends as
// its agents did: failed when an agent was stopped by the deadline, cancelled when one was
// cancelled, completed when an agent failed on its own. A cancel requested while the process
// was down stops the resumed job.
func TestResumeAfterEveryAgentEndedKeepsHowTheyEnded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		end     func(t *testing.T, st *store.SQLite, jobID string)
		want    string
		rerun   bool // the agent had not finished: it runs again, and stops at once
	}{
		{"stopped by the deadline", 300 * time.Millisecond, func(t *testing.T, st *store.SQLite, jobID string) {
			rs, err := st.RunState(context.Background(), jobID)
			if err != nil || rs.Deadline.IsZero() {
				t.Fatalf("run state %+v, %v: want the deadline stored at the claim", rs, err)
			}
			<-time.After(time.Until(rs.Deadline) + time.Millisecond) // the outcome is stored past it
			storeOutcome(t, st, jobID, schemas.AgentFailed, "logic_consistency stopped: the audit did not finish in time.")
		}, schemas.JobFailed, false},
		{"cancelled", time.Minute, func(t *testing.T, st *store.SQLite, jobID string) {
			if err := st.RequestCancel(context.Background(), jobID); err != nil {
				t.Fatal(err)
			}
			storeOutcome(t, st, jobID, schemas.AgentCancelled, "")
		}, schemas.JobCancelled, false},
		{"failed on its own", time.Minute, func(t *testing.T, st *store.SQLite, jobID string) {
			storeOutcome(t, st, jobID, schemas.AgentFailed, "the agent could not read the tables")
		}, schemas.JobCompleted, false},
		{"cancel requested while the process was down", time.Minute, func(t *testing.T, st *store.SQLite, jobID string) {
			if err := st.RequestCancel(context.Background(), jobID); err != nil {
				t.Fatal(err)
			}
		}, schemas.JobCancelled, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "veritas.db")
			gate := newGateAgent(schemas.AgentLogic, 0, 0)
			e1 := newEnv(t, envOptions{dbPath: path, agents: []agents.Agent{gate}, jobTimeout: tc.timeout})
			job := e1.submit(statement(1, false), nil)
			<-gate.started
			e1.stop() // the agent is interrupted: still running in storage

			st, err := store.OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			tc.end(t, st, job.ID) // what the runner stored just before the process stopped
			st.Close()

			gate2 := newGateAgent(schemas.AgentLogic, 0, 0)
			e2 := newEnv(t, envOptions{dbPath: path, agents: []agents.Agent{gate2}, jobTimeout: tc.timeout})
			var j schemas.Job
			waitFor(t, func() bool {
				j, _ = e2.store.Job(context.Background(), "", job.ID, false)
				return j.Status != schemas.JobProcessing
			})
			if j.Status != tc.want {
				t.Errorf("resumed job ended %s, want %s", j.Status, tc.want)
			}
			select {
			case <-gate2.started:
				if !tc.rerun {
					t.Error("an agent that had finished ran again")
				}
			default:
			}
		})
	}
}

// storeOutcome stores the logic agent's outcome as the runner does.
func storeOutcome(t *testing.T, st *store.SQLite, jobID, status, msg string) {
	t.Helper()
	out := store.AgentOutcome{AgentID: schemas.AgentLogic, Category: schemas.Category(schemas.AgentLogic), Status: status, Error: msg}
	if status == schemas.AgentFailed {
		out.Rows = []schemas.Result{{
			ID: uuid.Must(uuid.NewV7()).String(), JobID: jobID, AgentID: out.AgentID, Category: out.Category,
			Error: &msg, SourceRefs: []string{}, RawData: json.RawMessage("{}"), CreatedAt: time.Now().UTC(),
		}}
	}
	if _, err := st.AgentFinished(context.Background(), jobID, "", out); err != nil {
		t.Fatal(err)
	}
}
