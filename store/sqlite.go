package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// SQLite is the embedded store: one database file in WAL mode, one writer connection (SQLite
// serialises writers anyway; a single connection avoids busy retries) and a pool of readers, so
// replays and listings never wait behind a write.
type SQLite struct {
	w *sql.DB
	r *sql.DB
}

// OpenSQLite opens (and creates, if needed) the database file at path.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		// NORMAL in WAL mode survives a crash of the process (the WAL is in the OS's hands as
		// soon as a commit returns); only a power loss could lose the last commits.
		"synchronous(NORMAL)",
		"foreign_keys(ON)",
	} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrateSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &SQLite{w: w, r: r}, nil
}

// migrateSQLite applies the migrations the file has not recorded, in one write transaction.
// Each applied version is recorded in schema_migrations, as on PostgreSQL, so a file numbered
// below one already applied (a branch developed in parallel) is still applied once it arrives;
// PRAGMA user_version keeps the highest version, and a file from before schema_migrations has
// every version up to its user_version counted as applied. The writer begins IMMEDIATE, so a
// second process opening the same file waits for the first to finish instead of applying the
// same files again.
func migrateSQLite(ctx context.Context, w *sql.DB) error {
	ms, err := migrations("sqlite")
	if err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var current int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	var tracked int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tracked); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	if tracked == 0 {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, m := range ms {
			if m.version > current {
				break
			}
			applied[m.version] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
				return fmt.Errorf("migrate: record %s: %w", m.name, err)
			}
		}
	} else {
		rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("migrate: read versions: %w", err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("migrate: read versions: %w", err)
			}
			applied[v] = true
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("migrate: read versions: %w", err)
		}
	}
	changed := tracked == 0
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
		current, changed = max(current, m.version), true
	}
	if !changed {
		return nil
	}
	// PRAGMA takes no parameters; current is a number this code produced.
	if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(current)); err != nil {
		return fmt.Errorf("migrate: record version: %w", err)
	}
	return tx.Commit()
}

// Close closes both pools.
func (s *SQLite) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks the database file answers, for /api/health.
func (s *SQLite) Ping(ctx context.Context) error {
	var n int
	return s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM jobs LIMIT 1)").Scan(&n)
}

func now() int64 { return time.Now().UTC().UnixNano() }

func toTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// tx runs fn in one write transaction.
func (s *SQLite) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// appendEvent gives ev the job's next seq, validates it and stores it, inside tx. The event's
// JSON is encoded once here; the hub and every replay send these bytes as they are.
func appendEvent(ctx context.Context, tx *sql.Tx, ev *schemas.Event) (Event, error) {
	ts := time.Now().UTC()
	if err := tx.QueryRowContext(ctx,
		`UPDATE jobs SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq`,
		ts.UnixNano(), ev.JobID).Scan(&ev.Seq); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Event{}, ErrNotFound
		}
		return Event{}, fmt.Errorf("next seq: %w", err)
	}
	ev.Timestamp = ts
	if err := schemas.Validate(ev); err != nil {
		return Event{}, err
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return Event{}, fmt.Errorf("encode event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (job_id, seq, data) VALUES (?, ?, ?)`,
		ev.JobID, ev.Seq, data); err != nil {
		return Event{}, fmt.Errorf("insert event: %w", err)
	}
	return Event{JobID: ev.JobID, Seq: ev.Seq, Data: data}, nil
}

// CreateJob stores the job, its document, its agents' pending runs and its job_queued event in
// one transaction: once it returns, the job survives a crash and the runner will pick it up.
func (s *SQLite) CreateJob(ctx context.Context, nj NewJob) (schemas.Job, Event, error) {
	extracted, err := json.Marshal(nj.Extracted)
	if err != nil {
		return schemas.Job{}, Event{}, fmt.Errorf("create job: encode document: %w", err)
	}
	agents, _ := json.Marshal(nj.EnabledAgents)
	var ev Event
	err = s.tx(ctx, func(tx *sql.Tx) error {
		t := now()
		if k := nj.Idempotency; k != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`,
				t-IdempotencyTTL.Nanoseconds()); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx,
				`INSERT INTO idempotency_keys (tenant, key, job_id, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)
				 ON CONFLICT (tenant, key) DO NOTHING`, k.Tenant, k.Key, nj.ID, k.Fingerprint, t)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errors.Join(ErrDuplicateKey, err)
			}
		}
		var number int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO job_numbers DEFAULT VALUES RETURNING n`).Scan(&number); err != nil {
			return err
		}
		name := nj.Name
		if name == "" {
			name = "Report #" + strconv.FormatInt(number, 10)
		}
		status, runStatus := schemas.JobQueued, schemas.AgentPending
		if nj.Synthetic {
			status, runStatus = schemas.JobProcessing, schemas.AgentCompleted
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO jobs (id, tenant, number, name, status, enabled_agents, created_at, updated_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			nj.ID, nj.Tenant, number, name, status, string(agents), t, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO documents (id, job_id, filename, content_type, size_bytes, sha256, storage_path,
			                        content, markdown, extracted, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			newID(), nj.ID, nj.Filename, nj.ContentType, len(nj.Content), nj.SHA256,
			"jobs/"+nj.ID+"/"+nj.Filename, nj.Content, nj.Extracted.Markdown, string(extracted), t); err != nil {
			return err
		}
		for i, a := range nj.EnabledAgents {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO agent_runs (job_id, agent_id, position, status, updated_at) VALUES (?, ?, ?, ?, ?)`,
				nj.ID, a, i, runStatus, t); err != nil {
				return err
			}
		}
		var err error
		ev, err = appendEvent(ctx, tx, &schemas.Event{
			Type: schemas.EventJobQueued, JobID: nj.ID, EnabledAgents: nj.EnabledAgents,
		})
		return err
	})
	if err != nil {
		return schemas.Job{}, Event{}, fmt.Errorf("create job: %w", err)
	}
	job, err := s.job(ctx, false, `id = ?`, nj.ID)
	return job, ev, err
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// IdempotentUpload returns what the upload with tenant's Idempotency-Key key made, or
// ErrNotFound when the key is unknown, older than IdempotencyTTL, or its job was deleted.
func (s *SQLite) IdempotentUpload(ctx context.Context, tenant, key string) (Replay, error) {
	var r Replay
	err := s.r.QueryRowContext(ctx,
		`SELECT job_id, fingerprint, response FROM idempotency_keys WHERE tenant = ? AND key = ? AND created_at >= ?`,
		tenant, key, now()-IdempotencyTTL.Nanoseconds()).Scan(&r.JobID, &r.Fingerprint, &r.Response)
	if errors.Is(err, sql.ErrNoRows) {
		return Replay{}, ErrNotFound
	}
	return r, err
}

// SetIdempotentResponse stores the 202 body the upload with tenant's key was answered with, so
// a retry gets the same bytes.
func (s *SQLite) SetIdempotentResponse(ctx context.Context, tenant, key string, body []byte) error {
	_, err := s.w.ExecContext(ctx, `UPDATE idempotency_keys SET response = ? WHERE tenant = ? AND key = ?`, body, tenant, key)
	return err
}

// CountQueued counts the jobs waiting for a worker, in every instance sharing the store.
func (s *SQLite) CountQueued(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE status = ?`, schemas.JobQueued).Scan(&n)
	return n, err
}

const jobColumns = `id, name, status, error_message, enabled_agents, last_seq, findings, high, medium, low, errors,
	created_at, updated_at, finished_at`

type scanner interface{ Scan(...any) error }

func scanJob(row scanner) (schemas.Job, error) {
	var (
		j                schemas.Job
		errMsg           sql.NullString
		agents           string
		created, updated int64
		finished         sql.NullInt64
	)
	if err := row.Scan(&j.ID, &j.Name, &j.Status, &errMsg, &agents, &j.LastSeq,
		&j.Summary.Findings, &j.Summary.High, &j.Summary.Medium, &j.Summary.Low, &j.Summary.Errors,
		&created, &updated, &finished); err != nil {
		return j, err
	}
	if errMsg.Valid {
		j.ErrorMessage = &errMsg.String
	}
	if err := json.Unmarshal([]byte(agents), &j.EnabledAgents); err != nil {
		return j, fmt.Errorf("job %s: enabled_agents: %w", j.ID, err)
	}
	j.CreatedAt, j.UpdatedAt = toTime(created), toTime(updated)
	if finished.Valid {
		t := toTime(finished.Int64)
		j.FinishedAt = &t
	}
	j.Agents = map[string]string{}
	j.Documents = []schemas.Document{}
	return j, nil
}

// Job loads one of tenant's jobs with its agents' statuses and its documents; withText includes
// the extracted markdown. Another tenant's job is ErrNotFound.
func (s *SQLite) Job(ctx context.Context, tenant, id string, withText bool) (schemas.Job, error) {
	return s.job(ctx, withText, `id = ? AND tenant = ?`, id, tenant)
}

// job loads the job that where (a condition on jobs, with args) selects.
func (s *SQLite) job(ctx context.Context, withText bool, where string, args ...any) (schemas.Job, error) {
	j, err := scanJob(s.r.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("load job %v: %w", args[0], err)
	}
	jobs := []*schemas.Job{&j}
	if err := s.fillJobs(ctx, jobs, withText); err != nil {
		return j, err
	}
	return j, nil
}

// Jobs lists tenant's jobs newest first; before, when set, is the id of the last job of the
// previous page (ErrNotFound unless it is tenant's). It returns one job more than limit when
// more exist, for the caller's Link header.
func (s *SQLite) Jobs(ctx context.Context, tenant string, limit int, before string) ([]schemas.Job, error) {
	query := `SELECT ` + jobColumns + ` FROM jobs WHERE tenant = ? ORDER BY number DESC LIMIT ?`
	args := []any{tenant, limit + 1}
	if before != "" {
		var number int64
		err := s.r.QueryRowContext(ctx, `SELECT number FROM jobs WHERE id = ? AND tenant = ?`, before, tenant).Scan(&number)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		query = `SELECT ` + jobColumns + ` FROM jobs WHERE tenant = ? AND number < ? ORDER BY number DESC LIMIT ?`
		args = []any{tenant, number, limit + 1}
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	jobs := []schemas.Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	ptrs := make([]*schemas.Job, len(jobs))
	for i := range jobs {
		ptrs[i] = &jobs[i]
	}
	return jobs, s.fillJobs(ctx, ptrs, false)
}

// fillJobs loads the agent statuses and documents of jobs with two queries in all.
func (s *SQLite) fillJobs(ctx context.Context, jobs []*schemas.Job, withText bool) error {
	if len(jobs) == 0 {
		return nil
	}
	byID := make(map[string]*schemas.Job, len(jobs))
	args := make([]any, len(jobs))
	for i, j := range jobs {
		byID[j.ID] = j
		args[i] = j.ID
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(jobs)), ",") + ")"
	rows, err := s.r.QueryContext(ctx, `SELECT job_id, agent_id, status FROM agent_runs WHERE job_id IN `+in, args...)
	if err != nil {
		return fmt.Errorf("load agent runs: %w", err)
	}
	for rows.Next() {
		var jobID, agentID, status string
		if err := rows.Scan(&jobID, &agentID, &status); err != nil {
			rows.Close()
			return fmt.Errorf("load agent runs: %w", err)
		}
		byID[jobID].Agents[agentID] = status
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load agent runs: %w", err)
	}
	text := "NULL"
	if withText {
		text = "markdown"
	}
	rows, err = s.r.QueryContext(ctx, `SELECT id, job_id, filename, content_type, size_bytes, sha256, storage_path, `+
		text+`, created_at FROM documents WHERE job_id IN `+in+` ORDER BY created_at`, args...)
	if err != nil {
		return fmt.Errorf("load documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			d       schemas.Document
			md      sql.NullString
			created int64
		)
		if err := rows.Scan(&d.ID, &d.JobID, &d.Filename, &d.ContentType, &d.SizeBytes, &d.SHA256, &d.GCSPath,
			&md, &created); err != nil {
			return fmt.Errorf("load documents: %w", err)
		}
		if md.Valid {
			d.ExtractedText = &md.String
		}
		d.CreatedAt = toTime(created)
		j := byID[d.JobID]
		j.Documents = append(j.Documents, d)
	}
	return rows.Err()
}

// RenameJob sets the name of one of tenant's jobs.
func (s *SQLite) RenameJob(ctx context.Context, tenant, id, name string) (schemas.Job, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE jobs SET name = ?, updated_at = ? WHERE id = ? AND tenant = ?`, name, now(), id, tenant)
	if err != nil {
		return schemas.Job{}, fmt.Errorf("rename job %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return schemas.Job{}, ErrNotFound
	}
	return s.Job(ctx, tenant, id, false)
}

// DeleteJob removes one of tenant's jobs with its document, results, events and tickets.
func (s *SQLite) DeleteJob(ctx context.Context, tenant, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM jobs WHERE id = ? AND tenant = ?`, id, tenant)
	if err != nil {
		return fmt.Errorf("delete job %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CountJobs counts every stored job.
func (s *SQLite) CountJobs(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`).Scan(&n)
	return n, err
}

// Results lists the result rows of one of tenant's jobs, oldest first; agentID, when set, keeps
// that agent's rows.
func (s *SQLite) Results(ctx context.Context, tenant, jobID, agentID string) ([]schemas.Result, error) {
	var exists int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = ? AND tenant = ?`, jobID, tenant).Scan(&exists); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load results of %s: %w", jobID, err)
	}
	query := `SELECT id, job_id, agent_id, category, severity, description, reasoning, source_refs, error, raw_data, created_at
		FROM results WHERE job_id = ?`
	args := []any{jobID}
	if agentID != "" {
		query += ` AND agent_id = ?`
		args = append(args, agentID)
	}
	rows, err := s.r.QueryContext(ctx, query+` ORDER BY ord`, args...)
	if err != nil {
		return nil, fmt.Errorf("load results of %s: %w", jobID, err)
	}
	defer rows.Close()
	out := []schemas.Result{}
	for rows.Next() {
		var (
			r                         schemas.Result
			sev, desc, reason, errMsg sql.NullString
			refs, raw                 string
			created                   int64
		)
		if err := rows.Scan(&r.ID, &r.JobID, &r.AgentID, &r.Category, &sev, &desc, &reason, &refs, &errMsg, &raw, &created); err != nil {
			return nil, fmt.Errorf("load results of %s: %w", jobID, err)
		}
		r.Severity, r.Description, r.Reasoning, r.Error = nullable(sev), nullable(desc), nullable(reason), nullable(errMsg)
		if err := json.Unmarshal([]byte(refs), &r.SourceRefs); err != nil {
			return nil, fmt.Errorf("load results of %s: source_refs: %w", jobID, err)
		}
		r.RawData = json.RawMessage(raw)
		r.CreatedAt = toTime(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// Events reads a job's log after seq `after`, at most limit events, ascending.
func (s *SQLite) Events(ctx context.Context, jobID string, after int64, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT seq, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`, jobID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("load events of %s: %w", jobID, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e := Event{JobID: jobID}
		if err := rows.Scan(&e.Seq, &e.Data); err != nil {
			return nil, fmt.Errorf("load events of %s: %w", jobID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// JobExists reports whether a job with that id is stored, whoever's it is: for the event log's
// readers (the hub, the admin listener), never for an answer to a tenant (see HasJob).
func (s *SQLite) JobExists(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// HasJob reports whether tenant has a job with that id.
func (s *SQLite) HasJob(ctx context.Context, tenant, id string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = ? AND tenant = ?`, id, tenant).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// CreateTicket stores a stream ticket, by its hash, for one of tenant's jobs, valid for ttl, and
// returns when it expires. It returns ErrNotFound when tenant has no such job. Tickets that
// expired are swept here, so the table holds about one minute's worth.
func (s *SQLite) CreateTicket(ctx context.Context, tenant, jobID, hash string, ttl time.Duration) (time.Time, error) {
	t := now()
	expires := t + int64(ttl)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stream_tickets WHERE expires_at <= ?`, t); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx,
			`INSERT INTO stream_tickets (hash, job_id, tenant, expires_at)
			 SELECT ?, id, tenant, ? FROM jobs WHERE id = ? AND tenant = ?`, hash, expires, jobID, tenant)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("stream ticket for job %s: %w", jobID, err)
	}
	return toTime(expires), nil
}

// UseTicket takes the ticket with that hash out of the store and returns what it was for: each
// ticket is used once, whatever the caller then decides. An unknown or used ticket is ErrNotFound.
func (s *SQLite) UseTicket(ctx context.Context, hash string) (Ticket, error) {
	var (
		tk      Ticket
		expires int64
	)
	err := s.w.QueryRowContext(ctx, `DELETE FROM stream_tickets WHERE hash = ? RETURNING job_id, tenant, expires_at`, hash).
		Scan(&tk.JobID, &tk.Tenant, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return tk, ErrNotFound
	}
	if err != nil {
		return tk, fmt.Errorf("use stream ticket: %w", err)
	}
	tk.Expired = expires <= now()
	return tk, nil
}

// ---- the runner's side ----

// Claim takes the oldest job no one is running: a queued job, or a processing job whose lease
// ran out (its owner stopped renewing: it died, or released the job). owner then holds it until
// now+lease and keeps it by calling RenewLease; the job must finish within timeout of its first
// claim (a job taken over keeps its deadline). It returns "" when there is nothing to claim.
//
// A processing job without a lease is never taken: a synthetic load job starts so, because no
// worker runs it. Jobs an earlier version left processing without a lease (claimed by the
// lease-less ClaimNext) were given an already expired lease by migration 0003, once, rather
// than matched here by lease_until IS NULL, which would also take the synthetic jobs.
//
// SQLite serves one process, whose single writer connection makes every claim atomic; its
// leases follow the same rules as PostgreSQL's, so a runner written against leases behaves the
// same on both.
func (s *SQLite) Claim(ctx context.Context, owner string, lease, timeout time.Duration) (string, error) {
	if owner == "" || lease <= 0 {
		return "", errors.New("claim job: want an owner and a positive lease")
	}
	var id string
	t := now()
	// The statuses are literals so the planner can use the partial index jobs_claimable.
	err := s.w.QueryRowContext(ctx,
		`UPDATE jobs SET status = 'processing', claimed_by = ?, lease_until = ?, deadline = COALESCE(deadline, ?),
		                 updated_at = ?
		 WHERE id = (SELECT id FROM jobs
		             WHERE status IN ('queued', 'processing') AND (status = 'queued' OR lease_until <= ?)
		             ORDER BY number LIMIT 1)
		 RETURNING id`, owner, t+int64(lease), t+int64(timeout), t, t).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("claim job: %w", err)
	}
	return id, nil
}

// RenewLease extends owner's lease on a processing job to now+lease and returns whether a
// cancel was requested, so the owner learns of a cancel asked through any instance. A lease
// that ran out is still renewed while no one else has claimed the job. It returns ErrLeaseLost
// when another owner holds the job or it is no longer processing (with ErrNotFound as well when
// it was deleted).
func (s *SQLite) RenewLease(ctx context.Context, jobID, owner string, lease time.Duration) (bool, error) {
	var cancel bool
	err := s.w.QueryRowContext(ctx,
		`UPDATE jobs SET lease_until = ? WHERE id = ? AND status = ? AND claimed_by = ? RETURNING cancel_requested`,
		now()+int64(lease), jobID, schemas.JobProcessing, owner).Scan(&cancel)
	if errors.Is(err, sql.ErrNoRows) {
		err = lostLease(s.JobExists(ctx, jobID))
	}
	if err != nil {
		return false, fmt.Errorf("renew lease of job %s: %w", jobID, err)
	}
	return cancel, nil
}

// ReleaseLease gives up owner's lease at once, for a graceful shutdown: the job stays
// processing and the next Claim, here or in another instance, takes it over and resumes it.
// It returns ErrLeaseLost when owner did not hold the job.
func (s *SQLite) ReleaseLease(ctx context.Context, jobID, owner string) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE jobs SET claimed_by = NULL, lease_until = ? WHERE id = ? AND status = ? AND claimed_by = ?`,
		now(), jobID, schemas.JobProcessing, owner)
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 {
			err = lostLease(s.JobExists(ctx, jobID))
		}
	}
	if err != nil {
		return fmt.Errorf("release lease of job %s: %w", jobID, err)
	}
	return nil
}

// lostLease is the error for a lease the caller does not hold, given whether the job exists:
// ErrLeaseLost, and ErrNotFound too when the job is gone.
func lostLease(exists bool, err error) error {
	switch {
	case err != nil:
		return err
	case !exists:
		return fmt.Errorf("%w: %w", ErrLeaseLost, ErrNotFound)
	}
	return ErrLeaseLost
}

// RunState loads a job for the runner, with the cancel flag.
func (s *SQLite) RunState(ctx context.Context, id string) (RunState, error) {
	var st RunState
	j, err := s.job(ctx, false, `id = ?`, id)
	if err != nil {
		return st, err
	}
	st.Job = j
	var deadline sql.NullInt64
	err = s.r.QueryRowContext(ctx, `SELECT cancel_requested, deadline FROM jobs WHERE id = ?`, id).Scan(&st.CancelRequested, &deadline)
	if err != nil {
		return st, err
	}
	if deadline.Valid {
		st.Deadline = toTime(deadline.Int64)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT agent_id, updated_at FROM agent_runs WHERE job_id = ?`, id)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	st.Updated = map[string]time.Time{}
	for rows.Next() {
		var agent string
		var at int64
		if err := rows.Scan(&agent, &at); err != nil {
			return st, err
		}
		st.Updated[agent] = toTime(at)
	}
	return st, rows.Err()
}

// Document loads the extracted document of a job.
func (s *SQLite) Document(ctx context.Context, jobID string) (*extract.Document, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT extracted FROM documents WHERE job_id = ? ORDER BY created_at LIMIT 1`, jobID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load document of %s: %w", jobID, err)
	}
	var doc extract.Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return nil, fmt.Errorf("load document of %s: %w", jobID, err)
	}
	return &doc, nil
}

// DocumentFile returns the uploaded file of one of tenant's jobs, as it was uploaded; a job
// that is not tenant's is ErrNotFound.
func (s *SQLite) DocumentFile(ctx context.Context, tenant, jobID string) ([]byte, error) {
	var content []byte
	err := s.r.QueryRowContext(ctx, `SELECT d.content FROM documents d JOIN jobs j ON j.id = d.job_id
		WHERE d.job_id = ? AND j.tenant = ? ORDER BY d.created_at LIMIT 1`, jobID, tenant).Scan(&content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load the document file of %s: %w", jobID, err)
	}
	return content, nil
}

// RequestCancel records that the job should stop. It returns ErrConflict, changing nothing,
// when the job has already finished.
func (s *SQLite) RequestCancel(ctx context.Context, id string) error {
	var status string
	err := s.w.QueryRowContext(ctx,
		`UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status IN (?, ?) RETURNING status`,
		now(), id, schemas.JobQueued, schemas.JobProcessing).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		if ok, err := s.JobExists(ctx, id); err != nil || !ok {
			if err == nil {
				err = ErrNotFound
			}
			return err
		}
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	return nil
}

// jobStatus reads the job's status inside tx and checks that owner may change the job (see
// fence). The write transaction began IMMEDIATE, so nothing changes the row before tx ends.
func jobStatus(ctx context.Context, tx *sql.Tx, jobID, owner string) (string, error) {
	var status, claimedBy string
	err := tx.QueryRowContext(ctx, `SELECT status, COALESCE(claimed_by, '') FROM jobs WHERE id = ?`, jobID).
		Scan(&status, &claimedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return status, fence(status, claimedBy, owner)
}

// AgentStarted marks an agent running and appends agent_started. A non-empty owner must hold
// the job's lease, or nothing changes and the error is ErrLeaseLost.
func (s *SQLite) AgentStarted(ctx context.Context, jobID, owner, agentID string) (Event, error) {
	var ev Event
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := jobStatus(ctx, tx, jobID, owner); err != nil {
			return err
		}
		if err := setRun(ctx, tx, jobID, agentID, schemas.AgentRunning); err != nil {
			return err
		}
		var err error
		ev, err = appendEvent(ctx, tx, &schemas.Event{Type: schemas.EventAgentStarted, JobID: jobID, AgentID: agentID})
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("agent %s started on %s: %w", agentID, jobID, err)
	}
	return ev, nil
}

// AgentProgress appends agent_progress. A non-empty owner must hold the job's lease, or nothing
// is appended and the error is ErrLeaseLost; the load generator, which holds none, passes "".
func (s *SQLite) AgentProgress(ctx context.Context, jobID, owner, agentID string, done, total int, message string) (Event, error) {
	evs, err := s.AgentProgressBatch(ctx, jobID, owner, agentID, []Progress{{Done: done, Total: total, Message: message}})
	if err != nil {
		return Event{}, err
	}
	return evs[0], nil
}

// AgentProgressBatch appends one agent_progress per step, in order, in one transaction: a
// producer with several reports at hand pays one commit for all of them. Owner as for
// AgentProgress.
func (s *SQLite) AgentProgressBatch(ctx context.Context, jobID, owner, agentID string, steps []Progress) ([]Event, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	var out []Event
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if owner != "" {
			if _, err := jobStatus(ctx, tx, jobID, owner); err != nil {
				return err
			}
		}
		for _, ev := range progressEvents(jobID, agentID, steps) {
			e, err := appendEvent(ctx, tx, ev)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("agent %s progress on %s: %w", agentID, jobID, err)
	}
	return out, nil
}

func setRun(ctx context.Context, tx *sql.Tx, jobID, agentID, status string) error {
	res, err := tx.ExecContext(ctx, `UPDATE agent_runs SET status = ?, updated_at = ? WHERE job_id = ? AND agent_id = ?`,
		status, now(), jobID, agentID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AgentFinished stores an agent's rows and status and appends agent_completed (with the stored
// rows) or agent_error, in one transaction: a client that sees the event can read the rows. A
// cancelled agent stores its status only and appends no event. A non-empty owner must hold the
// job's lease, or nothing changes and the error is ErrLeaseLost.
func (s *SQLite) AgentFinished(ctx context.Context, jobID, owner string, out AgentOutcome) (Event, error) {
	var ev Event
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := jobStatus(ctx, tx, jobID, owner); err != nil {
			return err
		}
		if err := setRun(ctx, tx, jobID, out.AgentID, out.Status); err != nil {
			return err
		}
		if out.Status == schemas.AgentCancelled {
			return nil
		}
		var sum schemas.Summary
		for _, r := range out.Rows {
			if err := schemas.Validate(r); err != nil {
				return err
			}
			refs, _ := json.Marshal(r.SourceRefs)
			raw := r.RawData
			if len(raw) == 0 {
				raw = json.RawMessage("{}")
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO results (id, job_id, agent_id, category, severity, description, reasoning, source_refs,
				                      error, raw_data, created_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, r.JobID, r.AgentID, r.Category, r.Severity, r.Description, r.Reasoning, string(refs),
				r.Error, string(raw), r.CreatedAt.UnixNano()); err != nil {
				return err
			}
			sum.Add(r)
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE jobs SET findings = findings + ?, high = high + ?, medium = medium + ?, low = low + ?,
			                 errors = errors + ? WHERE id = ?`,
			sum.Findings, sum.High, sum.Medium, sum.Low, sum.Errors, jobID); err != nil {
			return err
		}
		e := &schemas.Event{Type: schemas.EventAgentCompleted, JobID: jobID, AgentID: out.AgentID, Findings: out.Rows}
		if out.Status == schemas.AgentFailed {
			e = &schemas.Event{Type: schemas.EventAgentError, JobID: jobID, AgentID: out.AgentID, Error: out.Error}
		}
		var err error
		ev, err = appendEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("agent %s finished on %s: %w", out.AgentID, jobID, err)
	}
	return ev, nil
}

// FinishJob ends a job: it sets the final status, marks agents that never finished (cancelled
// for a cancelled job, failed otherwise) and appends audit_complete with the summary. It returns
// ErrConflict when the job had already finished, so a job ends exactly once. A non-empty owner
// must hold the job's lease, or nothing changes and the error is ErrLeaseLost.
func (s *SQLite) FinishJob(ctx context.Context, jobID, owner, status, errMsg string) (Event, error) {
	var ev Event
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		ev, err = finish(ctx, tx, jobID, owner, status, errMsg, false)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("finish job %s: %w", jobID, err)
	}
	return ev, nil
}

// CancelQueued ends a job that no worker has claimed yet, as cancelled. It returns ErrConflict
// when the job is no longer queued (a worker claimed it, or it finished).
func (s *SQLite) CancelQueued(ctx context.Context, jobID string) (Event, error) {
	var ev Event
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		ev, err = finish(ctx, tx, jobID, "", schemas.JobCancelled, "", true)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("cancel queued job %s: %w", jobID, err)
	}
	return ev, nil
}

func finish(ctx context.Context, tx *sql.Tx, jobID, owner, status, errMsg string, onlyQueued bool) (Event, error) {
	current, err := jobStatus(ctx, tx, jobID, owner)
	if err != nil {
		return Event{}, err
	}
	if schemas.Finished(current) || (onlyQueued && current != schemas.JobQueued) {
		return Event{}, ErrConflict
	}
	runStatus := schemas.AgentFailed
	if status == schemas.JobCancelled {
		runStatus = schemas.AgentCancelled
	}
	t := now()
	if _, err := tx.ExecContext(ctx,
		`UPDATE agent_runs SET status = ?, updated_at = ? WHERE job_id = ? AND status IN (?, ?)`,
		runStatus, t, jobID, schemas.AgentPending, schemas.AgentRunning); err != nil {
		return Event{}, err
	}
	var msg any
	if errMsg != "" {
		msg = errMsg
	}
	var sum schemas.Summary
	if err := tx.QueryRowContext(ctx,
		`UPDATE jobs SET status = ?, error_message = ?, finished_at = ?, updated_at = ? WHERE id = ?
		 RETURNING findings, high, medium, low, errors`,
		status, msg, t, t, jobID).Scan(&sum.Findings, &sum.High, &sum.Medium, &sum.Low, &sum.Errors); err != nil {
		return Event{}, err
	}
	return appendEvent(ctx, tx, &schemas.Event{
		Type: schemas.EventAuditComplete, JobID: jobID, Status: status, Summary: &sum,
	})
}
