package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/hub"
)

// badInput is one malformed request the service refuses, and what it must answer. A case is one
// of three kinds:
//   - req: an HTTP request; the answer is a problem+json with status (and errors[0].field when
//     field is set);
//   - dial: a WebSocket handshake, refused before the upgrade with status;
//   - frames: messages sent on an open stream of the reference job; the stream closes with code,
//     or, when code is 0, answers each with reply and stays up.
//
// After every case the table checks that nothing was stored (the number of jobs, and the
// reference job's name, status, events and results are as before) and that the refusal was
// logged. Add a case by appending to one of the lists in badInputs, or a list of your own.
type badInput struct {
	name   string
	req    func(ref string) *http.Request
	dial   func(ref string) (path string, header http.Header)
	frames []frame
	status int
	field  string
	code   int
	reason string // the close's reason, when set
	pongs  int    // the least number of pongs before the close
	reply  string // the start of the reply each frame gets, when code is 0
}

type frame struct {
	kind int
	data []byte
}

// secret goes with every request and handshake of the table as a bearer token and an API key;
// it must never reach the log.
const secret = "vk_test_0123456789abcdef0123456789abcdef"

// unknownID is a well-formed job id no job has.
const unknownID = "0195f0c8-7d2a-7000-8000-000000000000"

func TestBadInputIsRefusedAndStoresNothing(t *testing.T) {
	logs := newLogLines()
	e := newEnv(t, envOptions{maxUpload: 64 << 10, jsonLogTo: logs})
	ref := e.submit(statement(1, false), map[string]string{"name": "Reference"})
	ws := e.dial(ref.ID, 0)
	readAll(t, ws, 1) // the job has finished: nothing changes it from here on
	ws.Close()
	before := e.snapshot(t, ref.ID)
	if before.jobs != 1 || before.name != "Reference" || before.status != "completed" || before.events < 4 || before.results < 1 {
		t.Fatalf("reference job %+v", before)
	}

	cases := badInputs(e)
	if len(cases) < 60 {
		t.Fatalf("%d cases; the table must list every refusal", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			mark := logs.len()
			switch {
			case tc.req != nil:
				req := tc.req(ref.ID)
				authorize(req.Header)
				resp, err := e.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				p := checkProblem(t, resp, tc.status)
				if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
					t.Fatalf("errors %+v, want field %s", p.Errors, tc.field)
				}
				logs.expectRefusal(t, mark, tc.status, req.Method, req.URL.Path)
			case tc.dial != nil:
				path, h := tc.dial(ref.ID)
				if h == nil {
					h = http.Header{}
				}
				authorize(h)
				e.refusedDial(t, path, h, tc.status)
				logs.expectRefusal(t, mark, tc.status, http.MethodGet, strings.SplitN(path, "?", 2)[0])
			default:
				e.sendFrames(t, ref.ID, before.lastSeq, tc, logs, mark)
			}
			if after := e.snapshot(t, ref.ID); after != before {
				t.Fatalf("stored state changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatal("a key reached the log")
	}
	// The service still serves, and accepts a good upload.
	if job := e.submit(statement(1, false), nil); job.Name != "Report #2" {
		t.Fatalf("accepted job %+v", job)
	}
}

// badInputs lists the table's cases: uploads, the REST routes, the stream's handshake and its
// frames.
func badInputs(e *env) []badInput {
	var all []badInput
	for _, list := range [][]badInput{uploadBadInputs(e), restBadInputs(e), streamBadInputs(e)} {
		all = append(all, list...)
	}
	return all
}

func uploadBadInputs(e *env) []badInput {
	good := statement(1, false)
	shortNoTable := docxgen.New().Paragraph("Revenue 1,200").Bytes()
	noTable := docxgen.New().Paragraph(strings.Repeat("The company had a quiet year with no figures to show. ", 10)).Bytes()
	noText := docxgen.New().Table([][]string{{"", ""}, {"", ""}}).Bytes()
	truncated := bytes.Clone(good[:len(good)/2])
	badXML := zipOf(map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>`,
	})
	withAgents := func(v string) form {
		return form{file: good, fields: map[string]string{"enabled_agents": v}}
	}
	withName := func(v string) form { return form{file: good, fields: map[string]string{"name": v}} }
	up := func(name string, f form, status int, field string) badInput {
		return badInput{name: "upload: " + name, req: func(string) *http.Request { return e.uploadRequest(f) }, status: status, field: field}
	}
	raw := func(name, contentType string, body []byte, status int) badInput {
		return badInput{name: "upload: " + name, status: status, req: func(string) *http.Request {
			return e.request(http.MethodPost, "/api/v1/documents/upload", contentType, body)
		}}
	}
	multipartBody := func(parts ...[2]string) (string, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, p := range parts {
			w, _ := mw.CreateFormFile(p[0], "FY2024.docx")
			w.Write([]byte(p[1]))
		}
		mw.Close()
		return mw.FormDataContentType(), b.Bytes()
	}
	twoFiles, twoFilesBody := multipartBody([2]string{"file", string(good)}, [2]string{"file", string(good)})
	cutCT, cutBody := multipartBody([2]string{"file", string(good)})
	cutBody = cutBody[:len(cutBody)-40] // the closing boundary and the file's end are missing
	return []badInput{
		raw("JSON instead of a form", "application/json", []byte(`{"file":"x"}`), 415),
		raw("no content type", "", []byte("file=x"), 415),
		raw("url-encoded form", "application/x-www-form-urlencoded", []byte("file=x"), 415),
		raw("multipart without a boundary", "multipart/form-data", []byte("--x\r\n"), 400),
		raw("multipart body without parts", "multipart/form-data; boundary=xyz", []byte("garbage, no boundary here"), 400),
		raw("multipart cut off", cutCT, cutBody, 400),
		raw("two files", twoFiles, twoFilesBody, 422),
		up("no file", form{noFile: true, fields: map[string]string{"name": "x"}}, 422, "file"),
		up("empty file", form{file: []byte{}}, 415, "file"),
		up("over the size limit", form{file: bytes.Repeat([]byte("a"), 65<<10)}, 413, ""),
		up("PDF", form{file: []byte("%PDF-1.7\n" + strings.Repeat("x", 500)), filename: "a.pdf"}, 415, "file"),
		up("plain text named .docx", form{file: []byte(strings.Repeat("revenue 100\n", 50))}, 415, "file"),
		up("xlsx", form{file: zipOf(map[string]string{"xl/workbook.xml": "<workbook/>", "[Content_Types].xml": "<Types/>"})}, 415, "file"),
		up("zip without word/document.xml", form{file: zipOf(map[string]string{"readme.txt": "hello", "[Content_Types].xml": "<Types/>"})}, 415, "file"),
		up("empty zip", form{file: zipOf(nil)}, 415, "file"),
		up("legacy .doc", form{file: ole(false), filename: "a.doc"}, 415, "file"),
		up("password-protected", form{file: ole(true)}, 422, "file"),
		up("truncated zip", form{file: truncated}, 422, "file"),
		up("malformed XML", form{file: badXML}, 422, "file"),
		up("empty document", form{file: docxgen.New().Bytes()}, 422, "file"),
		up("no text", form{file: noText}, 422, "file"),
		up("short text, no table", form{file: shortNoTable}, 422, "file"),
		up("no table", form{file: noTable}, 422, "file"),
		up("enabled_agents not JSON", withAgents("numeric_validation"), 400, "enabled_agents"),
		up("enabled_agents an object", withAgents(`{"a":1}`), 400, "enabled_agents"),
		up("enabled_agents a string", withAgents(`"numeric_validation"`), 400, "enabled_agents"),
		up("enabled_agents null", withAgents(`null`), 400, "enabled_agents"),
		up("enabled_agents numbers", withAgents(`[1,2]`), 400, "enabled_agents"),
		up("enabled_agents with trailing data", withAgents(`["numeric_validation"] x`), 400, "enabled_agents"),
		up("enabled_agents empty array", withAgents(`[]`), 422, "enabled_agents"),
		up("enabled_agents unknown id", withAgents(`["numeric_validation","astrology"]`), 422, "enabled_agents"),
		up("enabled_agents empty id", withAgents(`[""]`), 422, "enabled_agents"),
		up("enabled_agents not UTF-8", withAgents("[\"\xff\"]"), 422, "enabled_agents"),
		up("name over 200 characters", withName(strings.Repeat("n", 201)), 422, "name"),
		up("name with a control character", withName("Q3\x00review"), 422, "name"),
		up("name over 64 KiB", withName(strings.Repeat("n", 65<<10)), 422, "name"),
		{name: "upload: cross-site form post", status: 403, req: func(string) *http.Request {
			r := e.uploadRequest(form{file: good})
			r.Header.Set("Origin", "https://evil.example")
			return r
		}},
		{name: "upload: GET", status: 405, req: func(string) *http.Request {
			return e.request(http.MethodGet, "/api/v1/documents/upload", "", nil)
		}},
	}
}

func restBadInputs(e *env) []badInput {
	get := func(name, path string, status int, field string) badInput {
		return badInput{name: name, status: status, field: field, req: func(ref string) *http.Request {
			return e.request(http.MethodGet, strings.ReplaceAll(path, "{ref}", ref), "", nil)
		}}
	}
	send := func(name, method, path, contentType, body string, status int) badInput {
		return badInput{name: name, status: status, req: func(ref string) *http.Request {
			return e.request(method, strings.ReplaceAll(path, "{ref}", ref), contentType, []byte(body))
		}}
	}
	patch := func(name, body string, status int) badInput {
		return send("rename: "+name, http.MethodPatch, "/api/v1/jobs/{ref}", "application/json", body, status)
	}
	crossSite := func(method, path string) badInput {
		return badInput{name: "cross-site " + method, status: 403, req: func(ref string) *http.Request {
			r := e.request(method, strings.ReplaceAll(path, "{ref}", ref), "application/json", []byte(`{"name":"x"}`))
			r.Header.Set("Origin", "https://evil.example")
			return r
		}}
	}
	// A handshake gorilla's dialer would not send: refused with 400 before the upgrade.
	handshake := func(name, version, key string) badInput {
		return badInput{name: name, status: 400, req: func(ref string) *http.Request {
			r := e.request(http.MethodGet, "/ws/jobs/"+ref, "", nil)
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "websocket")
			r.Header.Set("Sec-WebSocket-Version", version)
			if key != "" {
				r.Header.Set("Sec-WebSocket-Key", key)
			}
			return r
		}}
	}
	return []badInput{
		get("job: malformed id", "/api/v1/jobs/123", 422, "id"),
		get("job: id without dashes", "/api/v1/jobs/0195f0c87d2a70008000000000000000", 422, "id"),
		get("job: id as a URN", "/api/v1/jobs/urn:uuid:"+unknownID, 422, "id"),
		get("job: unknown id", "/api/v1/jobs/"+unknownID, 404, ""),
		get("job: include other than text", "/api/v1/jobs/{ref}?include=all", 422, "include"),
		get("list: limit 0", "/api/v1/jobs?limit=0", 422, "limit"),
		get("list: limit over 200", "/api/v1/jobs/?limit=201", 422, "limit"),
		get("list: limit not a number", "/api/v1/jobs?limit=ten", 422, "limit"),
		get("list: limit negative", "/api/v1/jobs?limit=-1", 422, "limit"),
		get("list: limit a fraction", "/api/v1/jobs?limit=1.5", 422, "limit"),
		get("list: before malformed", "/api/v1/jobs?before=x", 422, "before"),
		get("list: before unknown", "/api/v1/jobs?before="+unknownID, 422, "before"),
		patch("not JSON", `name=x`, 400),
		patch("cut off", `{"name":`, 400),
		patch("empty body", ``, 400),
		patch("an array", `[{"name":"x"}]`, 400),
		patch("name a number", `{"name":5}`, 400),
		patch("two objects", `{"name":"a"}{"name":"b"}`, 400),
		patch("name null", `{"name":null}`, 422),
		patch("name missing", `{}`, 422),
		patch("name blank", `{"name":"   "}`, 422),
		patch("name over 200 characters", `{"name":"`+strings.Repeat("x", 201)+`"}`, 422),
		patch("name with a control character", `{"name":"a\u0007b"}`, 422),
		patch("body over 64 KiB", `{"name":"`+strings.Repeat("x", 70<<10)+`"}`, 413),
		send("rename: sent as text/plain", http.MethodPatch, "/api/v1/jobs/{ref}", "text/plain", `{"name":"x"}`, 415),
		send("rename: sent as a form", http.MethodPatch, "/api/v1/jobs/{ref}", "application/x-www-form-urlencoded", `name=x`, 415),
		send("rename: malformed content type", http.MethodPatch, "/api/v1/jobs/{ref}", "application/", `{"name":"x"}`, 415),
		send("rename: unknown job", http.MethodPatch, "/api/v1/jobs/"+unknownID, "application/json", `{"name":"x"}`, 404),
		send("rename: malformed id", http.MethodPatch, "/api/v1/jobs/nope", "application/json", `{"name":"x"}`, 422),
		crossSite(http.MethodPatch, "/api/v1/jobs/{ref}"),
		send("delete: malformed id", http.MethodDelete, "/api/v1/jobs/nope", "", "", 422),
		send("delete: unknown job", http.MethodDelete, "/api/v1/jobs/"+unknownID, "", "", 404),
		crossSite(http.MethodDelete, "/api/v1/jobs/{ref}"),
		send("cancel: finished job", http.MethodPost, "/api/v1/jobs/{ref}/cancel", "", "", 409),
		send("cancel: unknown job", http.MethodPost, "/api/v1/jobs/"+unknownID+"/cancel", "", "", 404),
		send("cancel: malformed id", http.MethodPost, "/api/v1/jobs/nope/cancel", "", "", 422),
		get("results: unknown job", "/api/v1/jobs/"+unknownID+"/results", 404, ""),
		get("results: malformed id", "/api/v1/jobs/nope/results", 422, "id"),
		get("results: unknown agent", "/api/v1/jobs/{ref}/results/agent/astrology", 422, "agent_id"),
		get("results: agent of an unknown job", "/api/v1/jobs/"+unknownID+"/results/agent/numeric_validation", 404, ""),
		get("events: after negative", "/api/v1/jobs/{ref}/events?after=-3", 422, "after"),
		get("events: after not a number", "/api/v1/jobs/{ref}/events?after=abc", 422, "after"),
		get("events: limit 0", "/api/v1/jobs/{ref}/events?limit=0", 422, "limit"),
		get("events: limit over 10000", "/api/v1/jobs/{ref}/events?limit=10001", 422, "limit"),
		get("events: unknown job", "/api/v1/jobs/"+unknownID+"/events", 404, ""),
		get("events: malformed id", "/api/v1/jobs/nope/events", 422, "id"),
		get("no such route", "/api/v1/nothing", 404, ""),
		get("no such version", "/api/v2/jobs", 404, ""),
		send("method: PUT a job", http.MethodPut, "/api/v1/jobs/{ref}", "application/json", `{"name":"x"}`, 405),
		send("method: POST the job list", http.MethodPost, "/api/v1/jobs", "", "", 405),
		send("method: DELETE the job list", http.MethodDelete, "/api/v1/jobs", "", "", 405),
		send("method: PATCH the agents", http.MethodPatch, "/api/v1/agents", "application/json", `{}`, 405),
		send("method: GET cancel", http.MethodGet, "/api/v1/jobs/{ref}/cancel", "", "", 405),
		send("method: POST a stream", http.MethodPost, "/ws/jobs/{ref}", "", "", 405),
		get("stream: plain GET without an upgrade", "/ws/jobs/{ref}", 400, ""),
		handshake("stream: WebSocket version 8", "8", "dGhlIHNhbXBsZSBub25jZQ=="),
		handshake("stream: no Sec-WebSocket-Key", "13", ""),
		handshake("stream: a key of 4 bytes", "13", "AAAAAA=="),
	}
}

func streamBadInputs(e *env) []badInput {
	dial := func(name, path, origin string, status int) badInput {
		return badInput{name: "stream: " + name, status: status, dial: func(ref string) (string, http.Header) {
			h := http.Header{}
			if origin != "" {
				h.Set("Origin", origin)
			}
			return strings.ReplaceAll(path, "{ref}", ref), h
		}}
	}
	text := func(s string) frame { return frame{websocket.TextMessage, []byte(s)} }
	pings := make([]frame, 300) // at 10 a second after the burst of 60, 24 s of sending would be allowed
	for i := range pings {
		pings[i] = text(`{"type":"ping"}`)
	}
	const notJSON, unknownType = `{"type":"error","error":"messages must be JSON`, `{"type":"error","error":"unknown message type`
	return []badInput{
		dial("malformed id", "/ws/jobs/not-a-uuid", "", 422),
		dial("unknown job", "/ws/jobs/"+unknownID, "", 404),
		dial("alias, unknown job", "/ws/audit/"+unknownID, "", 404),
		dial("alias, malformed id", "/ws/audit/123", "", 422),
		dial("since negative", "/ws/jobs/{ref}?since=-1", "", 422),
		dial("since not a number", "/ws/jobs/{ref}?since=abc", "", 422),
		dial("since a fraction", "/ws/jobs/{ref}?since=1.5", "", 422),
		dial("origin not allowed", "/ws/jobs/{ref}", "https://evil.example", 403),
		dial("origin not allowed, alias", "/ws/audit/{ref}", "http://localhost:3001", 403),
		{name: "stream: binary frame", frames: []frame{{websocket.BinaryMessage, []byte(`{"type":"ping"}`)}}, code: websocket.CloseUnsupportedData},
		{name: "stream: text not UTF-8", frames: []frame{text("{\"type\":\"ping\",\"x\":\"\xff\xfe\"}")}, code: websocket.CloseInvalidFramePayloadData},
		{name: "stream: frame over 4 KiB", frames: []frame{text(`{"type":"ping","pad":"` + strings.Repeat("a", 5000) + `"}`)}, code: websocket.CloseMessageTooBig},
		{name: "stream: ping flood", frames: pings, code: websocket.ClosePolicyViolation,
			reason: "too many messages: at most 60 at once, then 10 a second", pongs: hub.DefaultMessageBurst},
		{name: "stream: not JSON", frames: []frame{text("ping")}, reply: notJSON},
		{name: "stream: a JSON array", frames: []frame{text(`[{"type":"ping"}]`)}, reply: notJSON},
		{name: "stream: empty text", frames: []frame{text("")}, reply: notJSON},
		{name: "stream: unknown type", frames: []frame{text(`{"type":"subscribe","job_id":"x"}`)}, reply: unknownType},
		{name: "stream: null", frames: []frame{text(`null`)}, reply: unknownType},
		{name: "stream: type in capitals", frames: []frame{text(`{"TYPE":"ping"}`)}, reply: unknownType},
	}
}

// sendFrames opens a stream of the reference job after its last event (so no event comes),
// sends tc's frames and checks the answer: the close tc names, logged; or a reply to each frame,
// then a pong to a ping (the stream stays up).
func (e *env) sendFrames(t *testing.T, ref string, last int64, tc badInput, logs *logLines, mark int) {
	t.Helper()
	h := http.Header{}
	authorize(h)
	ws, _, err := websocket.DefaultDialer.Dial(e.wsURL(ref, last), h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, f := range tc.frames {
		if err := ws.WriteMessage(f.kind, f.data); err != nil {
			if tc.code == 0 {
				t.Fatal(err)
			}
			break // closed already
		}
	}
	read := func() (string, error) {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := ws.ReadMessage()
		return string(data), err
	}
	if tc.code == 0 {
		for range tc.frames {
			if data, err := read(); err != nil || !strings.HasPrefix(data, tc.reply) {
				t.Fatalf("reply %q, %v; want one starting %s", data, err, tc.reply)
			}
		}
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`))
		if data, err := read(); err != nil || data != `{"type":"pong"}` {
			t.Fatalf("after the replies: %q, %v; want a pong", data, err)
		}
		return
	}
	pongs := 0
	for {
		data, err := read()
		if err == nil {
			if data != `{"type":"pong"}` {
				t.Fatalf("got %.100q before the close", data)
			}
			pongs++
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != tc.code || (tc.reason != "" && ce.Text != tc.reason) {
			t.Fatalf("got %v, want close %d %s", err, tc.code, tc.reason)
		}
		break
	}
	if pongs < tc.pongs {
		t.Fatalf("%d pongs before the close, want at least %d", pongs, tc.pongs)
	}
	logs.waitFor(t, mark, func(rec map[string]any) bool {
		return rec["msg"] == "stream closed" && rec["job_id"] == ref && rec["close_code"] == float64(tc.code) &&
			rec["closed_by"] == "server" && rec["level"] == "WARN" && rec["conn_id"] != nil
	})
}

// snapshot is what the table checks is unchanged after each refused request.
type snapshot struct {
	jobs                  int
	name, status, updated string
	lastSeq               int64
	events, results, docs int
}

// refusedDial opens a stream's handshake with header h and checks that it is refused before the
// upgrade with status, as problem+json.
func (e *env) refusedDial(t *testing.T, path string, h http.Header, status int) *http.Response {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+path, h)
	if err == nil {
		ws.Close()
		t.Fatal("the upgrade succeeded")
	}
	if resp == nil {
		t.Fatalf("no answer: %v", err)
	}
	checkProblem(t, resp, status)
	return resp
}

func (e *env) snapshot(t *testing.T, ref string) snapshot {
	t.Helper()
	return e.snapshotAs(t, "", ref)
}

// snapshotAs is snapshot of a job that belongs to tenant.
func (e *env) snapshotAs(t *testing.T, tenant, ref string) snapshot {
	t.Helper()
	ctx := context.Background()
	n, err := e.store.CountJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.store.Job(ctx, tenant, ref, true)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.store.Events(ctx, ref, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.store.Results(ctx, tenant, ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{jobs: n, name: j.Name, status: j.Status, updated: j.UpdatedAt.String(), lastSeq: j.LastSeq,
		events: len(evs), results: len(rows), docs: len(j.Documents)}
}

// request builds a request to the test server; an empty contentType sends none.
func (e *env) request(method, path, contentType string, body []byte) *http.Request {
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// uploadRequest builds the multipart upload of f.
func (e *env) uploadRequest(f form) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range f.fields {
		mw.WriteField(k, v)
	}
	if !f.noFile {
		name := f.filename
		if name == "" {
			name = "FY2024.docx"
		}
		w, _ := mw.CreateFormFile("file", name)
		w.Write(f.file)
	}
	mw.Close()
	return e.request(http.MethodPost, "/api/v1/documents/upload", mw.FormDataContentType(), body.Bytes())
}

func authorize(h http.Header) {
	h.Set("Authorization", "Bearer "+secret)
	h.Set("X-API-Key", secret)
}

// logLines keeps the JSON lines a logger writes and wakes whoever waits for one.
type logLines struct {
	mu    sync.Mutex
	lines [][]byte
	wrote chan struct{}
}

func newLogLines() *logLines { return &logLines{wrote: make(chan struct{}, 1)} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	for line := range bytes.Lines(p) {
		l.lines = append(l.lines, bytes.Clone(line))
	}
	l.mu.Unlock()
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *logLines) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(bytes.Join(l.lines, nil))
}

// since decodes the lines written from index mark on.
func (l *logLines) since(t *testing.T, mark int) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines[mark:] {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// waitFor returns once a line written from mark on satisfies match, and fails after 10 s.
func (l *logLines) waitFor(t *testing.T, mark int, match func(map[string]any) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, rec := range l.since(t, mark) {
			if match(rec) {
				return
			}
		}
		select {
		case <-l.wrote:
		case <-deadline:
			t.Fatalf("no matching log line within 10 s; logged:\n%s", l.String())
		}
	}
}

// expectRefusal checks that the refusal was logged once since mark, with the keys an operator
// filters on: a warning for 401, 403, 429 and 5xx, info otherwise.
func (l *logLines) expectRefusal(t *testing.T, mark, status int, method, path string) {
	t.Helper()
	l.expectRefusalAs(t, mark, status, method, path, "")
}

// expectRefusalAs is expectRefusal of a request the log names tenant for.
func (l *logLines) expectRefusalAs(t *testing.T, mark, status int, method, path, tenant string) {
	t.Helper()
	var found []map[string]any
	for _, rec := range l.since(t, mark) {
		if rec["msg"] == "request refused" {
			found = append(found, rec)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d request refused lines, want 1: %v", len(found), found)
	}
	rec := found[0]
	level := "INFO"
	if status >= 500 || status == 401 || status == 403 || status == 429 {
		level = "WARN"
	}
	want := map[string]any{"status": float64(status), "method": method, "path": path, "tenant": tenant, "level": level}
	for k, v := range want {
		if !reflect.DeepEqual(rec[k], v) {
			t.Fatalf("logged %s=%v, want %v: %v", k, rec[k], v, rec)
		}
	}
	for _, k := range []string{"detail", "remote_addr", "request_id"} {
		if s, _ := rec[k].(string); s == "" {
			t.Fatalf("logged no %s: %v", k, rec)
		}
	}
	if u, err := url.Parse(fmt.Sprint(rec["path"])); err != nil || u.RawQuery != "" {
		t.Fatalf("the path logged carries a query: %v", rec["path"])
	}
}
