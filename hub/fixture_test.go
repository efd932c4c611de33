package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// memLog is an event log in memory, standing in for the store.
type memLog struct {
	mu     sync.Mutex
	events map[string][]hub.Message
	gone   map[string]bool // deleted jobs
	// onRead, when set, runs at the start of every read, outside the lock.
	onRead func(jobID string, after int64)
}

func (l *memLog) Events(_ context.Context, jobID string, after int64, limit int) ([]hub.Message, error) {
	if l.onRead != nil {
		l.onRead(jobID, after)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone[jobID] {
		return nil, hub.ErrUnknownJob
	}
	evs := l.events[jobID]
	i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > after })
	return slices.Clone(evs[i:min(i+limit, len(evs))]), nil
}

// store appends an event of about pad bytes to jobID's log, with the next seq, as an agent's
// event is stored before it is broadcast.
func (l *memLog) store(jobID string, pad int) hub.Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := int64(len(l.events[jobID]) + 1)
	data := fmt.Appendf(nil, `{"type":"agent_progress","job_id":%q,"seq":%d,"message":%q}`, jobID, seq, strings.Repeat("x", pad))
	m := hub.Message{JobID: jobID, Seq: seq, Data: data}
	l.events[jobID] = append(l.events[jobID], m)
	return m
}

// fixture is a running hub whose connections Serve runs behind a test HTTP server, reading
// from a memLog.
type fixture struct {
	t      testing.TB
	hub    *hub.Hub
	log    *memLog
	logs   *logBuffer // what the hub and its connections logged
	srv    *httptest.Server
	stop   context.CancelFunc // stops the hub, which closes every connection with 1001
	served chan struct{}      // receives when a Serve returns, if the test reads it

	settleMu sync.Mutex
	marker   *queue // a subscriber of its own job, for settle
	markers  int64
}

func newFixture(t testing.TB, hopt hub.Options, copt hub.ConnOptions) *fixture {
	t.Helper()
	logs := &logBuffer{}
	f := &fixture{
		t:      t,
		hub:    hub.New(slog.New(slog.NewJSONHandler(logs, nil)), hopt),
		log:    &memLog{events: map[string][]hub.Message{}, gone: map[string]bool{}},
		logs:   logs,
		served: make(chan struct{}, 100),
	}
	copt.Log = f.log
	ctx, cancel := context.WithCancel(context.Background())
	f.stop = cancel
	var serving sync.WaitGroup // http.Server does not wait for hijacked connections
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		ws, err := hub.Upgrade(w, r)
		if err != nil {
			return
		}
		serving.Go(func() {
			f.hub.Serve(ws, r.URL.Query().Get("job"), since, copt)
			select {
			case f.served <- struct{}{}:
			default:
			}
		})
	}))
	ran := make(chan struct{})
	go func() { f.hub.Run(ctx); close(ran) }()
	t.Cleanup(func() {
		cancel()
		<-ran
		serving.Wait()
		f.srv.Close()
	})
	return f
}

// emit stores an event of about pad bytes, then broadcasts it. Any goroutine may call it.
func (f *fixture) emit(jobID string, pad int) hub.Message {
	f.t.Helper()
	m := f.log.store(jobID, pad)
	if err := f.hub.Broadcast(context.Background(), m); err != nil {
		f.t.Errorf("broadcast: %v", err)
	}
	return m
}

// settle returns once the hub has fanned out everything broadcast before the call: the hub
// takes broadcasts in order, so it broadcasts a marker on a job of its own and waits for it.
// Any goroutine may call it.
func (f *fixture) settle() {
	f.settleMu.Lock()
	defer f.settleMu.Unlock()
	ctx := context.Background()
	if f.marker == nil {
		f.marker = newQueue(f.hub, "settle")
		if err := f.hub.Register(ctx, f.marker.c); err != nil {
			f.t.Errorf("register the marker: %v", err)
			return
		}
	}
	f.markers++
	f.hub.Broadcast(ctx, hub.Message{JobID: "settle", Seq: f.markers})
	deadline := time.After(10 * time.Second)
	for {
		frames, _, _, _ := f.marker.c.Take(nil)
		for _, m := range frames {
			if m.Seq == f.markers {
				return
			}
		}
		select {
		case <-f.marker.signal:
		case <-deadline:
			f.t.Errorf("the hub did not fan out within 10 s")
			return
		}
	}
}

func (f *fixture) url(jobID string, since int64) string {
	return fmt.Sprintf("ws%s/?job=%s&since=%d", strings.TrimPrefix(f.srv.URL, "http"), jobID, since)
}

// dial opens a stream; rcvbuf > 0 makes its socket receive into that many bytes, so that a
// client that does not read fills it quickly.
func (f *fixture) dial(jobID string, since int64, rcvbuf int) *websocket.Conn {
	f.t.Helper()
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok && rcvbuf > 0 {
			tc.SetReadBuffer(rcvbuf)
		}
		return c, err
	}}
	ws, _, err := d.Dial(f.url(jobID, since), nil)
	if err != nil {
		f.t.Fatalf("dial: %v", err)
	}
	return ws
}

// readSeq reads one event and returns its seq.
func readSeq(t testing.TB, ws *websocket.Conn) int64 {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	var ev struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(data, &ev); err != nil || ev.Seq == 0 {
		t.Fatalf("not an event: %.100s", data)
	}
	return ev.Seq
}

// readSeqs reads events from first to last and fails on any other seq.
func readSeqs(t testing.TB, ws *websocket.Conn, first, last int64) {
	t.Helper()
	for want := first; want <= last; want++ {
		if got := readSeq(t, ws); got != want {
			t.Fatalf("got seq %d, want %d", got, want)
		}
	}
}

// readClose reads until the connection ends and returns the close error, skipping nothing:
// any message before the close fails the test.
func readClose(t testing.TB, ws *websocket.Conn) *websocket.CloseError {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err == nil {
		t.Fatalf("got %.100s, want a close", data)
	}
	ce, ok := err.(*websocket.CloseError)
	if !ok {
		t.Fatalf("got %v, want a close frame", err)
	}
	return ce
}

// rawConn is a client that reads the server's bytes as they are, frame by frame.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

// rawDial opens a stream over a socket that receives into rcvbuf bytes, without a WebSocket
// library on the client's side.
func (f *fixture) rawDial(jobID string, since int64, rcvbuf int) *rawConn {
	f.t.Helper()
	u := f.url(jobID, since)
	host := strings.TrimPrefix(f.srv.URL, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		f.t.Fatal(err)
	}
	c.(*net.TCPConn).SetReadBuffer(rcvbuf)
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := u[strings.Index(u, host)+len(host):]
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n", path, host, key)
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		f.t.Fatalf("handshake: %v %v", resp, err)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		f.t.Fatal("handshake: wrong accept key")
	}
	return &rawConn{Conn: c, r: r}
}

// readFrame reads one whole frame: its opcode and payload. A server frame is final and
// unmasked; anything else fails the test.
func (c *rawConn) readFrame(t testing.TB) (op byte, payload []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var h [2]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		t.Fatalf("frame header: %v", err)
	}
	if h[0]&0xf0 != 0x80 || h[1]&0x80 != 0 {
		t.Fatalf("frame header % x: not a final unmasked frame", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(c.r, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(c.r, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 16<<20 {
		t.Fatalf("frame of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		t.Fatalf("payload of %d bytes: %v", n, err)
	}
	return h[0] & 0x0f, payload
}

// writeFrame sends a client frame (masked, with a zero key, which leaves the payload as it is).
func (c *rawConn) writeFrame(t testing.TB, op byte, payload []byte) {
	t.Helper()
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0)
	b = append(b, payload...)
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(b); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// writeAndRead sends msg from a server connection and returns what a client reads.
func writeAndRead(t testing.TB, msg *websocket.PreparedMessage) (kind int, data []byte) {
	t.Helper()
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		ws, err := hub.Upgrade(w, r)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.WritePreparedMessage(msg)
		ws.ReadMessage() // until the client leaves
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ws.Close()
		<-served
	}()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	kind, data, err = ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return kind, data
}

// logBuffer holds the JSON lines a logger writes; any goroutine may write.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// records returns the lines logged with message msg, decoded.
func (l *logBuffer) records(t testing.TB, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range bytes.Lines(l.b.Bytes()) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// closedLine waits for a connection's Serve to return and returns the one "stream closed" line
// logged so far; there must be exactly one.
func (f *fixture) closedLine() map[string]any {
	f.t.Helper()
	select {
	case <-f.served:
	case <-time.After(10 * time.Second):
		f.t.Fatal("the connection did not end within 10 s")
	}
	recs := f.logs.records(f.t, "stream closed")
	if len(recs) != 1 {
		f.t.Fatalf("%d stream closed lines, want 1: %v", len(recs), recs)
	}
	return recs[0]
}
