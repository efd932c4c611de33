-- Idempotency-Key of uploads: a retry with the same key (from the same tenant) within 24 hours
-- gets the job the first request created instead of a second one. The primary key makes two
-- racing requests with one key create one job. fingerprint is the sha256 of what the upload
-- asked for (document, agents, name), so a key reused for another upload is refused; response
-- is the 202 body the first request answered, replayed as it was. The row goes with its job.
-- tenant is '' until uploads carry one. This file depends on nothing after 0003.
CREATE TABLE idempotency_keys (
	tenant      TEXT NOT NULL DEFAULT '',
	key         TEXT NOT NULL,
	job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
	fingerprint TEXT NOT NULL,
	response    BLOB,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant, key)
) WITHOUT ROWID;
-- Expiry deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
CREATE INDEX idempotency_keys_job ON idempotency_keys(job_id);
