-- Jobs left processing without a lease were claimed by the lease-less ClaimNext (by a version
-- that still claimed with it); that version resumed them at its next start. Claim takes a
-- processing job only once its lease has run out, so each of them gets a lease that ran out at
-- the epoch: the first Claim, in any instance, takes it over and resumes it, keeping its
-- deadline. claimed_by stays NULL: no owner holds them. This runs once, at the upgrade: stop
-- the instances of the earlier version first, or a job one of them is running is run twice.
-- A job created processing without a lease afterwards (a synthetic load job, which no worker
-- runs) keeps it NULL and is never claimed; a synthetic job from before is resumed once and
-- ends, as it did at every restart of the earlier version.
UPDATE jobs SET lease_until = TIMESTAMPTZ 'epoch' WHERE status = 'processing' AND lease_until IS NULL;
