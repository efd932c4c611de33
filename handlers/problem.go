package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

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

// WriteProblem answers with an RFC 9457 problem body for status and detail. The API's router
// uses it for unknown routes and panics too.
func WriteProblem(c *gin.Context, status int, detail string, fields ...schemas.FieldError) {
	body, err := json.Marshal(schemas.Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields,
	})
	if err != nil {
		body = []byte(`{"type":"about:blank","status":500}`)
	}
	// A declared length lets the client read the whole answer even when the handler goes on
	// (reading the rest of a refused upload) before the connection closes.
	c.Header("Content-Length", strconv.Itoa(len(body)))
	c.Data(status, ProblemType, body)
	c.Abort()
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
