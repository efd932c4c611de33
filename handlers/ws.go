package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

const (
	// maxClientFrame is the largest frame a client may send; larger ones close with 1009.
	maxClientFrame = 4 << 10
	// replayPage is how many stored events one read of the log (and one vectored write) takes.
	replayPage = 256
	// closeGrace is how long a connection waits for the client's reply to a close frame.
	closeGrace = 2 * time.Second
)

const (
	// keptBatch is the batch capacity a connection keeps between bursts; larger slices, grown
	// by a burst, are dropped so an idle connection does not hold them.
	keptBatch = 512
	// socketSendBuffer is the kernel send buffer asked for each stream (Linux doubles it).
	socketSendBuffer = 8 << 10
)

var (
	pongMsg = []byte(`{"type":"pong"}`)
	// writeBuffers serves gorilla's own writes (none in normal operation: the stream writes its
	// frames itself); shared, so idle connections hold no write buffer.
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
		ReadBufferSize:  512,
		WriteBufferSize: 1024,
		WriteBufferPool: &writeBuffers,
		// The origin was checked above, against the allow-list, before the upgrade.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if !h.streams.enter() {
		h.Problem(c, errorf(http.StatusServiceUnavailable, "The server is shutting down; reconnect in a moment."))
		return
	}
	hj := &hijacker{ResponseWriter: c.Writer, writeWait: h.opt.WriteWait}
	ws, err := up.Upgrade(hj, c.Request, nil)
	if err != nil {
		h.streams.leave()
		return // the upgrader has answered the client already
	}
	hj.conn.mu.Lock()
	hj.conn.framing = true
	hj.conn.mu.Unlock()
	s := &stream{
		h: h, ws: ws, conn: hj.conn, jobID: id, last: since,
		log: h.log.With("job_id", id, "conn_id", connIDs.Add(1)),
	}
	// The connection outlives this handler: its goroutines start small, and the HTTP server's
	// goroutine and buffers for the request are released now.
	go func() {
		defer h.streams.leave()
		s.serve()
	}()
}

// hijacker hands gorilla a connection whose writes are serialised with the stream's own, so
// a control frame gorilla writes by itself (a pong, a 1009 close) never lands inside a batch.
type hijacker struct {
	http.ResponseWriter
	writeWait time.Duration
	conn      *lockedConn
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("connection cannot be hijacked")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// A small kernel send buffer keeps the backlog of a connection in its queue, where the
		// hub sees it (flow control, the 1013 bound), instead of megabytes the kernel would
		// otherwise accept on its behalf; it also bounds kernel memory per connection.
		tc.SetWriteBuffer(socketSendBuffer)
	}
	h.conn = &lockedConn{Conn: c, writeWait: h.writeWait}
	if sc, ok := c.(syscall.Conn); ok {
		h.conn.raw, _ = sc.SyscallConn()
	}
	return h.conn, rw, err
}

// errCloseSent refuses writes once a close frame has gone out (RFC 6455 §5.5.1).
var errCloseSent = errors.New("close frame already sent")

// lockedConn is a net.Conn whose every write is one whole unit under a lock, with its own write
// deadline set under that lock; after a close frame, from us or from gorilla (a 1009), it
// writes nothing more.
type lockedConn struct {
	net.Conn
	raw       syscall.RawConn // for writes that must not wait; nil without a descriptor
	writeWait time.Duration

	mu        sync.Mutex
	framing   bool // the handshake is done: writes are WebSocket frames
	closeSent bool
	iov       []iovec
	// rest is what a non-waiting write left unwritten, often the end of a frame: every later
	// write sends it first, so no other frame can land inside it.
	rest net.Buffers
}

// Write is gorilla's path: the handshake response, then whole control frames.
func (c *lockedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent {
		return 0, errCloseSent
	}
	if err := c.finishRest(); err != nil {
		return 0, err
	}
	if c.framing && len(p) > 0 && p[0]&0x0f == hub.OpClose {
		c.closeSent = true
	}
	bufs := net.Buffers{p}
	n, err := c.waitWrite(&bufs)
	return int(n), err
}

// waitWrite writes bufs, waiting for room up to the write deadline, and consumes what it
// wrote. The caller holds c.mu.
func (c *lockedConn) waitWrite(bufs *net.Buffers) (int64, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.writeWait))
	n, err := bufs.WriteTo(c.Conn)
	if err == nil {
		c.Conn.SetWriteDeadline(time.Time{}) // an expired deadline would fail writeNow
	}
	return n, err
}

// finishRest sends what a non-waiting write left. The caller holds c.mu.
func (c *lockedConn) finishRest() error {
	if len(c.rest) == 0 {
		return nil
	}
	if _, err := c.waitWrite(&c.rest); err != nil {
		return err
	}
	c.rest = nil
	return nil
}

// SetWriteDeadline is ignored: every write sets its own deadline under the lock, so a control
// frame gorilla sends cannot shorten the deadline of a batch already being written.
func (c *lockedConn) SetWriteDeadline(time.Time) error { return nil }

// SetDeadline sets only the read deadline, for the same reason.
func (c *lockedConn) SetDeadline(t time.Time) error { return c.Conn.SetReadDeadline(t) }

// writeFrames sends bufs with one vectored write (writev on TCP) when the socket has room;
// closing marks a batch that ends with a close frame. With wait, it waits for room (and for a
// write in progress) up to the write deadline. Without, it never waits: errBusy means nothing
// was taken (another write holds the connection, or an earlier rest is still unsent), and
// errPending means the batch was taken but part of it waits in the connection for a write that
// may wait (finish).
func (c *lockedConn) writeFrames(bufs *net.Buffers, closing, wait bool) error {
	if wait {
		c.mu.Lock()
	} else if !c.mu.TryLock() {
		return errBusy
	}
	defer c.mu.Unlock()
	if c.closeSent {
		return errCloseSent
	}
	if len(c.rest) > 0 {
		if !wait {
			return errBusy
		}
		if err := c.finishRest(); err != nil {
			return err
		}
	}
	c.closeSent = closing
	if c.raw != nil {
		if done, err := writeNow(c.raw, bufs, &c.iov); done || err != nil {
			return err
		}
	}
	if !wait {
		c.rest = append(net.Buffers(nil), *bufs...) // its own copy: the stream reuses bufs
		return errPending
	}
	_, err := c.waitWrite(bufs)
	return err
}

// finish sends what a non-waiting write left, waiting up to the write deadline.
func (c *lockedConn) finish() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent {
		return errCloseSent
	}
	return c.finishRest()
}

// Outcomes of a write that may not wait (see writeFrames).
var (
	errBusy    = errors.New("connection busy")
	errPending = errors.New("socket full: the rest is pending")
)

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

// stream is one WebSocket connection following one job. One goroutine reads. Writing happens
// in a goroutine started only when there is something to send (events, replies, a ping, a
// close) and ended when the queue is empty, so an idle connection costs one small goroutine.
// At most one writer runs at a time; it sends whatever is queued with one vectored write.
type stream struct {
	h         *Handlers
	ws        *websocket.Conn // for reading; frames are written to conn directly
	conn      *lockedConn
	client    *hub.Client
	jobID     string
	closeOnce sync.Once
	closing   atomic.Bool
	// deadlineMu orders extendRead against closeWith's grace deadline.
	deadlineMu sync.Mutex
	pingDue    atomic.Bool
	log        *slog.Logger

	mu      sync.Mutex // guards the fields below
	pinger  *time.Timer
	ready   bool // subscribed: writers may start
	writing bool // a writer is running
	started bool // the first writer (the replay) has been started
	again   bool // work arrived since the writer last looked
	ended   bool // no more writers may start
	replies [][]byte
	pong    []byte // payload of the client's last ping, to answer
	writers sync.WaitGroup

	// owned by the running writer
	held     []*hub.Frame // live frames taken but not yet sent, sent before the next ones
	replayed bool
	last     int64 // highest seq sent
	spare    []*hub.Frame
	bufs     net.Buffers
	headers  []byte
}

func (s *stream) serve() {
	s.client = s.h.hub.NewClient(s.jobID, s.kick)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.h.hub.Register(ctx, s.client); err != nil {
		s.closeWith(websocket.CloseGoingAway, "server shutting down")
		s.ws.Close()
		return
	}
	if hook := s.h.opt.AfterSubscribe; hook != nil {
		hook(s.jobID)
	}
	s.mu.Lock()
	s.ready = true
	s.pinger = time.AfterFunc(s.h.opt.PingInterval, s.ping)
	s.mu.Unlock()
	s.kick() // the first writer replays the log
	s.read()
	s.h.hub.Unregister(s.client)
	s.mu.Lock()
	s.ended = true
	s.pinger.Stop()
	s.mu.Unlock()
	s.ws.Close() // unblocks a writer stuck on a dead peer
	s.writers.Wait()
}

// ping asks the writer for a ping frame, every PingInterval until the stream ends.
func (s *stream) ping() {
	s.pingDue.Store(true)
	s.kick()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.pinger.Reset(s.h.opt.PingInterval)
	}
}

// kick makes sure a writer will look at the queues: it starts one unless one is running.
func (s *stream) kick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.again = true
	if s.ready && !s.writing {
		s.writing = true
		s.writers.Add(1)
		// The first writer replays the log, which waits on the store: it gets a goroutine of its
		// own. Later ones run on the shared pool unless it is saturated, or the connection has
		// no descriptor to write to without waiting (then every pooled write would hand over).
		if !s.started || !rawWrites || s.conn.raw == nil || !s.h.pool.submit(s) {
			s.started = true
			go s.write(false)
		}
	}
}

// reply queues a message to the client (pong, error); false when too many are waiting.
func (s *stream) reply(msg []byte) bool {
	s.mu.Lock()
	if len(s.replies) >= 8 {
		s.mu.Unlock()
		return false
	}
	s.replies = append(s.replies, msg)
	s.mu.Unlock()
	s.kick()
	return true
}

// read handles client frames until the connection ends: {"type":"ping"} is answered with pong,
// anything else with an error message; binary frames close with 1003, oversized ones with 1009.
func (s *stream) read() {
	s.ws.SetReadLimit(maxClientFrame)
	s.ws.SetReadDeadline(time.Now().Add(s.h.opt.PongWait))
	s.ws.SetPongHandler(func(string) error { s.extendRead(); return nil })
	s.ws.SetPingHandler(func(data string) error {
		// Answer through the writer: the reader never waits behind a batch being written.
		s.extendRead()
		s.mu.Lock()
		s.pong = []byte(data)
		s.mu.Unlock()
		s.kick()
		return nil
	})
	s.ws.SetCloseHandler(func(code int, _ string) error {
		// Answer the client's close with the same code, through the one writer path.
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		s.closeWith(code, "")
		return nil
	})
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
		if !s.reply(reply) {
			s.closeWith(websocket.ClosePolicyViolation, "too many messages")
		}
	}
}

// extendRead gives the client another PongWait, unless the connection is closing.
func (s *stream) extendRead() {
	s.deadlineMu.Lock()
	defer s.deadlineMu.Unlock()
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

// closeWith starts the closing handshake once: no writer starts after it, it sends a close
// frame, and gives the client a short time to answer before the reader gives up.
func (s *stream) closeWith(code int, reason string) {
	s.closeOnce.Do(func() {
		s.stop()
		s.deadlineMu.Lock()
		s.closing.Store(true)
		s.ws.SetReadDeadline(time.Now().Add(closeGrace))
		s.deadlineMu.Unlock()
		frame := hub.AppendFrame(nil, hub.OpClose, websocket.FormatCloseMessage(code, reason))
		bufs := net.Buffers{frame}
		if err := s.conn.writeFrames(&bufs, true, true); err != nil {
			s.ws.Close()
		}
	})
}

// write sends what is queued until nothing is, then ends. The first writer replays the log
// after since; every writer drops live frames already sent and fills any gap from the log, so
// each seq goes out once, in order. A pooled writer runs on a worker shared by all streams and
// must not wait for this one: when the connection is busy or its socket full, a close is due,
// or a gap must be filled from the store, it hands the rest to a goroutine of the stream's own;
// after a few rounds it goes back to the end of the pool's queue, so that one busy stream does
// not hold a worker while others wait.
func (s *stream) write(pooled bool) {
	switch s.writeLoop(pooled) {
	case handOver:
		go s.write(false) // keeps the writers count and the writing flag
	case requeue:
		if !s.h.pool.submit(s) {
			go s.write(false)
		}
	default:
		s.writers.Done()
	}
}

type writeOutcome int

const (
	finished writeOutcome = iota
	handOver              // to a goroutine of the stream's own
	requeue               // to the end of the pool's queue
)

// pooledRounds is how many batches a pooled writer sends before it requeues.
const pooledRounds = 4

func (s *stream) writeLoop(pooled bool) writeOutcome {
	ctx := context.Background()
	if !pooled {
		// What a pooled writer handed over: the end of a batch the connection holds, then a
		// batch that could not start.
		err := s.conn.finish()
		if err == nil {
			err = s.flush(true)
		}
		if err != nil {
			if !errors.Is(err, errCloseSent) {
				s.fail(err)
			}
			return finished
		}
	}
	for round := 0; ; round++ {
		s.mu.Lock()
		if !s.again || s.ended {
			s.writing = false
			s.mu.Unlock()
			return finished
		}
		if pooled && round == pooledRounds {
			s.mu.Unlock()
			return requeue
		}
		s.again = false
		replies, pong := s.replies, s.pong
		s.replies, s.pong = nil, nil
		s.mu.Unlock()

		if !s.replayed {
			if pooled { // the first writer replays, on a goroutine of its own (see kick)
				s.putBack(replies, pong)
				return handOver
			}
			s.replayed = true
			// A delete that ran between the check before the upgrade and the subscription has
			// already closed the job's subscribers; this one must close itself. (Checked here,
			// not in the reader: a store call grows the stack of the goroutine that makes it,
			// and the reader lives as long as the connection.)
			if err := s.h.requireJob(ctx, s.jobID); err != nil {
				s.closeAfterFlush(websocket.CloseNormalClosure, "job deleted")
				return finished
			}
			held, err := s.replay(ctx, -1)
			if err != nil {
				var d *droppedError
				if errors.As(err, &d) {
					s.closeAfterFlush(d.code, d.reason)
					return finished
				}
				s.fail(err)
				return finished
			}
			s.held = append(s.held, held...)
		}
		frames, dropped, code, reason := s.client.Take(s.spare)
		if len(s.held) > 0 {
			frames = append(s.held, frames...)
			s.held = nil
		}
		if dropped {
			if pooled {
				s.putBack(replies, pong) // the goroutine takes the drop again, and closes
				return handOver
			}
			s.closeAfterFlush(code, reason)
			return finished
		}
		for i, f := range frames {
			if f.Seq <= s.last {
				continue // already sent by the replay
			}
			if f.Seq > s.last+1 {
				if pooled { // filling the gap reads the store: the goroutine does it
					s.held = append([]*hub.Frame(nil), frames[i:]...)
					s.spare = nil
					s.putBack(replies, pong)
					return handOver
				}
				if _, err := s.replay(ctx, f.Seq-1); err != nil {
					s.fail(err)
					return finished
				}
			}
			s.bufs = append(s.bufs, f.Bytes)
			s.last = f.Seq
		}
		if pong != nil {
			s.bufs = append(s.bufs, hub.AppendFrame(nil, hub.OpPong, pong))
		}
		for _, r := range replies {
			s.bufs = append(s.bufs, hub.AppendFrame(nil, hub.OpText, r))
		}
		if s.pingDue.Swap(false) {
			s.bufs = append(s.bufs, hub.AppendFrame(nil, hub.OpPing, nil))
		}
		err := s.flush(!pooled)
		clear(frames)
		if cap(frames) <= keptBatch {
			s.spare = frames[:0]
		} else {
			s.spare = nil // a burst's large queue is not kept by an idle connection
		}
		switch {
		case errors.Is(err, errBusy), errors.Is(err, errPending):
			return handOver
		case errors.Is(err, errCloseSent):
			return finished // the reader closed the connection; it waits for the client's answer
		case err != nil:
			s.fail(err)
			return finished
		}
	}
}

// putBack returns replies and a pong a pooled writer took to the stream, for the goroutine it
// hands over to, and makes sure that goroutine looks at the queues.
func (s *stream) putBack(replies [][]byte, pong []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(replies, s.replies...)
	if s.pong == nil {
		s.pong = pong
	}
	s.again = true
}

// closeAfterFlush sends what is batched, then the close frame.
func (s *stream) closeAfterFlush(code int, reason string) {
	s.stop()
	if err := s.flush(true); err != nil && !errors.Is(err, errCloseSent) {
		s.fail(err)
		return
	}
	s.closeWith(code, reason)
}

// droppedError ends a replay when the hub dropped the client meanwhile.
type droppedError struct {
	code   int
	reason string
}

func (e *droppedError) Error() string { return "dropped by the hub: " + e.reason }

// stop lets no further writer start.
func (s *stream) stop() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}

// flush sends the batch with one vectored write. Without wait it may give errBusy (nothing
// taken: the batch stays in s.bufs) or errPending (taken; the connection holds the rest).
func (s *stream) flush(wait bool) error {
	if len(s.bufs) == 0 {
		return nil
	}
	bufs := s.bufs
	err := s.conn.writeFrames(&bufs, false, wait)
	if errors.Is(err, errBusy) {
		return err
	}
	clear(s.bufs)
	if cap(s.bufs) > keptBatch {
		s.bufs = nil
	} else {
		s.bufs = s.bufs[:0]
	}
	s.headers = s.headers[:0] // replay pages flush with wait: no rest points into them
	return err
}

// replay sends stored events after s.last, up to seq `until` (-1: to the end of the log), a
// page per vectored write; the stored JSON is sent as it is, behind a frame header. A replay to
// the end of the log also takes the live frames queued meanwhile after each page and hands
// them back, so a long replay does not fill the client's queue and get it dropped (1013).
func (s *stream) replay(ctx context.Context, until int64) (held []*hub.Frame, err error) {
	for {
		events, err := s.h.store.Events(ctx, s.jobID, s.last, replayPage)
		if err != nil {
			return held, err
		}
		// Headers of the page share one buffer, sized up front so appends never move it
		// (a header is at most 10 bytes).
		if need := 10 * len(events); cap(s.headers)-len(s.headers) < need {
			s.headers = make([]byte, 0, len(s.headers)+need)
		}
		for _, e := range events {
			if until >= 0 && e.Seq > until {
				return held, s.flush(true)
			}
			start := len(s.headers)
			s.headers = hub.AppendFrameHeader(s.headers, hub.OpText, len(e.Data))
			s.bufs = append(s.bufs, s.headers[start:len(s.headers):len(s.headers)], e.Data)
			s.last = e.Seq
		}
		if err := s.flush(true); err != nil {
			return held, err
		}
		if len(events) < replayPage {
			s.headers = nil // an idle connection keeps no replay buffer
			return held, nil
		}
		if until < 0 {
			frames, dropped, code, reason := s.client.Take(nil)
			if dropped {
				return held, &droppedError{code, reason}
			}
			held = append(held, frames...)
		}
	}
}

// fail ends a connection whose writes failed (a timed-out write leaves the socket unusable).
func (s *stream) fail(err error) {
	s.stop()
	s.log.Debug("stream write ended", "err", err)
	s.ws.Close()
}
