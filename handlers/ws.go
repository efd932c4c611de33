package handlers

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// Stream upgrades GET /ws/jobs/:id to a WebSocket that sends the job's events with seq > since:
// first from the stored log, then live, exactly once and in order (hub.Serve runs the
// connection). Bad requests are refused before the upgrade with a plain HTTP status: 401
// without a key or a valid ticket (when keys are configured), 404 for another tenant's job.
// In open mode no credentials are read, and a ticket is ignored.
func (h *Handlers) Stream(c *gin.Context) {
	if !websocket.IsWebSocketUpgrade(c.Request) {
		h.Problem(c, errorf(http.StatusBadRequest, "This route is a WebSocket: connect with a WebSocket client."))
		return
	}
	// The handshake's other headers, checked here as the upgrader would, so that a bad one gets
	// a problem+json answer (and its log line) instead of the upgrader's plain text.
	if c.GetHeader("Sec-WebSocket-Version") != "13" {
		c.Header("Sec-WebSocket-Version", "13")
		h.Problem(c, errorf(http.StatusBadRequest, "This server speaks WebSocket version 13 (RFC 6455)."))
		return
	}
	if key, err := base64.StdEncoding.DecodeString(c.GetHeader("Sec-WebSocket-Key")); err != nil || len(key) != 16 {
		h.Problem(c, errorf(http.StatusBadRequest, "The WebSocket handshake needs a Sec-WebSocket-Key of 16 bytes in base64."))
		return
	}
	if !h.originAllowed(c.Request) {
		h.Problem(c, errorf(http.StatusForbidden, "This origin may not open the event stream."))
		return
	}
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	// With keys, a stream needs a key header (clients that are not browsers) or a ticket.
	tenant, ok := h.caller(c, id)
	if !ok {
		return
	}
	c.Set(TenantKey, tenant) // for the rate of what follows and the log of a refusal
	since, err := seqParam(c, "since")
	if err != nil {
		h.Problem(c, err)
		return
	}
	if err := h.requireJob(c.Request.Context(), tenant, id); err != nil {
		h.Problem(c, err)
		return
	}
	switch err := h.streams.enter(tenant); err {
	case errDraining:
		h.reject(c, "shutting down", 5*time.Second, errorf(http.StatusServiceUnavailable, "The server is shutting down; reconnect in a moment."))
		return
	case errStreamsFull:
		h.reject(c, "stream limit", 5*time.Second, errorf(http.StatusServiceUnavailable,
			"The server has as many live streams open as it serves; reconnect in a few seconds with ?since= to lose nothing."))
		return
	case errTenantStreamsFull:
		h.reject(c, "tenant stream limit", 5*time.Second, errorf(http.StatusTooManyRequests,
			"Your key has as many live streams open as one tenant may hold; close one, or reconnect in a few seconds with ?since=."))
		return
	}
	ws, err := hub.Upgrade(c.Writer, c.Request)
	if err != nil {
		h.streams.leave(tenant)
		return // the upgrader has answered the client already
	}
	// The connection outlives this handler, so that the HTTP server's goroutine and buffers for
	// the request are released now.
	go func() {
		defer h.streams.leave(tenant)
		h.hub.Serve(ws, id, since, h.conns)
	}()
}

// originAllowed lets through clients that send no Origin (they are not browsers, so no web
// page speaks through them), the embedded client on a loopback or IP address (SameOrigin) and
// the configured allow-list.
func (h *Handlers) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || SameOrigin(r) {
		return true
	}
	for _, o := range h.opt.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// SameOrigin reports whether r comes from a page this server served itself (the embedded web
// client): its Origin is http://<Host> and Host is an IP address or localhost. A Host that is
// any other name is not trusted: a page on a DNS name rebound to this server would look "same
// origin" too; such deployments list their origin in VERITAS_CORS_ORIGINS.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || r.Host == "" {
		return false
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	if !strings.EqualFold(origin, scheme+r.Host) {
		return false
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}

// EventLog is the store's event log as the hub reads it: its connections replay from it, and
// the hub fills gaps in live events from it.
func EventLog(st Store) hub.Log { return eventLog{st} }

// eventLog is the store's event log as the hub's connections read it.
type eventLog struct{ store Store }

var _ hub.Log = eventLog{}

func (l eventLog) Events(ctx context.Context, jobID string, after int64, limit int) ([]hub.Message, error) {
	events, err := l.store.Events(ctx, jobID, after, limit)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		// A job's log goes with the job (and holds at least job_queued), so an empty page is
		// either the end of the log or a deleted job; only the store can tell. A stream reads
		// the log right after it subscribes: one whose job was deleted between the check before
		// the upgrade and the subscription (the hub closed the job's streams before it joined)
		// finds the log empty here and closes with "job deleted". A delete after that first read
		// comes after the subscription, so the hub closes the stream.
		ok, err := l.store.JobExists(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, hub.ErrUnknownJob
		}
	}
	out := make([]hub.Message, len(events))
	for i, e := range events {
		out[i] = hub.Message{JobID: e.JobID, Seq: e.Seq, Data: e.Data}
	}
	return out, nil
}
