package fanout

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/store"
)

// channel carries every instance's events and job deletions.
const channel = "veritas:events"

// Hub is this instance's hub as the Redis source feeds it.
type Hub interface {
	Broadcaster
	// CloseJob closes the job's streams (it was deleted, maybe through another instance).
	CloseJob(jobID string, code int, reason string)
	// CatchUp delivers, for every job with subscribers here, the stored events after the last
	// one delivered: what the instance missed while Redis was away.
	CatchUp(ctx context.Context) error
}

// Redis delivers events to the subscribers of every instance. An event emitted here goes to
// this instance's hub and is published on Redis; each instance's subscription feeds what others
// published into its own hub's broadcast channel. Redis pub/sub delivers at most once: a missed
// event leaves a gap in a job's seq, which the hub fills from the store before delivering
// anything later, and after a reconnection the hub catches up on every job it serves. Without
// Redis each instance keeps serving its own subscribers.
type Redis struct {
	local  *Local
	hub    Hub
	client *redis.Client
	origin string // this instance, so it skips its own messages
	log    *slog.Logger

	up     atomic.Bool  // the subscription is up
	paused atomic.Int64 // after a failed publish, none is tried before this (unix ns)

	mu   sync.Mutex
	owed map[string]store.Event // per job, the newest event a failed publish left unsent
}

// NewRedis connects to the Redis at url (redis://host:port/db) for h; Run starts the subscription.
// obs, if not nil, times the appends.
func NewRedis(url string, h Hub, log *slog.Logger, obs Observer) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// Short timeouts: an emit must not wait on a Redis that is gone; subscribers on other
	// instances catch up from the store when it returns.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	opt.MaxRetries = 0
	var id [8]byte
	rand.Read(id[:])
	return &Redis{
		local: NewLocal(h, log, obs), hub: h, client: redis.NewClient(opt),
		origin: hex.EncodeToString(id[:]), log: log, owed: map[string]store.Event{},
	}, nil
}

// Connected reports whether the subscription is up, for /api/health.
func (r *Redis) Connected() bool { return r.up.Load() }

// Close releases the client.
func (r *Redis) Close() error { return r.client.Close() }

// Emit appends the event, delivers it here, and publishes it for the other instances, with no
// other emit of jobID in between.
func (r *Redis) Emit(ctx context.Context, jobID string, appendEvent func(context.Context) (store.Event, error)) error {
	return r.EmitBatch(ctx, jobID, one(appendEvent))
}

// EmitBatch is Emit for several events of jobID appended at once; they are published in one
// round trip to Redis.
func (r *Redis) EmitBatch(ctx context.Context, jobID string, appendEvents func(context.Context) ([]store.Event, error)) error {
	appendEvents = r.local.timed(appendEvents)
	return r.local.emit(ctx, jobID, func(ctx context.Context) ([]store.Event, error) {
		evs, err := appendEvents(ctx)
		if err == nil && len(evs) > 0 {
			r.publishEvents(ctx, evs)
		}
		return evs, err
	})
}

// CloseJob closes the job's streams here and on every other instance (the job was deleted).
func (r *Redis) CloseJob(jobID string, code int, reason string) {
	r.hub.CloseJob(jobID, code, reason)
	r.publish(context.Background(), []byte("d "+r.origin+" "+jobID+" "+strconv.Itoa(code)+"\n"+reason))
}

// publishEvents publishes evs (one job's, in seq order) for the other instances. When Redis
// cannot take them, the job's newest unsent event is kept and published with the next publish
// that succeeds (or when the subscription is back): an instance that receives it fills whatever
// came before from the store, so a job's last event always reaches every instance.
func (r *Redis) publishEvents(ctx context.Context, evs []store.Event) {
	msgs := make([][]byte, len(evs))
	for i, ev := range evs {
		msgs[i] = encodeEvent(r.origin, ev)
	}
	if r.publish(ctx, msgs...) {
		r.flushOwed(ctx)
		return
	}
	last := evs[len(evs)-1]
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.owed[last.JobID]; !ok || old.Seq < last.Seq {
		r.owed[last.JobID] = last
	}
}

// publishPause is how long publishing rests after a failure, so that emits do not each wait
// out a timeout while Redis is down.
const publishPause = time.Second

// publish sends msgs, several in one pipeline, and reports whether Redis took them all.
func (r *Redis) publish(ctx context.Context, msgs ...[]byte) bool {
	if until := r.paused.Load(); until != 0 && time.Now().UnixNano() < until {
		return false
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	if len(msgs) == 1 {
		err = r.client.Publish(ctx, channel, msgs[0]).Err()
	} else {
		_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, m := range msgs {
				p.Publish(ctx, channel, m)
			}
			return nil
		})
	}
	if err != nil {
		r.log.Warn("redis publish failed; each job's newest event is published again once redis takes it", "err", err)
		r.paused.Store(time.Now().Add(publishPause).UnixNano())
		return false
	}
	r.paused.Store(0)
	return true
}

// flushOwed publishes the events that failed publishes left.
func (r *Redis) flushOwed(ctx context.Context) {
	r.mu.Lock()
	if len(r.owed) == 0 {
		r.mu.Unlock()
		return
	}
	owed := r.owed
	r.owed = map[string]store.Event{}
	r.mu.Unlock()
	for _, ev := range owed {
		r.publishEvents(ctx, []store.Event{ev})
	}
}

// Run keeps the subscription up until ctx ends: it reconnects with backoff (100 ms doubling to
// 5 s), and after every (re)subscription the hub catches up from the store.
func (r *Redis) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if r.subscribe(ctx) {
			backoff = 100 * time.Millisecond
		}
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// subscribe serves one subscription until it fails; it reports whether it was ever up.
func (r *Redis) subscribe(ctx context.Context) (wasUp bool) {
	ps := r.client.Subscribe(ctx, channel)
	defer ps.Close()
	defer r.up.Store(false)
	// Receive does not return when ctx ends while it waits for a message: closing the
	// subscription does, so that shutdown does not hang on it.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("redis subscription lost; local subscribers are still served", "err", err)
			}
			return wasUp
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			wasUp = true
			r.up.Store(true)
			r.paused.Store(0)
			r.log.Info("redis subscription up")
			r.flushOwed(ctx)
			// Events published while the subscription was down were lost to it: the hub reads
			// them from the store.
			if err := r.hub.CatchUp(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("catch up after redis reconnection", "err", err)
			}
		case *redis.Message:
			r.receive(ctx, []byte(m.Payload))
		}
	}
}

// receive hands another instance's message to the hub.
func (r *Redis) receive(ctx context.Context, payload []byte) {
	kind, origin, rest, err := decodeHead(payload)
	if err != nil {
		r.log.Warn("redis message", "err", err)
		return
	}
	if origin == r.origin {
		return // delivered here when it was emitted
	}
	switch kind {
	case "e":
		m, err := decodeEvent(rest)
		if err != nil {
			r.log.Warn("redis message", "err", err)
			return
		}
		if err := r.hub.Broadcast(ctx, m); err != nil && !errors.Is(err, context.Canceled) {
			r.log.Warn("broadcast event from redis", "job_id", m.JobID, "seq", m.Seq, "err", err)
		}
	case "d":
		head, reason, _ := bytes.Cut(rest, []byte("\n"))
		jobID, codeText, _ := bytes.Cut(head, []byte(" "))
		code, err := strconv.Atoi(string(codeText))
		if err != nil {
			r.log.Warn("redis message: bad close code", "err", err)
			return
		}
		r.hub.CloseJob(string(jobID), code, string(reason))
	}
}

// Messages are "KIND ORIGIN REST": for an event (e) REST is "JOB SEQ\nDATA", for a deleted job
// (d) "JOB CODE\nREASON".
func encodeEvent(origin string, ev store.Event) []byte {
	b := make([]byte, 0, len(ev.Data)+len(origin)+len(ev.JobID)+24)
	b = append(b, "e "...)
	b = append(b, origin...)
	b = append(b, ' ')
	b = append(b, ev.JobID...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, '\n')
	return append(b, ev.Data...)
}

func decodeHead(p []byte) (kind, origin string, rest []byte, err error) {
	k, p, ok1 := bytes.Cut(p, []byte(" "))
	o, p, ok2 := bytes.Cut(p, []byte(" "))
	if !ok1 || !ok2 || len(o) == 0 {
		return "", "", nil, errors.New("malformed message head")
	}
	return string(k), string(o), p, nil
}

func decodeEvent(p []byte) (hub.Message, error) {
	head, data, ok := bytes.Cut(p, []byte("\n"))
	job, seqText, ok2 := bytes.Cut(head, []byte(" "))
	seq, err := strconv.ParseInt(string(seqText), 10, 64)
	if !ok || !ok2 || len(job) == 0 || err != nil || seq < 1 {
		return hub.Message{}, fmt.Errorf("malformed event %.40q", head)
	}
	return hub.Message{JobID: string(job), Seq: seq, Data: data}, nil
}
