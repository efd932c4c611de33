package hub

import (
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Log is the stored event log. A connection replays from it what happened before it subscribed,
// and fills from it any gap in the live events. Events are stored before they are broadcast.
type Log interface {
	// Events returns up to limit events of jobID with seq > after, in seq order, or
	// ErrUnknownJob when the job is not stored (it was deleted).
	Events(ctx context.Context, jobID string, after int64, limit int) ([]Message, error)
}

// ErrUnknownJob is what a Log answers for a job that is not stored.
var ErrUnknownJob = errors.New("unknown job")

// ConnOptions tune the connections Serve runs; zero values take the defaults of API.md.
type ConnOptions struct {
	// Log is where a connection reads the events it did not get live. Required.
	Log Log
	// PingInterval is how often the server pings (default 30 s).
	PingInterval time.Duration
	// PongWait closes a connection whose client has sent nothing, not even a pong, for this
	// long (default 60 s).
	PongWait time.Duration
	// WriteWait bounds one write to the socket (default 10 s).
	WriteWait time.Duration
	// MessageBurst and MessageRate bound the messages a client may send: MessageBurst at once,
	// then MessageRate a second on average (a token bucket; defaults 60 and 10). Each is
	// answered; the first over the limit closes the connection with 1008.
	MessageBurst int
	MessageRate  float64
}

const (
	// maxClientMessage is the largest message a client may send; gorilla closes a connection
	// that sends a larger one with 1009.
	maxClientMessage = 4 << 10
	// DefaultMessageBurst and DefaultMessageRate are ConnOptions' defaults (README, WebSocket
	// limits): a client may send 60 messages at once, then 10 a second.
	DefaultMessageBurst = 60
	DefaultMessageRate  = 10
	// maxReplies bounds the replies (pong, error) waiting to go out: a client that keeps
	// sending while it reads nothing is closed with 1008 and ReasonRepliesUnread.
	maxReplies = 64
	// replayPage is how many stored events one read of the log (and one batch) takes.
	replayPage = 256
	// closeGrace is how long a connection waits for the client's answer to its close frame.
	closeGrace = 2 * time.Second
	// keptBatch is the batch capacity a connection keeps between bursts; a larger slice, grown
	// by a burst, is dropped so that an idle connection does not hold it.
	keptBatch = 512
	// socketSendBuffer is the kernel send buffer asked for each connection (Linux doubles it).
	// A small one keeps a connection's backlog in its queue, where the hub sees it (flow
	// control, the 1013 bound), instead of in megabytes the kernel would accept on its behalf.
	socketSendBuffer = 8 << 10
)

// ReasonRepliesUnread is the reason of the 1008 close for a client that sends more messages
// while it has not read the replies to the last 64. A client over MessageBurst and MessageRate
// gets the reason "too many messages: at most <burst> at once, then <rate> a second".
const ReasonRepliesUnread = "too many messages whose replies were not read"

var (
	pongMessage = []byte(`{"type":"pong"}`)
	// The error messages a client's message may get; the connection stays up after them.
	errNotJSON     = errorMessage(`messages must be JSON objects like {"type":"ping"}`)
	errUnknownType = errorMessage(`unknown message type; the server accepts only {"type":"ping"}`)
	connIDs        atomic.Int64
	// writeBuffers serves gorilla's message buffers (the replay's and the replies' writes;
	// live events go out as prepared frames): shared, so idle connections hold none.
	writeBuffers sync.Pool
	upgrader     = websocket.Upgrader{
		ReadBufferSize:  512,
		WriteBufferSize: 1024,
		WriteBufferPool: &writeBuffers,
		// The caller has checked the origin against its allow-list before the upgrade.
		CheckOrigin: func(*http.Request) bool { return true },
	}
)

// Upgrade answers a WebSocket handshake with the settings Serve's connections are tuned for: a
// small kernel send buffer, and gorilla writing to a batchConn. The caller checks the request
// (origin included) first; on an error the client has had its answer already.
func Upgrade(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	ws, err := upgrader.Upgrade(hijacker{w}, r, nil)
	if err != nil {
		return nil, err
	}
	// Compression is never negotiated, so the level only picks which of a PreparedMessage's
	// frames a connection reads. NewPreparedMessage prepares the one for level 0, and a server
	// connection asks for level 1 by default: each event was then prepared a second time, on
	// its first delivery (a throwaway gorilla connection with a 4 KiB buffer). At 100
	// subscribers, unpaced, that was 28 % of the server's allocations (BENCHMARKS.md).
	ws.SetCompressionLevel(flate.NoCompression)
	return ws, nil
}

// connState is where a connection is in its life. It only moves forward.
type connState uint8

const (
	open      connState = iota // events, replies and pings go out
	closeDue                   // a close frame goes out next, and nothing after it
	closeSent                  // the close frame is out: the client has closeGrace to answer
)

// conn is one WebSocket following one job, with two goroutines: the reader and the writer.
// The writer replays the log, then leaves the live batches to the shared writers (writers.go)
// and waits for what only it does: finishing a batch the socket did not take at once, and the
// close. One batch runs at a time (sched). The reader leaves the writer what to send (a pong, a
// reply, a close) in the fields under mu and kicks it; the one write the reader makes is
// gorilla's own close for a frame it refuses to read (1009, a protocol error), which gorilla
// serialises with the batches.
type conn struct {
	hub        *Hub
	ws         *websocket.Conn
	out        *batchConn // the socket under ws
	client     *Client
	jobID      string
	opt        ConnOptions
	log        *slog.Logger
	ctx        context.Context // ends with the reader
	writers    *writers
	sched      atomic.Int32  // idle, queued, running or again
	handed     chan error    // why a batch stopped, to the writer: errBlocked or the end
	readerDone chan struct{} // closed when the reader has returned
	// readerEnded is set just before readerDone is closed, for the check each batch makes: a
	// receive from readerDone reads a channel that is cold in the cache by the time a batch runs
	// (10 000 subscribers at 10 events/s: 0.4 µs of server CPU per delivery in a profile).
	readerEnded atomic.Bool
	started     time.Time // when Serve began, for the log line at the end

	mu          sync.Mutex // guards the fields below
	state       connState
	closeCode   int // the close frame to send, while closeDue
	closeReason string
	replies     [][]byte // text messages for the client (pong, error), oldest first
	pong        []byte   // payload of the client's last ping, to answer; nil when none is due
	pingDue     bool
	sentCode    int  // the close frame sent (0: none)
	byClient    bool // the close began with the client's close frame

	readErr  error // why the reader ended; owned by the reader until readerDone
	writeErr error // why the writer ended, if not with a close; owned by the writer

	// owned by the goroutine that runs the batch (sched)
	last   int64 // the highest seq sent
	spare  []*Frame
	pinger *time.Timer // asks for the next ping; the writer rearms it when it sends one
}

// Serve follows jobID on ws until the connection ends, then closes ws. It subscribes first,
// then sends the stored events after since, then the live ones: every event with seq > since
// goes out exactly once, in order, with no gap. One call per connection, on a goroutine of
// its own; it runs the connection's reader there and starts its writer. ws must come from
// Upgrade.
func (h *Hub) Serve(ws *websocket.Conn, jobID string, since int64, opt ConnOptions) {
	if opt.PingInterval <= 0 {
		opt.PingInterval = 30 * time.Second
	}
	if opt.PongWait <= 0 {
		opt.PongWait = 60 * time.Second
	}
	if opt.WriteWait <= 0 {
		opt.WriteWait = 10 * time.Second
	}
	if opt.MessageBurst <= 0 {
		opt.MessageBurst = DefaultMessageBurst
	}
	if opt.MessageRate <= 0 {
		opt.MessageRate = DefaultMessageRate
	}
	c := &conn{
		hub: h, ws: ws, jobID: jobID, opt: opt, last: since,
		log:        h.log.With("job_id", jobID, "conn_id", connIDs.Add(1)),
		writers:    shared(),
		handed:     make(chan error, 1),
		readerDone: make(chan struct{}),
		started:    time.Now(),
	}
	out, ok := ws.NetConn().(*batchConn)
	if !ok {
		panic("hub: Serve takes connections from Upgrade")
	}
	c.out, out.writeWait = out, opt.WriteWait
	c.client = h.NewClient(jobID, c.kick)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx
	c.sched.Store(running) // the writer's replay runs first
	if err := h.Register(ctx, c.client); err != nil {
		// Only a stopped hub refuses: the server is shutting down.
		c.close(websocket.CloseGoingAway, "server shutting down")
		ws.Close()
		c.logClosed()
		return
	}
	h.obs.Streams(1)
	defer h.obs.Streams(-1)
	written := make(chan struct{})
	go func() {
		defer close(written)
		c.write()
	}()
	c.read()
	c.readerEnded.Store(true)
	close(c.readerDone)
	c.kick()
	cancel() // a read of the log in progress ends with the connection
	<-written
	h.Unregister(c.client)
	ws.Close()
	c.logClosed()
}

// logClosed writes the one line an operator reads about a connection that ended: the close
// code it got (1006 when no close frame went out: a dead socket, a write past WriteWait, no
// pong within PongWait), why, who began it, and how many events were waiting in its queue. A
// client the server closed for being too slow or breaking a limit is a warning; any other end
// (the client's close, a job deleted, a shutdown, a lost network) is info.
func (c *conn) logClosed() {
	c.mu.Lock()
	code, reason, byClient := c.sentCode, c.closeReason, c.byClient
	c.mu.Unlock()
	by := "server"
	switch {
	case code == 0:
		code, by = websocket.CloseAbnormalClosure, "network"
	case byClient:
		by = "client"
	}
	attrs := []slog.Attr{
		slog.Int("close_code", code),
		slog.String("reason", reason),
		slog.String("closed_by", by),
		slog.Int("queue_len", c.client.queueLen()),
		slog.Int64("last_seq", c.last),
		slog.Duration("duration", time.Since(c.started)),
	}
	if by == "network" {
		err := c.writeErr
		if err == nil {
			err = c.readErr
		}
		if err != nil {
			attrs = append(attrs, slog.String("err", err.Error()))
		}
	}
	level := slog.LevelInfo
	switch code {
	case websocket.CloseTryAgainLater, websocket.ClosePolicyViolation, websocket.CloseMessageTooBig,
		websocket.CloseUnsupportedData, websocket.CloseInvalidFramePayloadData:
		if by == "server" {
			level = slog.LevelWarn
		}
	}
	c.log.LogAttrs(context.Background(), level, "stream closed", attrs...)
}

// The states of a connection's batches (conn.sched).
const (
	idle    int32 = iota // nothing to send
	queued               // waiting for a shared writer
	running              // a batch is going out, or the writer holds the connection
	again                // running, and kicked meanwhile: another batch follows
)

// kick asks for a batch: there is something to send (frames, a drop, the reader's work, a
// ping, its end). It never blocks (the hub calls it from its own goroutine).
func (c *conn) kick() {
	for {
		switch c.sched.Load() {
		case idle:
			if c.sched.CompareAndSwap(idle, queued) {
				c.writers.submit(c)
				return
			}
		case running:
			if c.sched.CompareAndSwap(running, again) {
				return
			}
		default: // queued or again: a batch will run
			return
		}
	}
}

// idle ends a batch: the connection waits for the next kick, or, kicked meanwhile, for a
// shared writer.
func (c *conn) idle() {
	if c.sched.CompareAndSwap(running, idle) {
		return
	}
	c.sched.Store(queued)
	c.writers.submit(c)
}

// run sends a batch on a shared writer. A batch that ends the connection, or that the socket
// did not take at once, goes to the writer, and no other runs until it says so.
func (c *conn) run() {
	c.sched.Store(running)
	if err := c.batch(nil); err != nil {
		c.handed <- err
		return
	}
	c.idle()
}

// errReaderDone ends a connection whose reader has returned.
var errReaderDone = errors.New("reader ended")

// batch sends what is due, after the frames held from the replay.
func (c *conn) batch(held []*Frame) error {
	if c.readerEnded.Load() {
		return errReaderDone
	}
	sent := c.last
	err := c.send(c.ctx, held)
	// Counted once per batch (one atomic add), not per event.
	c.hub.obs.Delivered(int(c.last - sent))
	return err
}

// read handles the client's frames until the connection ends: each message is answered as
// answer says (a pong, an error message, or a close: 1003, 1007), up to MessageBurst at once and
// MessageRate a second, and the first over that closes with 1008; a message over 4 KiB closes
// with 1009 (gorilla's own close). Every frame, a pong included, gives the client another
// PongWait.
func (c *conn) read() {
	c.ws.SetReadLimit(maxClientMessage)
	c.extendRead()
	c.ws.SetPongHandler(func(string) error {
		c.extendRead()
		return nil
	})
	c.ws.SetPingHandler(func(data string) error {
		c.extendRead()
		c.mu.Lock()
		c.pong = []byte(data) // never nil, also when empty
		c.mu.Unlock()
		c.kick()
		return nil
	})
	c.ws.SetCloseHandler(func(code int, _ string) error {
		// The writer answers the client's close with the same code.
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		if c.startClose(code, "") {
			c.mu.Lock()
			c.byClient = true
			c.mu.Unlock()
		}
		return nil
	})
	limit := bucket{burst: float64(c.opt.MessageBurst), rate: c.opt.MessageRate}
	tooMany := fmt.Sprintf("too many messages: at most %d at once, then %g a second", c.opt.MessageBurst, c.opt.MessageRate)
	for {
		kind, data, err := c.ws.ReadMessage()
		if errors.Is(err, websocket.ErrReadLimit) {
			// Gorilla has sent 1009 itself, unless the writer held the connection for more than
			// gorilla's second: then the writer sends it.
			c.startClose(websocket.CloseMessageTooBig, "")
		}
		if err != nil {
			c.readErr = err
			return
		}
		c.extendRead()
		if !limit.take(time.Now()) {
			c.startClose(websocket.ClosePolicyViolation, tooMany)
			continue
		}
		reply, code, reason := answer(kind, data)
		if code != 0 {
			c.startClose(code, reason)
			continue
		}
		if !c.reply(reply) {
			c.startClose(websocket.ClosePolicyViolation, ReasonRepliesUnread)
		}
	}
}

// answer decides what one message from a client gets: a reply for the writer to send, or the
// code (and reason) of the close that ends the connection. It is the one place a client's
// frames are read. A text {"type":"ping"} is answered with pong and any other text with an
// error message; a binary frame closes with 1003, a text frame that is not UTF-8 with 1007
// (RFC 6455 §8.1).
func answer(kind int, data []byte) (reply []byte, code int, reason string) {
	if kind != websocket.TextMessage {
		return nil, websocket.CloseUnsupportedData, "binary frames are not accepted"
	}
	if !utf8.Valid(data) {
		return nil, websocket.CloseInvalidFramePayloadData, "text frames must be UTF-8"
	}
	// Keys match exactly ("Type" is not "type"), unlike a decode into a struct.
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(data, &msg); err != nil {
		return errNotJSON, 0, ""
	}
	var typ string
	if json.Unmarshal(msg["type"], &typ) != nil || typ != "ping" {
		return errUnknownType, 0, ""
	}
	return pongMessage, 0, ""
}

// bucket is the token bucket behind MessageBurst and MessageRate: it holds up to burst tokens
// and gains rate a second. Only the reader uses it.
type bucket struct {
	burst, rate float64
	tokens      float64
	last        time.Time // zero until the first message: the bucket starts full
}

// take spends a token for a message that arrived at now; false means none was left.
func (b *bucket) take(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// extendRead gives the client another PongWait, unless the connection is closing.
func (c *conn) extendRead() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == open {
		c.ws.SetReadDeadline(time.Now().Add(c.opt.PongWait))
	}
}

// reply queues a text message for the client. It is false when maxReplies are waiting already;
// a closing connection answers nothing.
func (c *conn) reply(msg []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != open {
		return true
	}
	if len(c.replies) >= maxReplies {
		return false
	}
	c.replies = append(c.replies, msg)
	c.kick()
	return true
}

func errorMessage(text string) []byte {
	b, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Error string `json:"error"`
	}{"error", text})
	return b
}

// startClose makes code the close frame the writer sends next, unless the connection is closing
// already, and wakes the writer. It reports whether this call began the close.
func (c *conn) startClose(code int, reason string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != open {
		return false
	}
	c.state, c.closeCode, c.closeReason = closeDue, code, reason
	c.kick()
	return true
}

// close sends a close frame with code, unless one is due or sent already (then that one).
func (c *conn) close(code int, reason string) {
	c.startClose(code, reason)
	c.sendClose()
}

// sendClose sends the close frame that is due, once, and gives the client closeGrace to answer
// it; the reader ends with that answer or that deadline. Nothing is written after it: gorilla
// refuses any write after a close frame.
func (c *conn) sendClose() {
	c.mu.Lock()
	if c.state != closeDue {
		c.mu.Unlock()
		return
	}
	c.state = closeSent
	code, reason := c.closeCode, c.closeReason
	c.sentCode = code
	c.ws.SetReadDeadline(time.Now().Add(closeGrace))
	c.mu.Unlock()
	// Outside a batch: it goes out at once, under its own deadline.
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(c.opt.WriteWait))
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		c.ws.Close() // the client cannot get it: end the reader now
	}
}

// errCloseDue ends the writer's sending when the reader has asked for a close.
var errCloseDue = errors.New("close due")

// droppedError ends the writer's sending when the hub has dropped the client.
type droppedError struct {
	code   int
	reason string
}

func (e *droppedError) Error() string { return "dropped by the hub: " + e.reason }

// write is the connection's writer: it replays the log after since and sends the first batch;
// then the shared writers send what the hub queues, with the replies and pings that are due, a
// batch at a time, and the writer waits on handed. It finishes each batch the socket did not
// take at once, and ends the connection when a batch reports its end or the reader returns.
// Pings come from a timer that kicks, like everything else a batch sends.
func (c *conn) write() {
	c.pinger = time.AfterFunc(c.opt.PingInterval, c.ping)
	defer c.pinger.Stop()
	c.out.hold()
	sent := c.last
	held, err := c.replay(c.ctx, toLogEnd)
	if rerr := c.out.release(); err == nil {
		err = rerr
	}
	c.hub.obs.Delivered(int(c.last - sent))
	if err == nil {
		err = c.batch(held)
	}
	for err == nil || errors.Is(err, errBlocked) {
		if err != nil {
			if err = c.out.drain(); err != nil {
				break
			}
			c.kick() // the next batch, which may have been waiting for this one (a close due)
		}
		c.idle()
		err = <-c.handed
	}
	c.out.drain() // what a batch that ended on an error left, so the close frame follows it
	if errors.Is(err, errReaderDone) {
		c.sendClose() // the answer to the client's close, if it sent one
		return
	}
	c.end(err)
}

// ping asks the writer for a ping; it runs on the timer's goroutine.
func (c *conn) ping() {
	c.mu.Lock()
	c.pingDue = true
	c.mu.Unlock()
	c.kick()
}

// end finishes a connection whose writer stops on err: a drop by the hub (1013, 1000, 1001),
// a deleted job (1000) or the reader's request closes with its code; anything else (a failed
// write or read of the log) closes the socket, since a timed-out write leaves it unusable.
// Then it waits for the reader.
func (c *conn) end(err error) {
	var dropped *droppedError
	switch {
	case errors.As(err, &dropped):
		c.close(dropped.code, dropped.reason)
	case errors.Is(err, ErrUnknownJob):
		// Deleted between the check before the upgrade and the subscription: the hub's close
		// of the job's streams came before this one subscribed.
		c.close(websocket.CloseNormalClosure, "job deleted")
	case errors.Is(err, errCloseDue), errors.Is(err, context.Canceled):
		c.sendClose() // the reader asked for a close, or ended
	default:
		c.writeErr = err
		c.ws.Close()
	}
	<-c.readerDone
}

// send writes one batch: the live frames the hub has queued, after those held from the
// replay, skipping seqs already sent and filling a gap from the log first; then a pong, the
// replies and a ping if due.
func (c *conn) send(ctx context.Context, held []*Frame) (err error) {
	c.mu.Lock()
	state := c.state
	replies, pong, ping := c.replies, c.pong, c.pingDue
	c.replies, c.pong, c.pingDue = nil, nil, false
	c.mu.Unlock()
	if state != open {
		return c.sendLastReplies(replies)
	}

	frames, dropped, code, reason := c.client.Take(c.spare)
	if dropped {
		return &droppedError{code, reason}
	}
	if len(held) > 0 {
		frames = append(held, frames...)
	}
	c.out.holdQuick()
	defer func() {
		if rerr := c.out.releaseQuick(); err == nil {
			err = rerr
		}
	}()
	err = c.sendFrames(ctx, frames)
	clear(frames)
	if cap(frames) <= keptBatch {
		c.spare = frames[:0]
	} else {
		c.spare = nil
	}
	if err != nil {
		return err
	}
	// Inside a batch nothing waits for the socket: the batch's deadline is the batchConn's.
	if pong != nil {
		if err := c.ws.WriteControl(websocket.PongMessage, pong, time.Time{}); err != nil {
			return err
		}
	}
	for _, r := range replies {
		if err := c.ws.WriteMessage(websocket.TextMessage, r); err != nil {
			return err
		}
	}
	if ping {
		if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Time{}); err != nil {
			return err
		}
		c.pinger.Reset(c.opt.PingInterval)
	}
	return nil
}

// sendLastReplies answers the client's messages that came before the one that made the reader
// ask for a close (a message over the rate, say): each is answered, then the close goes out.
func (c *conn) sendLastReplies(replies [][]byte) error {
	if len(replies) == 0 {
		return errCloseDue
	}
	c.out.holdQuick()
	var err error
	for _, r := range replies {
		if err = c.ws.WriteMessage(websocket.TextMessage, r); err != nil {
			break
		}
	}
	if rerr := c.out.releaseQuick(); err == nil {
		err = rerr
	}
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) { // gorilla's own close (1009) is out
		return err
	}
	return errCloseDue
}

// sendFrames writes the live frames after c.last, in seq order, reading any missing seq from
// the log first.
func (c *conn) sendFrames(ctx context.Context, frames []*Frame) error {
	for _, f := range frames {
		if f.Seq <= c.last {
			continue // sent by the replay already
		}
		if f.Seq > c.last+1 {
			if _, err := c.replay(ctx, f.Seq-1); err != nil {
				return err
			}
		}
		if err := c.ws.WritePreparedMessage(f.Msg); err != nil {
			return err
		}
		c.last = f.Seq
	}
	return nil
}

// toLogEnd asks replay for every stored event after c.last.
const toLogEnd = -1

// replay sends the stored events after c.last up to seq until (toLogEnd: to the end of the
// log), a page at a time; the stored JSON goes out as it is. A replay to the end also takes the
// live frames the hub queues meanwhile, after each page, and returns them to be sent next: a
// long replay must not fill the client's queue and get it dropped (1013).
func (c *conn) replay(ctx context.Context, until int64) (held []*Frame, err error) {
	for {
		events, err := c.opt.Log.Events(ctx, c.jobID, c.last, replayPage)
		if err != nil {
			return held, err
		}
		for _, e := range events {
			if until != toLogEnd && e.Seq > until {
				return held, nil
			}
			if err := c.ws.WriteMessage(websocket.TextMessage, e.Data); err != nil {
				return held, err
			}
			c.last = e.Seq
		}
		if err := c.out.flush(); err != nil {
			return held, err
		}
		if len(events) < replayPage {
			return held, nil
		}
		if until == toLogEnd {
			frames, dropped, code, reason := c.client.Take(nil)
			if dropped {
				return held, &droppedError{code, reason}
			}
			held = append(held, frames...)
		}
	}
}
