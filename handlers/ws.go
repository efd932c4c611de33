package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

const (
	// maxClientFrame is the largest frame a client may send; larger ones close with 1009.
	maxClientFrame = 4 << 10
	// replayPage is how many stored events one read of the log returns.
	replayPage = 512
	// closeGrace is how long a connection waits for the client's reply to a close frame.
	closeGrace = 2 * time.Second
)

var (
	pongMsg = []byte(`{"type":"pong"}`)
	// writeBuffers is shared by every connection: a buffer is held only while a message is
	// being written, so idle connections keep none.
	writeBuffers sync.Pool
	connIDs      atomic.Int64
)

// Stream upgrades GET /ws/jobs/:id to a WebSocket that sends the job's events with seq > since:
// first from the stored log, then live, exactly once and in order. Bad requests are refused
// before the upgrade with a plain HTTP status.
func (h *Handlers) Stream(c *gin.Context) {
	if !websocket.IsWebSocketUpgrade(c.Request) {
		h.Problem(c, errorf(http.StatusBadRequest, "This route is a WebSocket: connect with a WebSocket client."))
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
	since, err := seqParam(c, "since")
	if err != nil {
		h.Problem(c, err)
		return
	}
	ok, err := h.store.JobExists(c.Request.Context(), id)
	if err != nil {
		h.Problem(c, err)
		return
	}
	if !ok {
		h.Problem(c, store.ErrNotFound)
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &writeBuffers,
		// The origin was checked above, against the allow-list, before the upgrade.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if !h.streams.enter() {
		h.Problem(c, errorf(http.StatusServiceUnavailable, "The server is shutting down; reconnect in a moment."))
		return
	}
	defer h.streams.leave()
	ws, err := up.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader has answered the client already
	}
	s := &stream{
		h: h, ws: ws, jobID: id, last: since,
		replies:    make(chan []byte, 16),
		readerDone: make(chan struct{}),
		log:        h.log.With("job_id", id, "conn_id", connIDs.Add(1)),
	}
	s.serve(c.Request.Context())
}

// originAllowed lets through clients that send no Origin (they are not browsers, so no web
// page speaks through them) and the configured allow-list. The request's own Host is not
// trusted: a rebound DNS name would make any page "same origin".
func (h *Handlers) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, o := range h.opt.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// stream is one WebSocket connection following one job. The handler goroutine reads; one
// writer goroutine sends everything, so there is never more than one writer on the socket.
type stream struct {
	h          *Handlers
	ws         *websocket.Conn
	jobID      string
	last       int64 // highest seq sent; owned by the writer
	replies    chan []byte
	readerDone chan struct{}
	ping       <-chan time.Time // the writer's ping ticker
	closeOnce  sync.Once
	closing    atomic.Bool
	log        *slog.Logger
}

func (s *stream) serve(ctx context.Context) {
	client := s.h.hub.NewClient(s.jobID)
	if err := s.h.hub.Register(ctx, client); err != nil {
		s.closeWith(websocket.CloseGoingAway, "server shutting down")
		s.ws.Close()
		return
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.write(ctx, client)
	}()
	s.read()
	close(s.readerDone)
	s.h.hub.Unregister(client)
	<-writerDone
	s.ws.Close()
}

// read handles client frames until the connection ends: {"type":"ping"} is answered with pong,
// anything else with an error message; binary frames close with 1003, oversized ones with 1009.
func (s *stream) read() {
	s.ws.SetReadLimit(maxClientFrame)
	s.ws.SetReadDeadline(time.Now().Add(s.h.opt.PongWait))
	s.ws.SetPongHandler(func(string) error { s.extendRead(); return nil })
	for {
		kind, data, err := s.ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
				s.log.Debug("stream read ended", "err", err)
			}
			return
		}
		s.extendRead()
		if s.closing.Load() {
			continue // closing: wait for the client's close frame, answer nothing
		}
		if kind != websocket.TextMessage {
			s.closeWith(websocket.CloseUnsupportedData, "binary frames are not accepted")
			continue
		}
		var msg struct {
			Type string `json:"type"`
		}
		var reply []byte
		switch err := json.Unmarshal(data, &msg); {
		case err != nil:
			reply = errorMessage("messages must be JSON objects like {\"type\":\"ping\"}")
		case msg.Type == "ping":
			reply = pongMsg
		default:
			reply = errorMessage("unknown message type; the server accepts only {\"type\":\"ping\"}")
		}
		select {
		case s.replies <- reply:
		default:
			s.closeWith(websocket.ClosePolicyViolation, "too many messages")
		}
	}
}

// extendRead gives the client another PongWait, unless the connection is closing.
func (s *stream) extendRead() {
	if !s.closing.Load() {
		s.ws.SetReadDeadline(time.Now().Add(s.h.opt.PongWait))
	}
}

func errorMessage(text string) []byte {
	b, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Error string `json:"error"`
	}{"error", text})
	return b
}

// closeWith starts the closing handshake once: it sends a close frame and gives the client a
// short time to answer before the reader gives up.
func (s *stream) closeWith(code int, reason string) {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		deadline := time.Now().Add(s.h.opt.WriteWait)
		if err := s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline); err != nil {
			s.ws.Close()
			return
		}
		s.ws.SetReadDeadline(time.Now().Add(closeGrace))
	})
}

// write replays the log after s.last, then sends live events, dropping those already sent and
// filling any gap from the log, so each seq goes out once, in order.
func (s *stream) write(ctx context.Context, client *hub.Client) {
	defer func() {
		// Whatever ended the writer, make sure the reader ends too.
		s.closeWith(websocket.CloseGoingAway, "")
	}()
	if hook := s.h.opt.AfterSubscribe; hook != nil {
		hook(s.jobID)
	}
	ping := time.NewTicker(s.h.opt.PingInterval)
	defer ping.Stop()
	s.ping = ping.C
	if err := s.replay(ctx, -1); err != nil {
		s.fail(err)
		return
	}
	for {
		select {
		case m, ok := <-client.Messages():
			if !ok || client.Dropped() {
				code, reason := client.CloseCode()
				s.closeWith(code, reason)
				return
			}
			if m.Seq <= s.last {
				continue // already sent by the replay
			}
			if m.Seq > s.last+1 {
				if err := s.replay(ctx, m.Seq-1); err != nil {
					s.fail(err)
					return
				}
			}
			if err := s.send(m.Data); err != nil {
				s.fail(err)
				return
			}
			s.last = m.Seq
		case r := <-s.replies:
			if err := s.send(r); err != nil {
				s.fail(err)
				return
			}
		case <-ping.C:
			if err := s.sendPing(); err != nil {
				s.fail(err)
				return
			}
		case <-s.readerDone:
			return
		}
	}
}

// replay sends stored events after s.last, up to seq `until` (-1: to the end of the log).
func (s *stream) replay(ctx context.Context, until int64) error {
	for {
		events, err := s.h.store.Events(ctx, s.jobID, s.last, replayPage)
		if err != nil {
			return err
		}
		for _, e := range events {
			if until >= 0 && e.Seq > until {
				return nil
			}
			if err := s.send(e.Data); err != nil {
				return err
			}
			s.last = e.Seq
			select { // a long replay still keeps the connection alive
			case <-s.ping:
				if err := s.sendPing(); err != nil {
					return err
				}
			default:
			}
		}
		if len(events) < replayPage {
			return nil
		}
	}
}

func (s *stream) sendPing() error {
	return s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.h.opt.WriteWait))
}

func (s *stream) send(data []byte) error {
	s.ws.SetWriteDeadline(time.Now().Add(s.h.opt.WriteWait))
	return s.ws.WriteMessage(websocket.TextMessage, data)
}

// fail ends a connection whose writes failed (a timed-out write leaves the socket unusable).
func (s *stream) fail(err error) {
	if !errors.Is(err, websocket.ErrCloseSent) {
		s.log.Debug("stream write ended", "err", err)
	}
	s.ws.Close()
}
