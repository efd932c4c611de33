package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// keyedJob is a NewJob carrying tenant's Idempotency-Key key with fingerprint fp.
func keyedJob(tenant, key, fp string) store.NewJob {
	return store.NewJob{
		ID: uuid.Must(uuid.NewV7()).String(), EnabledAgents: []string{schemas.AgentNumeric},
		Filename: "a.docx", ContentType: "x", Content: []byte("doc"),
		SHA256:      "0000000000000000000000000000000000000000000000000000000000000000",
		Extracted:   &extract.Document{Markdown: "# A", Tables: []extract.Table{{Index: 1, Rows: [][]string{{"a"}}}}},
		Idempotency: &store.Idempotency{Tenant: tenant, Key: key, Fingerprint: fp},
	}
}

// TestIdempotencyKeyCreatesOneJob: the first upload with a key creates its job and records
// the key; the same key again creates nothing and tells which job it made; another tenant's
// same key is another key; the stored response comes back byte for byte.
func TestIdempotencyKeyCreatesOneJob(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		if _, err := s.IdempotentUpload(ctx, "", "k1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown key: %v, want ErrNotFound", err)
		}
		first, _, err := s.CreateJob(ctx, keyedJob("", "k1", "fp-a"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetIdempotentResponse(ctx, "", "k1", []byte(`{"id":"`+first.ID+`"}`)); err != nil {
			t.Fatal(err)
		}
		again := keyedJob("", "k1", "fp-b")
		if _, _, err := s.CreateJob(ctx, again); !errors.Is(err, store.ErrDuplicateKey) {
			t.Fatalf("same key again: %v, want ErrDuplicateKey", err)
		}
		if ok, _ := s.JobExists(ctx, again.ID); ok {
			t.Fatal("the second upload with the key created its job")
		}
		r, err := s.IdempotentUpload(ctx, "", "k1")
		if err != nil || r.JobID != first.ID || r.Fingerprint != "fp-a" || string(r.Response) != `{"id":"`+first.ID+`"}` {
			t.Fatalf("replay %+v, %v", r, err)
		}
		other, _, err := s.CreateJob(ctx, keyedJob("tenant-b", "k1", "fp-a"))
		if err != nil || other.ID == first.ID {
			t.Fatalf("another tenant's key: %+v, %v", other, err)
		}
		if n, _ := s.CountJobs(ctx); n != 2 {
			t.Fatalf("%d jobs, want 2", n)
		}
		// A deleted job frees its key.
		if err := s.DeleteJob(ctx, "", first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IdempotentUpload(ctx, "", "k1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("key of a deleted job: %v, want ErrNotFound", err)
		}
		if _, _, err := s.CreateJob(ctx, keyedJob("", "k1", "fp-c")); err != nil {
			t.Fatalf("key of a deleted job used again: %v", err)
		}
	})
}

// TestIdempotencyKeyRaceCreatesOneJob: uploads with one key racing from two stores on the same
// database (two instances) create exactly one job; every loser gets ErrDuplicateKey.
func TestIdempotencyKeyRaceCreatesOneJob(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		stores := []backend{s.backend, s.another(t)}
		const racers = 8
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created []string
			dups    int
		)
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				job, _, err := stores[i%2].CreateJob(ctx, keyedJob("", "race", "fp"))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					created = append(created, job.ID)
				case errors.Is(err, store.ErrDuplicateKey):
					dups++
				default:
					t.Errorf("racer %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(created) != 1 || dups != racers-1 {
			t.Fatalf("%d created (%v), %d duplicates; want 1 and %d", len(created), created, dups, racers-1)
		}
		if n, _ := s.CountJobs(ctx); n != 1 {
			t.Fatalf("%d jobs stored, want 1", n)
		}
		if r, err := s.IdempotentUpload(ctx, "", "race"); err != nil || r.JobID != created[0] {
			t.Fatalf("replay %+v, %v; want job %s", r, err, created[0])
		}
	})
}

// TestIdempotencyKeyExpires: a key older than IdempotencyTTL is forgotten: looking it up finds
// nothing and an upload with it creates a new job.
func TestIdempotencyKeyExpires(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		first, _, err := s.CreateJob(ctx, keyedJob("", "old", "fp"))
		if err != nil {
			t.Fatal(err)
		}
		s.ageKeys(t, store.IdempotencyTTL-time.Minute)
		if r, err := s.IdempotentUpload(ctx, "", "old"); err != nil || r.JobID != first.ID {
			t.Fatalf("a key just under a day old: %+v, %v", r, err)
		}
		s.ageKeys(t, 2*time.Minute)
		if _, err := s.IdempotentUpload(ctx, "", "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a key over a day old: %v, want ErrNotFound", err)
		}
		second, _, err := s.CreateJob(ctx, keyedJob("", "old", "fp"))
		if err != nil || second.ID == first.ID {
			t.Fatalf("upload with an expired key: %+v, %v", second, err)
		}
		if r, err := s.IdempotentUpload(ctx, "", "old"); err != nil || r.JobID != second.ID {
			t.Fatalf("the key now names %+v, %v; want job %s", r, err, second.ID)
		}
	})
}

// TestCountQueued counts only jobs waiting for a worker, across stores on one database.
func TestCountQueued(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		other := s.another(t)
		first := newJob(t, s)
		newJob(t, other)
		newJob(t, s)
		if id, err := s.Claim(ctx, "A", time.Hour, time.Minute); err != nil || id != first {
			t.Fatalf("claimed %q, %v; want the oldest job", id, err)
		}
		for _, st := range []backend{s, other} {
			if n, err := st.CountQueued(ctx); err != nil || n != 2 {
				t.Fatalf("queued %d, %v; want 2", n, err)
			}
		}
	})
}
