package main

import (
	"testing"

	"github.com/veritas-audit/veritas/internal/pgtest"
)

// TestKillAndRestartMidJobOnPostgres is TestKillAndRestartMidJob with the store on PostgreSQL
// (VERITAS_TEST_POSTGRES_URL), through the same configuration a deployment uses.
func TestKillAndRestartMidJobOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	killAndRestartMidJob(t, postgresDatabase(t))
}

// postgresDatabase is a schema of the test's own on VERITAS_TEST_POSTGRES_URL (pgtest.Schema).
func postgresDatabase(t *testing.T) string { return pgtest.Schema(t) }
