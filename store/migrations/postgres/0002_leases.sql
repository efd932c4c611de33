-- Leases: the owner (one running instance) holds a processing job until lease_until and renews
-- it while it works; the next Claim, in any instance, takes over a processing job whose lease
-- ran out. lease_until is set and compared with the database's clock, so instances whose
-- clocks disagree still agree on when a lease ends. Jobs left processing without a lease
-- (claimed by the lease-less ClaimNext) are given an expired lease by 0003, so Claim takes them.
ALTER TABLE jobs ADD COLUMN claimed_by text;
ALTER TABLE jobs ADD COLUMN lease_until timestamptz;
-- Claim scans only the jobs that can still be claimed, oldest first.
CREATE INDEX jobs_claimable ON jobs (number) WHERE status IN ('queued', 'processing');
