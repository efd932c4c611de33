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

	"github.com/veritas-audit/veritas/handlers"
)

// Options configure the engine.
type Options struct {
	// CORSOrigins are the browser origins allowed to call the API (and open streams).
	CORSOrigins []string
}

// New returns the engine serving every route of API.md. Gin's mode is the caller's to set
// (main runs it in release mode).
func New(h *handlers.Handlers, log *slog.Logger, opt Options) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	// LogProblems first: every refusal, a panic's or CORS's included, is logged by WriteProblem.
	r.Use(requestID(), handlers.LogProblems(log), recovery(log), accessLog(log), cors(opt.CORSOrigins))

	r.NoRoute(func(c *gin.Context) {
		handlers.WriteProblem(c, http.StatusNotFound, "There is no such route: "+c.Request.Method+" "+c.Request.URL.Path+".")
	})
	r.NoMethod(func(c *gin.Context) {
		handlers.WriteProblem(c, http.StatusMethodNotAllowed, "This route does not take "+c.Request.Method+".")
	})

	r.GET("/api/health", h.Health)

	v1 := r.Group("/api/v1")
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
	v1.GET("/jobs/:id/events", h.Events)

	r.GET("/ws/jobs/:id", h.Stream)
	r.GET("/ws/audit/:id", h.Stream)
	return r
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

func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		log.LogAttrs(c.Request.Context(), slog.LevelDebug, "request",
			slog.String("request_id", c.GetString("request_id")),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)))
	}
}

// cors answers preflights and marks responses for the allowed origins only.
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
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Access-Control-Expose-Headers", "Location, Link, X-Request-ID")
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			c.Header("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
			c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-Request-ID")
			c.Header("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}
