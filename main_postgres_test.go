package main

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TestKillAndRestartMidJobOnPostgres is TestKillAndRestartMidJob with the store on PostgreSQL
// (VERITAS_TEST_POSTGRES_URL), through the same configuration a deployment uses.
func TestKillAndRestartMidJobOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	killAndRestartMidJob(t, postgresDatabase(t))
}

// postgresDatabase returns VERITAS_TEST_POSTGRES_URL with search_path set to a new schema,
// dropped when the test ends. It skips when the variable is not set, and fails when it is set
// and the server does not answer.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VERITAS_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("VERITAS_TEST_POSTGRES_URL is not set; set it (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL cases")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("VERITAS_TEST_POSTGRES_URL is set but PostgreSQL does not answer: %v", err)
	}
	defer conn.Close(ctx)
	schema := "veritas_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
