// Package hub fans a job's events out to the connections that follow it. One goroutine owns the
// subscriptions; it is fed through the register, unregister and broadcast channels and never
// blocks on a subscriber: a connection whose queue is full is dropped with close code 1013, and
// it loses nothing, because it resumes from the stored event log when it reconnects.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// ErrStopped is returned by Register and Broadcast once the hub has shut down.
var ErrStopped = errors.New("hub stopped")

// Message is one event on its way to subscribers: the job it belongs to, its seq and the JSON
// every subscriber receives.
type Message struct {
	JobID string
	Seq   int64
	Data  []byte
}

// Frame is a Message made ready for the wire once, for all its subscribers: gorilla's
// PreparedMessage encodes the text frame once, and every connection writes the same bytes.
// Frames are shared and never modified.
type Frame struct {
	JobID string
	Seq   int64
	Msg   *websocket.PreparedMessage

	stats *jobStats // the job's counts when it was broadcast, if it had subscribers
}

// Client is one connection's subscription to one job: a bounded queue of frames that the hub
// fills and the connection takes from. The hub never waits for a client: it appends under the
// client's lock and calls notify when the queue goes from empty to not empty; a client whose
// queue is full is dropped (1013). The queue holds memory only while frames wait.
type Client struct {
	jobID    string
	limit    int
	notify   func()
	stats    *jobStats
	released bool // guarded by Hub.statsMu

	mu      sync.Mutex
	queue   []*Frame
	dropped bool
	code    int
	reason  string
	dropLen int // the queue's length when the hub dropped the client
}

// queueLen is the number of frames waiting in the queue, or waiting when the client was dropped.
func (c *Client) queueLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped {
		return c.dropLen
	}
	return len(c.queue)
}

// Take returns the queued frames, oldest first, and empties the queue, reusing spare's storage
// for the next frames. Once the hub has dropped the client, dropped is true, code and reason
// say which close to send, and the frames still queued are discarded: the connection closes and
// the client resumes from the log.
func (c *Client) Take(spare []*Frame) (frames []*Frame, dropped bool, code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped {
		return nil, true, c.code, c.reason
	}
	frames, c.queue = c.queue, spare[:0]
	c.stats.queued.Add(-int64(len(frames)))
	c.stats.progressed()
	return frames, false, 0, ""
}

// push queues f; false means the queue was full and the client is now dropped.
func (c *Client) push(f *Frame) (ok, wake bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped {
		return true, false
	}
	if len(c.queue) >= c.limit {
		return false, false
	}
	c.queue = append(c.queue, f) // counted in stats.queued by deliver, once per event
	return true, len(c.queue) == 1
}

// drop marks the client closed with code; it reports whether it was open.
func (c *Client) drop(code int, reason string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped {
		return false
	}
	c.dropped, c.code, c.reason, c.dropLen = true, code, reason, len(c.queue)
	c.stats.queued.Add(-int64(len(c.queue)))
	c.stats.progressed()
	clear(c.queue)
	c.queue = nil
	return true
}

// jobStats counts the frames waiting for one job's subscribers, so a publisher that wants flow
// control can see how far the connections are behind: queued in their queues, and pending in
// the broadcast channel, not yet fanned out.
type jobStats struct {
	queued  atomic.Int64
	pending atomic.Int64
	subs    int // guarded by Hub.statsMu

	// waiters counts the calls in WaitBacklog: while there are none, a subscriber that takes
	// frames leaves waitMu alone (every take of every subscriber of the job would lock it).
	waiters  atomic.Int32
	waitMu   sync.Mutex
	progress chan struct{} // closed when a subscriber next takes frames; nil while nobody waits
}

// progressed wakes whoever waits for the job's subscribers to take frames. A waiter counts
// itself in waiters before it reads the counts, and a taker changes the counts before it reads
// waiters: either the waiter sees the take, or the taker sees the waiter.
func (st *jobStats) progressed() {
	if st.waiters.Load() == 0 {
		return
	}
	st.waitMu.Lock()
	defer st.waitMu.Unlock()
	if st.progress != nil {
		close(st.progress)
		st.progress = nil
	}
}

// nextProgress is a channel closed when a subscriber next takes frames.
func (st *jobStats) nextProgress() <-chan struct{} {
	st.waitMu.Lock()
	defer st.waitMu.Unlock()
	if st.progress == nil {
		st.progress = make(chan struct{})
	}
	return st.progress
}

type jobClose struct {
	jobID  string
	code   int
	reason string
}

type registration struct {
	client *Client
	added  chan struct{}
}

// Hub is the fan-out. Create it with New and start Run.
type Hub struct {
	register   chan registration
	unregister chan *Client
	broadcast  chan *Frame
	closeJob   chan jobClose
	stopped    chan struct{}
	queueSize  int
	log        *slog.Logger
	obs        Observer

	statsMu sync.Mutex
	stats   map[string]*jobStats

	subs map[string]map[*Client]struct{} // owned by Run

	// Keeping each job's live events in seq order (order.go).
	events  Log                  // nil: no gaps are filled here, only by each connection
	seqs    map[string]*sequence // owned by Run: jobs with subscribers
	filled  chan fillPage
	catchUp chan struct{}
	fills   sync.WaitGroup
}

// Options tune a hub.
type Options struct {
	// QueueSize bounds each client's queue of live events (default 256).
	QueueSize int
	// BroadcastBuffer bounds the events waiting for the hub goroutine (default 4096). Publishers
	// wait when it is full, which slows the agents rather than losing events.
	BroadcastBuffer int
	// Log, when set, lets the hub fill a gap in a job's live events (an event another instance
	// published that never arrived) from the store before it delivers anything later, and catch
	// up after a lost subscription (CatchUp). Without it each connection fills its own gaps.
	Log Log
	// Observer, if set, counts streams, deliveries and drops (metrics).
	Observer Observer
}

// Observer counts what the hub and its connections do. Its methods must be quick and safe for
// concurrent use: Delivered is called once per batch a connection writes.
type Observer interface {
	// Streams moves the number of open streams by delta.
	Streams(delta int)
	// Delivered counts events written to subscribers, replayed ones included.
	Delivered(n int)
	// Dropped counts a stream the hub closed, by close code (1013 too slow, 1000 job deleted,
	// 1001 shutdown).
	Dropped(code int)
}

type noObserver struct{}

func (noObserver) Streams(int)   {}
func (noObserver) Delivered(int) {}
func (noObserver) Dropped(int)   {}

// New makes a hub; it delivers nothing until Run starts.
func New(log *slog.Logger, opt Options) *Hub {
	if opt.QueueSize <= 0 {
		opt.QueueSize = 256
	}
	if opt.BroadcastBuffer <= 0 {
		opt.BroadcastBuffer = 4096
	}
	if opt.Observer == nil {
		opt.Observer = noObserver{}
	}
	return &Hub{
		register:   make(chan registration),
		unregister: make(chan *Client, 64),
		broadcast:  make(chan *Frame, opt.BroadcastBuffer),
		closeJob:   make(chan jobClose),
		stopped:    make(chan struct{}),
		queueSize:  opt.QueueSize,
		log:        log,
		obs:        opt.Observer,
		subs:       map[string]map[*Client]struct{}{},
		stats:      map[string]*jobStats{},
		events:     opt.Log,
		seqs:       map[string]*sequence{},
		filled:     make(chan fillPage),
		catchUp:    make(chan struct{}, 1),
	}
}

// NewClient makes a subscription to jobID; it receives nothing until Register. notify is
// called, from the hub's goroutine, when frames become available to Take or the client is
// dropped; it must return quickly.
func (h *Hub) NewClient(jobID string, notify func()) *Client {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	st := h.stats[jobID]
	if st == nil {
		st = &jobStats{}
		h.stats[jobID] = st
	}
	st.subs++
	return &Client{jobID: jobID, limit: h.queueSize, notify: notify, stats: st}
}

// Backlog is the mean number of frames waiting per subscriber of jobID (0 without any): in
// its queue, or still in the broadcast channel. A publisher with no pace of its own can wait
// while it is high, so that it emits as fast as the connections take events rather than
// filling their queues.
func (h *Hub) Backlog(jobID string) float64 {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	st := h.stats[jobID]
	if st == nil || st.subs == 0 {
		return 0
	}
	return float64(st.queued.Load())/float64(st.subs) + float64(st.pending.Load())
}

// WaitBacklog returns once jobID's Backlog is at most max (at once without subscribers), or
// when ctx ends. It wakes each time a subscriber takes frames from its queue, so a publisher
// with no pace of its own emits as fast as the connections take events, with no polling.
func (h *Hub) WaitBacklog(ctx context.Context, jobID string, max float64) error {
	for {
		st := h.statsOf(jobID)
		if st == nil {
			return nil
		}
		if done, err := h.waitTake(ctx, st, jobID, max); done || err != nil {
			return err
		}
	}
}

// waitTake is done when jobID's Backlog is at most max; otherwise it waits until one of the
// job's subscribers takes frames, or the hub or ctx ends.
func (h *Hub) waitTake(ctx context.Context, st *jobStats, jobID string, max float64) (done bool, err error) {
	st.waiters.Add(1)
	defer st.waiters.Add(-1)
	next := st.nextProgress()
	if h.Backlog(jobID) <= max {
		return true, nil
	}
	select {
	case <-next:
		return false, nil
	case <-h.stopped:
		return false, ErrStopped
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// statsOf is jobID's counts, nil while it has no subscribers.
func (h *Hub) statsOf(jobID string) *jobStats {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	return h.stats[jobID]
}

// release forgets c in its job's counts, once.
func (h *Hub) release(c *Client) {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	if c.released {
		return
	}
	c.released = true
	if c.stats.subs--; c.stats.subs == 0 {
		delete(h.stats, c.jobID)
	}
	c.stats.progressed()
}

// Register adds c to its job's subscribers and returns once the hub has done so: every event
// broadcast after Register returns reaches c's queue. A caller that then reads the stored log
// misses nothing: an event is stored before it is broadcast, so it is either in the log already
// or still to come through the queue.
func (h *Hub) Register(ctx context.Context, c *Client) error {
	reg := registration{client: c, added: make(chan struct{})}
	select {
	case <-h.stopped:
		h.release(c)
		return ErrStopped
	default:
	}
	select {
	case h.register <- reg:
	case <-h.stopped:
		h.release(c)
		return ErrStopped
	case <-ctx.Done():
		h.release(c)
		return ctx.Err()
	}
	select {
	case <-reg.added:
		return nil
	case <-h.stopped:
		return ErrStopped
	}
}

// Unregister removes c. It never blocks for long, even after the hub has stopped.
func (h *Hub) Unregister(c *Client) {
	select {
	case h.unregister <- c:
	case <-h.stopped:
	}
}

// Broadcast queues m for every subscriber of m.JobID. Callers broadcast a job's events in seq
// order, after they are stored. The frame is built here, in the caller's goroutine, once.
func (h *Hub) Broadcast(ctx context.Context, m Message) error {
	select {
	case <-h.stopped:
		return ErrStopped
	default:
	}
	f, err := newFrame(m)
	if err != nil {
		return err
	}
	if f.stats = h.statsOf(m.JobID); f.stats != nil {
		f.stats.pending.Add(1)
	}
	err = ErrStopped
	select {
	case h.broadcast <- f:
		return nil
	case <-h.stopped:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if f.stats != nil {
		f.stats.pending.Add(-1)
	}
	return err
}

// CloseJob closes every subscription to jobID with code at once (when the job is deleted).
func (h *Hub) CloseJob(jobID string, code int, reason string) {
	select {
	case h.closeJob <- jobClose{jobID, code, reason}:
	case <-h.stopped:
	}
}

// newFrame prepares m for the wire.
func newFrame(m Message) (*Frame, error) {
	msg, err := websocket.NewPreparedMessage(websocket.TextMessage, m.Data)
	if err != nil {
		return nil, fmt.Errorf("prepare event %d of job %s: %w", m.Seq, m.JobID, err)
	}
	return &Frame{JobID: m.JobID, Seq: m.Seq, Msg: msg}, nil
}

// Run delivers until ctx ends, then closes every subscription with 1001 (going away) and returns.
func (h *Hub) Run(ctx context.Context) {
	defer h.fills.Wait()
	defer close(h.stopped)
	for {
		select {
		case reg := <-h.register:
			set := h.subs[reg.client.jobID]
			if set == nil {
				set = map[*Client]struct{}{}
				h.subs[reg.client.jobID] = set
			}
			set[reg.client] = struct{}{}
			if h.seqs[reg.client.jobID] == nil {
				h.seqs[reg.client.jobID] = &sequence{}
			}
			close(reg.added)
		case c := <-h.unregister:
			h.remove(c, 0, "")
		case jc := <-h.closeJob:
			for c := range h.subs[jc.jobID] {
				h.remove(c, jc.code, jc.reason)
			}
		case m := <-h.broadcast:
			if m.stats != nil {
				m.stats.pending.Add(-1)
			}
			h.order(ctx, m)
		case p := <-h.filled:
			h.fillArrived(ctx, p)
		case <-h.catchUp:
			h.startCatchUp(ctx)
		case <-ctx.Done():
			for _, set := range h.subs {
				for c := range set {
					h.remove(c, websocket.CloseGoingAway, "server shutting down")
				}
			}
			return
		}
	}
}

// deliver queues m for every subscriber of its job.
func (h *Hub) deliver(m *Frame) {
	var stats *jobStats // the job's, shared by its subscribers
	var queued int64
	for c := range h.subs[m.JobID] {
		ok, wake := c.push(m)
		if !ok {
			// The connection logs its close, with its id and the queue's length.
			h.remove(c, websocket.CloseTryAgainLater, "too slow: reconnect with since=<last seq>")
			continue
		}
		stats = c.stats
		queued++
		if wake {
			c.notify()
		}
	}
	// Counted once per event: one add to a counter every subscriber's take also changes.
	if stats != nil {
		stats.queued.Add(queued)
	}
}

// remove drops c from its job and marks it closed with code (0: the connection asked to leave).
func (h *Hub) remove(c *Client, code int, reason string) {
	set, ok := h.subs[c.jobID]
	if !ok {
		return
	}
	if _, ok := set[c]; !ok {
		return
	}
	delete(set, c)
	if len(set) == 0 {
		delete(h.subs, c.jobID)
		delete(h.seqs, c.jobID)
	}
	h.release(c)
	if code == 0 {
		code, reason = websocket.CloseNormalClosure, ""
	} else {
		h.obs.Dropped(code)
	}
	if c.drop(code, reason) {
		c.notify()
	}
}
