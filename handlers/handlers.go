// Package handlers answers the REST and WebSocket routes of the Veritas API (see API.md): job
// submission, the job and result resources, the event log, and the live event stream.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/internal/loadgen"
	"github.com/veritas-audit/veritas/runner"
	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// Store is the storage the handlers read and write.
type Store interface {
	Ping(ctx context.Context) error
	CreateJob(ctx context.Context, nj store.NewJob) (schemas.Job, store.Event, error)
	// Reads and writes by job id, and the list, are scoped by tenant: another tenant's job is
	// store.ErrNotFound, as if it did not exist.
	Job(ctx context.Context, tenant, id string, withText bool) (schemas.Job, error)
	Jobs(ctx context.Context, tenant string, limit int, before string) ([]schemas.Job, error)
	RenameJob(ctx context.Context, tenant, id, name string) (schemas.Job, error)
	DeleteJob(ctx context.Context, tenant, id string) error
	Results(ctx context.Context, tenant, jobID, agentID string) ([]schemas.Result, error)
	DocumentFile(ctx context.Context, tenant, jobID string) ([]byte, error)
	HasJob(ctx context.Context, tenant, id string) (bool, error)
	CreateTicket(ctx context.Context, tenant, jobID, hash string, ttl time.Duration) (time.Time, error)
	UseTicket(ctx context.Context, hash string) (store.Ticket, error)
	// Events and JobExists are the event log as the hub reads it, whoever's the job is: a
	// handler serves a job's events only after HasJob said the job is the caller's.
	Events(ctx context.Context, jobID string, after int64, limit int) ([]store.Event, error)
	JobExists(ctx context.Context, id string) (bool, error)
	CountQueued(ctx context.Context) (int, error)
	IdempotentUpload(ctx context.Context, tenant, key string) (store.Replay, error)
	SetIdempotentResponse(ctx context.Context, tenant, key string, body []byte) error
}

var (
	_ Store = (*store.SQLite)(nil)
	_ Store = (*store.Postgres)(nil)
)

// Runner runs submitted jobs.
type Runner interface {
	Submitted()
	Cancel(ctx context.Context, id string) error
	Wait(ctx context.Context, id string) error
}

var _ Runner = (*runner.Runner)(nil)

// Generator appends generated events to a job for load tests (the admin listener only).
type Generator interface {
	Generate(ctx context.Context, id string, count, rate, size, batch int) (firstSeq int64, err error)
}

var _ Generator = (*loadgen.Generator)(nil)

// Instances is the link to the other instances serving the same store.
type Instances interface {
	// CloseJob closes the job's streams here and on every other instance.
	CloseJob(jobID string, code int, reason string)
	// Connected reports whether the other instances can be reached now.
	Connected() bool
}

// Options tune the handlers; zero values take the documented defaults.
type Options struct {
	// Instances, when set, reaches the other instances (Redis): a deleted job's streams are
	// closed on all of them, and health reports whether they are reachable.
	Instances Instances
	// MaxUploadBytes bounds an uploaded document (default 20 MiB).
	MaxUploadBytes int64
	// AllowedOrigins are the browser origins that may open the event stream.
	AllowedOrigins []string
	// PingInterval is how often the server pings a WebSocket (default 30 s).
	PingInterval time.Duration
	// PongWait closes a WebSocket that has sent nothing, not even a pong, for this long
	// (default 60 s).
	PongWait time.Duration
	// WriteWait bounds one write to a WebSocket (default 10 s).
	WriteWait time.Duration
	// UploadTimeout bounds reading one upload's body (default 5 minutes), so a client that
	// trickles bytes cannot hold an upload slot forever.
	UploadTimeout time.Duration
	// MaxConcurrentUploads bounds the uploads read and extracted at once (default 2 per CPU);
	// each may hold a document of MaxUploadBytes and its extraction in memory.
	MaxConcurrentUploads int
	// Keys are the API keys (hashed) that turn on authentication; none is open mode, where
	// every request is the tenant "".
	Keys []APIKey
	// TicketTTL is how long a stream ticket stays valid (default 60 s; tests pass a negative one
	// to issue tickets that have expired already).
	TicketTTL time.Duration
	// AuthFailures is how many failed authentications one remote address may make at once
	// (default 10); then one more per AuthFailureEvery (default 6 s), and until then it gets 429.
	AuthFailures     int
	AuthFailureEvery time.Duration
	// UploadWait is how long an upload waits for a slot before it gets 503 with Retry-After
	// (default 2 s).
	UploadWait time.Duration
	// MaxQueuedJobs refuses uploads with 503 while this many jobs wait for a worker, counted in
	// the store, so across every instance sharing it (default 1000).
	MaxQueuedJobs int
	// MaxStreams bounds the WebSocket connections this process serves (default 10 000); the
	// next is refused with 503 before the upgrade.
	MaxStreams int
	// MaxStreamsPerTenant bounds the connections one tenant holds on this process (default
	// 1 000), so that one tenant cannot take every stream; the next is refused with 429. Open
	// mode has one tenant, bounded by MaxStreams only.
	MaxStreamsPerTenant int
	// Limits bound what the extractor reads of one document (zero fields: extract's defaults).
	Limits extract.Limits
	// BodyEndWait is how long an upload's body may take to end once its form has ended
	// (default 2 s): a body whose Content-Length promises more than is sent gets 400 then,
	// and nothing is stored.
	BodyEndWait time.Duration
}

// Handlers holds the dependencies of every route.
type Handlers struct {
	store  Store
	runner Runner
	gen    Generator
	hub    *hub.Hub
	agents *agents.Registry
	log    *slog.Logger
	opt    Options
	conns  hub.ConnOptions // how the hub runs each stream

	streams  streams       // open WebSocket connections
	uploads  chan struct{} // upload slots
	failures *failures     // failed authentications per remote address
}

// New builds the handlers.
func New(st Store, runner Runner, gen Generator, h *hub.Hub, reg *agents.Registry, log *slog.Logger, opt Options) *Handlers {
	if opt.MaxUploadBytes <= 0 {
		opt.MaxUploadBytes = 20 << 20
	}
	// PingInterval, PongWait and WriteWait take their defaults in hub.Serve.
	if opt.UploadTimeout <= 0 {
		opt.UploadTimeout = 5 * time.Minute
	}
	if opt.MaxConcurrentUploads <= 0 {
		opt.MaxConcurrentUploads = 2 * runtime.GOMAXPROCS(0)
	}
	if opt.UploadWait <= 0 {
		opt.UploadWait = 2 * time.Second
	}
	if opt.MaxQueuedJobs <= 0 {
		opt.MaxQueuedJobs = 1000
	}
	if opt.MaxStreams <= 0 {
		opt.MaxStreams = 10_000
	}
	if opt.MaxStreamsPerTenant <= 0 {
		opt.MaxStreamsPerTenant = 1_000
	}
	if opt.BodyEndWait <= 0 {
		opt.BodyEndWait = 2 * time.Second
	}
	if opt.TicketTTL == 0 {
		opt.TicketTTL = 60 * time.Second
	}
	if opt.AuthFailures <= 0 {
		opt.AuthFailures = 10
	}
	if opt.AuthFailureEvery <= 0 {
		opt.AuthFailureEvery = 6 * time.Second
	}
	conns := hub.ConnOptions{Log: eventLog{st}, PingInterval: opt.PingInterval, PongWait: opt.PongWait, WriteWait: opt.WriteWait}
	return &Handlers{store: st, runner: runner, gen: gen, hub: h, agents: reg, log: log, opt: opt, conns: conns,
		uploads: make(chan struct{}, opt.MaxConcurrentUploads), streams: streams{max: opt.MaxStreams, perTenant: opt.MaxStreamsPerTenant, byTenant: map[string]int{}},
		failures: newFailures(opt.AuthFailures, opt.AuthFailureEvery, time.Now)}
}

// WaitStreams blocks until every WebSocket connection has ended (the hub closes them with 1001
// on shutdown; http.Server.Shutdown does not wait for hijacked connections), or ctx ends.
// From the first call on, new streams are refused with 1001.
func (h *Handlers) WaitStreams(ctx context.Context) error {
	return h.streams.drain(ctx)
}

// streams counts open WebSocket connections, in all and per tenant, and, once draining,
// refuses new ones.
type streams struct {
	mu        sync.Mutex
	open      int
	max       int            // open connections allowed
	perTenant int            // open connections allowed to one tenant ("" excepted)
	byTenant  map[string]int // open connections of each tenant that has any
	draining  bool
	idle      chan struct{} // closed when draining and open reaches 0
}

var (
	// errStreamsFull is enter's answer when MaxStreams connections are open.
	errStreamsFull = errors.New("too many streams")
	// errTenantStreamsFull is enter's answer when the tenant holds MaxStreamsPerTenant.
	errTenantStreamsFull = errors.New("too many streams for the tenant")
)

// enter counts a new connection of tenant in, unless the process is draining (errDraining),
// serves MaxStreams already (errStreamsFull), or the tenant holds its share (errTenantStreamsFull).
func (s *streams) enter(tenant string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.draining:
		return errDraining
	case s.open >= s.max:
		return errStreamsFull
	case tenant != "" && s.byTenant[tenant] >= s.perTenant:
		return errTenantStreamsFull
	}
	s.open++
	if tenant != "" {
		s.byTenant[tenant]++
	}
	return nil
}

// errDraining is enter's answer once shutdown has begun.
var errDraining = errors.New("draining")

func (s *streams) leave(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	if tenant != "" {
		if s.byTenant[tenant]--; s.byTenant[tenant] == 0 {
			delete(s.byTenant, tenant)
		}
	}
	if s.draining && s.open == 0 {
		close(s.idle)
	}
}

func (s *streams) drain(ctx context.Context) error {
	s.mu.Lock()
	if !s.draining {
		s.draining = true
		s.idle = make(chan struct{})
		if s.open == 0 {
			close(s.idle)
		}
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// jobID reads and checks the :id path parameter.
func jobID(c *gin.Context) (string, error) {
	raw := c.Param("id")
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return "", fieldError(http.StatusUnprocessableEntity, "id", "The job id must be a UUID.")
	}
	return id.String(), nil
}

// Health reports liveness and whether the store answers.
func (h *Handlers) Health(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		h.log.Error("health: store unreachable", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "degraded", "database": "disconnected"})
		return
	}
	if h.opt.Instances == nil {
		c.JSON(http.StatusOK, gin.H{"status": "ok", "database": "connected"})
		return
	}
	// Without Redis this instance still serves its own streams and jobs, so it stays in the
	// load balancer (200); its watchers of jobs running elsewhere wait for Redis to return.
	if !h.opt.Instances.Connected() {
		c.JSON(http.StatusOK, gin.H{"status": "degraded", "database": "connected", "redis": "disconnected"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "database": "connected", "redis": "connected"})
}

// Agents lists the agents this server runs.
func (h *Handlers) Agents(c *gin.Context) {
	c.JSON(http.StatusOK, h.agents.Infos())
}

// ListJobs lists jobs newest first, a page at a time.
func (h *Handlers) ListJobs(c *gin.Context) {
	limit := 50
	if raw, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 200 {
			h.Problem(c, fieldError(http.StatusUnprocessableEntity, "limit", "limit must be a whole number from 1 to 200."))
			return
		}
		limit = n
	}
	before := ""
	if raw, ok := c.GetQuery("before"); ok {
		id, err := uuid.Parse(raw)
		if err != nil || len(raw) != 36 {
			h.Problem(c, fieldError(http.StatusUnprocessableEntity, "before", "before must be the id of a job."))
			return
		}
		before = id.String()
	}
	jobs, err := h.store.Jobs(c.Request.Context(), tenantOf(c), limit, before)
	if errors.Is(err, store.ErrNotFound) {
		h.Problem(c, fieldError(http.StatusUnprocessableEntity, "before", "before does not name an existing job."))
		return
	}
	if err != nil {
		h.Problem(c, err)
		return
	}
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next := "/api/v1/jobs?limit=" + strconv.Itoa(limit) + "&before=" + jobs[len(jobs)-1].ID
		c.Header("Link", "<"+next+">; rel=\"next\"")
	}
	c.JSON(http.StatusOK, jobs)
}

// GetJob answers one job; ?include=text adds the extracted markdown.
func (h *Handlers) GetJob(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	withText := false
	if inc, ok := c.GetQuery("include"); ok {
		if inc != "text" {
			h.Problem(c, fieldError(http.StatusUnprocessableEntity, "include", "include takes only the value text."))
			return
		}
		withText = true
	}
	job, err := h.store.Job(c.Request.Context(), tenantOf(c), id, withText)
	if err != nil {
		h.Problem(c, err)
		return
	}
	c.JSON(http.StatusOK, job)
}

// RenameJob sets a job's name from {"name": "..."}. A body sent as another media type than JSON
// is 415; one sent without a Content-Type is read as JSON.
func (h *Handlers) RenameJob(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			h.Problem(c, errorf(http.StatusUnsupportedMediaType, "Send the body as application/json, like {\"name\":\"Q3 review\"}."))
			return
		}
	}
	var body struct {
		Name *string `json:"name"`
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		if isMaxBytes(err) {
			h.Problem(c, errorf(http.StatusRequestEntityTooLarge, "The body must be at most 64 KiB."))
			return
		}
		h.Problem(c, errorf(http.StatusBadRequest, "The body must be a JSON object like {\"name\":\"Q3 review\"}."))
		return
	}
	if body.Name == nil {
		h.Problem(c, fieldError(http.StatusUnprocessableEntity, "name", "name is required."))
		return
	}
	name, ferr := jobName(*body.Name)
	if ferr != nil || name == "" {
		h.Problem(c, fieldError(http.StatusUnprocessableEntity, "name", "name must be 1 to 200 characters."))
		return
	}
	job, err := h.store.RenameJob(c.Request.Context(), tenantOf(c), id, name)
	if err != nil {
		h.Problem(c, err)
		return
	}
	c.JSON(http.StatusOK, job)
}

// DeleteJob cancels the job if it runs, waits for its agents to stop, then deletes it with its
// document, results and events.
func (h *Handlers) DeleteJob(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	ctx := c.Request.Context()
	// The runner knows jobs by id alone: it acts only on a job the caller's tenant owns.
	if err := h.requireJob(ctx, tenantOf(c), id); err != nil {
		h.Problem(c, err)
		return
	}
	if err := h.runner.Cancel(ctx, id); err != nil && !errors.Is(err, store.ErrConflict) {
		h.Problem(c, err)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := h.runner.Wait(wctx, id); err != nil {
		h.Problem(c, errorf(http.StatusServiceUnavailable, "The job's agents did not stop in time; try the delete again."))
		return
	}
	if err := h.store.DeleteJob(ctx, tenantOf(c), id); err != nil {
		h.Problem(c, err)
		return
	}
	if h.opt.Instances != nil {
		h.opt.Instances.CloseJob(id, websocket.CloseNormalClosure, "job deleted")
	} else {
		h.hub.CloseJob(id, websocket.CloseNormalClosure, "job deleted")
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

// CancelJob stops a queued or running job.
func (h *Handlers) CancelJob(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := h.requireJob(ctx, tenantOf(c), id); err != nil {
		h.Problem(c, err)
		return
	}
	if err := h.runner.Cancel(ctx, id); err != nil {
		if errors.Is(err, store.ErrConflict) {
			h.Problem(c, errorf(http.StatusConflict, "The audit job has already finished; there is nothing to cancel."))
			return
		}
		h.Problem(c, err)
		return
	}
	job, err := h.store.Job(ctx, tenantOf(c), id, false)
	if err != nil {
		h.Problem(c, err)
		return
	}
	c.JSON(http.StatusAccepted, job)
}

// Results lists a job's result rows, oldest first.
func (h *Handlers) Results(c *gin.Context) { h.results(c, "") }

// AgentResults lists the rows of one agent of a job.
func (h *Handlers) AgentResults(c *gin.Context) {
	agentID := c.Param("agent_id")
	if schemas.Category(agentID) == "" {
		h.Problem(c, fieldError(http.StatusUnprocessableEntity, "agent_id", "Invalid agent ID: "+agentID+"."))
		return
	}
	h.results(c, agentID)
}

func (h *Handlers) results(c *gin.Context, agentID string) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	rows, err := h.store.Results(c.Request.Context(), tenantOf(c), id, agentID)
	if err != nil {
		h.Problem(c, err)
		return
	}
	c.JSON(http.StatusOK, rows)
}

// Events serves a job's event log after ?after=N, at most ?limit=M events.
func (h *Handlers) Events(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	after, err := seqParam(c, "after")
	if err != nil {
		h.Problem(c, err)
		return
	}
	limit := 1000
	if raw, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 10000 {
			h.Problem(c, fieldError(http.StatusUnprocessableEntity, "limit", "limit must be a whole number from 1 to 10000."))
			return
		}
		limit = n
	}
	ctx := c.Request.Context()
	if err := h.requireJob(ctx, tenantOf(c), id); err != nil {
		h.Problem(c, err)
		return
	}
	events, err := h.store.Events(ctx, id, after, limit)
	if err != nil {
		h.Problem(c, err)
		return
	}
	// The stored events are the JSON the WebSocket sends; join them without decoding.
	size := 2
	for _, e := range events {
		size += len(e.Data) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, e := range events {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e.Data...)
	}
	out = append(out, ']')
	c.Data(http.StatusOK, "application/json; charset=utf-8", out)
}

// requireJob returns store.ErrNotFound unless tenant has a job with that id.
func (h *Handlers) requireJob(ctx context.Context, tenant, id string) error {
	ok, err := h.store.HasJob(ctx, tenant, id)
	if err == nil && !ok {
		err = store.ErrNotFound
	}
	return err
}

// seqParam reads a non-negative seq from the query (0 when absent).
func seqParam(c *gin.Context, name string) (int64, error) {
	raw, ok := c.GetQuery(name)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, fieldError(http.StatusUnprocessableEntity, name, name+" must be a whole number of 0 or more.")
	}
	return n, nil
}
