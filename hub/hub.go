// Package hub fans a job's events out to the connections that follow it. One goroutine owns the
// subscriptions; it is fed through the register, unregister and broadcast channels and never
// blocks on a subscriber: a connection whose queue is full is dropped with close code 1013, and
// it loses nothing, because it resumes from the stored event log when it reconnects.
package hub

import (
	"context"
	"errors"
	"log/slog"
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

// Frame is a Message made ready for the wire once, for all its subscribers: Bytes is the whole
// WebSocket text frame. Frames are shared and never modified.
type Frame struct {
	JobID string
	Seq   int64
	Bytes []byte
}

// Client is one connection's subscription to one job. The hub is the only one that closes its
// queue; once Messages is closed, CloseCode says why.
type Client struct {
	jobID   string
	send    chan *Frame
	code    int
	reason  string
	dropped atomic.Bool
}

// Messages is the client's queue of live events, in the order they were broadcast. It is closed
// when the hub drops the client (slow consumer, shutdown).
func (c *Client) Messages() <-chan *Frame { return c.send }

// CloseCode is the WebSocket close code and reason the connection should send. It may be read
// only after Messages is closed.
func (c *Client) CloseCode() (int, string) { return c.code, c.reason }

// Dropped reports whether the hub has closed the client. A connection checks it before each
// write so that it sends the close code at once instead of draining a queue the client will
// replay anyway; CloseCode may be read once it is true.
func (c *Client) Dropped() bool { return c.dropped.Load() }

// JobID is the job the client follows.
func (c *Client) JobID() string { return c.jobID }

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

	subs map[string]map[*Client]struct{} // owned by Run
}

// Options tune a hub.
type Options struct {
	// QueueSize bounds each client's queue of live events (default 256).
	QueueSize int
	// BroadcastBuffer bounds the events waiting for the hub goroutine (default 4096). Publishers
	// wait when it is full, which slows the agents rather than losing events.
	BroadcastBuffer int
}

// New makes a hub; it delivers nothing until Run starts.
func New(log *slog.Logger, opt Options) *Hub {
	if opt.QueueSize <= 0 {
		opt.QueueSize = 256
	}
	if opt.BroadcastBuffer <= 0 {
		opt.BroadcastBuffer = 4096
	}
	return &Hub{
		register:   make(chan registration),
		unregister: make(chan *Client, 64),
		broadcast:  make(chan *Frame, opt.BroadcastBuffer),
		closeJob:   make(chan jobClose),
		stopped:    make(chan struct{}),
		queueSize:  opt.QueueSize,
		log:        log,
		subs:       map[string]map[*Client]struct{}{},
	}
}

// NewClient makes a subscription to jobID; it receives nothing until Register.
func (h *Hub) NewClient(jobID string) *Client {
	return &Client{jobID: jobID, send: make(chan *Frame, h.queueSize)}
}

// Register adds c to its job's subscribers and returns once the hub has done so: every event
// broadcast after Register returns reaches c's queue. A caller that then reads the stored log
// misses nothing: an event is stored before it is broadcast, so it is either in the log already
// or still to come through the queue.
func (h *Hub) Register(ctx context.Context, c *Client) error {
	reg := registration{client: c, added: make(chan struct{})}
	select {
	case <-h.stopped:
		return ErrStopped
	default:
	}
	select {
	case h.register <- reg:
	case <-h.stopped:
		return ErrStopped
	case <-ctx.Done():
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
	f := &Frame{JobID: m.JobID, Seq: m.Seq, Bytes: AppendFrame(make([]byte, 0, len(m.Data)+10), OpText, m.Data)}
	select {
	case h.broadcast <- f:
		return nil
	case <-h.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CloseJob closes every subscription to jobID with code at once (when the job is deleted).
func (h *Hub) CloseJob(jobID string, code int, reason string) {
	select {
	case h.closeJob <- jobClose{jobID, code, reason}:
	case <-h.stopped:
	}
}

// Run delivers until ctx ends, then closes every subscription with 1001 (going away) and returns.
func (h *Hub) Run(ctx context.Context) {
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
			close(reg.added)
		case c := <-h.unregister:
			h.remove(c, 0, "")
		case jc := <-h.closeJob:
			for c := range h.subs[jc.jobID] {
				h.remove(c, jc.code, jc.reason)
			}
		case m := <-h.broadcast:
			for c := range h.subs[m.JobID] {
				select {
				case c.send <- m:
				default:
					h.log.Warn("subscriber too slow, closing", "job_id", m.JobID, "seq", m.Seq)
					h.remove(c, websocket.CloseTryAgainLater, "too slow: reconnect with since=<last seq>")
				}
			}
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

// remove drops c from its job and closes its queue with code. Only Run calls it, so a queue is
// closed once, by the one goroutine that sends on it.
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
	}
	if code == 0 {
		code, reason = websocket.CloseNormalClosure, ""
	}
	c.code, c.reason = code, reason
	c.dropped.Store(true)
	close(c.send)
}
