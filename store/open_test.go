package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veritas-audit/veritas/internal/pgtest"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// migrationCount is how many migrations a database of that kind must have recorded, and the
// highest version among them.
func migrationCount(t *testing.T, dialect string) (n, last int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s migrations: %v", dialect, err)
	}
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		last = max(last, v)
	}
	return len(files), last
}

// TestMigrationsRunOnceWhenInstancesStartTogether opens two stores at the same moment on one
// new database: both open, and each migration is applied once.
func TestMigrationsRunOnceWhenInstancesStartTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "v.db")
		openTwiceAtOnce(t, func() (io.Closer, error) { return store.OpenSQLite(ctx, path) })
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var version, recorded int
		if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
		if n, last := migrationCount(t, "sqlite"); version != last || recorded != n {
			t.Fatalf("user_version %d, %d recorded; want %d and %d", version, recorded, last, n)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := pgtest.Schema(t)
		openTwiceAtOnce(t, func() (io.Closer, error) { return store.OpenPostgres(ctx, u) })
		s, err := store.OpenPostgres(ctx, u) // and once more, with nothing left to apply
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n, distinct, last int
		if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations`).
			Scan(&n, &distinct, &last); err != nil {
			t.Fatal(err)
		}
		if want, wantLast := migrationCount(t, "postgres"); n != want || distinct != want || last != wantLast {
			t.Fatalf("schema_migrations: %d rows, %d versions, last %d; want %d, last %d", n, distinct, last, want, wantLast)
		}
	})
}

// TestSQLiteOpensFilesFromBeforeMigrations opens a veritas.db written by the version that
// created its schema with CREATE TABLE IF NOT EXISTS and had no user_version.
func TestSQLiteOpensFilesFromBeforeMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "veritas.db")
	old, err := os.ReadFile(filepath.Join("migrations", "sqlite", "0001_init.sql")) // that schema, verbatim
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	const id = "0190a0b0-0000-7000-8000-000000000001"
	for _, q := range []string{
		string(old),
		`INSERT INTO job_numbers DEFAULT VALUES`,
		`INSERT INTO jobs (id, number, name, status, enabled_agents, last_seq, created_at, updated_at)
		 VALUES ('` + id + `', 1, 'Report #1', 'processing', '["numeric_validation"]', 1, 1700000000000000000, 1700000000000000000)`,
		`INSERT INTO agent_runs VALUES ('` + id + `', 'numeric_validation', 0, 'running', 1700000000000000000)`,
		`INSERT INTO events VALUES ('` + id + `', 1, '{"type":"job_queued"}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	job, err := s.Job(ctx, "", id, false)
	if err != nil || job.Name != "Report #1" || job.Agents[schemas.AgentNumeric] != schemas.AgentRunning || job.LastSeq != 1 {
		t.Fatalf("old job %+v, %v", job, err)
	}
	// It left the job processing without a lease; migration 0003 gave it an expired one.
	if got, err := s.Claim(ctx, "A", time.Hour, time.Minute); got != id || err != nil {
		t.Fatalf("the job it left processing is not resumed: claimed %q, %v", got, err)
	}
	if st, _ := s.RunState(ctx, id); st.Deadline.IsZero() {
		t.Fatal("the resumed job has no deadline") // it had none: its first lease claim sets it
	}
	if ev, err := s.AgentProgress(ctx, id, "A", schemas.AgentNumeric, 1, 2, ""); err != nil || ev.Seq != 2 {
		t.Fatalf("append to the old log: %+v, %v", ev, err)
	}
	if job := newJob(t, s); job == "" {
		t.Fatal("no new job")
	} else if got, _ := s.Claim(ctx, "A", time.Hour, time.Minute); got != job {
		t.Fatalf("claimed %q, want the new job", got)
	}
	if page, _ := s.Jobs(ctx, "", 10, ""); len(page) != 2 || page[0].Name != "Report #2" {
		t.Fatalf("jobs after the old one: %+v", page)
	}
}

// TestMigrationExpiresLeaselessJobs opens a database at migration 0002, as a version that
// still claimed with ClaimNext left it: a job processing without a lease, one under another
// owner's live lease, a finished job and a queued one. Migration 0003 gives the first an
// expired lease, so Claim takes it over, keeping its deadline, before the queued job; the
// leased and the finished job are not touched.
func TestMigrationExpiresLeaselessJobs(t *testing.T) {
	t.Parallel()
	const (
		leaseless = "0190a0b0-0000-7000-8000-000000000001"
		leased    = "0190a0b0-0000-7000-8000-000000000002"
		finished  = "0190a0b0-0000-7000-8000-000000000003"
		queued    = "0190a0b0-0000-7000-8000-000000000004"
	)
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC) // microseconds, as PostgreSQL keeps them
	ctx := context.Background()
	check := func(t *testing.T, s backend) {
		t.Helper()
		if got, err := s.Claim(ctx, "A", time.Hour, time.Minute); got != leaseless || err != nil {
			t.Fatalf("claimed %q, %v; want the job left processing without a lease", got, err)
		}
		if st, _ := s.RunState(ctx, leaseless); !st.Deadline.Equal(deadline) || st.Job.Status != schemas.JobProcessing {
			t.Fatalf("taken-over job %s, deadline %v; want %v kept", st.Job.Status, st.Deadline, deadline)
		}
		if _, err := s.RenewLease(ctx, leaseless, "A", time.Hour); err != nil {
			t.Fatalf("the new owner renews: %v", err)
		}
		if got, _ := s.Claim(ctx, "A", time.Hour, time.Minute); got != queued {
			t.Fatalf("claimed %q, want the queued job", got)
		}
		if got, _ := s.Claim(ctx, "A", time.Hour, time.Minute); got != "" {
			t.Fatalf("claimed %q, want nothing: the rest are leased or finished", got)
		}
		if _, err := s.RenewLease(ctx, leased, "other", time.Hour); err != nil {
			t.Fatalf("the live lease's owner renews: %v", err)
		}
		if job, _ := s.Job(ctx, "", finished, false); job.Status != schemas.JobCompleted {
			t.Fatalf("finished job is %s", job.Status)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "veritas.db")
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		qs := migrationsUpTo(t, "sqlite", 2)
		qs = append(qs, `PRAGMA user_version = 2`)
		for _, q := range qs {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%v: %s", err, q)
			}
		}
		for _, row := range []struct {
			id, status string
			deadline   *int64
			owner      *string
			lease      *int64
		}{
			{leaseless, "processing", ptr(deadline.UnixNano()), nil, nil},
			{leased, "processing", ptr(deadline.UnixNano()), ptr("other"), ptr(time.Now().Add(time.Hour).UnixNano())},
			{finished, "completed", ptr(deadline.UnixNano()), nil, nil},
			{queued, "queued", nil, nil, nil},
		} {
			if _, err := db.Exec(`INSERT INTO job_numbers DEFAULT VALUES`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO jobs (id, number, name, status, enabled_agents, deadline, claimed_by,
				lease_until, created_at, updated_at)
				VALUES (?, (SELECT max(n) FROM job_numbers), 'old', ?, '["numeric_validation"]', ?, ?, ?,
				        1700000000000000000, 1700000000000000000)`,
				row.id, row.status, row.deadline, row.owner, row.lease); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		s, err := store.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		check(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := pgtest.Schema(t)
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		qs := []string{`CREATE TABLE schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`}
		qs = append(qs, migrationsUpTo(t, "postgres", 2)...)
		qs = append(qs, `INSERT INTO schema_migrations (version, name) VALUES (1, '0001_init'), (2, '0002_leases')`)
		for _, q := range qs {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%v: %s", err, q)
			}
		}
		for _, row := range []struct {
			id, status string
			deadline   *time.Time
			owner      *string
			lease      string
		}{
			{leaseless, "processing", &deadline, nil, "NULL"},
			{leased, "processing", &deadline, ptr("other"), "now() + interval '1 hour'"},
			{finished, "completed", &deadline, nil, "NULL"},
			{queued, "queued", nil, nil, "NULL"},
		} {
			if _, err := conn.Exec(ctx, `INSERT INTO jobs (id, number, name, status, enabled_agents, deadline, claimed_by,
				lease_until, created_at, updated_at)
				VALUES ($1, nextval('job_numbers'), 'old', $2, '{numeric_validation}', $3, $4, `+row.lease+`, now(), now())`,
				row.id, row.status, row.deadline, row.owner); err != nil {
				t.Fatal(err)
			}
		}
		s, err := store.OpenPostgres(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		check(t, s)
	})
}

// migrationsUpTo reads the statements of a database's migrations 1 to last, to build a
// database as a version that stopped at last left it.
func migrationsUpTo(t *testing.T, dialect string, last int) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) < last {
		t.Fatalf("%s migrations: %v, %v", dialect, files, err)
	}
	sort.Strings(files)
	var out []string
	for _, f := range files[:last] {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(body))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// TestOpenPostgresErrors: a bad or unreachable URL fails at open with a message that names
// the problem and not the password.
func TestOpenPostgresErrors(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pw"
	cases := []struct{ name, url, want string }{
		{"nothing listens", "postgres://veritas:" + password + "@127.0.0.1:1/test?sslmode=disable", "127.0.0.1:1"},
		{"malformed port", "postgres://veritas:" + password + "@127.0.0.1:port/test", "invalid connection URL"},
		{"unknown parameter value", "postgresql://veritas:" + password + "@127.0.0.1/test?sslmode=sometimes", "invalid connection URL"},
	}
	if base := os.Getenv(postgresEnv); base != "" {
		u := strings.Replace(base, "/test?", "/veritas_no_such_database?", 1)
		u = strings.Replace(u, "postgres://postgres@", "postgres://postgres:"+password+"@", 1)
		cases = append(cases, struct{ name, url, want string }{"unknown database", u, "veritas_no_such_database"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.OpenPostgres(context.Background(), tc.url)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, password) || !strings.HasPrefix(msg, "open postgres ") {
				t.Fatalf("error %q: want one naming %q, without the password", msg, tc.want)
			}
		})
	}
}

// TestPostgresCasesFailWhenUnreachable runs one suite test in a child process: without
// VERITAS_TEST_POSTGRES_URL its PostgreSQL case is skipped with a message; with the variable
// pointing at a server that does not answer, it fails instead of skipping.
func TestPostgresCasesFailWhenUnreachable(t *testing.T) {
	t.Parallel()
	if os.Getenv("VERITAS_TEST_CHILD") != "" {
		t.Skip("already a child")
	}
	child := func(postgresURL string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRename$", "-test.v", "-test.count=1")
		env := []string{"VERITAS_TEST_CHILD=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, postgresEnv+"=") {
				env = append(env, kv)
			}
		}
		if postgresURL != "" {
			env = append(env, postgresEnv+"="+postgresURL)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := child("")
	if err != nil || !strings.Contains(out, "--- SKIP: TestRename/postgres") || !strings.Contains(out, postgresEnv+" is not set") {
		t.Fatalf("without the variable: %v\n%s", err, out)
	}
	out, err = child("postgres://postgres@127.0.0.1:1/test?sslmode=disable")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(out, "--- FAIL: TestRename/postgres") || !strings.Contains(out, "does not answer") ||
		!strings.Contains(out, "--- PASS: TestRename/sqlite") {
		t.Fatalf("with an unreachable server: %v\n%s", err, out)
	}
}

// openTwiceAtOnce opens the same fresh database from two goroutines at the same moment, as two
// instances starting together do, and closes both.
func openTwiceAtOnce(t *testing.T, open func() (io.Closer, error)) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			s, err := open()
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}
