package main

import (
	"context"

	"github.com/veritas-audit/veritas/handlers"
	"github.com/veritas-audit/veritas/internal/loadgen"
	"github.com/veritas-audit/veritas/runner"
	"github.com/veritas-audit/veritas/store"
)

// storage is the store as main hands it on: the handlers' side, the runner's side, and Close
// at shutdown. Both stores provide all of it.
type storage interface {
	handlers.Store
	runner.Store
	loadgen.Store
	Close() error
}

var (
	_ storage = (*store.SQLite)(nil)
	_ storage = (*store.Postgres)(nil)
)

// openStore opens the store VERITAS_DATABASE_URL names: PostgreSQL for a postgres:// URL (the
// store several instances share), otherwise the SQLite file.
func openStore(ctx context.Context, cfg *config) (storage, error) {
	if cfg.postgresURL != "" {
		st, err := store.OpenPostgres(ctx, cfg.postgresURL)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := store.OpenSQLite(ctx, cfg.sqlitePath)
	if err != nil {
		return nil, err
	}
	return st, nil
}
