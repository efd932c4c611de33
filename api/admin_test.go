package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/veritas-audit/veritas/api"
)

// TestSyntheticBatches: the admin load generator appends count events in batches through the
// real store and hub, and a subscriber receives every one once, in order; a batch size outside
// 1..1000 is refused.
func TestSyntheticBatches(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin := httptest.NewServer(api.NewAdmin(e.h, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer admin.Close()
	post := func(path string, status int) map[string]any {
		t.Helper()
		resp, err := http.Post(admin.URL+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != status {
			t.Fatalf("POST %s: %d %v, want %d", path, resp.StatusCode, body, status)
		}
		return body
	}
	for _, bad := range []string{"0", "1001", "x"} {
		post("/debug/jobs/new/synthetic?count=3&batch="+bad, http.StatusUnprocessableEntity)
	}
	id := post("/debug/jobs/new/synthetic?count=0", http.StatusAccepted)["job_id"].(string)
	ws := e.dial(id, 0)
	defer ws.Close()
	if ev := readEvent(t, ws); ev.Seq != 1 || ev.Type != "job_queued" {
		t.Fatalf("first event %+v", ev)
	}
	if got := post("/debug/jobs/"+id+"/synthetic?count=10&batch=4", http.StatusAccepted)["first_seq"]; got != 2.0 {
		t.Fatalf("first_seq %v, want 2", got)
	}
	for i := range 10 {
		ev := readEvent(t, ws)
		if ev.Seq != int64(2+i) || ev.Type != "agent_progress" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	resp := e.do(http.MethodGet, "/api/v1/jobs/"+id, nil)
	var job struct {
		LastSeq int64 `json:"last_seq"`
	}
	decode(t, resp, http.StatusOK, &job)
	if job.LastSeq != 11 {
		t.Fatalf("last_seq %d, want 11", job.LastSeq)
	}
}
