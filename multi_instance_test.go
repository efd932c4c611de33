package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/veritas-audit/veritas/schemas"
)

// TestTwoInstances runs the deployed topology as processes on loopback: two instances sharing
// PostgreSQL (VERITAS_TEST_POSTGRES_URL) and a Redis of the test's own. A job uploaded to A is
// followed on A and on B; A is killed mid-job and B takes the job over once its lease runs out;
// then Redis is killed and restarted mid-stream. Every subscriber gets seq 1..N exactly once.
func TestTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	db := postgresDatabase(t)
	redis := startRedis(t)
	args := []string{"--database-url", db, "--redis-url", redis.url, "--agent-delay", "2s", "--job-lease", "2s"}
	a := startServer(t, args...)

	// A runs the job: it is the only instance when the job is uploaded.
	job := upload(t, a.base, statementDoc(4))
	onA := follow(t, a.base, job.ID)
	onA.waitFor(t, schemas.EventAgentStarted)
	b := startServer(t, args...)
	onB := follow(t, b.base, job.ID)
	onB.waitFor(t, schemas.EventAgentStarted)

	a.kill(t)
	// A's subscriber reconnects where a load balancer would send it: to B, after its last seq.
	onA.resume(t, b.base)
	onA.waitEnd(t)
	onB.waitEnd(t)
	onA.checkOnce(t, job.ID)
	onB.checkOnce(t, job.ID)

	// Redis goes away while a job runs on one instance and is followed on both.
	a2 := startServer(t, args...)
	job2 := upload(t, a2.base, statementDoc(4))
	subs := []*follower{follow(t, a2.base, job2.ID), follow(t, b.base, job2.ID)}
	for _, s := range subs {
		s.waitFor(t, schemas.EventAgentStarted)
	}
	redis.stop(t)
	for _, base := range []string{a2.base, b.base} {
		waitHealth(t, base, "degraded")
	}
	// The agents finish while Redis is down (2 s of agent delay): the subscriber on the instance
	// running the job sees it. Then Redis comes back.
	deadline := time.After(30 * time.Second)
	for !subs[0].has(schemas.EventAuditComplete) && !subs[1].has(schemas.EventAuditComplete) {
		select {
		case <-subs[0].news:
		case <-subs[1].news:
		case <-deadline:
			t.Fatal("the job did not finish while Redis was down")
		}
	}
	redis.start(t)
	for _, s := range subs {
		s.waitEnd(t)
		s.checkOnce(t, job2.ID)
	}
	for _, base := range []string{a2.base, b.base} {
		waitHealth(t, base, "ok")
	}

	// Cancel and delete through the instance that does not run the job.
	job3 := upload(t, a2.base, statementDoc(4))
	watchers := []*follower{follow(t, a2.base, job3.ID), follow(t, b.base, job3.ID)}
	for _, w := range watchers {
		w.waitFor(t, schemas.EventAgentStarted)
	}
	other := b.base
	switch claimedBy(t, db, job3.ID) {
	case b.instance:
		other = a2.base
	case a2.instance:
	default:
		t.Fatalf("job claimed by %q, neither %q nor %q", claimedBy(t, db, job3.ID), a2.instance, b.instance)
	}
	send(t, http.MethodPost, other+"/api/v1/jobs/"+job3.ID+"/cancel", http.StatusAccepted)
	for _, w := range watchers {
		w.waitEnd(t)
		w.checkOnce(t, job3.ID)
		if st := w.lastStatus(); st != schemas.JobCancelled {
			t.Fatalf("job cancelled through the other instance ended %q", st)
		}
	}
	send(t, http.MethodDelete, other+"/api/v1/jobs/"+job3.ID, http.StatusOK)
	for _, w := range watchers {
		if code := w.closeCode(t); code != websocket.CloseNormalClosure {
			t.Fatalf("stream of a job deleted through another instance closed with %d, want 1000", code)
		}
	}

	// An instance with Redis shuts down cleanly on SIGTERM.
	exited := make(chan error, 1)
	go func() { exited <- b.cmd.Wait() }()
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("instance exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("an instance with Redis did not exit within 15 s of SIGTERM")
	}
}

// claimedBy is the instance whose claim holds jobID now, read from the database.
func claimedBy(t *testing.T, db, jobID string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var owner *string
	if err := conn.QueryRow(ctx, "SELECT claimed_by FROM jobs WHERE id = $1", jobID).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner == nil {
		t.Fatalf("job %s is not claimed", jobID)
	}
	return *owner
}

func send(t *testing.T, method, url string, want int) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d", method, url, resp.StatusCode, want)
	}
}

// redisServer is a redis-server of the test's own on a spare loopback port.
type redisServer struct {
	port string
	url  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (apt-get install redis-server): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	r := &redisServer{port: port, url: "redis://127.0.0.1:" + port + "/0"}
	r.start(t)
	t.Cleanup(func() {
		if r.cmd != nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
	})
	return r
}

func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+r.port)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %s did not start: %v", r.port, err)
		}
		<-time.After(20 * time.Millisecond)
	}
}

func (r *redisServer) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// waitHealth waits until base's /api/health says status.
func waitHealth(t *testing.T, base, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/health")
		if err == nil {
			var h struct{ Status, Redis string }
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Status == status {
				return
			}
			last = fmt.Sprintf("%d %+v", resp.StatusCode, h)
		}
		<-time.After(50 * time.Millisecond)
	}
	t.Fatalf("%s health never became %q (last: %s)", base, status, last)
}

// follower is one WebSocket subscriber of a job that records every event it receives.
type follower struct {
	jobID  string
	mu     sync.Mutex
	seqs   []int64
	types  []string
	ws     *websocket.Conn
	news   chan struct{}
	ended  chan struct{} // the reader stopped: the connection ended
	status string        // audit_complete's status
	code   int           // the close code the stream ended with
}

func follow(t *testing.T, base, jobID string) *follower {
	t.Helper()
	f := &follower{jobID: jobID, news: make(chan struct{}, 1)}
	f.dial(t, base, 0)
	return f
}

func (f *follower) dial(t *testing.T, base string, since int64) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%s/ws/jobs/%s?since=%d", strings.Replace(base, "http", "ws", 1), f.jobID, since), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	f.ws, f.ended = ws, make(chan struct{})
	go func() {
		defer close(f.ended)
		for {
			var ev streamed
			if err := ws.ReadJSON(&ev); err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					f.mu.Lock()
					f.code = ce.Code
					f.mu.Unlock()
				}
				return
			}
			f.mu.Lock()
			f.seqs, f.types = append(f.seqs, ev.Seq), append(f.types, ev.Type)
			if ev.Type == schemas.EventAuditComplete {
				f.status = ev.Status
			}
			f.mu.Unlock()
			select {
			case f.news <- struct{}{}:
			default:
			}
		}
	}()
}

// resume waits for the broken connection to end, then reconnects to base after the last seq.
func (f *follower) resume(t *testing.T, base string) {
	t.Helper()
	select {
	case <-f.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the killed instance's stream did not end")
	}
	f.mu.Lock()
	last := int64(0)
	if n := len(f.seqs); n > 0 {
		last = f.seqs[n-1]
	}
	f.mu.Unlock()
	f.dial(t, base, last)
}

func (f *follower) has(typ string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ty := range f.types {
		if ty == typ {
			return true
		}
	}
	return false
}

func (f *follower) waitFor(t *testing.T, typ string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !f.has(typ) {
		select {
		case <-f.news:
		case <-deadline:
			f.mu.Lock()
			defer f.mu.Unlock()
			t.Fatalf("no %s within 30s on job %s; got %v", typ, f.jobID, f.types)
		}
	}
}

func (f *follower) waitEnd(t *testing.T) { t.Helper(); f.waitFor(t, schemas.EventAuditComplete) }

func (f *follower) lastStatus() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

// closeCode waits for the stream to end and returns its close code (0 when it just broke).
func (f *follower) closeCode(t *testing.T) int {
	t.Helper()
	select {
	case <-f.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.code
}

// checkOnce: the seqs received are 1..N, each once, in order, and N is audit_complete.
func (f *follower) checkOnce(t *testing.T, jobID string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, s := range f.seqs {
		if s != int64(i+1) {
			t.Fatalf("job %s: event %d has seq %d; received %v", jobID, i, s, f.seqs)
		}
	}
	if n := len(f.types); n == 0 || f.types[n-1] != schemas.EventAuditComplete {
		t.Fatalf("job %s: last event %v", jobID, f.types)
	}
}
