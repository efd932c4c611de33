package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/api"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// multipartBody is an upload's form holding doc as its file.
func multipartBody(t *testing.T, doc []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("file", "FY2024.docx")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(doc)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// rawUpload sends an upload over its own TCP connection with the given headers (Content-Length
// and Transfer-Encoding as the test writes them), writes body from a goroutine as a client that
// does not wait for the answer would, and reads the answer. It returns the answer (nil when
// none could be read), and the error the body's writer met.
func rawUpload(t *testing.T, e *env, headers map[string]string, body io.Reader, chunked bool) (*http.Response, []byte, <-chan error) {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var head strings.Builder
	fmt.Fprintf(&head, "POST /api/v1/documents/upload HTTP/1.1\r\nHost: %s\r\n", u.Host)
	for k, v := range headers {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	if chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n")
	}
	head.WriteString("\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		if body == nil {
			written <- nil
			return
		}
		var w io.Writer = conn
		var cw io.WriteCloser
		if chunked {
			cw = newChunkedWriter(conn)
			w = cw
		}
		_, err := io.Copy(w, body)
		if err == nil && cw != nil {
			err = cw.Close()
		}
		written <- err
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer could be read: %v", err)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("answer's body: %v", err)
	}
	return resp, data, written
}

// chunkedWriter writes HTTP/1.1 chunks of at most 32 KiB.
type chunkedWriter struct{ w io.Writer }

func newChunkedWriter(w io.Writer) io.WriteCloser { return &chunkedWriter{w} }

func (c *chunkedWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 32<<10)
		if _, err := fmt.Fprintf(c.w, "%x\r\n%s\r\n", k, p[:k]); err != nil {
			return n, err
		}
		n, p = n+k, p[k:]
	}
	return n, nil
}

func (c *chunkedWriter) Close() error {
	_, err := io.WriteString(c.w, "0\r\n\r\n")
	return err
}

func problemOf(t *testing.T, data []byte) schemas.Problem {
	t.Helper()
	var p schemas.Problem
	if err := json.Unmarshal(data, &p); err != nil || p.Detail == "" {
		t.Fatalf("not a problem body: %s (%v)", data, err)
	}
	return p
}

func (e *env) jobCount(t *testing.T) int {
	t.Helper()
	n, err := e.store.CountJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOversizedUploadIsAReadable413 sends a body over the limit in each framing: the client
// reads a 413 problem (never a reset), and nothing is stored.
func TestOversizedUploadIsAReadable413(t *testing.T) {
	const maxUpload = 1 << 20 // the body limit is this plus 1 MiB of form overhead
	e := newEnv(t, envOptions{maxUpload: maxUpload})
	big := bytes.Repeat([]byte("x"), 3<<20)
	body, ct := multipartBody(t, big)

	t.Run("Content-Length over the limit", func(t *testing.T) {
		resp, data, written := rawUpload(t, e, map[string]string{
			"Content-Type": ct, "Content-Length": strconv.Itoa(len(body)),
		}, bytes.NewReader(body), false)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("status %d, Connection: close %v; body %s", resp.StatusCode, resp.Close, data)
		}
		problemOf(t, data)
		if err := <-written; err != nil {
			t.Fatalf("the client's body was cut off (%v): it may not read the answer", err)
		}
	})
	t.Run("chunked, no length", func(t *testing.T) {
		resp, data, written := rawUpload(t, e, map[string]string{"Content-Type": ct}, bytes.NewReader(body), true)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("status %d, Connection: close %v; body %s", resp.StatusCode, resp.Close, data)
		}
		if p := problemOf(t, data); !strings.Contains(p.Detail, "1 MiB") {
			t.Fatalf("detail %q does not name the limit", p.Detail)
		}
		if err := <-written; err != nil {
			t.Fatalf("the client's body was cut off (%v): it may not read the answer", err)
		}
	})
	t.Run("Expect: 100-continue", func(t *testing.T) {
		resp, data, _ := rawUpload(t, e, map[string]string{
			"Content-Type": ct, "Content-Length": strconv.Itoa(len(body)), "Expect": "100-continue",
		}, nil, false)
		// The first answer is the refusal: no "100 Continue" invited the body.
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413 before any 100 Continue; body %s", resp.StatusCode, data)
		}
		problemOf(t, data)
	})
	t.Run("Go client", func(t *testing.T) {
		resp := e.upload(form{file: big})
		checkProblem(t, resp, http.StatusRequestEntityTooLarge)
	})
	if n := e.jobCount(t); n != 0 {
		t.Fatalf("%d jobs after oversized uploads", n)
	}
}

// TestContentLengthLongerThanTheBody reproduces the lost reply: a complete multipart body
// sent with a Content-Length 1 MB larger than the body. The server must not create the job
// and must answer (400, once the body has not ended in time), not leave the client waiting.
func TestContentLengthLongerThanTheBody(t *testing.T) {
	e := newEnv(t, envOptions{})
	body, ct := multipartBody(t, statement(1, false))
	start := time.Now()
	resp, data, _ := rawUpload(t, e, map[string]string{
		"Content-Type": ct, "Content-Length": strconv.Itoa(len(body) + 1<<20),
	}, bytes.NewReader(body), false)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", resp.StatusCode, data)
	}
	if p := problemOf(t, data); !strings.Contains(p.Detail, "Content-Length") {
		t.Fatalf("detail %q does not say what is wrong", p.Detail)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("answered after %s", took)
	}
	if n := e.jobCount(t); n != 0 {
		t.Fatalf("%d jobs created by a body shorter than its Content-Length", n)
	}
	// The same body with its true length is accepted.
	resp, data, _ = rawUpload(t, e, map[string]string{
		"Content-Type": ct, "Content-Length": strconv.Itoa(len(body)),
	}, bytes.NewReader(body), false)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d; body %s", resp.StatusCode, data)
	}
}

// keyedUpload uploads doc with an Idempotency-Key.
func (e *env) keyedUpload(t *testing.T, key string, doc []byte) (*http.Response, []byte) {
	t.Helper()
	body, ct := multipartBody(t, doc)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/documents/upload", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Idempotency-Key", key)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// TestIdempotencyKey: a retry with the same key gets the same 202, body and Location and
// creates nothing; racing requests with one key create one job; the key with another document
// is 422; a malformed key is 400.
func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, envOptions{})
	doc := statement(1, false)
	first, firstBody := e.keyedUpload(t, "retry-1", doc)
	if first.StatusCode != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.StatusCode, firstBody)
	}
	var job schemas.Job
	json.Unmarshal(firstBody, &job)
	if _, err := e.runner.Wait(context.Background(), job.ID), error(nil); err != nil {
		t.Fatal(err)
	}
	again, againBody := e.keyedUpload(t, "retry-1", doc)
	if again.StatusCode != http.StatusAccepted || !bytes.Equal(againBody, firstBody) ||
		again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("retry: %d, Location %q; body %s\nfirst: Location %q; body %s", again.StatusCode,
			again.Header.Get("Location"), againBody, first.Header.Get("Location"), firstBody)
	}
	if n := e.jobCount(t); n != 1 {
		t.Fatalf("%d jobs after a retry, want 1", n)
	}

	resp, data := e.keyedUpload(t, "retry-1", statement(2, false))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(problemOf(t, data).Detail, "different upload") {
		t.Fatalf("same key, another document: %d %s", resp.StatusCode, data)
	}
	resp, data = e.keyedUpload(t, strings.Repeat("k", 256), doc)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a 256-byte key: %d %s", resp.StatusCode, data)
	}

	// Racing retries: one job, every answer names it.
	const racers = 6
	ids := make(chan string, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			resp, data := e.keyedUpload(t, "race-1", doc)
			var j schemas.Job
			if resp.StatusCode != http.StatusAccepted || json.Unmarshal(data, &j) != nil {
				t.Errorf("racer: %d %s", resp.StatusCode, data)
			}
			ids <- j.ID
		})
	}
	wg.Wait()
	close(ids)
	var seen []string
	for id := range ids {
		if len(seen) > 0 && id != seen[0] {
			t.Fatalf("racers got different jobs: %v and %s", seen, id)
		}
		seen = append(seen, id)
	}
	if n := e.jobCount(t); n != 2 {
		t.Fatalf("%d jobs after %d racing uploads with one key, want 2 in all", n, racers)
	}
}

// TestUploadSlotsAndQueueCap: with one upload slot held by a client still sending, the next
// upload gets 503 with Retry-After after the short wait; with the queue full, an upload gets
// 503 and creates nothing.
func TestUploadSlotsAndQueueCap(t *testing.T) {
	var logs logBuffer
	e := newEnv(t, envOptions{uploads: 1, uploadWait: 100 * time.Millisecond, maxQueued: 1, noRunner: true, logTo: &logs})
	body, ct := multipartBody(t, statement(1, false))

	// A client asks to send its body (Expect: 100-continue). The server says "100 Continue" when
	// the handler first reads the body, which it does once it holds the only slot.
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/documents/upload HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", u.Host, ct, len(body))
	br := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue: %v, %v", resp, err)
	}
	busy := e.upload(form{file: statement(1, false)})
	if busy.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	checkProblem(t, busy, http.StatusServiceUnavailable)

	// The first client sends its body: accepted. The queue (cap 1, no worker) is now full.
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the first upload: %v, %v", resp, err)
	}
	full := e.upload(form{file: statement(1, false)})
	if full.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	checkProblem(t, full, http.StatusServiceUnavailable)
	if n := e.jobCount(t); n != 1 {
		t.Fatalf("%d jobs, want the one accepted", n)
	}
	for _, reason := range []string{"upload slots busy", "queue full"} {
		if !strings.Contains(logs.String(), `msg="request refused" status=503 reason="`+reason+`"`) {
			t.Fatalf("no rejection logged for %q:\n%s", reason, logs.String())
		}
	}
}

// TestDocumentOverACapIs422 names the cap the document passed.
func TestDocumentOverACapIs422(t *testing.T) {
	e := newEnv(t, envOptions{limits: extract.Limits{MaxRows: 3}})
	p := checkProblem(t, e.upload(form{file: statement(2, false)}), http.StatusUnprocessableEntity)
	if !strings.Contains(p.Detail, "more than 3 rows") {
		t.Fatalf("detail %q does not name the row cap", p.Detail)
	}
}

// TestRateLimit: past its burst a client gets 429 with Retry-After and a logged rejection;
// health is never limited; another key has its own bucket.
func TestRateLimit(t *testing.T) {
	var logs logBuffer
	e := newEnv(t, envOptions{rateLimit: api.NewLimiter(0.01, 2), logTo: &logs})
	for i := range 2 {
		resp := e.do(http.MethodGet, "/api/v1/agents", nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp := e.do(http.MethodGet, "/api/v1/agents", nil)
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra < 1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	checkProblem(t, resp, http.StatusTooManyRequests)
	health := e.do(http.MethodGet, "/api/health", nil)
	health.Body.Close()
	if health.StatusCode != http.StatusOK {
		t.Fatalf("health: %d", health.StatusCode)
	}
	if !strings.Contains(logs.String(), `msg="request refused" status=429 reason="rate limit" `) ||
		!strings.Contains(logs.String(), `remote_addr=127.0.0.1:`) || !strings.Contains(logs.String(), `tenant=""`) {
		t.Fatalf("rejection not logged:\n%s", logs.String())
	}

	l := api.NewLimiter(0.01, 1)
	if ok, _ := l.Allow("tenant-a"); !ok {
		t.Fatal("first request of tenant-a refused")
	}
	if ok, wait := l.Allow("tenant-a"); ok || wait < time.Minute {
		t.Fatalf("second request of tenant-a: allowed %v, wait %s", ok, wait)
	}
	if ok, _ := l.Allow("tenant-b"); !ok {
		t.Fatal("tenant-b shares tenant-a's bucket")
	}
}

// TestStreamCapAndReadTimeout: past MaxStreams a stream is refused with 503 before the
// upgrade; an open stream outlives the server's ReadTimeout (the upgrade clears it).
func TestStreamCapAndReadTimeout(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	e := newEnv(t, envOptions{maxStreams: 1, readTimeout: readTimeout})
	job := e.submit(statement(1, false), nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	_, resp, err := websocket.DefaultDialer.Dial(e.wsURL(job.ID, 0), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream over a cap of 1: %v, %+v", err, resp)
	}
	resp.Body.Close()
	// Let the read timeout pass, then talk on the stream.
	<-time.After(3 * readTimeout)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		ev := readEvent(t, ws)
		if ev.Type == "pong" {
			return
		}
	}
}
