package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

func open(t *testing.T) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newJob(t *testing.T, s *store.SQLite, agents ...string) string {
	t.Helper()
	if len(agents) == 0 {
		agents = []string{schemas.AgentNumeric}
	}
	id := uuid.Must(uuid.NewV7()).String()
	_, ev, err := s.CreateJob(context.Background(), store.NewJob{
		ID: id, EnabledAgents: agents, Filename: "a.docx", ContentType: "x", Content: []byte("doc"),
		SHA256:    "0000000000000000000000000000000000000000000000000000000000000000",
		Extracted: &extract.Document{Markdown: "# A", Tables: []extract.Table{{Index: 1, Rows: [][]string{{"a"}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 1 {
		t.Fatalf("job_queued seq %d", ev.Seq)
	}
	return id
}

// TestConcurrentAppendsGetEverySeqOnce appends progress events to one job from many goroutines:
// the log must hold 1..N with no gap and no duplicate.
func TestConcurrentAppendsGetEverySeqOnce(t *testing.T) {
	s := open(t)
	id := newJob(t, s)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := s.AgentProgress(ctx, id, schemas.AgentNumeric, i, 25, "g"); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
				}
			}
		})
	}
	wg.Wait()
	evs, err := s.Events(ctx, id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 201 {
		t.Fatalf("%d events, want 201", len(evs))
	}
	for i, e := range evs {
		var ev schemas.Event
		if err := json.Unmarshal(e.Data, &ev); err != nil || ev.Seq != int64(i+1) || e.Seq != ev.Seq {
			t.Fatalf("position %d: stored seq %d, payload %s", i, e.Seq, e.Data)
		}
	}
}

func TestFinishJobHappensOnce(t *testing.T) {
	s := open(t)
	id := newJob(t, s)
	ctx := context.Background()
	if _, err := s.FinishJob(ctx, id, schemas.JobCompleted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishJob(ctx, id, schemas.JobFailed, "again"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second finish: %v, want ErrConflict", err)
	}
	if err := s.RequestCancel(ctx, id); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("cancel after finish: %v, want ErrConflict", err)
	}
	job, _ := s.Job(ctx, id, false)
	if job.Status != schemas.JobCompleted || job.LastSeq != 2 || job.Agents[schemas.AgentNumeric] != schemas.AgentFailed {
		t.Fatalf("job %+v", job)
	}
}

// TestClaimAndCancelQueuedRace lets a claim and a cancel of the same queued job race: exactly
// one of them wins, and the job ends in the matching state.
func TestClaimAndCancelQueuedRace(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	for range 50 {
		id := newJob(t, s)
		var claimed string
		var cancelErr error
		var wg sync.WaitGroup
		wg.Go(func() { claimed, _ = s.ClaimNext(ctx, time.Minute) })
		wg.Go(func() { _, cancelErr = s.CancelQueued(ctx, id) })
		wg.Wait()
		job, _ := s.Job(ctx, id, false)
		switch {
		case claimed == id && errors.Is(cancelErr, store.ErrConflict):
			if job.Status != schemas.JobProcessing {
				t.Fatalf("claimed job is %s", job.Status)
			}
			s.FinishJob(ctx, id, schemas.JobCompleted, "")
		case claimed == "" && cancelErr == nil:
			if job.Status != schemas.JobCancelled || job.Agents[schemas.AgentNumeric] != schemas.AgentCancelled {
				t.Fatalf("cancelled job %+v", job)
			}
		default:
			t.Fatalf("claim %q and cancel %v both won or both lost", claimed, cancelErr)
		}
	}
}

func TestAgentFinishedStoresRowsAndEventTogether(t *testing.T) {
	s := open(t)
	id := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic)
	ctx := context.Background()
	sev, desc := "high", "Total revenue does not cast"
	msg := "boom"
	rows := []schemas.Result{{
		ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentNumeric, Category: "numeric",
		Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1"}, RawData: json.RawMessage(`{"table":1}`),
	}}
	if _, err := s.AgentFinished(ctx, id, store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	errRow := schemas.Result{ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentLogic, Category: "logic", Error: &msg, SourceRefs: []string{}}
	if _, err := s.AgentFinished(ctx, id, store.AgentOutcome{AgentID: schemas.AgentLogic, Status: schemas.AgentFailed, Error: msg, Rows: []schemas.Result{errRow}}); err != nil {
		t.Fatal(err)
	}
	// A row that breaks its schema is refused and nothing of that outcome is stored.
	bad := "critical"
	badRow := rows[0]
	badRow.ID, badRow.Severity = uuid.NewString(), &bad
	if _, err := s.AgentFinished(ctx, id, store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: []schemas.Result{badRow}}); err == nil {
		t.Fatal("invalid row stored")
	}
	got, _ := s.Results(ctx, id, "")
	job, _ := s.Job(ctx, id, false)
	if len(got) != 2 || job.Summary != (schemas.Summary{Findings: 1, High: 1, Errors: 1}) || job.LastSeq != 3 {
		t.Fatalf("rows %d, summary %+v, last seq %d", len(got), job.Summary, job.LastSeq)
	}
	evs, _ := s.Events(ctx, id, 1, 10)
	var done schemas.Event
	json.Unmarshal(evs[0].Data, &done)
	if done.Type != schemas.EventAgentCompleted || len(done.Findings) != 1 || *done.Findings[0].Description != desc {
		t.Fatalf("agent_completed %s", evs[0].Data)
	}
}

func TestJobsPaging(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	var ids []string
	for range 5 {
		ids = append(ids, newJob(t, s))
	}
	page, err := s.Jobs(ctx, 2, "")
	if err != nil || len(page) != 3 || page[0].ID != ids[4] || page[0].Name != "Report #5" {
		t.Fatalf("first page %d jobs, %v", len(page), err)
	}
	page, _ = s.Jobs(ctx, 2, ids[1])
	if len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("last page %+v", page)
	}
	if _, err := s.Jobs(ctx, 2, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown cursor: %v", err)
	}
	if err := s.DeleteJob(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.Events(ctx, ids[0], 0, 10); len(evs) != 0 {
		t.Fatal("events outlived their job")
	}
	if err := s.DeleteJob(ctx, ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
