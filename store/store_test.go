package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/pgtest"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// backend is every method the two stores share; the suite below runs against each.
type backend interface {
	Close() error
	Ping(ctx context.Context) error
	CreateJob(ctx context.Context, nj store.NewJob) (schemas.Job, store.Event, error)
	Job(ctx context.Context, tenant, id string, withText bool) (schemas.Job, error)
	Jobs(ctx context.Context, tenant string, limit int, before string) ([]schemas.Job, error)
	RenameJob(ctx context.Context, tenant, id, name string) (schemas.Job, error)
	DeleteJob(ctx context.Context, tenant, id string) error
	CountJobs(ctx context.Context) (int, error)
	Results(ctx context.Context, tenant, jobID, agentID string) ([]schemas.Result, error)
	Events(ctx context.Context, jobID string, after int64, limit int) ([]store.Event, error)
	JobExists(ctx context.Context, id string) (bool, error)
	HasJob(ctx context.Context, tenant, id string) (bool, error)
	CreateTicket(ctx context.Context, tenant, jobID, hash string, ttl time.Duration) (time.Time, error)
	UseTicket(ctx context.Context, hash string) (store.Ticket, error)
	RunState(ctx context.Context, id string) (store.RunState, error)
	Document(ctx context.Context, jobID string) (*extract.Document, error)
	RequestCancel(ctx context.Context, id string) error
	CancelQueued(ctx context.Context, jobID string) (store.Event, error)
	AgentStarted(ctx context.Context, jobID, owner, agentID string) (store.Event, error)
	AgentProgress(ctx context.Context, jobID, owner, agentID string, done, total int, message string) (store.Event, error)
	AgentProgressBatch(ctx context.Context, jobID, owner, agentID string, steps []store.Progress) ([]store.Event, error)
	AgentFinished(ctx context.Context, jobID, owner string, out store.AgentOutcome) (store.Event, error)
	FinishJob(ctx context.Context, jobID, owner, status, errMsg string) (store.Event, error)
	Claim(ctx context.Context, owner string, lease, timeout time.Duration) (string, error)
	RenewLease(ctx context.Context, jobID, owner string, lease time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, jobID, owner string) error
	IdempotentUpload(ctx context.Context, tenant, key string) (store.Replay, error)
	SetIdempotentResponse(ctx context.Context, tenant, key string, body []byte) error
	CountQueued(ctx context.Context) (int, error)
}

var (
	_ backend = (*store.SQLite)(nil)
	_ backend = (*store.Postgres)(nil)
)

// testStore is one store on a database of its own, and a way to open a second store on the
// same database, as a second instance of the service would.
type testStore struct {
	backend
	reopen func(t *testing.T) backend
	// ageKeys moves every stored Idempotency-Key back by d, as if it had been used d earlier.
	ageKeys func(t *testing.T, d time.Duration)
}

// another opens a second store on the same database; it is closed when the test ends.
func (s testStore) another(t *testing.T) backend { return s.reopen(t) }

// postgresEnv names the variable that turns on the PostgreSQL cases. Set, the server must
// answer: an unreachable server fails the tests instead of skipping them.
const postgresEnv = pgtest.Env

// eachStore runs fn on SQLite (a temporary file) and on PostgreSQL (a schema of its own) when
// VERITAS_TEST_POSTGRES_URL is set, each as a parallel subtest.
func eachStore(t *testing.T, fn func(t *testing.T, s testStore)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, openPostgres(t))
	})
}

func openSQLite(t *testing.T) testStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.db")
	open := func(t *testing.T) backend {
		t.Helper()
		s, err := store.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	age := func(t *testing.T, d time.Duration) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE idempotency_keys SET created_at = created_at - ?`, d.Nanoseconds()); err != nil {
			t.Fatal(err)
		}
	}
	return testStore{open(t), open, age}
}

func openPostgres(t *testing.T) testStore {
	t.Helper()
	u := pgtest.Schema(t)
	open := func(t *testing.T) backend {
		t.Helper()
		s, err := store.OpenPostgres(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	age := func(t *testing.T, d time.Duration) {
		t.Helper()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `UPDATE idempotency_keys SET created_at = created_at - $1::interval`, d.String()); err != nil {
			t.Fatal(err)
		}
	}
	return testStore{open(t), open, age}
}

func newJob(t *testing.T, s backend, agents ...string) string {
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

// decode reads stored events back as the client receives them.
func decode(t *testing.T, evs []store.Event) []schemas.Event {
	t.Helper()
	out := make([]schemas.Event, len(evs))
	for i, e := range evs {
		if err := json.Unmarshal(e.Data, &out[i]); err != nil {
			t.Fatalf("event %d: %v: %s", e.Seq, err, e.Data)
		}
		if out[i].Seq != e.Seq {
			t.Fatalf("stored seq %d, payload %s", e.Seq, e.Data)
		}
	}
	return out
}

// wireTime checks a time as the API shows it: UTC, RFC 3339 with Z, at least microseconds kept.
func wireTime(t *testing.T, what string, at time.Time) {
	t.Helper()
	data, _ := json.Marshal(at)
	s := strings.Trim(string(data), `"`)
	if at.Location() != time.UTC || !strings.HasSuffix(s, "Z") || at.IsZero() {
		t.Fatalf("%s %s: want a UTC time shown with Z", what, s)
	}
	if d := time.Since(at); d < 0 || d > time.Minute {
		t.Fatalf("%s %s is not the current time", what, s)
	}
}

func TestBackendsHaveTheSameMethods(t *testing.T) {
	methods := func(v any) map[string]string {
		m := map[string]string{}
		typ := reflect.TypeOf(v)
		for i := range typ.NumMethod() {
			f := typ.Method(i).Type
			var in, out []string
			for j := 1; j < f.NumIn(); j++ { // skip the receiver
				in = append(in, f.In(j).String())
			}
			for j := range f.NumOut() {
				out = append(out, f.Out(j).String())
			}
			m[typ.Method(i).Name] = fmt.Sprintf("(%s) (%s)", strings.Join(in, ", "), strings.Join(out, ", "))
		}
		return m
	}
	sq, pg := methods((*store.SQLite)(nil)), methods((*store.Postgres)(nil))
	if fmt.Sprint(sq) != fmt.Sprint(pg) {
		t.Fatalf("method sets differ:\nSQLite   %v\nPostgres %v", sq, pg)
	}
}

func TestCreateGetAndList(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for range 5 {
			ids = append(ids, newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic))
		}
		job, err := s.Job(ctx, "", ids[0], false)
		if err != nil {
			t.Fatal(err)
		}
		if job.Name != "Report #1" || job.Status != schemas.JobQueued || job.LastSeq != 1 || job.FinishedAt != nil ||
			job.ErrorMessage != nil || fmt.Sprint(job.EnabledAgents) != "[numeric_validation logic_consistency]" ||
			fmt.Sprint(job.Agents) != "map[logic_consistency:pending numeric_validation:pending]" {
			t.Fatalf("new job %+v", job)
		}
		wireTime(t, "created_at", job.CreatedAt)
		if len(job.Documents) != 1 {
			t.Fatalf("documents %+v", job.Documents)
		}
		d := job.Documents[0]
		if d.JobID != job.ID || d.Filename != "a.docx" || d.SizeBytes != 3 || d.GCSPath != "jobs/"+job.ID+"/a.docx" ||
			d.ExtractedText != nil {
			t.Fatalf("document %+v", d)
		}
		wireTime(t, "document created_at", d.CreatedAt)
		if err := schemas.Validate(job); err != nil {
			t.Fatalf("stored job breaks its schema: %v", err)
		}
		if withText, _ := s.Job(ctx, "", ids[0], true); withText.Documents[0].ExtractedText == nil || *withText.Documents[0].ExtractedText != "# A" {
			t.Fatalf("with text: %+v", withText.Documents[0])
		}
		evs, _ := s.Events(ctx, ids[0], 0, 10)
		if got := decode(t, evs); len(got) != 1 || got[0].Type != schemas.EventJobQueued || !got[0].Timestamp.Equal(job.UpdatedAt) {
			t.Fatalf("job_queued %s, updated_at %v", evs[0].Data, job.UpdatedAt)
		}
		doc, err := s.Document(ctx, ids[0])
		if err != nil || doc.Markdown != "# A" || len(doc.Tables) != 1 || doc.Tables[0].Rows[0][0] != "a" {
			t.Fatalf("document %+v, %v", doc, err)
		}

		page, err := s.Jobs(ctx, "", 2, "")
		if err != nil || len(page) != 3 || page[0].ID != ids[4] || page[0].Name != "Report #5" || page[1].ID != ids[3] {
			t.Fatalf("first page %d jobs, %v", len(page), err)
		}
		if len(page[0].Documents) != 1 || page[0].Documents[0].ExtractedText != nil || page[0].Agents[schemas.AgentLogic] != schemas.AgentPending {
			t.Fatalf("listed job %+v", page[0])
		}
		page, _ = s.Jobs(ctx, "", 2, ids[3])
		if len(page) != 3 || page[0].ID != ids[2] || page[1].ID != ids[1] {
			t.Fatalf("second page %+v", page)
		}
		page, _ = s.Jobs(ctx, "", 2, ids[1])
		if len(page) != 1 || page[0].ID != ids[0] {
			t.Fatalf("last page %+v", page)
		}
		if _, err := s.Jobs(ctx, "", 2, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown cursor: %v", err)
		}
		if _, err := s.Job(ctx, "", uuid.NewString(), false); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown job: %v", err)
		}
		if _, err := s.Document(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown document: %v", err)
		}
		if ok, err := s.JobExists(ctx, ids[2]); !ok || err != nil {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if ok, err := s.JobExists(ctx, "not-an-id"); ok || err != nil {
			t.Fatalf("malformed id exists: %v %v", ok, err)
		}
		if n, err := s.CountJobs(ctx); n != 5 || err != nil {
			t.Fatalf("count %d, %v", n, err)
		}
	})
}

func TestRename(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s)
		before, _ := s.Job(ctx, "", id, false)
		job, err := s.RenameJob(ctx, "", id, "FY2024 — Acme")
		if err != nil || job.Name != "FY2024 — Acme" || job.UpdatedAt.Before(before.UpdatedAt) || job.LastSeq != 1 {
			t.Fatalf("renamed %+v, %v", job, err)
		}
		if again, _ := s.Job(ctx, "", id, false); again.Name != "FY2024 — Acme" {
			t.Fatalf("stored name %q", again.Name)
		}
		if _, err := s.RenameJob(ctx, "", uuid.NewString(), "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rename unknown: %v", err)
		}
	})
}

// TestDeleteCascades deletes a job with a document, results and events, then stores a job
// under the same id: nothing of the first one may show through.
func TestDeleteCascades(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s)
		if _, err := s.AgentStarted(ctx, id, "", schemas.AgentNumeric); err != nil {
			t.Fatal(err)
		}
		empty := schemas.Result{ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentNumeric, Category: "numeric",
			SourceRefs: []string{}, RawData: json.RawMessage(`{}`), CreatedAt: time.Now()}
		if _, err := s.AgentFinished(ctx, id, "", store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: []schemas.Result{empty}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteJob(ctx, "", id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Job(ctx, "", id, false); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("job after delete: %v", err)
		}
		if _, err := s.Results(ctx, "", id, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("results after delete: %v", err)
		}
		if _, err := s.Document(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("document after delete: %v", err)
		}
		if evs, _ := s.Events(ctx, id, 0, 10); len(evs) != 0 {
			t.Fatal("events outlived their job")
		}
		if ok, _ := s.JobExists(ctx, id); ok {
			t.Fatal("job exists after delete")
		}
		if err := s.DeleteJob(ctx, "", id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		// The same id again: rows, events or agent runs left behind would show in it.
		_, ev, err := s.CreateJob(ctx, store.NewJob{ID: id, EnabledAgents: []string{schemas.AgentLogic}, Filename: "b.docx",
			ContentType: "x", Content: []byte("b"), SHA256: strings.Repeat("1", 64), Extracted: &extract.Document{Markdown: "# B"}})
		if err != nil || ev.Seq != 1 {
			t.Fatalf("recreate: seq %d, %v", ev.Seq, err)
		}
		job, _ := s.Job(ctx, "", id, false)
		rows, _ := s.Results(ctx, "", id, "")
		evs, _ := s.Events(ctx, id, 0, 10)
		if len(rows) != 0 || len(evs) != 1 || len(job.Documents) != 1 || job.Documents[0].Filename != "b.docx" ||
			fmt.Sprint(job.Agents) != "map[logic_consistency:pending]" || job.Summary != (schemas.Summary{}) || job.Name != "Report #2" {
			t.Fatalf("recreated job %+v: %d rows, %d events", job, len(rows), len(evs))
		}
	})
}

func TestJobNumbersNeverReused(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		ids := []string{newJob(t, s), newJob(t, s), newJob(t, s)}
		for _, id := range ids[1:] {
			if err := s.DeleteJob(ctx, "", id); err != nil {
				t.Fatal(err)
			}
		}
		job, _ := s.Job(ctx, "", newJob(t, s), false)
		if job.Name != "Report #4" {
			t.Fatalf("after deleting #2 and #3 the next job is %q", job.Name)
		}
		// A second instance draws from the same counter.
		other := s.another(t)
		job, _ = other.Job(ctx, "", newJob(t, other), false)
		if job.Name != "Report #5" {
			t.Fatalf("second instance's job is %q", job.Name)
		}
		named, _, err := s.CreateJob(ctx, store.NewJob{ID: uuid.NewString(), Name: "Mine", EnabledAgents: []string{schemas.AgentNumeric},
			Filename: "c.docx", ContentType: "x", Content: []byte("c"), SHA256: strings.Repeat("2", 64), Extracted: &extract.Document{}})
		if err != nil || named.Name != "Mine" {
			t.Fatalf("named job %q, %v", named.Name, err)
		}
		page, _ := s.Jobs(ctx, "", 10, "")
		if len(page) != 4 || page[0].ID != named.ID || page[3].ID != ids[0] {
			t.Fatalf("list after deletes: %d jobs", len(page))
		}
	})
}

func TestResultsPerAgent(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic, schemas.AgentDisclosure)
		row := func(agent, desc string, raw string) schemas.Result {
			sev := "low"
			return schemas.Result{ID: uuid.NewString(), JobID: id, AgentID: agent, Category: schemas.Category(agent),
				Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1", "Note 3"},
				RawData: json.RawMessage(raw), CreatedAt: time.Now()}
		}
		numeric := []schemas.Result{row(schemas.AgentNumeric, "first", `{"b": 2, "a": [1, 2.50]}`), row(schemas.AgentNumeric, "second", `{}`)}
		logic := []schemas.Result{row(schemas.AgentLogic, "third", `{"claim":"up 12%"}`)}
		var sent []schemas.Result
		for _, rows := range [][]schemas.Result{numeric, logic} {
			ev, err := s.AgentFinished(ctx, id, "", store.AgentOutcome{AgentID: rows[0].AgentID, Status: schemas.AgentCompleted, Rows: rows})
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, decode(t, []store.Event{ev})[0].Findings...)
		}
		all, err := s.Results(ctx, "", id, "")
		if err != nil || len(all) != 3 {
			t.Fatalf("%d rows, %v", len(all), err)
		}
		for i, want := range []string{"first", "second", "third"} {
			if *all[i].Description != want {
				t.Fatalf("row %d is %q: want oldest first", i, *all[i].Description)
			}
		}
		// raw_data comes back byte for byte, and the rows read back are the rows the events sent.
		if string(all[0].RawData) != `{"b": 2, "a": [1, 2.50]}` {
			t.Fatalf("raw_data %s", all[0].RawData)
		}
		got, _ := json.Marshal(all)
		want, _ := json.Marshal(sent)
		if string(got) != string(want) {
			t.Fatalf("stored rows\n%s\ndiffer from the events' findings\n%s", got, want)
		}
		wireTime(t, "result created_at", all[0].CreatedAt)
		if rows, _ := s.Results(ctx, "", id, schemas.AgentLogic); len(rows) != 1 || *rows[0].Description != "third" {
			t.Fatalf("logic rows %+v", rows)
		}
		if rows, err := s.Results(ctx, "", id, schemas.AgentDisclosure); err != nil || rows == nil || len(rows) != 0 {
			t.Fatalf("an agent without rows: %v, %v", rows, err)
		}
		if _, err := s.Results(ctx, "", uuid.NewString(), ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown job: %v", err)
		}
	})
}

func TestEventsAfterWithLimit(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s)
		for i := range 9 {
			if _, err := s.AgentProgress(ctx, id, "", schemas.AgentNumeric, i+1, 9, "step"); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.Events(ctx, id, 3, 4)
		if err != nil || len(evs) != 4 {
			t.Fatalf("%d events, %v", len(evs), err)
		}
		for i, ev := range decode(t, evs) {
			if ev.Seq != int64(4+i) || ev.Type != schemas.EventAgentProgress || *ev.Done != 3+i || ev.JobID != id {
				t.Fatalf("position %d: %+v", i, ev)
			}
			wireTime(t, "timestamp", ev.Timestamp)
		}
		if evs, _ := s.Events(ctx, id, 8, 100); len(evs) != 2 || evs[1].Seq != 10 {
			t.Fatalf("tail: %d events", len(evs))
		}
		if evs, err := s.Events(ctx, id, 10, 100); err != nil || evs == nil || len(evs) != 0 {
			t.Fatalf("after the last: %v, %v", evs, err)
		}
		if evs, err := s.Events(ctx, uuid.NewString(), 0, 100); err != nil || len(evs) != 0 {
			t.Fatalf("unknown job: %v, %v", evs, err)
		}
		job, _ := s.Job(ctx, "", id, false)
		all, _ := s.Events(ctx, id, 0, 100)
		last := decode(t, all[len(all)-1:])[0]
		if job.LastSeq != 10 || !job.UpdatedAt.Equal(last.Timestamp) {
			t.Fatalf("last_seq %d, updated_at %v, last event at %v", job.LastSeq, job.UpdatedAt, last.Timestamp)
		}
	})
}

// TestConcurrentAppendsGetEverySeqOnce appends progress events to one job from many goroutines,
// one at a time and in batches of five, through two stores on one database (two instances):
// the log must hold 1..N with no gap and no duplicate, and each batch must be consecutive.
func TestConcurrentAppendsGetEverySeqOnce(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		instances := []backend{s, s.another(t)}
		id := newJob(t, s)
		ctx := context.Background()
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				st := instances[g%2]
				if g >= 4 {
					for i := 0; i < 25; i += 5 {
						steps := make([]store.Progress, 5)
						for k := range steps {
							steps[k] = store.Progress{Done: i + k, Total: 25, Message: "batch"}
						}
						evs, err := st.AgentProgressBatch(ctx, id, "", schemas.AgentNumeric, steps)
						if err != nil || len(evs) != 5 {
							t.Errorf("goroutine %d: %d events, %v", g, len(evs), err)
							return
						}
						for k := range evs {
							if evs[k].Seq != evs[0].Seq+int64(k) {
								t.Errorf("goroutine %d: a batch got seqs %d then %d", g, evs[0].Seq, evs[k].Seq)
							}
						}
					}
					return
				}
				for i := range 25 {
					if _, err := st.AgentProgress(ctx, id, "", schemas.AgentNumeric, i, 25, "g"); err != nil {
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
		if job, _ := s.Job(ctx, "", id, false); job.LastSeq != 201 {
			t.Fatalf("last_seq %d", job.LastSeq)
		}
	})
}

func TestFinishJobHappensOnce(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		id := newJob(t, s)
		ctx := context.Background()
		if _, err := s.FinishJob(ctx, id, "", schemas.JobCompleted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishJob(ctx, id, "", schemas.JobFailed, "again"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second finish: %v, want ErrConflict", err)
		}
		if err := s.RequestCancel(ctx, id); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("cancel after finish: %v, want ErrConflict", err)
		}
		job, _ := s.Job(ctx, "", id, false)
		if job.Status != schemas.JobCompleted || job.LastSeq != 2 || job.Agents[schemas.AgentNumeric] != schemas.AgentFailed {
			t.Fatalf("job %+v", job)
		}
		if _, err := s.FinishJob(ctx, uuid.NewString(), "", schemas.JobCompleted, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finish unknown: %v", err)
		}
	})
}

// TestClaimAndCancelQueuedRace lets a claim and a cancel of the same queued job race, from two
// instances: exactly one of them wins, and the job ends in the matching state.
func TestClaimAndCancelQueuedRace(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		other := s.another(t)
		ctx := context.Background()
		for range 50 {
			id := newJob(t, s)
			var claimed string
			var cancelErr error
			var wg sync.WaitGroup
			wg.Go(func() { claimed, _ = other.Claim(ctx, "B", time.Hour, time.Minute) })
			wg.Go(func() { _, cancelErr = s.CancelQueued(ctx, id) })
			wg.Wait()
			job, _ := s.Job(ctx, "", id, false)
			switch {
			case claimed == id && errors.Is(cancelErr, store.ErrConflict):
				if job.Status != schemas.JobProcessing {
					t.Fatalf("claimed job is %s", job.Status)
				}
				s.FinishJob(ctx, id, "B", schemas.JobCompleted, "")
			case claimed == "" && cancelErr == nil:
				if job.Status != schemas.JobCancelled || job.Agents[schemas.AgentNumeric] != schemas.AgentCancelled {
					t.Fatalf("cancelled job %+v", job)
				}
			default:
				t.Fatalf("claim %q and cancel %v both won or both lost", claimed, cancelErr)
			}
		}
	})
}

func TestCancelQueuedAndRunning(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		running := newJob(t, s)
		if id, _ := s.Claim(ctx, "A", time.Hour, time.Minute); id != running {
			t.Fatalf("claimed %s", id)
		}
		queued := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic)

		if err := s.RequestCancel(ctx, queued); err != nil {
			t.Fatal(err)
		}
		ev, err := s.CancelQueued(ctx, queued)
		if err != nil {
			t.Fatal(err)
		}
		done := decode(t, []store.Event{ev})[0]
		job, _ := s.Job(ctx, "", queued, false)
		if done.Type != schemas.EventAuditComplete || done.Status != schemas.JobCancelled || done.Seq != 2 ||
			job.Status != schemas.JobCancelled || job.FinishedAt == nil ||
			fmt.Sprint(job.Agents) != "map[logic_consistency:cancelled numeric_validation:cancelled]" {
			t.Fatalf("cancelled queued job %+v, event %s", job, ev.Data)
		}
		wireTime(t, "finished_at", *job.FinishedAt)
		if _, err := s.CancelQueued(ctx, queued); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("cancel a cancelled job: %v", err)
		}

		if err := s.RequestCancel(ctx, running); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelQueued(ctx, running); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CancelQueued on a running job: %v", err)
		}
		st, err := s.RunState(ctx, running)
		if err != nil || !st.CancelRequested || st.Job.Status != schemas.JobProcessing {
			t.Fatalf("running job after cancel request: %+v, %v", st, err)
		}
		if _, err := s.FinishJob(ctx, running, "A", schemas.JobCancelled, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestCancel(ctx, running); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("cancel a finished job: %v", err)
		}
		if err := s.RequestCancel(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cancel unknown: %v", err)
		}
		if _, err := s.CancelQueued(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("CancelQueued unknown: %v", err)
		}
	})
}

// TestRunStateDeadlineAndResume: a claim stores the deadline RunState reports; once its lease is
// released, a processing job is resumed before a newer queued one, and a finished job never is.
func TestRunStateDeadlineAndResume(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a, b, c := newJob(t, s), newJob(t, s), newJob(t, s)
		if st, _ := s.RunState(ctx, a); !st.Deadline.IsZero() || st.CancelRequested {
			t.Fatalf("queued job has a deadline or a cancel: %+v", st)
		}
		before := time.Now()
		s.Claim(ctx, "A", time.Hour, 90*time.Second)
		s.Claim(ctx, "A", time.Hour, 90*time.Second)
		after := time.Now()
		if _, err := s.FinishJob(ctx, b, "A", schemas.JobCompleted, ""); err != nil {
			t.Fatal(err)
		}
		st, err := s.RunState(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := before.Add(90*time.Second).Add(-time.Microsecond), after.Add(90*time.Second)
		if st.Deadline.Before(lo) || st.Deadline.After(hi) || st.Deadline.Location() != time.UTC {
			t.Fatalf("deadline %v, want between %v and %v", st.Deadline, lo, hi)
		}
		if st.Job.ID != a || st.Job.Status != schemas.JobProcessing || len(st.Updated) != 1 {
			t.Fatalf("run state %+v", st)
		}
		wireTime(t, "agent run updated", st.Updated[schemas.AgentNumeric])
		// What a restart resumes: A stops and releases its jobs; the next claims take the
		// processing job, then the queued one, and never the finished one.
		if err := s.ReleaseLease(ctx, a, "A"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLease(ctx, b, "A"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("release a finished job: %v, want ErrLeaseLost", err)
		}
		var claimed []string
		for range 3 {
			id, err := s.Claim(ctx, "B", time.Hour, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			claimed = append(claimed, id)
		}
		if fmt.Sprint(claimed) != fmt.Sprint([]string{a, c, ""}) {
			t.Fatalf("claimed %q, want a then c (a=%s b=%s c=%s)", claimed, a, b, c)
		}
		if again, _ := s.RunState(ctx, a); !again.Deadline.Equal(st.Deadline) {
			t.Fatalf("the resumed job's deadline moved from %v to %v", st.Deadline, again.Deadline)
		}
		if _, err := s.RunState(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("run state of unknown job: %v", err)
		}
	})
}

// TestAgentLifecycle follows one job through its agents to audit_complete and checks each
// event and the job as a client reads it.
func TestAgentLifecycle(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic, schemas.AgentDisclosure)
		// A lease that runs out at once: at the end, only the job's status keeps Claim off it.
		if got, _ := s.Claim(ctx, "A", time.Millisecond, time.Minute); got != id {
			t.Fatalf("claimed %q", got)
		}
		if _, err := s.AgentStarted(ctx, id, "A", schemas.AgentNumeric); err != nil {
			t.Fatal(err)
		}
		if job, _ := s.Job(ctx, "", id, false); job.Agents[schemas.AgentNumeric] != schemas.AgentRunning {
			t.Fatalf("agents %v", job.Agents)
		}
		if _, err := s.AgentProgress(ctx, id, "A", schemas.AgentNumeric, 1, 2, "table 1 of 2"); err != nil {
			t.Fatal(err)
		}
		sev := "medium"
		row := schemas.Result{ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentNumeric, Category: "numeric",
			Severity: &sev, SourceRefs: []string{}, RawData: json.RawMessage(`{}`), CreatedAt: time.Now()}
		if _, err := s.AgentFinished(ctx, id, "A", store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: []schemas.Result{row}}); err != nil {
			t.Fatal(err)
		}
		// A cancelled agent stores its status only.
		if ev, err := s.AgentFinished(ctx, id, "A", store.AgentOutcome{AgentID: schemas.AgentLogic, Status: schemas.AgentCancelled}); err != nil || ev.Seq != 0 {
			t.Fatalf("cancelled agent: %+v, %v", ev, err)
		}
		if _, err := s.AgentStarted(ctx, id, "A", "no_such_agent"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown agent: %v", err)
		}
		if _, err := s.AgentStarted(ctx, uuid.NewString(), "A", schemas.AgentNumeric); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown job: %v", err)
		}
		ev, err := s.FinishJob(ctx, id, "A", schemas.JobFailed, "job timed out")
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := s.Events(ctx, id, 0, 100)
		got := decode(t, evs)
		var types []string
		for _, e := range got {
			types = append(types, e.Type)
		}
		if strings.Join(types, " ") != "job_queued agent_started agent_progress agent_completed audit_complete" {
			t.Fatalf("log %v", types)
		}
		if p := got[2]; *p.Done != 1 || *p.Total != 2 || p.Message != "table 1 of 2" || p.AgentID != schemas.AgentNumeric {
			t.Fatalf("agent_progress %s", evs[2].Data)
		}
		end := got[4]
		if end.Seq != ev.Seq || end.Status != schemas.JobFailed || *end.Summary != (schemas.Summary{Findings: 1, Medium: 1}) {
			t.Fatalf("audit_complete %s", ev.Data)
		}
		job, _ := s.Job(ctx, "", id, false)
		if job.Status != schemas.JobFailed || job.ErrorMessage == nil || *job.ErrorMessage != "job timed out" ||
			job.Summary != (schemas.Summary{Findings: 1, Medium: 1}) || job.LastSeq != 5 || job.FinishedAt == nil ||
			!job.UpdatedAt.Equal(end.Timestamp) ||
			fmt.Sprint(job.Agents) != "map[disclosure_compliance:failed logic_consistency:cancelled numeric_validation:completed]" {
			t.Fatalf("finished job %+v", job)
		}
		if err := schemas.Validate(job); err != nil {
			t.Fatalf("finished job breaks its schema: %v", err)
		}
		leaseRunsOut()
		if got, err := s.Claim(ctx, "B", time.Hour, time.Minute); got != "" || err != nil {
			t.Fatalf("finished job claimed again: %q, %v", got, err)
		}
	})
}

func TestAgentFinishedStoresRowsAndEventTogether(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		id := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic)
		ctx := context.Background()
		sev, desc := "high", "Total revenue does not cast"
		msg := "boom"
		rows := []schemas.Result{{
			ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentNumeric, Category: "numeric",
			Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1"}, RawData: json.RawMessage(`{"table":1}`),
		}}
		if _, err := s.AgentFinished(ctx, id, "", store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: rows}); err != nil {
			t.Fatal(err)
		}
		errRow := schemas.Result{ID: uuid.NewString(), JobID: id, AgentID: schemas.AgentLogic, Category: "logic", Error: &msg, SourceRefs: []string{}}
		if _, err := s.AgentFinished(ctx, id, "", store.AgentOutcome{AgentID: schemas.AgentLogic, Status: schemas.AgentFailed, Error: msg, Rows: []schemas.Result{errRow}}); err != nil {
			t.Fatal(err)
		}
		// A row that breaks its schema is refused and nothing of that outcome is stored.
		bad := "critical"
		badRow := rows[0]
		badRow.ID, badRow.Severity = uuid.NewString(), &bad
		if _, err := s.AgentFinished(ctx, id, "", store.AgentOutcome{AgentID: schemas.AgentNumeric, Status: schemas.AgentCompleted, Rows: []schemas.Result{badRow}}); err == nil {
			t.Fatal("invalid row stored")
		}
		got, _ := s.Results(ctx, "", id, "")
		job, _ := s.Job(ctx, "", id, false)
		if len(got) != 2 || job.Summary != (schemas.Summary{Findings: 1, High: 1, Errors: 1}) || job.LastSeq != 3 {
			t.Fatalf("rows %d, summary %+v, last seq %d", len(got), job.Summary, job.LastSeq)
		}
		if string(got[1].RawData) != "{}" || *got[1].Error != msg {
			t.Fatalf("error row %+v", got[1])
		}
		evs, _ := s.Events(ctx, id, 1, 10)
		var done schemas.Event
		json.Unmarshal(evs[0].Data, &done)
		if done.Type != schemas.EventAgentCompleted || len(done.Findings) != 1 || *done.Findings[0].Description != desc {
			t.Fatalf("agent_completed %s", evs[0].Data)
		}
		var failed schemas.Event
		json.Unmarshal(evs[1].Data, &failed)
		if failed.Type != schemas.EventAgentError || failed.Error != msg || failed.AgentID != schemas.AgentLogic {
			t.Fatalf("agent_error %s", evs[1].Data)
		}
	})
}

// TestProgressBatch: a batch is stored as one event per step, in order, with consecutive seqs;
// an empty batch stores nothing; a batch for an unknown job, or from an owner that does not hold
// the job's lease, stores nothing and says why.
func TestProgressBatch(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := newJob(t, s)
		steps := []store.Progress{{Done: 1, Total: 3, Message: "one"}, {Done: 2, Total: 3, Message: "two"}, {Done: 3, Total: 3, Message: "three"}}
		evs, err := s.AgentProgressBatch(ctx, id, "", schemas.AgentNumeric, steps)
		if err != nil || len(evs) != 3 {
			t.Fatalf("%d events, %v", len(evs), err)
		}
		stored, err := s.Events(ctx, id, 1, 10)
		if err != nil || len(stored) != 3 {
			t.Fatalf("stored %d, %v", len(stored), err)
		}
		for i, e := range stored {
			var ev schemas.Event
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				t.Fatal(err)
			}
			if e.Seq != int64(2+i) || ev.Seq != e.Seq || *ev.Done != i+1 || ev.Message != steps[i].Message || string(evs[i].Data) != string(e.Data) {
				t.Fatalf("event %d: seq %d, returned %s, stored %s", i, e.Seq, evs[i].Data, e.Data)
			}
		}
		if evs, err := s.AgentProgressBatch(ctx, id, "", schemas.AgentNumeric, nil); err != nil || len(evs) != 0 {
			t.Fatalf("empty batch: %d events, %v", len(evs), err)
		}
		if _, err := s.AgentProgressBatch(ctx, uuid.Must(uuid.NewV7()).String(), "", schemas.AgentNumeric, steps); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown job: %v", err)
		}
		if _, err := s.AgentProgressBatch(ctx, id, "someone", schemas.AgentNumeric, steps); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("owner without the lease: %v", err)
		}
		if job, _ := s.Job(ctx, "", id, false); job.LastSeq != 4 {
			t.Fatalf("last_seq %d after refused batches, want 4", job.LastSeq)
		}
	})
}
