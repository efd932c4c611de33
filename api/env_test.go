package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/api"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/fanout"
	"github.com/veritas-audit/veritas/handlers"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/internal/loadgen"
	"github.com/veritas-audit/veritas/internal/metrics"
	"github.com/veritas-audit/veritas/runner"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	// Requests go through env.client, which checks them against docs/openapi.yaml; the default
	// client serves only the admin listener (not in the document), and says so if anything
	// else went through it.
	http.DefaultClient.Transport = &bypassed{}
	goleak.VerifyTestMain(checkedRun{m})
}

// env is the whole service, wired as main wires it, on a real SQLite file and a real listener.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	store  *store.SQLite
	hub    *hub.Hub
	runner *runner.Runner
	gen    *loadgen.Generator
	h      *handlers.Handlers
	// client sends the tests' requests and holds each exchange to docs/openapi.yaml.
	client *http.Client
	stop   func() // stops runner, hub and server; safe to call twice
}

type envOptions struct {
	agents []agents.Agent
	queue  int
	// beforeReplay runs once, on the first read of a job's event log through the handlers: a
	// stream makes that read right after it has subscribed to live events, to replay the log.
	beforeReplay func(jobID string)
	wrapHub      func(fanout.Broadcaster) fanout.Broadcaster
	maxUpload    int64
	jobTimeout   time.Duration
	pingInterval time.Duration
	writeWait    time.Duration
	origins      []string
	logTo        io.Writer // text lines at warning level and above
	jsonLogTo    io.Writer // instead: JSON lines at info level and above
	dbPath       string
	lease        time.Duration     // the runner's lease (default: the runner's)
	keys         map[string]string // tenant → key; turns on authentication
	ticketTTL    time.Duration
	authFailures int // failed authentications an address may make before 429 (default: the handlers')
	// Admission.
	uploads     int           // MaxConcurrentUploads
	uploadWait  time.Duration // UploadWait
	maxQueued   int           // MaxQueuedJobs
	maxStreams  int           // MaxStreams
	tenantCap   int           // MaxStreamsPerTenant
	limits      extract.Limits
	rateLimit   *api.Limiter
	readTimeout time.Duration // the http.Server's ReadTimeout
	noRunner    bool          // no worker runs: uploaded jobs stay queued
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.logTo == nil {
		o.logTo = io.Discard
	}
	log := slog.New(slog.NewTextHandler(o.logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.jsonLogTo != nil {
		log = slog.New(slog.NewJSONHandler(o.jsonLogTo, nil))
	}
	if o.dbPath == "" {
		o.dbPath = filepath.Join(t.TempDir(), "veritas.db")
	}
	st, err := store.OpenSQLite(context.Background(), o.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if o.agents == nil {
		o.agents = []agents.Agent{numeric.New()}
	}
	if o.origins == nil {
		o.origins = []string{"http://localhost:3000"}
	}
	meters := metrics.New(st.CountQueued)
	fan := hub.New(log, hub.Options{QueueSize: o.queue, Observer: meters})
	var b fanout.Broadcaster = fan
	if o.wrapHub != nil {
		b = o.wrapHub(fan)
	}
	emitter := fanout.NewLocal(b, log, meters)
	reg := agents.NewRegistry(o.agents...)
	jobs := runner.New(st, emitter, reg, log, runner.Options{
		Workers: 4, JobTimeout: o.jobTimeout, ProgressInterval: time.Nanosecond, Lease: o.lease, Observer: meters,
	})
	gen := loadgen.New(st, emitter, fan, log)
	var hs handlers.Store = st
	if o.beforeReplay != nil {
		hs = &firstEventsRead{Store: st, hook: o.beforeReplay}
	}
	var keys []handlers.APIKey
	for tenant, key := range o.keys {
		keys = append(keys, handlers.NewAPIKey(tenant, key))
	}
	h := handlers.New(hs, jobs, gen, fan, reg, log, handlers.Options{
		MaxUploadBytes: o.maxUpload, AllowedOrigins: o.origins,
		PingInterval: o.pingInterval, WriteWait: o.writeWait, Keys: keys, TicketTTL: o.ticketTTL,
		AuthFailures:         o.authFailures,
		MaxConcurrentUploads: o.uploads, UploadWait: o.uploadWait, MaxQueuedJobs: o.maxQueued,
		MaxStreams: o.maxStreams, MaxStreamsPerTenant: o.tenantCap, Limits: o.limits,
	})
	srv := httptest.NewUnstartedServer(api.New(h, log, api.Options{CORSOrigins: o.origins, RateLimit: o.rateLimit, Metrics: meters, MetricsHandler: meters.Handler()}))
	srv.Config.ReadTimeout = o.readTimeout
	srv.Start()

	hubCtx, stopHub := context.WithCancel(context.Background())
	runCtx, stopRunner := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { fan.Run(hubCtx) })
	if !o.noRunner {
		wg.Go(func() {
			if err := jobs.Run(runCtx); err != nil {
				t.Errorf("runner: %v", err)
			}
		})
	}
	var once sync.Once
	e := &env{t: t, srv: srv, store: st, hub: fan, runner: jobs, gen: gen, h: h,
		client: &http.Client{Transport: contractTransport{t}}}
	e.stop = func() {
		once.Do(func() {
			stopRunner()
			gen.Stop()
			stopHub()
			wg.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := h.WaitStreams(ctx); err != nil {
				t.Errorf("streams left open: %v", err)
			}
			srv.Close()
			st.Close()
		})
	}
	t.Cleanup(e.stop)
	return e
}

// firstEventsRead is a store whose first read of an event log runs hook first.
type firstEventsRead struct {
	handlers.Store
	once sync.Once
	hook func(jobID string)
}

func (s *firstEventsRead) Events(ctx context.Context, jobID string, after int64, limit int) ([]store.Event, error) {
	s.once.Do(func() { s.hook(jobID) })
	return s.Store.Events(ctx, jobID, after, limit)
}

func (e *env) wsURL(jobID string, since int64) string {
	return fmt.Sprintf("ws%s/ws/jobs/%s?since=%d", strings.TrimPrefix(e.srv.URL, "http"), jobID, since)
}

// statement is docxgen.Sample: `tables` castings that add up, except table 1 when planted.
func statement(tables int, planted bool) []byte { return docxgen.Sample(tables, planted) }

type form struct {
	file     []byte
	filename string
	fields   map[string]string
	noFile   bool
}

func (e *env) upload(f form) *http.Response {
	e.t.Helper()
	resp, err := e.client.Do(e.uploadRequest(f))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// submit uploads a statement and returns the accepted job.
func (e *env) submit(doc []byte, fields map[string]string) schemas.Job {
	e.t.Helper()
	resp := e.upload(form{file: doc, fields: fields})
	var job schemas.Job
	decode(e.t, resp, http.StatusAccepted, &job)
	return job
}

func (e *env) do(method, path string, body io.Reader) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func decode(t testing.TB, resp *http.Response, status int, v any) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
}

// event is what a test reads of a streamed event.
type event struct {
	Type     string            `json:"type"`
	JobID    string            `json:"job_id"`
	Seq      int64             `json:"seq"`
	AgentID  string            `json:"agent_id"`
	Status   string            `json:"status"`
	Error    string            `json:"error"`
	Findings []json.RawMessage `json:"findings"`
	Summary  *schemas.Summary  `json:"summary"`
	Message  string            `json:"message"`
}

func (e *env) dial(jobID string, since int64) *websocket.Conn {
	e.t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(e.wsURL(jobID, since), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial: %v (status %d)", err, status)
	}
	return ws
}

func readEvent(t testing.TB, ws *websocket.Conn) event {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, data, err := readMessage(t, ws)
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatalf("decode event %s: %v", data, err)
	}
	return ev
}

// readAll reads events until audit_complete and checks they run from first, each once, in order.
func readAll(t testing.TB, ws *websocket.Conn, first int64) []event {
	t.Helper()
	var evs []event
	for {
		ev := readEvent(t, ws)
		want := first + int64(len(evs))
		if ev.Seq != want {
			t.Fatalf("event %d: seq %d (%s), want %d", len(evs), ev.Seq, ev.Type, want)
		}
		evs = append(evs, ev)
		if ev.Type == schemas.EventAuditComplete {
			return evs
		}
	}
}

// gateAgent is an agent whose run the test controls: once started it waits for `first`, reports
// `early` progress events, closes `mid`, waits for `second`, reports `late` more and returns one
// finding.
type gateAgent struct {
	id            string
	early, late   int
	message       string
	beforeEach    func(i int) // runs before progress event i, if set
	first, second chan struct{}
	started, mid  chan struct{}
	once          sync.Once
}

func newGateAgent(id string, early, late int) *gateAgent {
	return &gateAgent{
		id: id, early: early, late: late,
		first: make(chan struct{}), second: make(chan struct{}),
		started: make(chan struct{}), mid: make(chan struct{}),
	}
}

func (a *gateAgent) Info() schemas.AgentInfo {
	return schemas.AgentInfo{ID: a.id, Category: schemas.Category(a.id), Name: a.id, Description: "test agent", Available: true}
}

func (a *gateAgent) Run(ctx context.Context, _ *extract.Document, p agents.Progress) ([]schemas.Finding, error) {
	a.once.Do(func() { close(a.started) })
	wait := func(gate chan struct{}) error {
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := wait(a.first); err != nil {
		return nil, err
	}
	total := a.early + a.late
	for i := 1; i <= a.early; i++ {
		p(i, total, a.message)
	}
	close(a.mid)
	if err := wait(a.second); err != nil {
		return nil, err
	}
	for i := a.early + 1; i <= total; i++ {
		if a.beforeEach != nil {
			a.beforeEach(i)
		}
		p(i, total, a.message)
	}
	return []schemas.Finding{{Severity: "low", Description: "checked " + a.id, SourceRefs: []string{}}}, nil
}

func (a *gateAgent) openAll() {
	close(a.first)
	close(a.second)
}
