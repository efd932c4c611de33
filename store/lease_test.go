package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// claimOnceExpired keeps claiming as owner until a lease that is meant to run out has run out
// and the claim succeeds, for at most 10 s.
func claimOnceExpired(t *testing.T, s backend, owner string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		id, err := s.Claim(context.Background(), owner, time.Hour, time.Minute)
		if err != nil || id != "" {
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no lease ran out within 10s", owner)
		}
		<-time.After(time.Millisecond) // poll again
	}
}

// TestLeaseTwoOwners: one instance claims, the other finds nothing to claim and cannot renew
// the lease; a cancel requested through the second reaches the owner through RenewLease.
func TestLeaseTwoOwners(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a, b := backend(s), s.another(t)
		first, second := newJob(t, s), newJob(t, s)
		before := time.Now()
		if id, err := a.Claim(ctx, "A", time.Hour, 90*time.Second); id != first || err != nil {
			t.Fatalf("A claimed %q, %v; want the oldest", id, err)
		}
		st, _ := b.RunState(ctx, first)
		if st.Job.Status != schemas.JobProcessing || st.Deadline.Before(before.Add(90*time.Second).Add(-time.Microsecond)) ||
			st.Deadline.After(time.Now().Add(90*time.Second)) {
			t.Fatalf("claimed job %s, deadline %v", st.Job.Status, st.Deadline)
		}
		if id, _ := b.Claim(ctx, "B", time.Hour, time.Minute); id != second {
			t.Fatalf("B claimed %q, want the next queued job", id)
		}
		if id, err := b.Claim(ctx, "B", time.Hour, time.Minute); id != "" || err != nil {
			t.Fatalf("B claimed %q, %v while every job is held", id, err)
		}
		if cancel, err := a.RenewLease(ctx, first, "A", time.Hour); cancel || err != nil {
			t.Fatalf("A renews: %v, %v", cancel, err)
		}
		if _, err := b.RenewLease(ctx, first, "B", time.Hour); !errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("B renews A's job: %v, want ErrLeaseLost", err)
		}
		if err := b.ReleaseLease(ctx, first, "B"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("B releases A's job: %v, want ErrLeaseLost", err)
		}
		if err := b.RequestCancel(ctx, first); err != nil {
			t.Fatal(err)
		}
		if cancel, err := a.RenewLease(ctx, first, "A", time.Hour); !cancel || err != nil {
			t.Fatalf("A renews after a cancel through B: %v, %v", cancel, err)
		}
		if id, err := a.Claim(ctx, "C", time.Hour, time.Minute); id != "" || err != nil {
			t.Fatalf("C claimed %q, %v through the owner's instance while every job is held", id, err)
		}
		if _, err := a.Claim(ctx, "", time.Hour, time.Minute); err == nil {
			t.Fatal("claimed without an owner")
		}
		if _, err := a.Claim(ctx, "A", 0, time.Minute); err == nil {
			t.Fatal("claimed without a lease")
		}
	})
}

// TestLeaseExpiry: a lease that is not renewed runs out and another owner takes the job over,
// keeping its deadline; the first owner then finds its lease lost.
func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a, b := backend(s), s.another(t)
		id := newJob(t, s)
		if got, _ := a.Claim(ctx, "A", time.Millisecond, time.Minute); got != id {
			t.Fatalf("A claimed %q", got)
		}
		deadline := func() time.Time { st, _ := a.RunState(ctx, id); return st.Deadline }
		was := deadline()
		if got := claimOnceExpired(t, b, "B"); got != id {
			t.Fatalf("B took over %q, want %s", got, id)
		}
		if now := deadline(); !now.Equal(was) {
			t.Fatalf("the deadline moved from %v to %v on take-over", was, now)
		}
		if _, err := a.RenewLease(ctx, id, "A", time.Hour); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("A renews after B took over: %v, want ErrLeaseLost", err)
		}
		if cancel, err := b.RenewLease(ctx, id, "B", time.Hour); cancel || err != nil {
			t.Fatalf("B renews: %v, %v", cancel, err)
		}
		if got, _ := a.Claim(ctx, "A", time.Hour, time.Minute); got != "" {
			t.Fatalf("A claimed %q under B's renewed lease", got)
		}

		// A lease that ran out is still the owner's while no one took the job.
		other := newJob(t, s)
		if got, _ := a.Claim(ctx, "A", time.Millisecond, time.Minute); got != other {
			t.Fatalf("A claimed %q", got)
		}
		leaseRunsOut()
		if _, err := a.RenewLease(ctx, other, "A", time.Hour); err != nil {
			t.Fatalf("A renews its run-out lease: %v", err)
		}
		if got, _ := b.Claim(ctx, "B", time.Hour, time.Minute); got != "" {
			t.Fatalf("B claimed %q after A renewed", got)
		}
	})
}

// TestZombieWritesAreFenced: A claims a job and stalls past its lease; B takes the job over.
// A learns of it only at its next renewal, so every write A makes meanwhile must be refused
// with ErrLeaseLost and change nothing, while B's land; after B has finished the job, A's writes
// are refused still.
func TestZombieWritesAreFenced(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a, b := backend(s), s.another(t)
		id := newJob(t, s, schemas.AgentNumeric, schemas.AgentLogic)
		if got, _ := a.Claim(ctx, "A", time.Millisecond, time.Minute); got != id {
			t.Fatalf("A claimed %q", got)
		}
		if _, err := a.AgentStarted(ctx, id, "A", schemas.AgentNumeric); err != nil {
			t.Fatalf("A starts an agent on its job: %v", err)
		}
		if got := claimOnceExpired(t, b, "B"); got != id {
			t.Fatalf("B took over %q, want %s", got, id)
		}

		// state is everything a refused write could have changed.
		state := func() string {
			t.Helper()
			job, err := b.Job(ctx, "", id, false)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := b.Events(ctx, id, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := b.Results(ctx, "", id, "")
			if err != nil {
				t.Fatal(err)
			}
			var log []string
			for _, e := range evs {
				log = append(log, string(e.Data))
			}
			return fmt.Sprintf("status %s, last_seq %d, updated %v, agents %v, summary %+v, %d rows, events:\n%s",
				job.Status, job.LastSeq, job.UpdatedAt, job.Agents, job.Summary, len(rows), strings.Join(log, "\n"))
		}
		outcome := func(agentID string) store.AgentOutcome {
			sev := "high"
			return store.AgentOutcome{AgentID: agentID, Category: schemas.Category(agentID), Status: schemas.AgentCompleted,
				Rows: []schemas.Result{{ID: uuid.NewString(), JobID: id, AgentID: agentID, Category: schemas.Category(agentID),
					Severity: &sev, SourceRefs: []string{}, CreatedAt: time.Now()}}}
		}
		zombie := []struct {
			name  string
			write func() (store.Event, error)
		}{
			{"agent started", func() (store.Event, error) { return a.AgentStarted(ctx, id, "A", schemas.AgentLogic) }},
			{"agent progress", func() (store.Event, error) {
				return a.AgentProgress(ctx, id, "A", schemas.AgentNumeric, 1, 2, "table 1 of 2")
			}},
			{"agent finished", func() (store.Event, error) { return a.AgentFinished(ctx, id, "A", outcome(schemas.AgentNumeric)) }},
			{"agent cancelled", func() (store.Event, error) {
				return a.AgentFinished(ctx, id, "A", store.AgentOutcome{AgentID: schemas.AgentLogic, Status: schemas.AgentCancelled})
			}},
			{"finish job", func() (store.Event, error) { return a.FinishJob(ctx, id, "A", schemas.JobCompleted, "") }},
		}
		refused := func(when string) {
			t.Helper()
			want := state()
			for _, z := range zombie {
				if _, err := z.write(); !errors.Is(err, store.ErrLeaseLost) {
					t.Errorf("%s: A's %s: %v, want ErrLeaseLost", when, z.name, err)
				}
				if got := state(); got != want {
					t.Fatalf("%s: A's refused %s changed the job\nfrom %s\nto   %s", when, z.name, want, got)
				}
			}
		}
		refused("B holds the job")

		// B's writes land, and the refused ones took no seq.
		before, _ := b.Job(ctx, "", id, false)
		ev, err := b.AgentProgress(ctx, id, "B", schemas.AgentNumeric, 1, 2, "table 1 of 2")
		if err != nil || ev.Seq != before.LastSeq+1 {
			t.Fatalf("B's progress: seq %d, %v; want %d", ev.Seq, err, before.LastSeq+1)
		}
		if _, err := b.AgentStarted(ctx, id, "B", schemas.AgentLogic); err != nil {
			t.Fatalf("B starts an agent: %v", err)
		}
		if _, err := b.AgentFinished(ctx, id, "B", outcome(schemas.AgentNumeric)); err != nil {
			t.Fatalf("B's agent finishes: %v", err)
		}
		if _, err := b.AgentFinished(ctx, id, "B", store.AgentOutcome{AgentID: schemas.AgentLogic, Status: schemas.AgentCancelled}); err != nil {
			t.Fatalf("B's agent is cancelled: %v", err)
		}
		if _, err := b.FinishJob(ctx, id, "B", schemas.JobCancelled, ""); err != nil {
			t.Fatalf("B finishes the job: %v", err)
		}
		job, _ := b.Job(ctx, "", id, false)
		if job.Status != schemas.JobCancelled || job.LastSeq != before.LastSeq+4 || job.Summary.High != 1 ||
			fmt.Sprint(job.Agents) != "map[logic_consistency:cancelled numeric_validation:completed]" {
			t.Fatalf("job after B's writes %+v", job)
		}

		refused("B finished the job")
		if _, err := a.FinishJob(ctx, id, "A", schemas.JobCompleted, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("A finishes a finished job: %v, want ErrConflict as well", err)
		}
	})
}

// TestLeaseRelease: a released job is claimable at once; the releasing owner has lost it.
// Finished and deleted jobs have no lease to renew.
func TestLeaseRelease(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a, b := backend(s), s.another(t)
		id := newJob(t, s)
		a.Claim(ctx, "A", time.Hour, time.Minute)
		if err := a.ReleaseLease(ctx, id, "A"); err != nil {
			t.Fatal(err)
		}
		if job, _ := a.Job(ctx, "", id, false); job.Status != schemas.JobProcessing {
			t.Fatalf("released job is %s, want it still processing", job.Status)
		}
		if got, _ := b.Claim(ctx, "B", time.Hour, time.Minute); got != id {
			t.Fatalf("B claimed %q right after the release, want %s", got, id)
		}
		if _, err := a.RenewLease(ctx, id, "A", time.Hour); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("A renews after releasing: %v", err)
		}
		if err := a.ReleaseLease(ctx, id, "A"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("A releases again: %v", err)
		}

		if _, err := b.FinishJob(ctx, id, "B", schemas.JobCompleted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.RenewLease(ctx, id, "B", time.Hour); !errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("renew a finished job: %v, want ErrLeaseLost", err)
		}
		if got, _ := a.Claim(ctx, "A", time.Hour, time.Minute); got != "" {
			t.Fatalf("claimed %q, a finished job", got)
		}

		gone := newJob(t, s)
		a.Claim(ctx, "A", time.Hour, time.Minute)
		if err := b.DeleteJob(ctx, "", gone); err != nil {
			t.Fatal(err)
		}
		_, err := a.RenewLease(ctx, gone, "A", time.Hour)
		if !errors.Is(err, store.ErrLeaseLost) || !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("renew a deleted job: %v, want ErrLeaseLost and ErrNotFound", err)
		}
		if err := a.ReleaseLease(ctx, uuid.NewString(), "A"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("release an unknown job: %v", err)
		}
	})
}

// TestClaimOrderAndLeaselessJobs: a processing job without a lease (a synthetic load job) is
// never claimed; a queued job is claimed before a newer one, and an expired one before a newer
// queued one.
func TestClaimOrderAndLeaselessJobs(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		synthetic := uuid.NewString()
		if _, _, err := s.CreateJob(ctx, store.NewJob{ID: synthetic, EnabledAgents: []string{schemas.AgentNumeric},
			Filename: "s.txt", ContentType: "text/plain", Content: []byte{}, SHA256: strings.Repeat("0", 64),
			Extracted: &extract.Document{}, Synthetic: true}); err != nil {
			t.Fatal(err)
		}
		if job, _ := s.Job(ctx, "", synthetic, false); job.Status != schemas.JobProcessing {
			t.Fatalf("synthetic job is %s", job.Status)
		}
		expired, queued := newJob(t, s), newJob(t, s)
		if got, _ := s.Claim(ctx, "A", time.Millisecond, time.Minute); got != expired {
			t.Fatalf("A claimed %q, want the oldest queued job, not the synthetic one", got)
		}
		leaseRunsOut() // else the newer queued job is the only one to claim
		if got := claimOnceExpired(t, s, "B"); got != expired {
			t.Fatalf("B claimed %q, want the expired job before the newer queued one", got)
		}
		if got, _ := s.Claim(ctx, "B", time.Hour, time.Minute); got != queued {
			t.Fatalf("B claimed %q, want the queued job", got)
		}
		if got, _ := s.Claim(ctx, "B", time.Hour, time.Minute); got != "" {
			t.Fatalf("Claim took %q, want nothing (the synthetic job has no lease to run out)", got)
		}
		if _, err := s.RenewLease(ctx, synthetic, "B", time.Hour); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("renew the synthetic job: %v, want ErrLeaseLost", err)
		}
	})
}

// TestClaimOneWinner races claimers of two instances, over a queue and over one expired lease:
// every job goes to exactly one owner.
func TestClaimOneWinner(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		instances := []backend{s, s.another(t)}
		want := map[string]bool{}
		for range 20 {
			want[newJob(t, s)] = true
		}
		var (
			mu     sync.Mutex
			claims = map[string][]string{}
			wg     sync.WaitGroup
		)
		for g := range 8 {
			wg.Go(func() {
				owner := fmt.Sprintf("owner-%d", g)
				for {
					id, err := instances[g%2].Claim(ctx, owner, time.Hour, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if id == "" {
						return
					}
					mu.Lock()
					claims[id] = append(claims[id], owner)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claims) != len(want) {
			t.Fatalf("%d jobs claimed, want %d", len(claims), len(want))
		}
		if id, err := s.Claim(ctx, "late", time.Hour, time.Minute); id != "" || err != nil {
			t.Fatalf("empty queue gave %q, %v", id, err)
		}
		for id, owners := range claims {
			if len(owners) != 1 || !want[id] {
				t.Fatalf("job %s claimed by %v", id, owners)
			}
			// The owner the store recorded is the one that was told it won.
			if _, err := s.RenewLease(ctx, id, owners[0], time.Hour); err != nil {
				t.Fatalf("%s renews %s: %v", owners[0], id, err)
			}
		}

		// One job whose lease ran out, eight claimers at once.
		id := newJob(t, s)
		s.Claim(ctx, "dead", time.Millisecond, time.Minute)
		leaseRunsOut()
		won := make(chan string, 8)
		for g := range 8 {
			wg.Go(func() {
				got, err := instances[g%2].Claim(ctx, fmt.Sprintf("heir-%d", g), time.Hour, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if got != "" {
					won <- got
				}
			})
		}
		wg.Wait()
		close(won)
		var winners []string
		for got := range won {
			winners = append(winners, got)
		}
		if len(winners) != 1 || winners[0] != id {
			t.Fatalf("the expired job went to %d claimers: %v", len(winners), winners)
		}
	})
}

// leaseRunsOut waits past the 1 ms leases these tests take: a deadline, not a guess at another
// goroutine's progress (PostgreSQL compares leases with its own clock, hence the margin).
func leaseRunsOut() { <-time.After(5 * time.Millisecond) }
