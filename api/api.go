// Package api builds the HTTP engine: middleware and the whole route table, in this one file.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/docs"
	"github.com/veritas-audit/veritas/handlers"
	"github.com/veritas-audit/veritas/web"
)

// Options configure the engine.
type Options struct {
	// CORSOrigins are the browser origins allowed to call the API (and open streams).
	CORSOrigins []string
	// RateLimit, when set, limits the requests of each key (RateKey) to /api/v1 and the
	// streams with 429 and Retry-After; /api/health is never limited.
	RateLimit *Limiter
	// RateKey picks a request's key for RateLimit (default TenantOrIP: the tenant once
	// authentication has run, which it has on /api/v1, else the client's address).
	RateKey RateKey
	// TrustedProxies are the addresses or CIDRs of proxies whose X-Forwarded-For names the
	// client (ClientIP); none by default, so a client cannot pick its own rate-limit key. They
	// must parse (net.ParseIP or net.ParseCIDR): main's config checks them.
	TrustedProxies []string
	// Metrics, if set, is told about every request answered.
	Metrics Metrics
	// MetricsHandler, if set, is served at GET /metrics (open, like /api/health). Nil when the
	// metrics have a listener of their own (VERITAS_METRICS_ADDR).
	MetricsHandler http.Handler
}

// Metrics counts answered requests by route template, method and status.
type Metrics interface {
	Request(route, method string, status int, took time.Duration)
}

// New returns the engine serving every route of API.md. Gin's mode is the caller's to set
// (main runs it in release mode).
func New(h *handlers.Handlers, log *slog.Logger, opt Options) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	if err := r.SetTrustedProxies(opt.TrustedProxies); err != nil {
		panic(fmt.Sprintf("api: trusted proxies: %v", err)) // main's config checks them at start
	}
	// LogProblems first: every refusal, a panic's or CORS's included, is logged by WriteProblem.
	r.Use(requestID(), handlers.LogProblems(log), recovery(log), accessLog(log))
	if opt.Metrics != nil {
		r.Use(measure(opt.Metrics))
	}
	r.Use(cors(opt.CORSOrigins))
	limited := func(c *gin.Context) { c.Next() }
	if opt.RateLimit != nil {
		key := opt.RateKey
		if key == nil {
			key = TenantOrIP
		}
		limited = rateLimit(opt.RateLimit, key, log)
	}

	// The browser client (web/dist, embedded) answers every GET outside the API's prefixes, so
	// that its own routes (/jobs/{id}) load it; unknown API paths keep their problem+json 404.
	client, err := web.New(web.Files)
	if err != nil {
		panic("the embedded web client is incomplete: " + err.Error()) // a broken build, not a runtime state
	}
	r.NoRoute(func(c *gin.Context) {
		if clientPath(c.Request) {
			client.ServeHTTP(c.Writer, c.Request)
			return
		}
		handlers.WriteProblem(c, http.StatusNotFound, "There is no such route: "+c.Request.Method+" "+c.Request.URL.Path+".")
	})
	r.NoMethod(func(c *gin.Context) {
		handlers.WriteProblem(c, http.StatusMethodNotAllowed, "This route does not take "+c.Request.Method+".")
	})

	r.GET("/api/health", h.Health)
	r.GET("/api/openapi.yaml", openAPI)
	if opt.MetricsHandler != nil {
		r.GET("/metrics", gin.WrapH(opt.MetricsHandler))
	}

	// Every /api/v1 route needs a key when keys are configured; /api/health stays open. The
	// streams authenticate in their handler: a browser brings a ticket instead of a header.
	v1 := r.Group("/api/v1", h.Authenticate, limited)
	v1.GET("/agents", h.Agents)
	v1.POST("/documents/upload", h.Upload)
	v1.GET("/jobs", h.ListJobs)
	v1.GET("/jobs/", h.ListJobs)
	v1.GET("/jobs/:id", h.GetJob)
	v1.PATCH("/jobs/:id", h.RenameJob)
	v1.DELETE("/jobs/:id", h.DeleteJob)
	v1.POST("/jobs/:id/cancel", h.CancelJob)
	v1.GET("/jobs/:id/results", h.Results)
	v1.GET("/jobs/:id/results/agent/:agent_id", h.AgentResults)
	v1.GET("/jobs/:id/results.csv", h.ResultsCSV)
	v1.GET("/jobs/:id/results.json", h.ResultsJSON)
	v1.GET("/jobs/:id/results.xlsx", h.ResultsXLSX)
	v1.GET("/jobs/:id/annotated.docx", h.AnnotatedDocx)
	v1.GET("/jobs/:id/events", h.Events)
	v1.POST("/jobs/:id/stream-ticket", h.StreamTicket)

	r.GET("/ws/jobs/:id", limited, h.Stream)
	r.GET("/ws/audit/:id", limited, h.Stream)
	return r
}

// Route is one route of the API, as the engine serves it.
type Route struct {
	Method, Path string
}

// Routes lists every route New serves, read from the engine itself, so that tests which must
// cover each route (authentication, tenant isolation) see a new route the moment it is added.
func Routes() []Route {
	var out []Route
	// With every optional route on: /metrics is served here unless it has a listener of its own.
	all := Options{MetricsHandler: http.NotFoundHandler()}
	for _, ri := range New(nil, slog.New(slog.DiscardHandler), all).Routes() {
		out = append(out, Route{Method: ri.Method, Path: ri.Path})
	}
	return out
}

// clientPath reports whether r asks for the web client rather than the API.
func clientPath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, prefix := range []string{"/api", "/ws", "/metrics", "/debug"} {
		if r.URL.Path == prefix || strings.HasPrefix(r.URL.Path, prefix+"/") {
			return false
		}
	}
	return true
}

// NewAdmin returns the engine of the admin listener: profiling (net/http/pprof), the load
// generator and process stats. It is meant for loopback only; main refuses other addresses.
func NewAdmin(h *handlers.Handlers, log *slog.Logger) *gin.Engine {
	r := gin.New()
	r.Use(requestID(), handlers.LogProblems(log), recovery(log))
	r.NoRoute(func(c *gin.Context) {
		handlers.WriteProblem(c, http.StatusNotFound, "There is no such admin route: "+c.Request.URL.Path+".")
	})
	r.GET("/debug/pprof/", gin.WrapF(pprof.Index))
	r.GET("/debug/pprof/cmdline", gin.WrapF(pprof.Cmdline))
	r.GET("/debug/pprof/profile", gin.WrapF(pprof.Profile))
	r.GET("/debug/pprof/symbol", gin.WrapF(pprof.Symbol))
	r.GET("/debug/pprof/trace", gin.WrapF(pprof.Trace))
	r.GET("/debug/pprof/:profile", gin.WrapF(pprof.Index))
	r.POST("/debug/jobs/:id/synthetic", h.Synthetic)
	r.GET("/debug/stats", h.Stats)
	return r
}

// openAPI serves the OpenAPI document of these routes, the same bytes the contract tests hold
// the answers to.
func openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", docs.OpenAPI)
}

var requestSeq atomic.Uint64

// requestID tags each request with an id (the client's X-Request-ID when it sends a sane one).
func requestID() gin.HandlerFunc {
	start := time.Now().UnixNano()
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			id = fmt.Sprintf("%x-%d", start, requestSeq.Add(1))
		}
		c.Set("request_id", id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// recovery turns a handler panic into a logged 500 problem instead of a dropped connection.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("handler panicked", "request_id", c.GetString("request_id"), "panic", v, "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					handlers.WriteProblem(c, http.StatusInternalServerError, "Something went wrong on the server; the error has been logged.")
				}
			}
		}()
		c.Next()
	}
}

// accessLog writes one line per request, once it is answered: its id (as in X-Request-ID and
// any problem body), route template, method, path (never the query, which may hold a ticket),
// status, duration, bytes written, remote address and tenant. A stream's line comes at the
// upgrade; its own lines (hub) carry conn_id and job_id.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("request_id", c.GetString("request_id")),
			slog.String("route", c.FullPath()),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.String("remote_addr", c.Request.RemoteAddr),
			slog.String("tenant", handlers.Tenant(c)))
	}
}

// measure reports each answered request to m. A WebSocket upgrade writes its 101 on the hijacked
// connection, past gin's writer, which still says 200 (a refused upgrade says its 4xx).
func measure(m Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		if c.IsWebsocket() && status == http.StatusOK {
			status = http.StatusSwitchingProtocols
		}
		m.Request(c.FullPath(), c.Request.Method, status, time.Since(start))
	}
}

// cors answers preflights and marks responses for the allowed origins only. "*" allows every
// origin and is answered as the literal "*" rather than an echo of the origin: no credentials
// (cookies) are ever allowed, and a browser refuses a credentialed request against "*".
func cors(origins []string) gin.HandlerFunc {
	allowed := map[string]bool{}
	any := false
	for _, o := range origins {
		if o == "*" {
			any = true
		}
		allowed[strings.ToLower(o)] = true
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" {
			c.Next()
			return
		}
		c.Header("Vary", "Origin")
		if handlers.SameOrigin(c.Request) {
			c.Next() // the embedded web client
			return
		}
		if !any && !allowed[strings.ToLower(origin)] {
			// A browser sends simple cross-site requests (a form POST) without a preflight, so
			// refusing to share the answer is not enough: refuse anything that changes state.
			switch c.Request.Method {
			case http.MethodGet, http.MethodHead:
				c.Next()
			default:
				handlers.WriteProblem(c, http.StatusForbidden, "This origin may not call the API.")
			}
			return
		}
		if any {
			c.Header("Access-Control-Allow-Origin", "*")
		} else {
			c.Header("Access-Control-Allow-Origin", origin)
		}
		c.Header("Access-Control-Expose-Headers", "Location, Link, X-Request-ID, Retry-After, Idempotent-Replayed")
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			c.Header("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
			c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-Request-ID, Idempotency-Key")
			c.Header("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}
