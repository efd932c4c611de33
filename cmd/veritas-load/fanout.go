package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// subscriber is one WebSocket following a job, recording what it receives.
type subscriber struct {
	job      *loadJob
	conn     *websocket.Conn
	dial     func(since int64) (*websocket.Conn, error)
	resumes  int64 // reconnections after a 1013 close
	last     int64 // highest seq received
	received int64
	dups     int64
	gaps     int64 // seqs skipped over
	lat      []time.Duration
	lastAt   time.Time
	err      error
}

type loadJob struct {
	id     string
	first  int64
	target atomic.Int64 // last seq the generator will emit; 0 until known
}

func runFanout(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("fanout")
	server := fs.String("server", "http://127.0.0.1:8000", "the API listener")
	admin := fs.String("admin", "http://127.0.0.1:6060", "the admin listener (VERITAS_ADMIN_ADDR)")
	subs := fs.Int("subs", 1000, "subscribers that read every event")
	jobs := fs.Int("jobs", 1, "jobs the subscribers are spread over (round robin)")
	events := fs.Int("events", 2000, "events per job")
	rate := fs.Int("rate", 0, "events per second per job (0: as fast as the server stores them)")
	size := fs.Int("bytes", 256, "message padding per event, in bytes")
	stalled := fs.Int("stalled", 0, "extra subscribers that connect and never read")
	timeout := fs.Duration("timeout", 2*time.Minute, "the whole run's limit")
	dialers := fs.Int("dial-concurrency", 64, "connections opened at once")
	settle := fs.Duration("settle", time.Second, "wait after connecting before measuring idle memory")
	rcvbuf := fs.Int("rcvbuf", 0, "socket receive buffer of each subscriber in bytes (0: the OS default, which grows to megabytes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := loopbackURL(*server, "server")
	if err != nil {
		return err
	}
	adm, err := loopbackURL(*admin, "admin")
	if err != nil {
		return err
	}
	switch {
	case *subs < 1 || *subs > 50000:
		return errors.New("-subs: 1 to 50000")
	case *jobs < 1 || *jobs > *subs:
		return errors.New("-jobs: 1 to -subs")
	case *events < 1 || *events > 10_000_000:
		return errors.New("-events: 1 to 10000000")
	case *stalled < 0 || *stalled > 1000:
		return errors.New("-stalled: 0 to 1000")
	case *dialers < 1 || *dialers > 1024:
		return errors.New("-dial-concurrency: 1 to 1024")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	before, err := fetchStats(adm)
	if err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	js := make([]*loadJob, *jobs)
	for i := range js {
		id, _, err := synthetic(adm, "new", 0, 0, 0)
		if err != nil {
			return err
		}
		js[i] = &loadJob{id: id}
	}

	// Connect everyone, a few at a time.
	all := make([]*subscriber, *subs+*stalled)
	sem := make(chan struct{}, *dialers)
	var dialWG sync.WaitGroup
	var dialErr atomic.Value
	dialer := websocket.Dialer{ReadBufferSize: 4096, WriteBufferSize: 512, HandshakeTimeout: 30 * time.Second}
	if *rcvbuf > 0 {
		dialer.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetReadBuffer(*rcvbuf)
			}
			return c, err
		}
	}
	t0 := time.Now()
	for i := range all {
		sem <- struct{}{}
		dialWG.Go(func() {
			defer func() { <-sem }()
			j := js[i%len(js)]
			c, _, err := dialer.DialContext(ctx, wsURL(base, j.id, 1), nil)
			if err != nil {
				dialErr.CompareAndSwap(nil, err)
				return
			}
			all[i] = &subscriber{job: j, conn: c, last: 1, lat: make([]time.Duration, 0, min(*events, 1<<16)),
				dial: func(since int64) (*websocket.Conn, error) {
					c, _, err := dialer.DialContext(ctx, wsURL(base, j.id, since), nil)
					return c, err
				}}
		})
	}
	dialWG.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		closeAll(all)
		return fmt.Errorf("connect: %w", err)
	}
	fmt.Fprintf(out, "connected %d subscribers (+%d stalled) in %s\n", *subs, *stalled, time.Since(t0).Round(time.Millisecond))

	readers, stalledSubs := all[:*subs], all[*subs:]
	var done sync.WaitGroup
	for _, s := range readers {
		done.Go(func() { s.read(ctx) })
	}
	time.Sleep(*settle)
	idle, err := fetchStats(adm)
	if err != nil {
		closeAll(all)
		return err
	}
	conns := int64(len(all))
	fmt.Fprintf(out, "server idle: rss %+.1f MiB (%.1f KB per connection), heap %+.1f MiB, stacks %+.1f MiB, goroutines %d, streams %d\n",
		float64(idle.RSS-before.RSS)/(1<<20), float64(idle.RSS-before.RSS)/float64(conns)/1000,
		float64(idle.HeapInuse-before.HeapInuse)/(1<<20), float64(idle.StackInuse-before.StackInuse)/(1<<20),
		idle.Goroutines, idle.Streams)

	start := time.Now()
	for _, j := range js {
		_, first, err := synthetic(adm, j.id, *events, *rate, *size)
		if err != nil {
			cancel()
			done.Wait()
			closeAll(all)
			return err
		}
		j.first = first
		j.target.Store(first + int64(*events) - 1)
	}
	done.Wait()
	closeAll(all)

	var (
		lat                                       []time.Duration
		received, lost, dups, unfinished, resumes int64
		end                                       time.Time
	)
	for _, s := range readers {
		lat = append(lat, s.lat...)
		received += s.received
		dups += s.dups
		resumes += s.resumes
		if s.last < s.job.target.Load() {
			unfinished++
			lost += s.job.target.Load() - s.last
		}
		lost += s.gaps
		if s.lastAt.After(end) {
			end = s.lastAt
		}
	}
	elapsed := end.Sub(start)
	fmt.Fprintf(out, "deliveries %d in %s: %.0f/s\n", received, elapsed.Round(time.Millisecond), float64(received)/elapsed.Seconds())
	fmt.Fprintf(out, "latency (event timestamp to receipt): %s\n", summarize(lat))
	fmt.Fprintf(out, "lost %d, duplicated %d, subscribers that did not finish %d, resumes after 1013 %d\n", lost, dups, unfinished, resumes)
	closed := 0
	for _, s := range stalledSubs {
		if s != nil {
			closed++
		}
	}
	if *stalled > 0 {
		fmt.Fprintf(out, "stalled subscribers: %d (never read; the server closes them with 1013 once their queue is full)\n", closed)
	}
	if lost > 0 || dups > 0 || unfinished > 0 {
		return fmt.Errorf("%d lost, %d duplicated, %d unfinished", lost, dups, unfinished)
	}
	return nil
}

// read records every event until the generator's last one has arrived or ctx ends.
func (s *subscriber) read(ctx context.Context) {
	var buf bytes.Buffer
	c := s.conn
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer func() { stop() }()
	for {
		if t := s.job.target.Load(); t > 0 && s.last >= t {
			return
		}
		_, r, err := s.conn.NextReader()
		if websocket.IsCloseError(err, websocket.CloseTryAgainLater) && ctx.Err() == nil {
			// Too slow for the server's queue: resume from the log, as a real client does.
			s.conn.Close()
			c, derr := s.dial(s.last)
			if derr != nil {
				s.err = derr
				return
			}
			s.conn = c
			s.resumes++
			stop()
			stop = context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
			continue
		}
		if err != nil {
			s.err = err
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			s.err = err
			return
		}
		now := time.Now()
		seq, ts, ok := eventHead(buf.Bytes())
		if !ok {
			continue // a pong or an error message
		}
		switch {
		case seq <= s.last:
			s.dups++
			continue
		case seq > s.last+1:
			s.gaps += seq - s.last - 1
		}
		s.last = seq
		s.received++
		s.lastAt = now
		s.lat = append(s.lat, now.Sub(ts))
	}
}

func closeAll(all []*subscriber) {
	for _, s := range all {
		if s != nil {
			s.conn.Close()
		}
	}
}

// synthetic asks the admin load generator for events; job "new" creates a job.
func synthetic(admin *url.URL, job string, count, rate, size int) (string, int64, error) {
	u := admin.JoinPath("/debug/jobs", job, "synthetic")
	u.RawQuery = fmt.Sprintf("count=%d&rate=%d&bytes=%d", count, rate, size)
	resp, err := httpClient.Post(u.String(), "", nil)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var body struct {
		JobID    string `json:"job_id"`
		FirstSeq int64  `json:"first_seq"`
		Detail   string `json:"detail"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 202 {
		return "", 0, fmt.Errorf("synthetic: %s: %s", resp.Status, body.Detail)
	}
	return body.JobID, body.FirstSeq, nil
}
