package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"
	"github.com/gorilla/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/veritas-audit/veritas/docs"
)

// The contract tests hold every request and answer of this package's tests to docs/openapi.yaml
// (env's HTTP client checks each pair as it passes) and every message the WebSocket sends to
// docs/asyncapi.yaml (the read helpers check each frame). A mismatch fails the test that made
// the request or read the frame.

// openAPIContract is the loaded OpenAPI document and a router over its paths.
type openAPIContract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	openAPIOnce sync.Once
	openAPIDoc  openAPIContract
	openAPIErr  error
)

func loadOpenAPI() (openAPIContract, error) {
	openAPIOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
		if err != nil {
			openAPIErr = fmt.Errorf("load docs/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			openAPIErr = fmt.Errorf("docs/openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		// The tests' server listens on a port of its own, not on the documented default
		// address: match the paths on any host.
		doc.Servers = nil
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			openAPIErr = fmt.Errorf("route docs/openapi.yaml: %w", err)
			return
		}
		openAPIDoc = openAPIContract{doc: doc, router: router}
	})
	return openAPIDoc, openAPIErr
}

// contractTransport sends requests like http.DefaultTransport and checks each request and its
// answer against docs/openapi.yaml, failing t on a mismatch.
type contractTransport struct{ t testing.TB }

func (ct contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, ok := ct.t.(*testing.B); ok {
		return http.DefaultTransport.RoundTrip(req) // benchmarks time the server, not the check
	}
	if webClientPath(req.URL.Path) {
		return http.DefaultTransport.RoundTrip(req) // the web client's files, not the API
	}
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := checkOpenAPI(req, reqBody, resp, body); err != nil {
		// Errorf, not Fatalf: the request may come from a goroutine of the test.
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		ct.t.Errorf("%s %s → %d does not match docs/openapi.yaml: %s\nanswer: %.600s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, msg, body)
	}
	return resp, nil
}

// checkOpenAPI checks one exchange. The answer must be one the document lists for the
// operation, status included. A request the document forbids (the tests send many on purpose)
// must have been refused with a 4xx the operation lists.
func checkOpenAPI(req *http.Request, reqBody []byte, resp *http.Response, body []byte) error {
	c, err := loadOpenAPI()
	if err != nil {
		return err
	}
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		// CORS preflights are answered by the middleware for every route (info.description).
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("a preflight answered %d, want 204", resp.StatusCode)
		}
		return nil
	}
	ctx := context.Background()
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		if strings.HasPrefix(req.URL.Path, "/ws/") {
			// A stream route without the upgrade: the routes are in docs/asyncapi.yaml, which
			// says a refusal before the upgrade is a plain status with a problem body.
			if resp.StatusCode < 400 {
				return fmt.Errorf("a stream route answered %d without an upgrade", resp.StatusCode)
			}
			return checkProblemBody(c, resp, body)
		}
		if errors.Is(err, routers.ErrPathNotFound) && resp.StatusCode == http.StatusNotFound ||
			errors.Is(err, routers.ErrMethodNotAllowed) && resp.StatusCode == http.StatusMethodNotAllowed {
			return checkProblemBody(c, resp, body)
		}
		return fmt.Errorf("the document has no such operation (%v), yet the server answered %d", err, resp.StatusCode)
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if reqErr != nil && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
		return fmt.Errorf("the server answered %d to a request the document forbids: %w", resp.StatusCode, reqErr)
	}
	return nil
}

func checkProblemBody(c openAPIContract, resp *http.Response, body []byte) error {
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("content type %q, want application/problem+json", ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("problem body: %w", err)
	}
	return c.doc.Components.Schemas["Problem"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// asyncAPIContract holds the JSON Schema of every message docs/asyncapi.yaml says the server
// sends, by its type.
type asyncAPIContract struct {
	sends map[string]*jsonschema.Schema
}

var (
	asyncAPIOnce sync.Once
	asyncAPIDoc  asyncAPIContract
	asyncAPIErr  error
)

func loadAsyncAPI() (asyncAPIContract, error) {
	asyncAPIOnce.Do(func() { asyncAPIDoc, asyncAPIErr = compileAsyncAPI() })
	return asyncAPIDoc, asyncAPIErr
}

func compileAsyncAPI() (asyncAPIContract, error) {
	const loc = "file:///veritas/docs/asyncapi.json"
	js, err := yaml.YAMLToJSON(docs.AsyncAPI)
	if err != nil {
		return asyncAPIContract{}, fmt.Errorf("read docs/asyncapi.yaml: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return asyncAPIContract{}, err
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft7) // AsyncAPI 3.0's default schema format extends draft-07
	if err := comp.AddResource(loc, doc); err != nil {
		return asyncAPIContract{}, err
	}
	out := asyncAPIContract{sends: map[string]*jsonschema.Schema{}}
	ops, _ := pointer(doc, "#/operations").(map[string]any)
	for name, op := range ops {
		op := op.(map[string]any)
		if op["action"] != "send" {
			continue
		}
		for _, m := range op["messages"].([]any) {
			msg := resolve(doc, m)
			payload, _ := msg.(map[string]any)["payload"].(map[string]any)
			ref, _ := payload["$ref"].(string)
			if ref == "" {
				return out, fmt.Errorf("operation %s: a message without a payload $ref", name)
			}
			typ := typeConst(doc, resolve(doc, payload))
			if typ == "" {
				return out, fmt.Errorf("%s: no const type", ref)
			}
			sch, err := comp.Compile(loc + ref)
			if err != nil {
				return out, fmt.Errorf("compile %s: %w", ref, err)
			}
			out.sends[typ] = sch
		}
	}
	if len(out.sends) == 0 {
		return out, errors.New("docs/asyncapi.yaml lists no message the server sends")
	}
	return out, nil
}

// pointer walks a local JSON pointer ("#/a/b") in doc.
func pointer(doc any, ref string) any {
	v := doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	return v
}

// resolve follows $ref until it reaches an object without one.
func resolve(doc, v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = pointer(doc, ref)
	}
	return v
}

// typeConst finds the const of a schema's "type" property, directly or in one of its allOf.
func typeConst(doc, schema any) string {
	m, _ := resolve(doc, schema).(map[string]any)
	if props, ok := m["properties"].(map[string]any); ok {
		if t, ok := props["type"].(map[string]any); ok {
			if c, ok := t["const"].(string); ok {
				return c
			}
		}
	}
	all, _ := m["allOf"].([]any)
	for _, s := range all {
		if c := typeConst(doc, s); c != "" {
			return c
		}
	}
	return ""
}

// checkFrame holds one text message the server sent to docs/asyncapi.yaml: its type must be one
// the document lists, and it must match that message's schema.
func checkFrame(t testing.TB, data []byte) {
	t.Helper()
	if _, ok := t.(*testing.B); ok {
		return // benchmarks time the server; the tests check what it sends
	}
	c, err := loadAsyncAPI()
	if err != nil {
		t.Errorf("docs/asyncapi.yaml: %v", err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Errorf("the server sent a frame that is not JSON: %.200s", data)
		return
	}
	typ, _ := v.(map[string]any)["type"].(string)
	sch, ok := c.sends[typ]
	if !ok {
		t.Errorf("the server sent a message of type %q, which docs/asyncapi.yaml does not list: %.200s", typ, data)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("a %s message does not match docs/asyncapi.yaml: %v\nmessage: %.600s", typ, err, data)
	}
}

// bypassed is http.DefaultClient's transport in this package: it records the requests that
// skip the contract check (anything but the admin listener's /debug/ routes).
type bypassed struct {
	mu   sync.Mutex
	reqs []string
}

// webClientPath reports whether path is one of the web client's files (served outside /api, /ws,
// /metrics), which the API's documents do not describe; api_test.go's web tests check them.
func webClientPath(path string) bool {
	for _, prefix := range []string{"/api", "/ws", "/metrics", "/debug"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return false
		}
	}
	return true
}

func (b *bypassed) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/debug/") {
		b.mu.Lock()
		b.reqs = append(b.reqs, req.Method+" "+req.URL.RequestURI())
		b.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// checkedRun runs the tests, then fails the run if a request went past env.client.
type checkedRun struct{ m *testing.M }

func (c checkedRun) Run() int {
	code := c.m.Run()
	b := http.DefaultClient.Transport.(*bypassed)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.reqs) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d request(s) skipped the OpenAPI check (send them with env.client): %v\n", len(b.reqs), b.reqs)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// readMessage is ws.ReadMessage with the contract check of each text message.
func readMessage(t testing.TB, ws *websocket.Conn) (int, []byte, error) {
	t.Helper()
	kind, data, err := ws.ReadMessage()
	if err == nil && kind == websocket.TextMessage {
		checkFrame(t, data)
	}
	return kind, data, err
}

func TestOpenAPIIsServed(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp := e.do(http.MethodGet, "/api/openapi.yaml", nil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/yaml" || !bytes.Equal(body, docs.OpenAPI) {
		t.Fatalf("GET /api/openapi.yaml: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

// documentedAhead are operations the document describes before this version serves them (the
// metrics and authentication work of API.md). Once one is served, drop it from this list.
var documentedAhead = []string{}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// Every route of the engine is in one of the documents, and every documented operation is
// served (or listed in documentedAhead).
func TestEveryRouteIsDocumented(t *testing.T) {
	c, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{})
	engine := e.srv.Config.Handler.(*gin.Engine)
	served := map[string]bool{}
	streams := 0
	for _, r := range engine.Routes() {
		path := ginParam.ReplaceAllString(r.Path, "{$1}")
		op := r.Method + " " + path
		served[op] = true
		if strings.HasPrefix(path, "/ws/") {
			// Stream routes are in docs/asyncapi.yaml, with {job_id} for the job.
			streams++
			address := strings.ReplaceAll(path, "{id}", "{job_id}")
			if r.Method != http.MethodGet || !bytes.Contains(docs.AsyncAPI, []byte("address: "+address+"\n")) {
				t.Errorf("%s: no channel with address %s in docs/asyncapi.yaml", op, address)
			}
			continue
		}
		item := c.doc.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is served but not in docs/openapi.yaml", op)
		}
	}
	if streams != 2 {
		t.Errorf("%d stream routes, want /ws/jobs/:id and /ws/audit/:id", streams)
	}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			ahead := slices.Contains(documentedAhead, op)
			switch {
			case !served[op] && !ahead:
				t.Errorf("%s is in docs/openapi.yaml but not served", op)
			case served[op] && ahead:
				t.Errorf("%s is served now: drop it from documentedAhead", op)
			}
		}
	}
}

// The contract check itself must catch an answer that strays from the document.
func TestOpenAPICheckCatchesMismatches(t *testing.T) {
	get := func(path string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1"+path, nil)
		return req
	}
	answer := func(status int, ct, body string, hdr ...string) *http.Response {
		h := http.Header{"Content-Type": {ct}}
		for i := 0; i+1 < len(hdr); i += 2 {
			h.Set(hdr[i], hdr[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	job := "0195f0c8-7d2a-7000-8000-000000000000"
	for _, tc := range []struct {
		name string
		req  *http.Request
		resp *http.Response
		body string
		ok   bool
	}{
		{"health as documented", get("/api/health"), answer(200, "application/json; charset=utf-8", ""), `{"status":"ok","database":"connected"}`, true},
		{"health with an unknown status", get("/api/health"), answer(200, "application/json; charset=utf-8", ""), `{"status":"fine","database":"connected"}`, false},
		{"undocumented status", get("/api/health"), answer(418, "application/json", ""), `{}`, false},
		{"problem without detail", get("/api/v1/jobs/" + job), answer(404, "application/problem+json", ""), `{"type":"about:blank","title":"Not Found","status":404}`, false},
		{"problem as json", get("/api/v1/jobs/" + job), answer(404, "application/json", ""), `{"type":"about:blank","title":"Not Found","status":404,"detail":"No."}`, false},
		{"event of an unknown type", get("/api/v1/jobs/" + job + "/events"), answer(200, "application/json", ""),
			`[{"type":"agent_paused","job_id":"` + job + `","seq":1,"timestamp":"2026-01-01T00:00:00Z"}]`, false},
		{"forbidden request accepted", get("/api/v1/jobs?limit=0"), answer(200, "application/json", ""), `[]`, false},
		{"forbidden request refused", get("/api/v1/jobs?limit=0"), answer(422, "application/problem+json", ""),
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"limit must be a whole number from 1 to 200."}`, true},
		{"bad Link header", get("/api/v1/jobs"), answer(200, "application/json", "", "Link", "<elsewhere>"), `[]`, false},
		{"unknown route 404", get("/api/v1/nothing"), answer(404, "application/problem+json", ""),
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"There is no such route."}`, true},
		{"unknown route 200", get("/api/v1/nothing"), answer(200, "application/json", ""), `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOpenAPI(tc.req, nil, tc.resp, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("check: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// The frame check must catch a message that strays from the document.
func TestAsyncAPICheckCatchesMismatches(t *testing.T) {
	job := "0195f0c8-7d2a-7000-8000-000000000000"
	for _, tc := range []struct {
		name, frame string
		ok          bool
	}{
		{"pong", `{"type":"pong"}`, true},
		{"error", `{"type":"error","error":"unknown message type"}`, true},
		{"job_queued", `{"type":"job_queued","job_id":"` + job + `","seq":1,"timestamp":"2026-01-01T00:00:00Z","enabled_agents":["numeric_validation"]}`, true},
		{"unknown type", `{"type":"agent_paused","job_id":"` + job + `","seq":2,"timestamp":"2026-01-01T00:00:00Z"}`, false},
		{"seq 0", `{"type":"agent_started","job_id":"` + job + `","seq":0,"timestamp":"2026-01-01T00:00:00Z","agent_id":"numeric_validation"}`, false},
		{"progress without done", `{"type":"agent_progress","job_id":"` + job + `","seq":3,"timestamp":"2026-01-01T00:00:00Z","agent_id":"numeric_validation","total":2}`, false},
		{"audit_complete with a bad status", `{"type":"audit_complete","job_id":"` + job + `","seq":4,"timestamp":"2026-01-01T00:00:00Z","status":"done","summary":{"findings":0,"high":0,"medium":0,"low":0,"errors":0}}`, false},
		{"error without text", `{"type":"error"}`, false},
		{"not json", `pong`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probe := &recordingTB{TB: t}
			checkFrame(probe, []byte(tc.frame))
			if probe.failed == tc.ok {
				t.Fatalf("check failed=%v (%v), want ok=%v", probe.failed, probe.msgs, tc.ok)
			}
		})
	}
}

// recordingTB records the failures reported to it instead of failing the test.
type recordingTB struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Helper() {}
