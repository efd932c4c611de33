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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/internal/procstat"
)

// subscriber is one WebSocket following a job, recording what it receives. With -reader go it
// has a goroutine and a gorilla connection of its own; with -reader poll a poller reads its
// socket (fd) together with others'.
type subscriber struct {
	job    *loadJob
	server *url.URL                                   // the API listener it follows the job on
	conn   *websocket.Conn                            // -reader go
	dial   func(since int64) (*websocket.Conn, error) // -reader go
	raw    *net.TCPConn                               // -reader poll, a stalled subscriber
	fd     int                                        // -reader poll: the socket, -1 once closed
	idx    int                                        // -reader poll: index in its poller
	pend   []byte                                     // -reader poll: the start of a frame still arriving
	resume bool                                       // -reader poll: closed with 1013, to reconnect

	resumes  int64 // reconnections after a 1013 close
	last     int64 // highest seq received
	received int64
	dups     int64
	gaps     int64 // seqs skipped over
	lat      []time.Duration
	lastAt   time.Time
	err      error
}

// record notes one message received at now: an event adds a latency sample, or counts as a
// duplicate or after a gap; anything else (an error message) is skipped.
func (s *subscriber) record(msg []byte, now time.Time) {
	seq, ts, ok := eventHead(msg)
	if !ok {
		return
	}
	switch {
	case seq <= s.last:
		s.dups++
		return
	case seq > s.last+1:
		s.gaps += seq - s.last - 1
	}
	s.last = seq
	s.received++
	s.lastAt = now
	s.lat = append(s.lat, now.Sub(ts))
}

// done says whether s has the last event its job's generator emits.
func (s *subscriber) done() bool {
	t := s.job.target.Load()
	return t > 0 && s.last >= t
}

type loadJob struct {
	id     string
	first  int64
	target atomic.Int64 // last seq the generator will emit; 0 until known
}

func runFanout(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("fanout")
	server := fs.String("server", "http://127.0.0.1:8000", "the API listener, or a comma-separated list of several instances' (each job's subscribers go round robin over them)")
	admin := fs.String("admin", "http://127.0.0.1:6060", "the admin listener (VERITAS_ADMIN_ADDR)")
	subs := fs.Int("subs", 1000, "subscribers that read every event")
	jobs := fs.Int("jobs", 1, "jobs the subscribers are spread over (round robin)")
	events := fs.Int("events", 2000, "events per job")
	rate := fs.Int("rate", 0, "events per second per job (0: as fast as the server stores them)")
	size := fs.Int("bytes", 256, "message padding per event, in bytes")
	batch := fs.Int("batch", 1, "events the server appends per transaction (a producer that sends several per request)")
	stalled := fs.Int("stalled", 0, "extra subscribers that connect and never read")
	timeout := fs.Duration("timeout", 2*time.Minute, "the whole run's limit")
	dialers := fs.Int("dial-concurrency", 64, "connections opened at once")
	settle := fs.Duration("settle", time.Second, "wait after connecting before measuring idle memory")
	rcvbuf := fs.Int("rcvbuf", 0, "socket receive buffer of each subscriber in bytes (0: the OS default, which grows to megabytes)")
	reader := fs.String("reader", defaultReader(), "how subscribers are read: poll (a few epoll loops for all, Linux) or go (a goroutine and a gorilla connection each)")
	pollers := fs.Int("pollers", 1, "epoll loops with -reader poll")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bases, err := loopbackURLs(*server, "server")
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
	case *reader != "go" && *reader != "poll":
		return errors.New("-reader: poll or go")
	case *reader == "poll" && !pollerSupported:
		return errors.New("-reader poll needs Linux's epoll: use -reader go")
	case *reader == "poll" && slices.ContainsFunc(bases, func(u *url.URL) bool { return u.Scheme != "http" }):
		return errors.New("-reader poll speaks plain ws://: use -reader go for https")
	case *pollers < 1 || *pollers > 64:
		return errors.New("-pollers: 1 to 64")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	before, err := fetchStats(adm)
	if err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	js := make([]*loadJob, *jobs)
	for i := range js {
		id, _, err := synthetic(adm, "new", 0, 0, 0, 1)
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
	setRcvbuf := func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok && *rcvbuf > 0 {
			tc.SetReadBuffer(*rcvbuf)
		}
	}
	if *rcvbuf > 0 {
		dialer.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				setRcvbuf(c)
			}
			return c, err
		}
	}
	rawDial := func(ctx context.Context, s *subscriber, since int64) (*net.TCPConn, []byte, error) {
		tc, rest, err := handshake(ctx, wsURL(s.server, s.job.id, since))
		if err == nil {
			setRcvbuf(tc)
		}
		return tc, rest, err
	}
	var polls []*poller
	if *reader == "poll" {
		for range *pollers {
			p, err := newPoller(rawDial)
			if err != nil {
				return err
			}
			polls = append(polls, p)
		}
	}
	var addMu sync.Mutex // pollers take subscribers one at a time while connecting
	t0 := time.Now()
	for i := range all {
		sem <- struct{}{}
		dialWG.Go(func() {
			defer func() { <-sem }()
			j := js[i%len(js)]
			s := &subscriber{job: j, server: serverOf(bases, len(js), i), fd: -1, last: 1, lat: make([]time.Duration, 0, min(*events, 1<<16))}
			if *reader == "go" {
				c, _, err := dialer.DialContext(ctx, wsURL(s.server, j.id, 1), nil)
				if err != nil {
					dialErr.CompareAndSwap(nil, err)
					return
				}
				s.conn = c
				s.dial = func(since int64) (*websocket.Conn, error) {
					c, _, err := dialer.DialContext(ctx, wsURL(s.server, j.id, since), nil)
					return c, err
				}
				all[i] = s
				return
			}
			tc, rest, err := rawDial(ctx, s, 1)
			if err != nil {
				dialErr.CompareAndSwap(nil, err)
				return
			}
			if i >= *subs { // stalled: connected, never read
				s.raw = tc
				all[i] = s
				return
			}
			addMu.Lock()
			err = polls[i%len(polls)].add(s, tc, rest)
			addMu.Unlock()
			if err != nil {
				dialErr.CompareAndSwap(nil, err)
				return
			}
			all[i] = s
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
	if *reader == "go" {
		for _, s := range readers {
			done.Go(func() { s.read(ctx) })
		}
	}
	for _, p := range polls {
		done.Go(func() { p.run(ctx) })
	}
	time.Sleep(*settle)
	idle, err := fetchStats(adm)
	if err != nil {
		closeAll(all)
		return err
	}
	// The admin listener reports its own instance only: with several, memory per connection is
	// per stream open there, and its CPU is not the other instances'.
	conns, which, cpuWhich := int64(len(all)), "server", "server"
	if len(bases) > 1 {
		conns = max(int64(idle.Streams-before.Streams), 1)
		which, cpuWhich = "admin's instance", "admin's instance (the others' not counted)"
	}
	fmt.Fprintf(out, "%s idle: rss %+.1f MiB (%.1f KB per connection), heap %+.1f MiB, stacks %+.1f MiB, goroutines %d, streams %d\n",
		which, float64(idle.RSS-before.RSS)/(1<<20), float64(idle.RSS-before.RSS)/float64(conns)/1000,
		float64(idle.HeapInuse-before.HeapInuse)/(1<<20), float64(idle.StackInuse-before.StackInuse)/(1<<20),
		idle.Goroutines, idle.Streams)

	start, toolCPU := time.Now(), procstat.CPUSeconds()
	for _, j := range js {
		_, first, err := synthetic(adm, j.id, *events, *rate, *size, *batch)
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
	toolCPU = procstat.CPUSeconds() - toolCPU
	after, err := fetchStats(adm)
	closeAll(all)
	if err != nil {
		return err
	}

	var (
		lat                                       []time.Duration
		received, lost, dups, unfinished, resumes int64
		end                                       time.Time
		firstErr                                  error
	)
	for _, s := range readers {
		lat = append(lat, s.lat...)
		received += s.received
		dups += s.dups
		resumes += s.resumes
		if s.last < s.job.target.Load() {
			unfinished++
			lost += s.job.target.Load() - s.last
			if firstErr == nil {
				firstErr = s.err
			}
		}
		lost += s.gaps
		if s.lastAt.After(end) {
			end = s.lastAt
		}
	}
	elapsed := end.Sub(start)
	fmt.Fprintf(out, "deliveries %d in %s: %.0f/s\n", received, elapsed.Round(time.Millisecond), float64(received)/elapsed.Seconds())
	fmt.Fprintf(out, "latency (event timestamp to receipt): %s\n", summarize(lat))
	if received > 0 {
		us := func(sec float64) float64 { return sec * 1e6 / float64(received) }
		fmt.Fprintf(out, "CPU per delivery: %s %.2f µs, this tool %.2f µs (%.2f and %.2f cores over the run)\n",
			cpuWhich, us(after.CPU-idle.CPU), us(toolCPU), (after.CPU-idle.CPU)/elapsed.Seconds(), toolCPU/elapsed.Seconds())
	}
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
		return fmt.Errorf("%d lost, %d duplicated, %d unfinished (first error: %v)", lost, dups, unfinished, firstErr)
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
		if s.done() {
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
		s.record(buf.Bytes(), time.Now())
	}
}

func closeAll(all []*subscriber) {
	for _, s := range all {
		switch {
		case s == nil:
		case s.conn != nil:
			s.conn.Close()
		case s.raw != nil:
			s.raw.Close()
		default:
			s.closeFD()
		}
	}
}

// synthetic asks the admin load generator for events; job "new" creates a job.
func synthetic(admin *url.URL, job string, count, rate, size, batch int) (string, int64, error) {
	u := admin.JoinPath("/debug/jobs", job, "synthetic")
	u.RawQuery = fmt.Sprintf("count=%d&rate=%d&bytes=%d&batch=%d", count, rate, size, batch)
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

// serverOf picks subscriber i's API listener: subscribers go round robin over the jobs, and
// each job's subscribers round robin over the servers, so every job is followed on every
// instance whatever the two counts are.
func serverOf(servers []*url.URL, jobs, i int) *url.URL {
	return servers[(i/jobs)%len(servers)]
}

// defaultReader is poll where epoll is available.
func defaultReader() string {
	if pollerSupported {
		return "poll"
	}
	return "go"
}
