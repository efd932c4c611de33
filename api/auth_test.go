package api_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/api"
	"github.com/veritas-audit/veritas/schemas"
)

const (
	acmeKey   = "acme-key-0123456789abcdef"
	globexKey = "globex-key-0123456789abcdef"
	wrongKey  = "wrong-key-0123456789abcdef"
)

// authEnv is the service with two tenants, acme and globex.
func authEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	o.keys = map[string]string{"acme": acmeKey, "globex": globexKey}
	return newEnv(t, o)
}

// as sends a request with key in the Authorization header ("" for none).
func (e *env) as(key, method, path string, body io.Reader, contentType string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// uploadBody is a multipart upload of a small statement.
func uploadBody() (io.Reader, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "FY2024.docx")
	w.Write(statement(1, false))
	mw.Close()
	return &body, mw.FormDataContentType()
}

// submitAs uploads a statement as key's tenant and follows the job to its end.
func (e *env) submitAs(key string) schemas.Job {
	e.t.Helper()
	body, ct := uploadBody()
	var job schemas.Job
	decode(e.t, e.as(key, http.MethodPost, "/api/v1/documents/upload", body, ct), http.StatusAccepted, &job)
	ws, status := e.dialAs("/ws/jobs/"+job.ID, http.Header{"X-Api-Key": {key}})
	if ws == nil {
		e.t.Fatalf("stream of the new job as its tenant: status %d", status)
	}
	defer ws.Close()
	readAll(e.t, ws, 1)
	return job
}

// jobJSON is the job as its tenant reads it, byte for byte.
func (e *env) jobJSON(key, id string) []byte {
	e.t.Helper()
	resp := e.as(key, http.MethodGet, "/api/v1/jobs/"+id, nil, "")
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("job %s: %d %s", id, resp.StatusCode, data)
	}
	return data
}

// dialAs opens a stream path (with its query) sending header; it returns the connection, or nil
// and the HTTP status the server refused the upgrade with.
func (e *env) dialAs(path string, header http.Header) (*websocket.Conn, int) {
	e.t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+path, header)
	if err == nil {
		return ws, http.StatusSwitchingProtocols
	}
	if resp == nil {
		e.t.Fatalf("dial %s: %v", path, err)
	}
	if resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		e.t.Errorf("dial %s: 401 without WWW-Authenticate: Bearer", path)
	}
	return nil, resp.StatusCode
}

// ticket asks for a stream ticket as key's tenant.
func (e *env) ticket(key, jobID string) (ticket string, expires time.Time) {
	e.t.Helper()
	var out struct {
		Ticket    string    `json:"ticket"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	decode(e.t, e.as(key, http.MethodPost, "/api/v1/jobs/"+jobID+"/stream-ticket", nil, ""), http.StatusCreated, &out)
	return out.Ticket, out.ExpiresAt
}

// routeCall says how TestEveryRouteAnswersOnlyItsTenant calls a route of the table.
type routeCall struct {
	open   bool                       // served without a key
	stream bool                       // a WebSocket route
	body   func() (io.Reader, string) // the body and its content type, for routes that take one
	// owner is the status the job's own tenant gets (0: not tried, the call would change the job).
	owner int
}

// routeCalls holds every route of api.Routes(). A route added to the table without an entry here
// fails the test: decide how it is called, and it is checked like the others.
var routeCalls = map[string]routeCall{
	"GET /api/health":                              {open: true},
	"GET /api/openapi.yaml":                        {open: true},
	"GET /metrics":                                 {open: true},
	"GET /api/v1/agents":                           {},
	"POST /api/v1/documents/upload":                {body: uploadBody},
	"GET /api/v1/jobs":                             {},
	"GET /api/v1/jobs/":                            {},
	"GET /api/v1/jobs/:id":                         {owner: http.StatusOK},
	"PATCH /api/v1/jobs/:id":                       {body: func() (io.Reader, string) { return strings.NewReader(`{"name":"taken"}`), "application/json" }},
	"DELETE /api/v1/jobs/:id":                      {},
	"POST /api/v1/jobs/:id/cancel":                 {owner: http.StatusConflict},
	"GET /api/v1/jobs/:id/results":                 {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/results/agent/:agent_id": {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/results.csv":             {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/results.json":            {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/results.xlsx":            {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/annotated.docx":          {owner: http.StatusOK},
	"GET /api/v1/jobs/:id/events":                  {owner: http.StatusOK},
	"POST /api/v1/jobs/:id/stream-ticket":          {owner: http.StatusCreated},
	"GET /ws/jobs/:id":                             {stream: true},
	"GET /ws/audit/:id":                            {stream: true},
}

// TestEveryRouteAnswersOnlyItsTenant walks the route table: every /api/v1 route refuses a
// request without a key or with a wrong one (401), every route with a job id answers 404 to
// another tenant, streams included (before the upgrade), and afterwards the job is exactly as
// it was.
func TestEveryRouteAnswersOnlyItsTenant(t *testing.T) {
	e := authEnv(t, envOptions{authFailures: 1000}) // this test fails on purpose, often
	jobA := e.submitAs(acmeKey)
	jobB := e.submitAs(globexKey)
	before := e.jobJSON(acmeKey, jobA.ID)
	var ticketsB []string // globex's tickets for its own job, one per stream route
	for range 2 {
		tk, _ := e.ticket(globexKey, jobB.ID)
		ticketsB = append(ticketsB, tk)
	}

	seen := map[string]bool{}
	for _, r := range api.Routes() {
		name := r.Method + " " + r.Path
		call, ok := routeCalls[name]
		if !ok {
			t.Errorf("route %s is not in routeCalls: this test does not know how to call it, so nothing checks that it needs a key and answers only its tenant", name)
			continue
		}
		seen[name] = true
		path := strings.NewReplacer(":id", jobA.ID, ":agent_id", schemas.AgentNumeric).Replace(r.Path)
		send := func(key string) *http.Response {
			var body io.Reader
			ct := ""
			if call.body != nil {
				body, ct = call.body()
			}
			return e.as(key, r.Method, path, body, ct)
		}
		t.Run(name, func(t *testing.T) {
			switch {
			case call.open:
				resp := send("")
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("without a key: %d, want 200", resp.StatusCode)
				}
			case call.stream:
				for _, tc := range []struct {
					what   string
					query  string
					header http.Header
					want   int
				}{
					{"no credentials", "", nil, http.StatusUnauthorized},
					{"a wrong key", "", http.Header{"Authorization": {"Bearer " + wrongKey}}, http.StatusUnauthorized},
					{"the key in the URL", "?api_key=" + acmeKey, nil, http.StatusUnauthorized},
					{"another tenant's key", "", http.Header{"Authorization": {"Bearer " + globexKey}}, http.StatusNotFound},
					{"another tenant's ticket for its own job", "?ticket=" + ticketsB[0], nil, http.StatusUnauthorized},
				} {
					if ws, status := e.dialAs(path+tc.query, tc.header); ws != nil || status != tc.want {
						if ws != nil {
							ws.Close()
						}
						t.Errorf("%s: status %d, want %d before the upgrade", tc.what, status, tc.want)
					}
				}
				ticketsB = ticketsB[1:]
				ws, status := e.dialAs(path, http.Header{"X-Api-Key": {acmeKey}})
				if ws == nil {
					t.Fatalf("the job's own tenant: status %d", status)
				}
				ws.Close()
			default:
				for _, key := range []string{"", wrongKey} {
					resp := send(key)
					if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("key %q: WWW-Authenticate %q", key, got)
					}
					checkProblem(t, resp, http.StatusUnauthorized)
				}
				if strings.Contains(r.Path, ":id") {
					checkProblem(t, send(globexKey), http.StatusNotFound)
					if call.owner != 0 {
						resp := send(acmeKey)
						resp.Body.Close()
						if resp.StatusCode != call.owner {
							t.Errorf("the job's own tenant: %d, want %d", resp.StatusCode, call.owner)
						}
					}
				} else if resp := send(globexKey); resp.StatusCode >= 400 {
					resp.Body.Close()
					t.Errorf("another tenant, no job id: %d", resp.StatusCode)
				} else {
					resp.Body.Close()
				}
			}
		})
	}
	for name := range routeCalls {
		if !seen[name] {
			t.Errorf("routeCalls has %s, which the route table does not serve", name)
		}
	}

	if after := e.jobJSON(acmeKey, jobA.ID); !bytes.Equal(before, after) {
		t.Errorf("acme's job changed while globex called every route:\nbefore %s\nafter  %s", before, after)
	}
	for key, want := range map[string]string{acmeKey: jobA.ID, globexKey: jobB.ID} {
		var jobs []schemas.Job
		decode(t, e.as(key, http.MethodGet, "/api/v1/jobs", nil, ""), http.StatusOK, &jobs)
		for _, j := range jobs {
			if j.ID == jobA.ID && want != jobA.ID || j.ID == jobB.ID && want != jobB.ID {
				t.Errorf("the list of %s holds the other tenant's job %s", key[:6], j.ID)
			}
		}
	}
}

// TestStreamTickets: a ticket opens its job's stream once, on any instance of the same store,
// and nothing else does: used twice, for another job, expired, or a key in the URL.
func TestStreamTickets(t *testing.T) {
	var logs logBuffer
	db := filepath.Join(t.TempDir(), "veritas.db")
	e := authEnv(t, envOptions{dbPath: db, logTo: &logs})
	e2 := authEnv(t, envOptions{dbPath: db}) // a second instance on the same store
	job := e.submitAs(acmeKey)
	other := e.submitAs(acmeKey)

	tk, expires := e.ticket(acmeKey, job.ID)
	if d := time.Until(expires); len(tk) < 32 || d < 50*time.Second || d > 70*time.Second {
		t.Errorf("ticket %q expires in %s, want a long token valid about 60 s", tk, d)
	}
	ws, status := e2.dialAs("/ws/jobs/"+job.ID+"?ticket="+tk, nil)
	if ws == nil {
		t.Fatalf("a ticket from instance 1 on instance 2: status %d", status)
	}
	if ev := readEvent(t, ws); ev.Type != schemas.EventJobQueued || ev.JobID != job.ID {
		t.Errorf("first event %+v", ev)
	}
	ws.Close()
	if _, status := e.dialAs("/ws/jobs/"+job.ID+"?ticket="+tk, nil); status != http.StatusUnauthorized {
		t.Errorf("the same ticket again: %d, want 401", status)
	}

	tk, _ = e.ticket(acmeKey, job.ID)
	if _, status := e.dialAs("/ws/audit/"+other.ID+"?ticket="+tk, nil); status != http.StatusUnauthorized {
		t.Errorf("a ticket for another job: %d, want 401", status)
	}
	if !strings.Contains(logs.String(), "reason=\"ticket for another job\"") || !strings.Contains(logs.String(), "tenant=acme") {
		t.Errorf("no log line naming the reason and the tenant:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), tk) || strings.Contains(logs.String(), acmeKey) {
		t.Errorf("a ticket or key in the log:\n%s", logs.String())
	}
	if ws, status := e.dialAs("/ws/audit/"+other.ID, http.Header{"Authorization": {"Bearer " + acmeKey}}); ws == nil {
		t.Errorf("a key header (a client that is not a browser): status %d", status)
	} else {
		ws.Close()
	}

	expired := authEnv(t, envOptions{ticketTTL: -time.Second})
	job = expired.submitAs(acmeKey)
	tk, _ = expired.ticket(acmeKey, job.ID)
	if _, status := expired.dialAs("/ws/jobs/"+job.ID+"?ticket="+tk, nil); status != http.StatusUnauthorized {
		t.Errorf("an expired ticket: %d, want 401", status)
	}
}

// TestFailedAuthIsRateLimitedAndLogged: an address that keeps failing is refused with 429 and
// Retry-After, even with a good key, until its budget refills; each refusal is one log line
// without the key; /api/health stays open.
func TestFailedAuthIsRateLimitedAndLogged(t *testing.T) {
	var logs logBuffer
	e := authEnv(t, envOptions{logTo: &logs})
	for i := range 10 {
		resp := e.as(wrongKey, http.MethodGet, "/api/v1/jobs", nil, "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp := e.as(acmeKey, http.MethodGet, "/api/v1/jobs", nil, "")
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || n < 1 || n > 6 {
		t.Errorf("Retry-After %q, want 1 to 6 seconds", resp.Header.Get("Retry-After"))
	}
	checkProblem(t, resp, http.StatusTooManyRequests)
	resp = e.as("", http.MethodGet, "/api/health", nil, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health while limited: %d", resp.StatusCode)
	}

	var lines []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, `msg="request refused"`) {
			lines = append(lines, logFields(l))
		}
	}
	if len(lines) != 11 {
		t.Fatalf("%d auth log lines, want 11:\n%s", len(lines), logs.String())
	}
	for i, l := range lines {
		want := map[string]string{"status": "401", "reason": "unknown key", "path": "/api/v1/jobs"}
		if !strings.HasPrefix(l["remote_addr"], "127.0.0.1:") {
			t.Errorf("line %d: remote_addr %q", i+1, l["remote_addr"])
		}
		if i == 10 {
			want["status"], want["reason"] = "429", "too many failures"
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("line %d: %s=%q, want %q", i+1, k, l[k], v)
			}
		}
	}
	if strings.Contains(logs.String(), wrongKey) || strings.Contains(logs.String(), acmeKey) {
		t.Errorf("a key in the log:\n%s", logs.String())
	}
}

// logFields reads the key=value pairs of one text log line.
func logFields(line string) map[string]string {
	out := map[string]string{}
	for len(line) > 0 {
		k, rest, ok := strings.Cut(line, "=")
		if !ok {
			break
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				break
			}
			v, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			v, rest, _ = strings.Cut(rest, " ")
		}
		out[k] = v
		line = strings.TrimLeft(rest, " ")
	}
	return out
}

// TestOpenModeNeedsNoCredentials: without keys, every route and stream works as before (the
// React client sends no key), a ticket is issued but not needed, and a stray one is ignored.
func TestOpenModeNeedsNoCredentials(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), nil)
	resp := e.do(http.MethodPost, "/api/v1/jobs/"+job.ID+"/stream-ticket", nil)
	var tk struct{ Ticket string }
	decode(t, resp, http.StatusCreated, &tk)
	for _, q := range []string{"", "?ticket=" + tk.Ticket, "?ticket=not-a-ticket"} {
		ws, status := e.dialAs("/ws/jobs/"+job.ID+q, nil)
		if ws == nil {
			t.Fatalf("open mode, query %q: status %d", q, status)
		}
		readAll(t, ws, 1)
		ws.Close()
	}
}

// TestCORSWildcardDoesNotEchoOrigins: "*" (open mode only) answers the literal "*", never an
// echo of the caller's origin and never with credentials.
func TestCORSWildcardDoesNotEchoOrigins(t *testing.T) {
	e := newEnv(t, envOptions{origins: []string{"*"}})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/agents", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want *", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Access-Control-Allow-Credentials %q, want none", got)
	}
}

// TestStreamCapPerTenant: a tenant holding its share of streams gets 429 (with Retry-After) for
// the next, while another tenant still opens one; once the first closes, its tenant may open
// another.
func TestStreamCapPerTenant(t *testing.T) {
	e := authEnv(t, envOptions{tenantCap: 1})
	acme, globex := e.submitAs(acmeKey), e.submitAs(globexKey)
	first, status := e.dialAs("/ws/jobs/"+acme.ID, http.Header{"X-Api-Key": {acmeKey}})
	if first == nil {
		t.Fatalf("acme's first stream: %d", status)
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/jobs/"+acme.ID, http.Header{"X-Api-Key": {acmeKey}})
	if err == nil {
		ws.Close()
		t.Fatal("acme's second stream was accepted over a cap of one")
	}
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("acme's second stream: %v, %+v", err, resp)
	}
	other, status := e.dialAs("/ws/jobs/"+globex.ID, http.Header{"X-Api-Key": {globexKey}})
	if other == nil {
		t.Fatalf("globex's stream while acme is at its cap: %d", status)
	}
	other.Close()
	first.Close()
	// The server counts the stream out when it sees it end; until then acme is refused.
	deadline := time.Now().Add(10 * time.Second)
	for {
		again, status := e.dialAs("/ws/jobs/"+acme.ID, http.Header{"X-Api-Key": {acmeKey}})
		if again != nil {
			again.Close()
			return
		}
		if status != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("acme's stream after closing its first: %d", status)
		}
	}
}
