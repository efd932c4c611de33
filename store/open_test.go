package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// migrationCount is how many migrations a database of that kind must have recorded.
func migrationCount(t *testing.T, dialect string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s migrations: %v", dialect, err)
	}
	return len(files)
}

// TestMigrationsRunOnceWhenInstancesStartTogether opens two stores at the same moment on one
// new database: both open, and each migration is applied once.
func TestMigrationsRunOnceWhenInstancesStartTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "v.db")
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				s, err := store.OpenSQLite(ctx, path)
				if err != nil {
					t.Error(err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var version int
		if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != migrationCount(t, "sqlite") {
			t.Fatalf("user_version %d, %v", version, err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := postgresSchema(t)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				s, err := store.OpenPostgres(ctx, u)
				if err != nil {
					t.Error(err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
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
		if want := migrationCount(t, "postgres"); n != want || distinct != want || last != want {
			t.Fatalf("schema_migrations: %d rows, %d versions, last %d; want %d", n, distinct, last, want)
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
	job, err := s.Job(ctx, id, false)
	if err != nil || job.Name != "Report #1" || job.Agents[schemas.AgentNumeric] != schemas.AgentRunning || job.LastSeq != 1 {
		t.Fatalf("old job %+v, %v", job, err)
	}
	if ids, err := s.Unfinished(ctx); err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("the job it left processing is not resumed: %v, %v", ids, err)
	}
	if ev, err := s.AgentProgress(ctx, id, schemas.AgentNumeric, 1, 2, ""); err != nil || ev.Seq != 2 {
		t.Fatalf("append to the old log: %+v, %v", ev, err)
	}
	if job := newJob(t, s); job == "" {
		t.Fatal("no new job")
	}
	if page, _ := s.Jobs(ctx, 10, ""); len(page) != 2 || page[0].Name != "Report #2" {
		t.Fatalf("jobs after the old one: %+v", page)
	}
}

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
