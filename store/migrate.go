package store

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered .sql files, one folder per database (migrations/sqlite,
// migrations/postgres): NNNN_what.sql. A database records the last number it applied (SQLite in
// PRAGMA user_version, PostgreSQL in schema_migrations) and each open applies the files above it,
// in order. A file is never edited once released; a change of schema is a new file.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the migrations of one database, ordered by version. Versions are unique and
// rise; a number may be missing while a branch developed in parallel holds it (0004 here, whose
// file arrives with that branch and is applied after 0005 on PostgreSQL, which records each
// version; a SQLite file records only the last, so its files must not skip one once released).
// A misnamed or doubled file fails at start instead of being skipped.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s/%s: want NNNN_name.sql", dir, name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if i > 0 && m.version == out[i-1].version {
			return nil, fmt.Errorf("%s migrations: %s and %s have the same version", dialect, out[i-1].name, m.name)
		}
	}
	return out, nil
}
