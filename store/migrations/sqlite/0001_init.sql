-- The schema as it was before versioned migrations. Every statement is IF NOT EXISTS, so a
-- veritas.db created by an earlier version (user_version 0, these tables already there) passes
-- through this file unchanged and continues with the next one.
CREATE TABLE IF NOT EXISTS jobs (
	id               TEXT PRIMARY KEY,
	number           INTEGER NOT NULL UNIQUE,
	name             TEXT NOT NULL,
	status           TEXT NOT NULL,
	error_message    TEXT,
	enabled_agents   TEXT NOT NULL,
	last_seq         INTEGER NOT NULL DEFAULT 0,
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	deadline         INTEGER,
	findings         INTEGER NOT NULL DEFAULT 0,
	high             INTEGER NOT NULL DEFAULT 0,
	medium           INTEGER NOT NULL DEFAULT 0,
	low              INTEGER NOT NULL DEFAULT 0,
	errors           INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	finished_at      INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, number);
-- Hands out job numbers ("Report #N"); AUTOINCREMENT never reuses one, even after deletes.
CREATE TABLE IF NOT EXISTS job_numbers (n INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS documents (
	id           TEXT PRIMARY KEY,
	job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size_bytes   INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	storage_path TEXT NOT NULL,
	content      BLOB NOT NULL,
	markdown     TEXT NOT NULL,
	extracted    TEXT NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_job ON documents(job_id);
CREATE TABLE IF NOT EXISTS agent_runs (
	job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	agent_id   TEXT NOT NULL,
	position   INTEGER NOT NULL,
	status     TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (job_id, agent_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (
	ord         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,
	job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	agent_id    TEXT NOT NULL,
	category    TEXT NOT NULL,
	severity    TEXT,
	description TEXT,
	reasoning   TEXT,
	source_refs TEXT NOT NULL,
	error       TEXT,
	raw_data    TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS results_job ON results(job_id, ord);
CREATE INDEX IF NOT EXISTS results_job_agent ON results(job_id, agent_id, ord);
CREATE TABLE IF NOT EXISTS events (
	job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
