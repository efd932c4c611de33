package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/schemas"
	"github.com/veritas-audit/veritas/store"
)

// Error is a client-facing failure: an HTTP status and a sentence the React client shows as it
// is. Handlers return it; Problem turns it (and every other error) into problem+json.
type Error struct {
	Status int
	Detail string
	Fields []schemas.FieldError
}

func (e *Error) Error() string { return e.Detail }

func errorf(status int, detail string, fields ...schemas.FieldError) *Error {
	return &Error{Status: status, Detail: detail, Fields: fields}
}

func fieldError(status int, field, message string) *Error {
	return &Error{Status: status, Detail: message, Fields: []schemas.FieldError{{Field: field, Message: message}}}
}

// ProblemType is the media type of every error body.
const ProblemType = "application/problem+json"

// problemLogKey is the gin context key of the logger LogProblems installs.
const problemLogKey = "veritas.problem_log"

// maxLoggedDetail bounds the detail written to the log; a detail can quote what the client sent
// (unknown agent ids), and the log must not grow with it.
const maxLoggedDetail = 256

// LogProblems makes WriteProblem log every request it refuses on log. The engine installs it
// before any middleware or route that may refuse one.
func LogProblems(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(problemLogKey, log)
		c.Next()
	}
}

// WriteProblem answers with an RFC 9457 problem body for status and detail, and logs the refusal:
// it is the one place every refused request passes (routes, unknown routes, CORS, panics). The
// line has stable keys: status, reason (when the refusing code named one with Refusing), detail,
// method, path (without the query), remote_addr (the peer as the socket sees it: the client can
// forge a forwarding header), tenant and request_id. It
// never carries a header, a query, a key or a document's content. A server error, a refused
// origin or credential and a rate limit are warnings; other client errors are info.
func WriteProblem(c *gin.Context, status int, detail string, fields ...schemas.FieldError) {
	body, err := json.Marshal(schemas.Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail,
		RequestID: c.GetString("request_id"), Errors: fields,
	})
	if err != nil {
		body = []byte(`{"type":"about:blank","status":500}`)
	}
	logProblem(c, status, detail)
	// A declared length lets the client read the whole answer even when the handler goes on
	// (reading the rest of a refused upload) before the connection closes.
	c.Header("Content-Length", strconv.Itoa(len(body)))
	c.Data(status, ProblemType, body)
	c.Abort()
}

func logProblem(c *gin.Context, status int, detail string) {
	v, _ := c.Get(problemLogKey)
	log, _ := v.(*slog.Logger)
	if log == nil {
		return
	}
	level := slog.LevelInfo
	switch {
	case status >= 500, status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusTooManyRequests:
		level = slog.LevelWarn
	}
	if len(detail) > maxLoggedDetail {
		cut := maxLoggedDetail
		for cut > 0 && !utf8.RuneStart(detail[cut]) {
			cut--
		}
		detail = detail[:cut] + "…"
	}
	tenant := Tenant(c)
	if tenant == "" {
		tenant = c.GetString(refusedTenantKey)
	}
	attrs := []slog.Attr{slog.Int("status", status)}
	if reason := c.GetString(reasonKey); reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	attrs = append(attrs,
		slog.String("detail", detail),
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("remote_addr", c.Request.RemoteAddr),
		slog.String("tenant", tenant),
		slog.String("request_id", c.GetString("request_id")))
	log.LogAttrs(c.Request.Context(), level, "request refused", attrs...)
}

// Problem maps err to its status in one place: our *Error as it is, store sentinels to 404 and
// 409, a client that went away to 499-style silence, anything else to 500 (logged once, here;
// the client gets no internals).
func (h *Handlers) Problem(c *gin.Context, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
		WriteProblem(c, e.Status, e.Detail, e.Fields...)
	case errors.Is(err, store.ErrNotFound):
		WriteProblem(c, http.StatusNotFound, "No audit job has this id.")
	case errors.Is(err, store.ErrConflict):
		WriteProblem(c, http.StatusConflict, "The audit job has already finished.")
	case errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil:
		c.Abort() // the client left; nobody reads an answer
	default:
		h.log.Error("request failed", "method", c.Request.Method, "path", c.FullPath(),
			"request_id", c.GetString("request_id"), "err", err)
		WriteProblem(c, http.StatusInternalServerError, "Something went wrong on the server; the error has been logged.")
	}
}
