-- Tenants: a job belongs to the tenant whose key uploaded it. Without keys (open mode) every job
-- belongs to the tenant '', as do the jobs stored before this file; a keyed tenant never sees them.
ALTER TABLE jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
-- A tenant's job list, newest first.
CREATE INDEX jobs_tenant ON jobs(tenant, number);
-- Stream tickets: single-use tokens that let a browser open a job's WebSocket without putting a
-- key in the URL. Only the SHA-256 of a ticket is stored (hex); it belongs to one job and one
-- tenant and ends at expires_at (unix nanoseconds). Using a ticket deletes its row.
CREATE TABLE stream_tickets (
	hash       TEXT PRIMARY KEY,
	job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	tenant     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX stream_tickets_expiry ON stream_tickets(expires_at);
CREATE INDEX stream_tickets_job ON stream_tickets(job_id);
