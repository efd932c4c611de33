package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Postgres is the shared store: several instances of the service use one database. It keeps
// the SQLite store's semantics; what SQLite gets from its single writer, Postgres gets from row
// locks. Every transaction that writes more than one row of a job locks the job's row first,
// so writes to one job are serialised in one order (no deadlock) and a seq is handed out under
// that lock: two instances never give one number twice.
type Postgres struct {
	pool *pgxpool.Pool
}

// migrationLockKey is the PostgreSQL advisory lock held while migrations are read and applied,
// the same number in every instance ("veritas" in ASCII), so instances starting together apply
// each migration once, one after the other.
const migrationLockKey int64 = 0x76657269746173

// OpenPostgres connects to the database at rawURL (postgres://user:password@host:port/db?...),
// checks it answers and applies the migrations it lacks. Errors name the problem and the URL
// without its password.
func OpenPostgres(ctx context.Context, rawURL string) (*Postgres, error) {
	shown, reason, password := "(connection string)", "", ""
	if u, err := url.Parse(rawURL); err != nil {
		shown = "(malformed URL)"
		var ue *url.Error
		if errors.As(err, &ue) {
			reason = ue.Err.Error() // what is wrong, without the URL
		}
	} else if u.Scheme == "postgres" || u.Scheme == "postgresql" {
		shown = u.Redacted()
		password, _ = u.User.Password()
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgx redacts passwords in parse errors only as far as it can tell what they are; when
		// the URL itself does not parse, say what is wrong without quoting it.
		switch {
		case reason != "":
		case strings.HasPrefix(shown, "postgres"):
			reason = err.Error()
			if password != "" {
				reason = strings.ReplaceAll(reason, password, "xxxxx")
			}
		default:
			reason = "not a postgres:// URL"
		}
		return nil, &openError{msg: fmt.Sprintf("open postgres %s: invalid connection URL: %s (want postgres://user:password@host:5432/database?sslmode=disable)", shown, reason), err: err}
	}
	fail := func(err error) error {
		return &openError{msg: fmt.Sprintf("open postgres %s: %v", shown, err), err: err}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second // an unreachable host fails the start, not hangs it
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fail(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fail(err)
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, fail(err)
	}
	return &Postgres{pool: pool}, nil
}

// openError keeps the cause for errors.Is while its text is the redacted message.
type openError struct {
	msg string
	err error
}

func (e *openError) Error() string { return e.msg }
func (e *openError) Unwrap() error { return e.err }

// migratePostgres applies the missing migrations in one transaction that first takes the
// advisory lock: a second instance starting at the same moment waits for the lock, then finds
// every migration recorded. DDL is transactional in PostgreSQL, so a failed migration leaves
// nothing half applied.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations("postgres")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("migrate: read versions: %w", err)
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("migrate: read versions: %w", err)
		}
		applied := map[int]bool{}
		for _, v := range done {
			applied[int(v)] = true
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate: %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.version, m.name); err != nil {
				return fmt.Errorf("migrate: record %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// Ping checks the database answers and holds the jobs table, for /api/health.
func (p *Postgres) Ping(ctx context.Context) error {
	_, err := p.pool.Exec(ctx, `SELECT 1 FROM jobs LIMIT 1`)
	return err
}

// pgTime is t as PostgreSQL stores it: UTC, microseconds. Times are cut before they are stored
// and before they go into an event, so the event and the rows agree to the digit.
func pgTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func pgNow() time.Time { return pgTime(time.Now()) }

func (p *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, p.pool, fn)
}

// lockJob locks the job's row for the rest of tx, returns its status and checks that owner may
// change the job (see fence): a claim by another instance either committed before, and is
// seen, or waits for tx. Every multi-row write takes this lock first.
func lockJob(ctx context.Context, tx pgx.Tx, jobID, owner string) (string, error) {
	var status, claimedBy string
	err := tx.QueryRow(ctx, `SELECT status, COALESCE(claimed_by, '') FROM jobs WHERE id = $1 FOR UPDATE`, jobID).
		Scan(&status, &claimedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return status, fence(status, claimedBy, owner)
}

// pgAppendEvent gives ev the job's next seq under the job's row lock, validates it and stores
// it, inside tx; as appendEvent for SQLite.
func pgAppendEvent(ctx context.Context, tx pgx.Tx, ev *schemas.Event) (Event, error) {
	out, err := pgAppendEvents(ctx, tx, []*schemas.Event{ev})
	if err != nil {
		return Event{}, err
	}
	return out[0], nil
}

// pgAppendEvents gives evs (all of one job) the job's next seqs in order and stores them, with
// one statement to take the seqs and one to insert the rows, however many there are.
func pgAppendEvents(ctx context.Context, tx pgx.Tx, evs []*schemas.Event) ([]Event, error) {
	jobID := evs[0].JobID
	ts := pgNow()
	var last int64
	if err := tx.QueryRow(ctx,
		`UPDATE jobs SET last_seq = last_seq + $1, updated_at = $2 WHERE id = $3 RETURNING last_seq`,
		len(evs), ts, jobID).Scan(&last); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("next seq: %w", err)
	}
	out := make([]Event, len(evs))
	seqs := make([]int64, len(evs))
	datas := make([]string, len(evs))
	for i, ev := range evs {
		ev.Seq = last - int64(len(evs)-1-i)
		ev.Timestamp = ts
		if err := schemas.Validate(ev); err != nil {
			return nil, err
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode event: %w", err)
		}
		out[i] = Event{JobID: jobID, Seq: ev.Seq, Data: data}
		seqs[i], datas[i] = ev.Seq, string(data)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (job_id, seq, data) SELECT $1, s, d::json FROM unnest($2::bigint[], $3::text[]) AS e (s, d)`,
		jobID, seqs, datas); err != nil {
		return nil, fmt.Errorf("insert event: %w", err)
	}
	return out, nil
}

// CreateJob stores the job, its document, its agents' pending runs and its job_queued event in
// one transaction.
func (p *Postgres) CreateJob(ctx context.Context, nj NewJob) (schemas.Job, Event, error) {
	extracted, err := json.Marshal(nj.Extracted)
	if err != nil {
		return schemas.Job{}, Event{}, fmt.Errorf("create job: encode document: %w", err)
	}
	var ev Event
	err = p.tx(ctx, func(tx pgx.Tx) error {
		t := pgNow()
		if k := nj.Idempotency; k != nil {
			// The key goes in first: a request racing with one that holds the key waits here for
			// its commit, then finds the key taken before it has taken a job number.
			if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval`,
				IdempotencyTTL.String()); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx,
				`INSERT INTO idempotency_keys (tenant, key, job_id, fingerprint, created_at) VALUES ($1, $2, $3, $4, $5)
				 ON CONFLICT (tenant, key) DO NOTHING`, k.Tenant, k.Key, nj.ID, k.Fingerprint, t)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return ErrDuplicateKey
			}
		}
		var number int64
		if err := tx.QueryRow(ctx, `SELECT nextval('job_numbers')`).Scan(&number); err != nil {
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
		if _, err := tx.Exec(ctx,
			`INSERT INTO jobs (id, tenant, number, name, status, enabled_agents, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			nj.ID, nj.Tenant, number, name, status, nj.EnabledAgents, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO documents (id, job_id, filename, content_type, size_bytes, sha256, storage_path,
			                        content, markdown, extracted, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			newID(), nj.ID, nj.Filename, nj.ContentType, len(nj.Content), nj.SHA256,
			"jobs/"+nj.ID+"/"+nj.Filename, nj.Content, nj.Extracted.Markdown, extracted, t); err != nil {
			return err
		}
		for i, a := range nj.EnabledAgents {
			if _, err := tx.Exec(ctx,
				`INSERT INTO agent_runs (job_id, agent_id, position, status, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				nj.ID, a, i, runStatus, t); err != nil {
				return err
			}
		}
		var err error
		ev, err = pgAppendEvent(ctx, tx, &schemas.Event{
			Type: schemas.EventJobQueued, JobID: nj.ID, EnabledAgents: nj.EnabledAgents,
		})
		return err
	})
	if err != nil {
		return schemas.Job{}, Event{}, fmt.Errorf("create job: %w", err)
	}
	job, err := p.job(ctx, false, `id = $1`, nj.ID)
	return job, ev, err
}

// IdempotentUpload returns what the upload with tenant's Idempotency-Key key made, or
// ErrNotFound when the key is unknown, older than IdempotencyTTL, or its job was deleted.
func (p *Postgres) IdempotentUpload(ctx context.Context, tenant, key string) (Replay, error) {
	var r Replay
	err := p.pool.QueryRow(ctx,
		`SELECT job_id, fingerprint, response FROM idempotency_keys
		 WHERE tenant = $1 AND key = $2 AND created_at >= now() - $3::interval`,
		tenant, key, IdempotencyTTL.String()).Scan(&r.JobID, &r.Fingerprint, &r.Response)
	if errors.Is(err, pgx.ErrNoRows) {
		return Replay{}, ErrNotFound
	}
	return r, err
}

// SetIdempotentResponse stores the 202 body the upload with tenant's key was answered with, so
// a retry gets the same bytes.
func (p *Postgres) SetIdempotentResponse(ctx context.Context, tenant, key string, body []byte) error {
	_, err := p.pool.Exec(ctx, `UPDATE idempotency_keys SET response = $1 WHERE tenant = $2 AND key = $3`, body, tenant, key)
	return err
}

// CountQueued counts the jobs waiting for a worker, in every instance sharing the store.
func (p *Postgres) CountQueued(ctx context.Context) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE status = $1`, schemas.JobQueued).Scan(&n)
	return n, err
}

func pgScanJob(row pgx.Row) (schemas.Job, error) {
	var (
		j        schemas.Job
		finished *time.Time
	)
	if err := row.Scan(&j.ID, &j.Name, &j.Status, &j.ErrorMessage, &j.EnabledAgents, &j.LastSeq,
		&j.Summary.Findings, &j.Summary.High, &j.Summary.Medium, &j.Summary.Low, &j.Summary.Errors,
		&j.CreatedAt, &j.UpdatedAt, &finished); err != nil {
		return j, err
	}
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	if finished != nil {
		t := finished.UTC()
		j.FinishedAt = &t
	}
	j.Agents = map[string]string{}
	j.Documents = []schemas.Document{}
	return j, nil
}

// Job loads one of tenant's jobs with its agents' statuses and its documents; withText includes
// the extracted markdown. Another tenant's job is ErrNotFound.
func (p *Postgres) Job(ctx context.Context, tenant, id string, withText bool) (schemas.Job, error) {
	return p.job(ctx, withText, `id = $1 AND tenant = $2`, id, tenant)
}

// job loads the job that where (a condition on jobs, with args) selects.
func (p *Postgres) job(ctx context.Context, withText bool, where string, args ...any) (schemas.Job, error) {
	j, err := pgScanJob(p.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return j, ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("load job %v: %w", args[0], err)
	}
	if err := p.fillJobs(ctx, []*schemas.Job{&j}, withText); err != nil {
		return j, err
	}
	return j, nil
}

// Jobs lists tenant's jobs newest first; before, when set, is the id of the last job of the
// previous page (ErrNotFound unless it is tenant's). It returns one job more than limit when
// more exist, for the caller's Link header.
func (p *Postgres) Jobs(ctx context.Context, tenant string, limit int, before string) ([]schemas.Job, error) {
	query := `SELECT ` + jobColumns + ` FROM jobs WHERE tenant = $1 ORDER BY number DESC LIMIT $2`
	args := []any{tenant, limit + 1}
	if before != "" {
		var number int64
		err := p.pool.QueryRow(ctx, `SELECT number FROM jobs WHERE id = $1 AND tenant = $2`, before, tenant).Scan(&number)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		query = `SELECT ` + jobColumns + ` FROM jobs WHERE tenant = $1 AND number < $2 ORDER BY number DESC LIMIT $3`
		args = []any{tenant, number, limit + 1}
	}
	rows, err := p.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schemas.Job, error) { return pgScanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	ptrs := make([]*schemas.Job, len(jobs))
	for i := range jobs {
		ptrs[i] = &jobs[i]
	}
	return jobs, p.fillJobs(ctx, ptrs, false)
}

// fillJobs loads the agent statuses and documents of jobs with two queries in all.
func (p *Postgres) fillJobs(ctx context.Context, jobs []*schemas.Job, withText bool) error {
	if len(jobs) == 0 {
		return nil
	}
	byID := make(map[string]*schemas.Job, len(jobs))
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		byID[j.ID] = j
		ids[i] = j.ID
	}
	rows, err := p.pool.Query(ctx, `SELECT job_id, agent_id, status FROM agent_runs WHERE job_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("load agent runs: %w", err)
	}
	var jobID, agentID, status string
	if _, err := pgx.ForEachRow(rows, []any{&jobID, &agentID, &status}, func() error {
		byID[jobID].Agents[agentID] = status
		return nil
	}); err != nil {
		return fmt.Errorf("load agent runs: %w", err)
	}
	text := "NULL"
	if withText {
		text = "markdown"
	}
	rows, err = p.pool.Query(ctx, `SELECT id, job_id, filename, content_type, size_bytes, sha256, storage_path, `+
		text+`, created_at FROM documents WHERE job_id = ANY($1) ORDER BY created_at`, ids)
	if err != nil {
		return fmt.Errorf("load documents: %w", err)
	}
	var d schemas.Document
	if _, err := pgx.ForEachRow(rows, []any{&d.ID, &d.JobID, &d.Filename, &d.ContentType, &d.SizeBytes,
		&d.SHA256, &d.GCSPath, &d.ExtractedText, &d.CreatedAt}, func() error {
		doc := d
		doc.CreatedAt = doc.CreatedAt.UTC()
		j := byID[doc.JobID]
		j.Documents = append(j.Documents, doc)
		d.ExtractedText = nil
		return nil
	}); err != nil {
		return fmt.Errorf("load documents: %w", err)
	}
	return nil
}

// RenameJob sets the name of one of tenant's jobs.
func (p *Postgres) RenameJob(ctx context.Context, tenant, id, name string) (schemas.Job, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE jobs SET name = $1, updated_at = $2 WHERE id = $3 AND tenant = $4`, name, pgNow(), id, tenant)
	if err != nil {
		return schemas.Job{}, fmt.Errorf("rename job %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return schemas.Job{}, ErrNotFound
	}
	return p.Job(ctx, tenant, id, false)
}

// DeleteJob removes one of tenant's jobs with its document, results, events and tickets.
func (p *Postgres) DeleteJob(ctx context.Context, tenant, id string) error {
	tag, err := p.pool.Exec(ctx, `DELETE FROM jobs WHERE id = $1 AND tenant = $2`, id, tenant)
	if err != nil {
		return fmt.Errorf("delete job %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// CountJobs counts every stored job.
func (p *Postgres) CountJobs(ctx context.Context) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM jobs`).Scan(&n)
	return n, err
}

// Results lists the result rows of one of tenant's jobs, oldest first; agentID, when set, keeps
// that agent's rows.
func (p *Postgres) Results(ctx context.Context, tenant, jobID, agentID string) ([]schemas.Result, error) {
	if ok, err := p.HasJob(ctx, tenant, jobID); err != nil || !ok {
		if err == nil {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load results of %s: %w", jobID, err)
	}
	query := `SELECT id, job_id, agent_id, category, severity, description, reasoning, source_refs, error, raw_data, created_at
		FROM results WHERE job_id = $1`
	args := []any{jobID}
	if agentID != "" {
		query += ` AND agent_id = $2`
		args = append(args, agentID)
	}
	rows, err := p.pool.Query(ctx, query+` ORDER BY ord`, args...)
	if err != nil {
		return nil, fmt.Errorf("load results of %s: %w", jobID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (schemas.Result, error) {
		var (
			r         schemas.Result
			refs, raw []byte
		)
		if err := row.Scan(&r.ID, &r.JobID, &r.AgentID, &r.Category, &r.Severity, &r.Description, &r.Reasoning,
			&refs, &r.Error, &raw, &r.CreatedAt); err != nil {
			return r, err
		}
		if err := json.Unmarshal(refs, &r.SourceRefs); err != nil {
			return r, fmt.Errorf("source_refs: %w", err)
		}
		r.RawData = json.RawMessage(raw)
		r.CreatedAt = r.CreatedAt.UTC()
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load results of %s: %w", jobID, err)
	}
	return out, nil
}

// Events reads a job's log after seq `after`, at most limit events, ascending.
func (p *Postgres) Events(ctx context.Context, jobID string, after int64, limit int) ([]Event, error) {
	rows, err := p.pool.Query(ctx,
		`SELECT seq, data FROM events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, jobID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("load events of %s: %w", jobID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Event, error) {
		e := Event{JobID: jobID}
		err := row.Scan(&e.Seq, &e.Data)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("load events of %s: %w", jobID, err)
	}
	return out, nil
}

// JobExists reports whether a job with that id is stored, whoever's it is: for the event log's
// readers (the hub, the admin listener), never for an answer to a tenant (see HasJob).
func (p *Postgres) JobExists(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}

// HasJob reports whether tenant has a job with that id.
func (p *Postgres) HasJob(ctx context.Context, tenant, id string) (bool, error) {
	var ok bool
	err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND tenant = $2)`, id, tenant).Scan(&ok)
	return ok, err
}

// CreateTicket stores a stream ticket, by its hash, for one of tenant's jobs, valid for ttl by the
// database's clock, and returns when it expires. It returns ErrNotFound when tenant has no such
// job. Tickets that expired are swept here, so the table holds about one minute's worth.
func (p *Postgres) CreateTicket(ctx context.Context, tenant, jobID, hash string, ttl time.Duration) (time.Time, error) {
	var expires time.Time
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM stream_tickets WHERE expires_at <= now()`); err != nil {
			return err
		}
		err := tx.QueryRow(ctx,
			`INSERT INTO stream_tickets (hash, job_id, tenant, expires_at)
			 SELECT $1, id, tenant, now() + $2 * interval '1 microsecond' FROM jobs WHERE id = $3 AND tenant = $4
			 RETURNING expires_at`, hash, ttl.Microseconds(), jobID, tenant).Scan(&expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("stream ticket for job %s: %w", jobID, err)
	}
	return expires.UTC(), nil
}

// UseTicket takes the ticket with that hash out of the store and returns what it was for: each
// ticket is used once, by one instance, whatever the caller then decides. An unknown or used
// ticket is ErrNotFound.
func (p *Postgres) UseTicket(ctx context.Context, hash string) (Ticket, error) {
	var tk Ticket
	err := p.pool.QueryRow(ctx,
		`DELETE FROM stream_tickets WHERE hash = $1 RETURNING job_id, tenant, expires_at <= now()`, hash).
		Scan(&tk.JobID, &tk.Tenant, &tk.Expired)
	if errors.Is(err, pgx.ErrNoRows) {
		return tk, ErrNotFound
	}
	if err != nil {
		return tk, fmt.Errorf("use stream ticket: %w", err)
	}
	return tk, nil
}

// ---- the runner's side ----

// Claim takes the oldest job no one is running: a queued job, or a processing job whose lease
// ran out (its owner stopped renewing: it died, or released the job). owner then holds it until
// now+lease and keeps it by calling RenewLease; the job must finish within timeout of its first
// claim (a job taken over keeps its deadline). It returns "" when there is nothing to claim.
// FOR UPDATE SKIP LOCKED makes concurrent claimers, in any instance, pass over a row another
// is claiming, so no two take the same job. Leases use the database's clock.
//
// A processing job without a lease is never taken: a synthetic load job starts so, because no
// worker runs it. Jobs an earlier version left processing without a lease (claimed by the
// lease-less ClaimNext) were given an already expired lease by migration 0003, once, rather
// than matched here by lease_until IS NULL, which would also take the synthetic jobs and, while
// an instance of that version still runs, the jobs it is running.
func (p *Postgres) Claim(ctx context.Context, owner string, lease, timeout time.Duration) (string, error) {
	if owner == "" || lease <= 0 {
		return "", errors.New("claim job: want an owner and a positive lease")
	}
	var id string
	t := pgNow()
	// The statuses are literals so the planner can use the partial index jobs_claimable.
	err := p.pool.QueryRow(ctx,
		`UPDATE jobs SET status = 'processing', claimed_by = $1, lease_until = now() + $2 * interval '1 microsecond',
		                 deadline = COALESCE(deadline, $3), updated_at = $4
		 WHERE id = (SELECT id FROM jobs
		             WHERE status IN ('queued', 'processing') AND (status = 'queued' OR lease_until <= now())
		             ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
		 RETURNING id`, owner, lease.Microseconds(), pgTime(t.Add(timeout)), t).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
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
func (p *Postgres) RenewLease(ctx context.Context, jobID, owner string, lease time.Duration) (bool, error) {
	var cancel bool
	err := p.pool.QueryRow(ctx,
		`UPDATE jobs SET lease_until = now() + $1 * interval '1 microsecond'
		 WHERE id = $2 AND status = $3 AND claimed_by = $4 RETURNING cancel_requested`,
		lease.Microseconds(), jobID, schemas.JobProcessing, owner).Scan(&cancel)
	if errors.Is(err, pgx.ErrNoRows) {
		err = lostLease(p.JobExists(ctx, jobID))
	}
	if err != nil {
		return false, fmt.Errorf("renew lease of job %s: %w", jobID, err)
	}
	return cancel, nil
}

// ReleaseLease gives up owner's lease at once, for a graceful shutdown: the job stays
// processing and the next Claim, in any instance, takes it over and resumes it. It returns
// ErrLeaseLost when owner did not hold the job.
func (p *Postgres) ReleaseLease(ctx context.Context, jobID, owner string) error {
	tag, err := p.pool.Exec(ctx,
		`UPDATE jobs SET claimed_by = NULL, lease_until = now() WHERE id = $1 AND status = $2 AND claimed_by = $3`,
		jobID, schemas.JobProcessing, owner)
	if err == nil && tag.RowsAffected() == 0 {
		err = lostLease(p.JobExists(ctx, jobID))
	}
	if err != nil {
		return fmt.Errorf("release lease of job %s: %w", jobID, err)
	}
	return nil
}

// RunState loads a job for the runner, with the cancel flag.
func (p *Postgres) RunState(ctx context.Context, id string) (RunState, error) {
	var st RunState
	j, err := p.job(ctx, false, `id = $1`, id)
	if err != nil {
		return st, err
	}
	st.Job = j
	var deadline *time.Time
	if err := p.pool.QueryRow(ctx, `SELECT cancel_requested, deadline FROM jobs WHERE id = $1`, id).
		Scan(&st.CancelRequested, &deadline); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return st, ErrNotFound
		}
		return st, err
	}
	if deadline != nil {
		st.Deadline = deadline.UTC()
	}
	rows, err := p.pool.Query(ctx, `SELECT agent_id, updated_at FROM agent_runs WHERE job_id = $1`, id)
	if err != nil {
		return st, err
	}
	st.Updated = map[string]time.Time{}
	var (
		agent string
		at    time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&agent, &at}, func() error {
		st.Updated[agent] = at.UTC()
		return nil
	})
	return st, err
}

// Document loads the extracted document of a job.
func (p *Postgres) Document(ctx context.Context, jobID string) (*extract.Document, error) {
	var raw []byte
	err := p.pool.QueryRow(ctx, `SELECT extracted FROM documents WHERE job_id = $1 ORDER BY created_at LIMIT 1`, jobID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load document of %s: %w", jobID, err)
	}
	var doc extract.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("load document of %s: %w", jobID, err)
	}
	return &doc, nil
}

// DocumentFile returns the uploaded file of one of tenant's jobs, as it was uploaded; a job
// that is not tenant's is ErrNotFound.
func (p *Postgres) DocumentFile(ctx context.Context, tenant, jobID string) ([]byte, error) {
	var content []byte
	err := p.pool.QueryRow(ctx, `SELECT d.content FROM documents d JOIN jobs j ON j.id = d.job_id
		WHERE d.job_id = $1 AND j.tenant = $2 ORDER BY d.created_at LIMIT 1`, jobID, tenant).Scan(&content)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load the document file of %s: %w", jobID, err)
	}
	return content, nil
}

// RequestCancel records that the job should stop. It returns ErrConflict, changing nothing,
// when the job has already finished.
func (p *Postgres) RequestCancel(ctx context.Context, id string) error {
	tag, err := p.pool.Exec(ctx,
		`UPDATE jobs SET cancel_requested = true, updated_at = $1 WHERE id = $2 AND status IN ($3, $4)`,
		pgNow(), id, schemas.JobQueued, schemas.JobProcessing)
	if err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	ok, err := p.JobExists(ctx, id)
	switch {
	case err != nil:
		return fmt.Errorf("cancel job %s: %w", id, err)
	case !ok:
		return ErrNotFound
	}
	return ErrConflict
}

// AgentStarted marks an agent running and appends agent_started. A non-empty owner must hold
// the job's lease, or nothing changes and the error is ErrLeaseLost.
func (p *Postgres) AgentStarted(ctx context.Context, jobID, owner, agentID string) (Event, error) {
	var ev Event
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockJob(ctx, tx, jobID, owner); err != nil {
			return err
		}
		if err := pgSetRun(ctx, tx, jobID, agentID, schemas.AgentRunning); err != nil {
			return err
		}
		var err error
		ev, err = pgAppendEvent(ctx, tx, &schemas.Event{Type: schemas.EventAgentStarted, JobID: jobID, AgentID: agentID})
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("agent %s started on %s: %w", agentID, jobID, err)
	}
	return ev, nil
}

// AgentProgress appends agent_progress. A non-empty owner must hold the job's lease, or nothing
// is appended and the error is ErrLeaseLost; the load generator, which holds none, passes ""
// and saves the lock (appending the event locks the row anyway).
func (p *Postgres) AgentProgress(ctx context.Context, jobID, owner, agentID string, done, total int, message string) (Event, error) {
	evs, err := p.AgentProgressBatch(ctx, jobID, owner, agentID, []Progress{{Done: done, Total: total, Message: message}})
	if err != nil {
		return Event{}, err
	}
	return evs[0], nil
}

// AgentProgressBatch appends one agent_progress per step, in order, in one transaction: a
// producer with several reports at hand pays one commit for all of them. Owner as for
// AgentProgress.
func (p *Postgres) AgentProgressBatch(ctx context.Context, jobID, owner, agentID string, steps []Progress) ([]Event, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	var out []Event
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if owner != "" {
			if _, err := lockJob(ctx, tx, jobID, owner); err != nil {
				return err
			}
		}
		evs := progressEvents(jobID, agentID, steps)
		var err error
		out, err = pgAppendEvents(ctx, tx, evs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("agent %s progress on %s: %w", agentID, jobID, err)
	}
	return out, nil
}

func pgSetRun(ctx context.Context, tx pgx.Tx, jobID, agentID, status string) error {
	tag, err := tx.Exec(ctx, `UPDATE agent_runs SET status = $1, updated_at = $2 WHERE job_id = $3 AND agent_id = $4`,
		status, pgNow(), jobID, agentID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// AgentFinished stores an agent's rows and status and appends agent_completed (with the stored
// rows) or agent_error, in one transaction. A cancelled agent stores its status only and
// appends no event. A non-empty owner must hold the job's lease, or nothing changes and the
// error is ErrLeaseLost.
func (p *Postgres) AgentFinished(ctx context.Context, jobID, owner string, out AgentOutcome) (Event, error) {
	var ev Event
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockJob(ctx, tx, jobID, owner); err != nil {
			return err
		}
		if err := pgSetRun(ctx, tx, jobID, out.AgentID, out.Status); err != nil {
			return err
		}
		if out.Status == schemas.AgentCancelled {
			return nil
		}
		// The event carries the rows as stored, times cut to the microsecond.
		rows := make([]schemas.Result, len(out.Rows))
		var sum schemas.Summary
		for i, r := range out.Rows {
			r.CreatedAt = pgTime(r.CreatedAt)
			rows[i] = r
			if err := schemas.Validate(r); err != nil {
				return err
			}
			refs, _ := json.Marshal(r.SourceRefs)
			raw := []byte(r.RawData)
			if len(raw) == 0 {
				raw = []byte("{}")
			}
			if _, err := tx.Exec(ctx,
				`INSERT INTO results (id, job_id, agent_id, category, severity, description, reasoning, source_refs,
				                      error, raw_data, created_at)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				r.ID, r.JobID, r.AgentID, r.Category, r.Severity, r.Description, r.Reasoning, refs,
				r.Error, raw, r.CreatedAt); err != nil {
				return err
			}
			sum.Add(r)
		}
		if _, err := tx.Exec(ctx,
			`UPDATE jobs SET findings = findings + $1, high = high + $2, medium = medium + $3, low = low + $4,
			                 errors = errors + $5 WHERE id = $6`,
			sum.Findings, sum.High, sum.Medium, sum.Low, sum.Errors, jobID); err != nil {
			return err
		}
		e := &schemas.Event{Type: schemas.EventAgentCompleted, JobID: jobID, AgentID: out.AgentID, Findings: rows}
		if out.Status == schemas.AgentFailed {
			e = &schemas.Event{Type: schemas.EventAgentError, JobID: jobID, AgentID: out.AgentID, Error: out.Error}
		}
		var err error
		ev, err = pgAppendEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("agent %s finished on %s: %w", out.AgentID, jobID, err)
	}
	return ev, nil
}

// FinishJob ends a job: it sets the final status, marks agents that never finished and appends
// audit_complete with the summary. It returns ErrConflict when the job had already finished. A
// non-empty owner must hold the job's lease, or nothing changes and the error is ErrLeaseLost.
func (p *Postgres) FinishJob(ctx context.Context, jobID, owner, status, errMsg string) (Event, error) {
	var ev Event
	err := p.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ev, err = pgFinish(ctx, tx, jobID, owner, status, errMsg, false)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("finish job %s: %w", jobID, err)
	}
	return ev, nil
}

// CancelQueued ends a job that no worker has claimed yet, as cancelled. It returns ErrConflict
// when the job is no longer queued (a worker claimed it, or it finished).
func (p *Postgres) CancelQueued(ctx context.Context, jobID string) (Event, error) {
	var ev Event
	err := p.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ev, err = pgFinish(ctx, tx, jobID, "", schemas.JobCancelled, "", true)
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("cancel queued job %s: %w", jobID, err)
	}
	return ev, nil
}

// pgFinish reads the status under the row lock: a claim in another instance either happened
// before (the job is processing: ErrConflict for CancelQueued) or waits, then skips the row.
func pgFinish(ctx context.Context, tx pgx.Tx, jobID, owner, status, errMsg string, onlyQueued bool) (Event, error) {
	current, err := lockJob(ctx, tx, jobID, owner)
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
	t := pgNow()
	if _, err := tx.Exec(ctx,
		`UPDATE agent_runs SET status = $1, updated_at = $2 WHERE job_id = $3 AND status IN ($4, $5)`,
		runStatus, t, jobID, schemas.AgentPending, schemas.AgentRunning); err != nil {
		return Event{}, err
	}
	var msg *string
	if errMsg != "" {
		msg = &errMsg
	}
	var sum schemas.Summary
	if err := tx.QueryRow(ctx,
		`UPDATE jobs SET status = $1, error_message = $2, finished_at = $3, updated_at = $3 WHERE id = $4
		 RETURNING findings, high, medium, low, errors`,
		status, msg, t, jobID).Scan(&sum.Findings, &sum.High, &sum.Medium, &sum.Low, &sum.Errors); err != nil {
		return Event{}, err
	}
	return pgAppendEvent(ctx, tx, &schemas.Event{
		Type: schemas.EventAuditComplete, JobID: jobID, Status: status, Summary: &sum,
	})
}
