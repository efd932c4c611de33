-- Jobs, their documents, agent runs, result rows and event logs.
-- Ids are text: they are compared exactly as the API gives them, as in the SQLite store.
-- Times are timestamptz (microseconds); the store writes every time truncated to the
-- microsecond, so an event's timestamp and the row it describes show the same instant.
-- JSON the API returns as stored (result source_refs and raw_data, event payloads) is json,
-- not jsonb: json keeps the text byte for byte, so a replayed event equals the live one.

-- Hands out job numbers ("Report #N"); a sequence never gives a number twice, even after deletes.
CREATE SEQUENCE job_numbers;

CREATE TABLE jobs (
	id               text PRIMARY KEY,
	number           bigint NOT NULL UNIQUE,
	name             text NOT NULL,
	status           text NOT NULL,
	error_message    text,
	enabled_agents   text[] NOT NULL,
	last_seq         bigint NOT NULL DEFAULT 0,
	cancel_requested boolean NOT NULL DEFAULT false,
	deadline         timestamptz,
	findings         integer NOT NULL DEFAULT 0,
	high             integer NOT NULL DEFAULT 0,
	medium           integer NOT NULL DEFAULT 0,
	low              integer NOT NULL DEFAULT 0,
	errors           integer NOT NULL DEFAULT 0,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	finished_at      timestamptz
);
CREATE INDEX jobs_status ON jobs (status, number);

CREATE TABLE documents (
	id           text PRIMARY KEY,
	job_id       text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	filename     text NOT NULL,
	content_type text NOT NULL,
	size_bytes   bigint NOT NULL,
	sha256       text NOT NULL,
	storage_path text NOT NULL,
	content      bytea NOT NULL,
	markdown     text NOT NULL,
	extracted    json NOT NULL,
	created_at   timestamptz NOT NULL
);
CREATE INDEX documents_job ON documents (job_id);

CREATE TABLE agent_runs (
	job_id     text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	agent_id   text NOT NULL,
	position   integer NOT NULL,
	status     text NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (job_id, agent_id)
);

CREATE TABLE results (
	ord         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id          text NOT NULL UNIQUE,
	job_id      text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	agent_id    text NOT NULL,
	category    text NOT NULL,
	severity    text,
	description text,
	reasoning   text,
	source_refs json NOT NULL,
	error       text,
	raw_data    json NOT NULL,
	created_at  timestamptz NOT NULL
);
CREATE INDEX results_job ON results (job_id, ord);
CREATE INDEX results_job_agent ON results (job_id, agent_id, ord);

CREATE TABLE events (
	job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    bigint NOT NULL,
	data   json NOT NULL,
	PRIMARY KEY (job_id, seq)
);
