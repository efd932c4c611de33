package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// Every interleaving of storing, broadcasting and subscribing, forced: events stored and
// broadcast before the subscription (more than a replay page), events stored before it but
// broadcast only after it, events stored and broadcast between the subscription and the
// replay's first read of the log (so they reach the connection twice: live and from the log),
// and live events after the replay. The client gets each once, in order.
func TestStreamSendsEverySeqOnceInOrder(t *testing.T) {
	const before, held, between, after = 600, 10, 10, 10
	f := newFixture(t, hub.Options{}, hub.ConnOptions{})
	for range before {
		f.emit("j", 16) // nobody subscribed: only the log has them
	}
	var late []hub.Message
	for range held {
		late = append(late, f.log.store("j", 16))
	}
	var once sync.Once
	f.log.onRead = func(string, int64) {
		once.Do(func() {
			// Subscribed; the replay has not read the log yet.
			for _, m := range late {
				f.hub.Broadcast(context.Background(), m)
			}
			for range between {
				f.emit("j", 16)
			}
		})
	}
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	n := int64(before + held + between)
	readSeqs(t, ws, 1, n)
	for range after {
		f.emit("j", 16)
	}
	readSeqs(t, ws, n+1, n+after)
	// Nothing more is queued ahead of the answer to a ping: no seq comes twice.
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
	if _, data, err := ws.ReadMessage(); err != nil || string(data) != `{"type":"pong"}` {
		t.Fatalf("after the last event: %.100s, %v; want the pong", data, err)
	}
}

// A stream that resumes with since gets only what came after it.
func TestStreamResumesAfterSince(t *testing.T) {
	f := newFixture(t, hub.Options{}, hub.ConnOptions{})
	for range 5 {
		f.emit("j", 0)
	}
	ws := f.dial("j", 3, 0)
	defer ws.Close()
	readSeqs(t, ws, 4, 5)
	f.emit("j", 0)
	readSeqs(t, ws, 6, 6)
}

// A replay longer than the client's queue takes the live events that arrive meanwhile after
// each page of the log, so a client that reads as fast as it can is never dropped with 1013.
func TestLongReplayTakesLiveEventsAlong(t *testing.T) {
	const stored, reads, perRead = 3000, 10, 4 // 40 live events during the replay, queue of 16
	f := newFixture(t, hub.Options{QueueSize: 16}, hub.ConnOptions{})
	for range stored {
		f.emit("j", 16)
	}
	var mu sync.Mutex
	n := 0
	f.log.onRead = func(string, int64) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n <= reads {
			for range perRead {
				f.emit("j", 16)
			}
			f.settle() // in the client's queue before the replay reads on
		}
	}
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	readSeqs(t, ws, 1, stored+reads*perRead)
	// Still subscribed (the replay alone would have brought every event, also after a drop).
	ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
	if _, data, err := ws.ReadMessage(); err != nil || string(data) != `{"type":"pong"}` {
		t.Fatalf("after the replay: %.100s, %v; want the pong", data, err)
	}
}

func TestStreamOfADeletedJobClosesWith1000(t *testing.T) {
	t.Run("deleted before the subscription", func(t *testing.T) {
		// The hub closed the job's streams before this one subscribed: the log tells it.
		f := newFixture(t, hub.Options{}, hub.ConnOptions{})
		f.emit("j", 0)
		f.log.mu.Lock()
		f.log.gone["j"] = true
		f.log.mu.Unlock()
		ws := f.dial("j", 0, 0)
		defer ws.Close()
		if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure || ce.Text != "job deleted" {
			t.Fatalf("got %v, want close 1000 job deleted", ce)
		}
	})
	t.Run("deleted while streaming", func(t *testing.T) {
		f := newFixture(t, hub.Options{}, hub.ConnOptions{})
		f.emit("j", 0)
		ws := f.dial("j", 0, 0)
		defer ws.Close()
		readSeqs(t, ws, 1, 1)
		f.hub.CloseJob("j", websocket.CloseNormalClosure, "job deleted")
		if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure || ce.Text != "job deleted" {
			t.Fatalf("got %v, want close 1000 job deleted", ce)
		}
	})
}

func TestShutdownClosesStreamsWith1001(t *testing.T) {
	f := newFixture(t, hub.Options{}, hub.ConnOptions{})
	f.emit("j", 0)
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	readSeqs(t, ws, 1, 1)
	f.stop()
	if ce := readClose(t, ws); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("open stream: %v, want close 1001", ce)
	}
	late := f.dial("j", 0, 0) // the hub has stopped: it cannot subscribe
	defer late.Close()
	if ce := readClose(t, late); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("stream opened after the stop: %v, want close 1001", ce)
	}
}

func TestPingsKeepAnAnsweringClient(t *testing.T) {
	const pingInterval, pongWait = 20 * time.Millisecond, 200 * time.Millisecond
	f := newFixture(t, hub.Options{}, hub.ConnOptions{PingInterval: pingInterval, PongWait: pongWait})
	f.emit("j", 0)
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	pings := 0
	ws.SetPingHandler(func(data string) error {
		pings++
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	readSeqs(t, ws, 1, 1)
	// Five times PongWait with nothing but pongs from the client: the connection stays up.
	ws.SetReadDeadline(time.Now().Add(5 * pongWait))
	_, _, err := ws.ReadMessage()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want the client's own read deadline", err)
	}
	if pings < 10 {
		t.Fatalf("%d pings in %s at one per %s", pings, 5*pongWait, pingInterval)
	}
}

func TestSilentClientIsClosedAfterPongWait(t *testing.T) {
	const pingInterval, pongWait = 20 * time.Millisecond, 300 * time.Millisecond
	f := newFixture(t, hub.Options{}, hub.ConnOptions{PingInterval: pingInterval, PongWait: pongWait})
	f.emit("j", 0)
	dialled := time.Now()
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	pings := 0
	ws.SetPingHandler(func(string) error { pings++; return nil }) // never answered
	readSeqs(t, ws, 1, 1)
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := ws.ReadMessage()
	lived := time.Since(dialled)
	if !websocket.IsUnexpectedCloseError(err) {
		t.Fatalf("got %v, want the server to end the connection", err)
	}
	if lived < pongWait || lived > 5*time.Second || pings == 0 {
		t.Fatalf("ended after %s with %d pings; want after PongWait (%s), pinged", lived, pings, pongWait)
	}
}

// A client that sends more than 64 messages while their replies cannot go out is closed with
// 1008, after what was being written and the replies to those 64. (The burst is raised so that
// the rate limit does not close it first.)
func TestTooManyUnansweredMessagesCloseWith1008(t *testing.T) {
	f := newFixture(t, hub.Options{}, hub.ConnOptions{MessageBurst: 1000})
	f.emit("j", 0)
	ws := f.dial("j", 0, 64<<10)
	defer ws.Close()
	readSeqs(t, ws, 1, 1)
	huge := f.emit("j", 1<<20)
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, r, err := ws.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1024)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	// The server's writer is inside the 1 MiB frame, its socket full: it cannot reply now.
	for range 70 {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			t.Fatal(err)
		}
	}
	rest, err := io.ReadAll(r)
	if err != nil || len(head)+len(rest) != len(huge.Data) {
		t.Fatalf("the event being written: %d bytes, %v; want %d", len(head)+len(rest), err, len(huge.Data))
	}
	// The 64 messages before the one over the bound are answered, then the close comes.
	pongs := 0
	for {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != websocket.ClosePolicyViolation || ce.Text != hub.ReasonRepliesUnread {
				t.Fatalf("got %v, want close 1008 %q", err, hub.ReasonRepliesUnread)
			}
			break
		}
		if string(data) != `{"type":"pong"}` {
			t.Fatalf("got %.100s, want a pong", data)
		}
		pongs++
	}
	if pongs != 64 {
		t.Fatalf("%d pongs before the close, want 64", pongs)
	}
}

// Fifty pings sent back to back, and then the burst's sixty, are each answered, and the
// connection stays up; its end is logged with the code the client closed with.
func TestABurstOfPingsIsAnsweredInFull(t *testing.T) {
	f := newFixture(t, hub.Options{}, hub.ConnOptions{})
	f.emit("j", 0)
	for _, n := range []int{50, hub.DefaultMessageBurst} {
		ws := f.dial("j", 0, 0)
		readSeqs(t, ws, 1, 1)
		for range n {
			if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, data, err := ws.ReadMessage(); err != nil || string(data) != `{"type":"pong"}` {
				t.Fatalf("burst of %d: reply %d: %q, %v; want a pong", n, i+1, data, err)
			}
		}
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		if ce := readClose(t, ws); ce.Code != websocket.CloseNormalClosure {
			t.Fatalf("burst of %d: the answer to the client's close: %v", n, ce)
		}
		ws.Close()
		rec := f.closedLine()
		if rec["level"] != "INFO" || rec["close_code"] != 1000.0 || rec["closed_by"] != "client" ||
			rec["job_id"] != "j" || rec["conn_id"] == nil || rec["queue_len"] != 0.0 || rec["last_seq"] != 1.0 {
			t.Fatalf("burst of %d: logged %v", n, rec)
		}
		f.logs.mu.Lock()
		f.logs.b.Reset()
		f.logs.mu.Unlock()
	}
}

// A client that sends faster than the documented rate is answered up to the burst, then closed
// with 1008 and a reason that names the limit; the close is logged as a warning.
func TestPingFloodClosesWith1008(t *testing.T) {
	const sent = 300 // at 10 a second after the burst, 24 s of sending would be allowed
	f := newFixture(t, hub.Options{}, hub.ConnOptions{})
	f.emit("j", 0)
	ws := f.dial("j", 0, 0)
	defer ws.Close()
	readSeqs(t, ws, 1, 1)
	start := time.Now()
	for range sent {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			break // closed already
		}
	}
	allowed := hub.DefaultMessageBurst + int(time.Since(start).Seconds()*hub.DefaultMessageRate) + 1
	pongs := 0
	var ce *websocket.CloseError
	for ce == nil {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := ws.ReadMessage()
		switch {
		case err == nil && string(data) == `{"type":"pong"}`:
			pongs++
		case errors.As(err, &ce):
		default:
			t.Fatalf("after %d pongs: %q, %v", pongs, data, err)
		}
	}
	want := "too many messages: at most 60 at once, then 10 a second"
	if ce.Code != websocket.ClosePolicyViolation || ce.Text != want {
		t.Fatalf("got %v, want close 1008 %q", ce, want)
	}
	if pongs < hub.DefaultMessageBurst || pongs > allowed {
		t.Fatalf("%d pongs; want the burst (%d) and at most %d", pongs, hub.DefaultMessageBurst, allowed)
	}
	rec := f.closedLine()
	if rec["level"] != "WARN" || rec["close_code"] != 1008.0 || rec["reason"] != want || rec["closed_by"] != "server" {
		t.Fatalf("logged %v", rec)
	}
}

// A client whose queue fills is closed with 1013; the one line logged for it says so, with the
// connection's id and the queue's length.
func TestEvictedSubscriberIsLogged(t *testing.T) {
	const queue = 4
	f := newFixture(t, hub.Options{QueueSize: queue}, hub.ConnOptions{})
	f.emit("j", 0)
	ws := f.dial("j", 0, 8<<10)
	defer ws.Close()
	readSeqs(t, ws, 1, 1)
	for range 200 {
		f.emit("j", 16<<10) // not read: 3.2 MB against a queue of 4 and small socket buffers
	}
	f.settle() // fanned out: the client is dropped
	var err error
	for err == nil {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _, err = ws.ReadMessage()
	}
	if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
		t.Fatalf("got %v, want close 1013", err)
	}
	rec := f.closedLine()
	if rec["level"] != "WARN" || rec["close_code"] != 1013.0 || rec["closed_by"] != "server" || rec["job_id"] != "j" ||
		rec["conn_id"] == nil || rec["queue_len"] != float64(queue) || !strings.HasPrefix(rec["reason"].(string), "too slow") {
		t.Fatalf("logged %v", rec)
	}
}

// A write to a client that does not read ends within WriteWait, and the connection with it.
func TestWriteWaitBoundsAWrite(t *testing.T) {
	f := newFixture(t, hub.Options{}, hub.ConnOptions{WriteWait: 200 * time.Millisecond})
	f.emit("j", 0)
	ws := f.dial("j", 0, 64<<10)
	defer ws.Close()
	readSeqs(t, ws, 1, 1)
	f.emit("j", 1<<20) // never read
	select {
	case <-f.served:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection outlived a write that could not finish within WriteWait")
	}
}

// A close frame, from the writer or from gorilla itself, never lands inside a frame cut short
// by a full socket: the client reads the whole frame, then the close, then nothing.
func TestCloseNeverLandsInsideACutFrame(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		// stall is how long the client waits before it reads on: past a second, gorilla's own
		// close for a frame over the limit gives up waiting for the writer.
		stall time.Duration
	}{
		{"the hub closes the job", websocket.CloseNormalClosure, 0},
		{"the client pings, then sends a frame over the limit", websocket.CloseMessageTooBig, 0},
		{"the same, and the client stalls past gorilla's second", websocket.CloseMessageTooBig, 1500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, hub.Options{}, hub.ConnOptions{})
			first := f.emit("j", 0)
			c := f.rawDial("j", 0, 64<<10)
			defer c.Close()
			if op, p := c.readFrame(t); op != opText || !bytes.Equal(p, first.Data) {
				t.Fatalf("first frame: op %d, %.100s", op, p)
			}
			huge := f.emit("j", 1<<20)
			head := make([]byte, 1024)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(c.r, head); err != nil {
				t.Fatal(err)
			}
			// The server's writer is inside the 1 MiB frame, its socket full.
			if tc.code == websocket.CloseNormalClosure {
				f.hub.CloseJob("j", websocket.CloseNormalClosure, "job deleted")
			} else {
				c.writeFrame(t, opPing, []byte("p"))
				c.writeFrame(t, opText, []byte(`{"type":"ping","pad":"`+strings.Repeat("a", 5000)+`"}`))
				<-time.After(tc.stall)
			}
			c.r = bufio.NewReader(io.MultiReader(bytes.NewReader(head), c.r))
			if op, p := c.readFrame(t); op != opText || !bytes.Equal(p, huge.Data) {
				t.Fatalf("the cut frame: op %d, %d bytes; want the whole event (%d bytes)", op, len(p), len(huge.Data))
			}
			op, p := c.readFrame(t)
			for op == opPong {
				op, p = c.readFrame(t)
			}
			if op != opClose || len(p) < 2 || int(binary.BigEndian.Uint16(p)) != tc.code {
				t.Fatalf("after the frame: op %d, % x; want close %d", op, p, tc.code)
			}
			// Answer the close, so that a server still reading ends at once (one that has
			// stopped reading may have closed the socket already).
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte{0x80 | opClose, 0x80 | 2, 0, 0, 0, 0, p[0], p[1]})
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := c.r.Read(make([]byte, 1)); n != 0 || !(err == io.EOF || errors.Is(err, syscall.ECONNRESET)) {
				t.Fatalf("after the close frame: %d bytes, %v; want the end of the stream", n, err)
			}
		})
	}
}

// Subscribers that stop reading until their sockets are full get every event once they read
// again, and the others are served meanwhile: more of them than there are shared writers
// (writers.go) hold none of those, though a write may wait 30 s here and readSeq waits 10 s.
func TestSubscriberThatStopsReadingGetsEverythingLater(t *testing.T) {
	const events = 120 // 4 KiB each: far more than the socket buffers, less than the queue
	f := newFixture(t, hub.Options{}, hub.ConnOptions{WriteWait: 30 * time.Second})
	f.emit("j", 0)
	lagging := make([]*websocket.Conn, runtime.GOMAXPROCS(0)+1)
	for i := range lagging {
		lagging[i] = f.dial("j", 0, 64<<10)
		defer lagging[i].Close()
		readSeqs(t, lagging[i], 1, 1)
	}
	fast := f.dial("j", 0, 0)
	defer fast.Close()
	readSeqs(t, fast, 1, 1)
	for range events {
		f.emit("j", 4<<10)
	}
	readSeqs(t, fast, 2, events+1)
	for _, ws := range lagging {
		readSeqs(t, ws, 2, events+1)
	}
}
