package api_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/fanout"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/schemas"
)

func TestUploadStreamAndResults(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(3, true), nil)
	if job.Status != schemas.JobQueued && job.Status != schemas.JobProcessing {
		t.Fatalf("new job status %q", job.Status)
	}
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	types := []string{}
	var progress []event
	for _, ev := range evs {
		if ev.Type == schemas.EventAgentProgress {
			progress = append(progress, ev)
			continue
		}
		types = append(types, ev.Type)
	}
	if len(progress) == 0 || progress[0].AgentID != schemas.AgentNumeric {
		t.Fatalf("no agent_progress from numeric_validation: %+v", progress)
	}
	want := "job_queued agent_started agent_completed audit_complete"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	done := evs[len(evs)-2]
	if done.AgentID != schemas.AgentNumeric || len(done.Findings) == 0 {
		t.Fatalf("agent_completed %+v", done)
	}
	last := evs[len(evs)-1]
	if last.Status != schemas.JobCompleted || last.Summary == nil || last.Summary.Findings < 1 {
		t.Fatalf("audit_complete %+v", last)
	}

	var got schemas.Job
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), http.StatusOK, &got)
	if got.Status != schemas.JobCompleted || got.Agents[schemas.AgentNumeric] != schemas.AgentCompleted ||
		got.LastSeq != int64(len(evs)) || got.FinishedAt == nil || len(got.Documents) != 1 || got.Documents[0].Filename != "FY2024.docx" {
		t.Fatalf("job after audit: %+v", got)
	}
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/results", nil), http.StatusOK, &rows)
	if len(rows) != len(done.Findings) {
		t.Fatalf("%d result rows, agent_completed carried %d", len(rows), len(done.Findings))
	}
	found := false
	for _, r := range rows {
		if r.Category != "numeric" || r.Severity == nil || r.Description == nil {
			t.Fatalf("row %+v", r)
		}
		if strings.Contains(*r.Description, "Total revenue") && strings.Contains(strings.Join(r.SourceRefs, " "), "Table 1") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the planted casting error in table 1 was not reported: %+v", rows)
	}
}

func TestLateSubscriberAndSinceResume(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(2, false), nil)
	first := e.dial(job.ID, 0)
	all := readAll(t, first, 1)
	first.Close()

	late := e.dial(job.ID, 0)
	defer late.Close()
	if again := readAll(t, late, 1); len(again) != len(all) {
		t.Fatalf("late subscriber got %d events, want %d", len(again), len(all))
	}
	for k := int64(1); k < int64(len(all)); k++ {
		ws := e.dial(job.ID, k)
		if evs := readAll(t, ws, k+1); len(evs) != len(all)-int(k) {
			t.Fatalf("since=%d: %d events, want %d", k, len(evs), len(all)-int(k))
		}
		ws.Close()
	}
}

func TestFiftySubscribersEachGetEveryEventOnceInOrder(t *testing.T) {
	agent := newGateAgent(schemas.AgentLogic, 100, 100)
	e := newEnv(t, envOptions{agents: []agents.Agent{agent}, queue: 1024})
	job := e.submit(statement(1, false), nil)
	<-agent.started
	const subs = 50
	conns := make([]*websocket.Conn, subs)
	for i := range conns {
		conns[i] = e.dial(job.ID, 0)
		defer conns[i].Close()
		// job_queued and agent_started come from the log: the subscription is live after this.
		if ev := readEvent(t, conns[i]); ev.Seq != 1 {
			t.Fatalf("subscriber %d: first seq %d", i, ev.Seq)
		}
	}
	agent.openAll()
	var wg sync.WaitGroup
	counts := make([]int, subs)
	for i, ws := range conns {
		wg.Go(func() { counts[i] = len(readAll(t, ws, 2)) })
	}
	wg.Wait()
	// agent_started, 200 progress, agent_completed, audit_complete
	for i, n := range counts {
		if n != 203 {
			t.Fatalf("subscriber %d got %d events after job_queued, want 203", i, n)
		}
	}
}

// heldBroadcaster holds back broadcasts while held is set, so a test can store events that
// reach the hub only later.
type heldBroadcaster struct {
	next    fanout.Broadcaster
	mu      sync.Mutex
	held    bool
	pending []hub.Message
}

func (b *heldBroadcaster) Broadcast(ctx context.Context, m hub.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held {
		b.pending = append(b.pending, m)
		return nil
	}
	return b.next.Broadcast(ctx, m)
}

func (b *heldBroadcaster) hold() {
	b.mu.Lock()
	b.held = true
	b.mu.Unlock()
}

func (b *heldBroadcaster) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.pending {
		b.next.Broadcast(context.Background(), m)
	}
	b.pending, b.held = nil, false
}

// TestSubscriberJoiningDuringEmissionLosesNothing forces every interleaving of emission and
// subscription: events stored before the subscription but broadcast only after it, events stored
// and broadcast between the subscription and the replay's read of the log (so they come twice),
// and events emitted after the replay. The subscriber must see each exactly once, in order.
func TestSubscriberJoiningDuringEmissionLosesNothing(t *testing.T) {
	const early, late, between = 50, 250, 60
	agent := newGateAgent(schemas.AgentLogic, early, late)
	// Progress event i is stored (and broadcast) before the agent reaches event i+1.
	stored := make(chan struct{})
	agent.beforeEach = func(i int) {
		if i == early+between+1 {
			close(stored)
		}
	}
	var held *heldBroadcaster
	e := newEnv(t, envOptions{
		agents: []agents.Agent{agent},
		queue:  4096,
		wrapHub: func(b fanout.Broadcaster) fanout.Broadcaster {
			held = &heldBroadcaster{next: b}
			return held
		},
		beforeReplay: func(jobID string) {
			// Subscribed; the replay has not read the log yet.
			held.release()
			close(agent.second)
			select {
			case <-stored:
			case <-time.After(10 * time.Second):
				t.Errorf("job %s never stored progress event %d", jobID, early+between)
			}
		},
	})
	job := e.submit(statement(1, false), nil)
	<-agent.started
	held.hold()
	close(agent.first)
	<-agent.mid // `early` progress events stored, their broadcasts held back
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	if want := 2 + early + late + 2; len(evs) != want {
		t.Fatalf("got %d events, want %d", len(evs), want)
	}
}

// TestSlowSubscriberIsClosedWith1013 runs a job of large events past one subscriber that reads
// slowly and others that keep up: the slow one is closed with 1013, the others get everything,
// and the slow one, reconnecting with since, loses nothing. The agent is paced to the fast
// subscribers, so only the slow one can fall behind.
func TestSlowSubscriberIsClosedWith1013(t *testing.T) {
	const events = 600
	agent := newGateAgent(schemas.AgentLogic, 0, events)
	agent.message = strings.Repeat("x", 16<<10)
	var fastSeen [3]atomic.Int64
	ended := make(chan struct{})
	defer close(ended)
	agent.beforeEach = func(i int) {
		// progress i has seq 2+i; wait until every fast subscriber has the one before it.
		for k := range fastSeen {
			for fastSeen[k].Load() < int64(2+i-1) {
				select {
				case <-ended:
					return
				case <-time.After(50 * time.Microsecond):
				}
			}
		}
	}
	// The slow subscriber's writer waits on its full socket until the test reads it, after the
	// fast phase: that may take longer than the default WriteWait on a loaded machine, and a
	// write that times out ends the connection without its close frame.
	e := newEnv(t, envOptions{agents: []agents.Agent{agent}, queue: 16, writeWait: time.Minute})
	job := e.submit(statement(1, false), nil)
	<-agent.started

	slow := dialSmallBuffer(t, e.wsURL(job.ID, 0), 64<<10) // the kernel must not absorb the whole backlog
	defer slow.Close()
	fast := make([]*websocket.Conn, 3)
	for i := range fast {
		fast[i] = e.dial(job.ID, 0)
		defer fast[i].Close()
		readEvent(t, fast[i]) // replay started: subscribed
		fastSeen[i].Store(1)
	}
	if ev := readEvent(t, slow); ev.Seq != 1 {
		t.Fatalf("slow subscriber first seq %d", ev.Seq)
	}
	agent.openAll()

	var wg sync.WaitGroup
	for i, ws := range fast {
		wg.Go(func() {
			for {
				ev := readEvent(t, ws)
				if ev.Seq != fastSeen[i].Load()+1 {
					t.Errorf("fast subscriber %d: seq %d after %d", i, ev.Seq, fastSeen[i].Load())
					return
				}
				fastSeen[i].Store(ev.Seq)
				if ev.Type == schemas.EventAuditComplete {
					return
				}
			}
		})
	}
	// The slow subscriber reads nothing until the others have everything (9.6 MB of events, far
	// more than the socket buffers and its queue hold), then drains what reached it.
	wg.Wait()
	last := int64(1)
	var closeErr error
	for closeErr == nil {
		slow.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := readMessage(t, slow)
		if err != nil {
			closeErr = err
			break
		}
		var ev event
		if json.Unmarshal(data, &ev) != nil || ev.Seq != last+1 {
			t.Fatalf("slow subscriber: got %.80s after seq %d", data, last)
		}
		last = ev.Seq
	}
	if last >= 2+events {
		t.Fatalf("slow subscriber was never dropped (read up to seq %d)", last)
	}
	if !websocket.IsCloseError(closeErr, websocket.CloseTryAgainLater) {
		t.Fatalf("slow subscriber ended with %v, want close 1013", closeErr)
	}
	again := e.dial(job.ID, last)
	defer again.Close()
	readAll(t, again, last+1)
}

func TestClientFrames(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	readAll(t, ws, 1)

	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
	if _, data, err := readMessage(t, ws); err != nil || string(data) != `{"type":"pong"}` {
		t.Fatalf("ping answered %q, %v", data, err)
	}
	for _, bad := range []string{`not json`, `{"type":"subscribe"}`, `[]`} {
		ws.WriteMessage(websocket.TextMessage, []byte(bad))
		_, data, err := readMessage(t, ws)
		if err != nil || !strings.HasPrefix(string(data), `{"type":"error","error":`) {
			t.Fatalf("%s answered %q, %v", bad, data, err)
		}
	}
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
	if _, data, _ := readMessage(t, ws); string(data) != `{"type":"pong"}` {
		t.Fatalf("connection not usable after bad frames: %q", data)
	}
	// A protocol-level ping is answered with a pong carrying its payload.
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second))
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
	readMessage(t, ws) // the pong control frame is handled while reading this
	select {
	case data := <-pong:
		if data != "are you there" {
			t.Fatalf("pong payload %q", data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong for a protocol ping")
	}

	for _, tc := range []struct {
		name string
		kind int
		data []byte
		code int
	}{
		{"binary", websocket.BinaryMessage, []byte{1, 2, 3}, websocket.CloseUnsupportedData},
		{"not UTF-8", websocket.TextMessage, []byte("{\"type\":\"ping\",\"x\":\"\xff\xfe\"}"), websocket.CloseInvalidFramePayloadData},
		{"oversized", websocket.TextMessage, []byte(`{"type":"ping","pad":"` + strings.Repeat("a", 5000) + `"}`), websocket.CloseMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := e.dial(job.ID, 0)
			defer ws.Close()
			readAll(t, ws, 1)
			ws.WriteMessage(tc.kind, tc.data)
			ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err := readMessage(t, ws)
			if !websocket.IsCloseError(err, tc.code) {
				t.Fatalf("got %v, want close %d", err, tc.code)
			}
		})
	}
}

func TestShutdownClosesStreamsWith1001(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	readAll(t, ws, 1)
	go e.stop()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := readMessage(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("got %v, want close 1001", err)
	}
}

func TestStreamRefusedBeforeUpgrade(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), nil)
	base := strings.TrimPrefix(e.srv.URL, "http")
	for _, tc := range []struct {
		name, url, origin string
		status            int
	}{
		{"malformed id", "ws" + base + "/ws/jobs/not-a-uuid", "", 422},
		{"unknown job", "ws" + base + "/ws/jobs/0195f0c8-7d2a-7000-8000-000000000000", "", 404},
		{"alias unknown job", "ws" + base + "/ws/audit/0195f0c8-7d2a-7000-8000-000000000000", "", 404},
		{"bad since", "ws" + base + "/ws/jobs/" + job.ID + "?since=-1", "", 422},
		{"since not a number", "ws" + base + "/ws/jobs/" + job.ID + "?since=abc", "", 422},
		{"foreign origin", "ws" + base + "/ws/jobs/" + job.ID, "https://evil.example", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			ws, resp, err := websocket.DefaultDialer.Dial(tc.url, h)
			if err == nil {
				ws.Close()
				t.Fatal("upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("response %v, want %d", resp, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	h := http.Header{"Origin": {"http://localhost:3000"}}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+base+"/ws/audit/"+job.ID, h)
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	ws.Close()
}

// A subscriber that stops reading long enough for its socket to fill, but not its queue, gets
// everything once it reads again, while the other subscribers are served meanwhile.
func TestSubscriberThatFallsBehindCatchesUp(t *testing.T) {
	const events = 120 // 4 KiB each: far more than the socket buffers, less than the queue
	agent := newGateAgent(schemas.AgentLogic, 0, events)
	agent.message = strings.Repeat("y", 4<<10)
	e := newEnv(t, envOptions{agents: []agents.Agent{agent}, queue: 256})
	job := e.submit(statement(1, false), nil)
	<-agent.started

	lagging := dialSmallBuffer(t, e.wsURL(job.ID, 0), 8<<10)
	defer lagging.Close()
	if ev := readEvent(t, lagging); ev.Seq != 1 {
		t.Fatalf("first seq %d", ev.Seq)
	}
	fast := e.dial(job.ID, 0)
	defer fast.Close()
	agent.openAll()
	all := readAll(t, fast, 1) // the lagging one reads nothing meanwhile
	got := readAll(t, lagging, 2)
	if len(got) != len(all)-1 {
		t.Fatalf("lagging subscriber got %d events after the first, want %d", len(got), len(all)-1)
	}
}

// dialSmallBuffer opens a stream whose socket receives into rcvbuf bytes, so that a subscriber
// that does not read fills it quickly.
func dialSmallBuffer(t *testing.T, url string, rcvbuf int) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{
		NetDial: func(network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetReadBuffer(rcvbuf)
			}
			return c, err
		},
		ReadBufferSize: 1024,
	}
	ws, _, err := dialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}
