package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// tenantJob stores a job that belongs to tenant and returns its id.
func tenantJob(t *testing.T, s backend, tenant, name string) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	if _, _, err := s.CreateJob(context.Background(), store.NewJob{
		ID: id, Tenant: tenant, Name: name, EnabledAgents: []string{schemas.AgentNumeric},
		Filename: "a.docx", ContentType: "x", Content: []byte("doc"),
		SHA256:    "0000000000000000000000000000000000000000000000000000000000000000",
		Extracted: &extract.Document{Markdown: "# A"},
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTenantsSeeOnlyTheirJobs: every read and write by job id, and the list, answer only for the
// job's own tenant; for any other (open mode's "" included) the job does not exist and is
// left as it was.
func TestTenantsSeeOnlyTheirJobs(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		a1 := tenantJob(t, s, "acme", "A1")
		b1 := tenantJob(t, s, "globex", "B1")
		a2 := tenantJob(t, s, "acme", "A2")
		open := tenantJob(t, s, "", "Open")

		for _, tc := range []struct {
			tenant string
			want   []string
		}{{"acme", []string{a2, a1}}, {"globex", []string{b1}}, {"", []string{open}}, {"initech", nil}} {
			page, err := s.Jobs(ctx, tc.tenant, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range page {
				got = append(got, j.ID)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) || len(got) == 2 && got[1] != tc.want[1] {
				t.Errorf("tenant %q lists %v, want %v", tc.tenant, got, tc.want)
			}
		}
		if page, err := s.Jobs(ctx, "acme", 1, a2); err != nil || len(page) != 1 || page[0].ID != a1 {
			t.Errorf("acme's second page: %v, %v", page, err)
		}
		if _, err := s.Jobs(ctx, "globex", 1, a2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("globex paging after acme's job: %v, want ErrNotFound", err)
		}

		for _, other := range []string{"globex", ""} {
			if _, err := s.Job(ctx, other, a1, false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Job as %q: %v", other, err)
			}
			if ok, err := s.HasJob(ctx, other, a1); ok || err != nil {
				t.Errorf("HasJob as %q: %v, %v", other, ok, err)
			}
			if _, err := s.Results(ctx, other, a1, ""); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Results as %q: %v", other, err)
			}
			if _, err := s.RenameJob(ctx, other, a1, "taken"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("RenameJob as %q: %v", other, err)
			}
			if err := s.DeleteJob(ctx, other, a1); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteJob as %q: %v", other, err)
			}
			if _, err := s.CreateTicket(ctx, other, a1, uuid.NewString(), time.Minute); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("CreateTicket as %q: %v", other, err)
			}
		}
		job, err := s.Job(ctx, "acme", a1, false)
		if err != nil || job.Name != "A1" {
			t.Fatalf("acme's job after the others tried: %+v, %v", job, err)
		}
		if ok, err := s.HasJob(ctx, "acme", a1); !ok || err != nil {
			t.Errorf("HasJob as acme: %v, %v", ok, err)
		}
		if job, err := s.RenameJob(ctx, "acme", a1, "A1 renamed"); err != nil || job.Name != "A1 renamed" {
			t.Errorf("acme renames its job: %+v, %v", job, err)
		}
		if err := s.DeleteJob(ctx, "acme", a1); err != nil {
			t.Errorf("acme deletes its job: %v", err)
		}
		if ok, _ := s.JobExists(ctx, a1); ok {
			t.Error("deleted job still exists")
		}
	})
}

// TestStreamTickets: a ticket is stored by its hash for one tenant's job, is used once (by any
// instance on the same database), tells when it expired, and goes with its job.
func TestStreamTickets(t *testing.T) {
	eachStore(t, func(t *testing.T, s testStore) {
		ctx := context.Background()
		id := tenantJob(t, s, "acme", "A")
		expires, err := s.CreateTicket(ctx, "acme", id, "hash-1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(expires); d < 50*time.Second || d > 70*time.Second || expires.Location() != time.UTC {
			t.Errorf("expires %v, want about a minute from now, UTC", expires)
		}
		other := s.another(t) // a second instance
		tk, err := other.UseTicket(ctx, "hash-1")
		if err != nil || tk != (store.Ticket{JobID: id, Tenant: "acme"}) {
			t.Fatalf("UseTicket on another instance: %+v, %v", tk, err)
		}
		if _, err := s.UseTicket(ctx, "hash-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second use: %v, want ErrNotFound", err)
		}
		if _, err := s.UseTicket(ctx, "never-issued"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown ticket: %v, want ErrNotFound", err)
		}

		if _, err := s.CreateTicket(ctx, "acme", id, "hash-2", -time.Second); err != nil {
			t.Fatal(err)
		}
		if tk, err := s.UseTicket(ctx, "hash-2"); err != nil || !tk.Expired || tk.Tenant != "acme" {
			t.Errorf("expired ticket: %+v, %v", tk, err)
		}

		if _, err := s.CreateTicket(ctx, "acme", id, "hash-3", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteJob(ctx, "acme", id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseTicket(ctx, "hash-3"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ticket of a deleted job: %v, want ErrNotFound", err)
		}
		if _, err := s.CreateTicket(ctx, "acme", uuid.NewString(), "hash-4", time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ticket for an unknown job: %v, want ErrNotFound", err)
		}
	})
}
