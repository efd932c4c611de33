package api_test

import (
	"net/http"
	"testing"
)

// TestRequestIDInHeaderBodyAndLog: every answer carries X-Request-ID (the client's own when it
// sends a sane one), a problem body carries the same id, and the request's one log line names it
// with its route template, status and tenant.
func TestRequestIDInHeaderBodyAndLog(t *testing.T) {
	logs := newLogLines()
	e := newEnv(t, envOptions{jsonLogTo: logs})
	for _, sent := range []string{"", "trace-42", "bad id with spaces"} {
		mark := logs.len()
		req := e.request(http.MethodGet, "/api/v1/jobs/"+unknownID, "", nil)
		if sent != "" {
			req.Header.Set("X-Request-ID", sent)
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		id := resp.Header.Get("X-Request-ID")
		p := checkProblem(t, resp, http.StatusNotFound)
		switch {
		case id == "":
			t.Fatal("no X-Request-ID")
		case sent == "trace-42" && id != sent:
			t.Fatalf("X-Request-ID %q, want the client's %q", id, sent)
		case sent == "bad id with spaces" && id == sent:
			t.Fatal("an X-Request-ID with spaces was echoed")
		case p.RequestID != id:
			t.Fatalf("problem request_id %q, header %q", p.RequestID, id)
		}
		logs.waitFor(t, mark, func(rec map[string]any) bool {
			return rec["msg"] == "request" && rec["request_id"] == id && rec["level"] == "INFO" &&
				rec["route"] == "/api/v1/jobs/:id" && rec["status"] == float64(404) && rec["tenant"] == ""
		})
	}
}
