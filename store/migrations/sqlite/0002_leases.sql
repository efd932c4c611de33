-- Leases: the owner (one running instance) holds a processing job until lease_until (unix
-- nanoseconds) and renews it while it works; the next Claim takes over a processing job whose
-- lease ran out. Jobs left processing without a lease (claimed by the lease-less ClaimNext, or
-- before this file) are given an expired lease by 0003, so Claim takes them.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
-- Claim scans only the jobs that can still be claimed, oldest first.
CREATE INDEX jobs_claimable ON jobs(number) WHERE status IN ('queued', 'processing');
