package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

func zipOf(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	zw.Close()
	return buf.Bytes()
}

// ole is the start of an OLE compound file; with the EncryptedPackage stream name in its
// directory it is how Word stores a password-protected .docx.
func ole(encrypted bool) []byte {
	b := make([]byte, 4096)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	name := "WordDocument"
	if encrypted {
		name = "EncryptedPackage"
	}
	for i, r := range name {
		b[1024+2*i] = byte(r)
	}
	return b
}

func checkProblem(t *testing.T, resp *http.Response, status int) schemas.Problem {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p schemas.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status || p.Detail == "" || p.Title == "" {
		t.Fatalf("problem body %s (%v)", body, err)
	}
	return p
}

func TestUploadRejectsBadInputAndStoresNothing(t *testing.T) {
	e := newEnv(t, envOptions{maxUpload: 64 << 10})
	good := statement(1, false)
	tooShort := docxgen.New().Paragraph("Revenue").Table([][]string{{"a", "1"}}).Bytes()
	noTable := docxgen.New().Paragraph(strings.Repeat("The company had a quiet year with no figures to show. ", 10)).Bytes()
	corrupt := append([]byte{}, good[:len(good)/2]...)
	badXML := zipOf(map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>`,
	})
	for _, tc := range []struct {
		name   string
		form   form
		raw    func() *http.Response
		status int
		field  string
	}{
		{name: "not multipart", raw: func() *http.Response {
			return e.do(http.MethodPost, "/api/v1/documents/upload", strings.NewReader(`{"file":"x"}`))
		}, status: 415},
		{name: "no file", form: form{noFile: true}, status: 422, field: "file"},
		{name: "cross-site form post", raw: func() *http.Response {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			w, _ := mw.CreateFormFile("file", "a.docx")
			w.Write(good)
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/documents/upload", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Origin", "https://evil.example")
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, status: 403},
		{name: "too large", form: form{file: bytes.Repeat([]byte("a"), 65<<10)}, status: 413},
		{name: "pdf", form: form{file: []byte("%PDF-1.7\n" + strings.Repeat("x", 500)), filename: "a.pdf"}, status: 415, field: "file"},
		{name: "plain text named docx", form: form{file: []byte(strings.Repeat("revenue 100\n", 50))}, status: 415, field: "file"},
		{name: "xlsx", form: form{file: zipOf(map[string]string{"xl/workbook.xml": "<workbook/>", "[Content_Types].xml": "<Types/>"})}, status: 415, field: "file"},
		{name: "legacy doc", form: form{file: ole(false), filename: "a.doc"}, status: 415, field: "file"},
		{name: "encrypted docx", form: form{file: ole(true)}, status: 422, field: "file"},
		{name: "truncated zip", form: form{file: corrupt}, status: 422, field: "file"},
		{name: "malformed xml", form: form{file: badXML}, status: 422, field: "file"},
		{name: "empty document", form: form{file: docxgen.New().Bytes()}, status: 422, field: "file"},
		{name: "too short", form: form{file: tooShort}, status: 422, field: "file"},
		{name: "no table", form: form{file: noTable}, status: 422, field: "file"},
		{name: "agents not json", form: form{file: good, fields: map[string]string{"enabled_agents": "numeric_validation"}}, status: 400, field: "enabled_agents"},
		{name: "agents not array", form: form{file: good, fields: map[string]string{"enabled_agents": `{"a":1}`}}, status: 400, field: "enabled_agents"},
		{name: "agents array of numbers", form: form{file: good, fields: map[string]string{"enabled_agents": `[1,2]`}}, status: 400, field: "enabled_agents"},
		{name: "agents empty", form: form{file: good, fields: map[string]string{"enabled_agents": `[]`}}, status: 422, field: "enabled_agents"},
		{name: "agents unknown", form: form{file: good, fields: map[string]string{"enabled_agents": `["numeric_validation","astrology"]`}}, status: 422, field: "enabled_agents"},
		{name: "name too long", form: form{file: good, fields: map[string]string{"name": strings.Repeat("n", 201)}}, status: 422, field: "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			if tc.raw != nil {
				resp = tc.raw()
			} else {
				resp = e.upload(tc.form)
			}
			p := checkProblem(t, resp, tc.status)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Fatalf("errors %+v, want field %s", p.Errors, tc.field)
			}
			if n, _ := e.store.CountJobs(context.Background()); n != 0 {
				t.Fatalf("%d jobs stored after a rejected upload", n)
			}
		})
	}
	// The server still serves, and accepts a good upload.
	job := e.submit(good, map[string]string{"enabled_agents": `["numeric_validation","numeric_validation"]`, "name": "  Q4 review  "})
	if job.Name != "Q4 review" || len(job.EnabledAgents) != 1 {
		t.Fatalf("accepted job %+v", job)
	}
}

func TestUploadAnswers202WithLocation(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp := e.upload(form{file: statement(1, false)})
	var job schemas.Job
	loc := resp.Header.Get("Location")
	decode(t, resp, http.StatusAccepted, &job)
	if loc != "/api/v1/jobs/"+job.ID || job.Name != "Report #1" || len(job.Documents) != 1 {
		t.Fatalf("Location %q, job %+v", loc, job)
	}
	d := job.Documents[0]
	if d.ContentType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" ||
		d.SizeBytes == 0 || len(d.SHA256) != 64 || d.GCSPath != "jobs/"+job.ID+"/FY2024.docx" || d.ExtractedText != nil {
		t.Fatalf("document %+v", d)
	}
	if len(job.EnabledAgents) != 1 || job.EnabledAgents[0] != schemas.AgentNumeric {
		t.Fatalf("enabled_agents %v", job.EnabledAgents)
	}
}

func TestJobRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	var jobs []schemas.Job
	for range 3 {
		j := e.submit(statement(1, false), nil)
		ws := e.dial(j.ID, 0)
		readAll(t, ws, 1)
		ws.Close()
		jobs = append(jobs, j)
	}
	id := jobs[0].ID
	unknown := "0195f0c8-7d2a-7000-8000-000000000000"

	t.Run("list pages newest first", func(t *testing.T) {
		resp := e.do(http.MethodGet, "/api/v1/jobs?limit=2", nil)
		link := resp.Header.Get("Link")
		var page []schemas.Job
		decode(t, resp, 200, &page)
		if len(page) != 2 || page[0].ID != jobs[2].ID || page[1].ID != jobs[1].ID {
			t.Fatalf("page 1: %d jobs", len(page))
		}
		if !strings.Contains(link, "before="+jobs[1].ID) || !strings.Contains(link, `rel="next"`) {
			t.Fatalf("Link %q", link)
		}
		resp = e.do(http.MethodGet, "/api/v1/jobs/?limit=2&before="+jobs[1].ID, nil)
		if resp.Header.Get("Link") != "" {
			t.Fatal("Link on the last page")
		}
		decode(t, resp, 200, &page)
		if len(page) != 1 || page[0].ID != jobs[0].ID {
			t.Fatalf("page 2: %+v", page)
		}
	})
	t.Run("get with text", func(t *testing.T) {
		var j schemas.Job
		decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"?include=text", nil), 200, &j)
		if j.Documents[0].ExtractedText == nil || !strings.Contains(*j.Documents[0].ExtractedText, "Total revenue") {
			t.Fatalf("extracted text missing: %+v", j.Documents[0])
		}
	})
	t.Run("rename", func(t *testing.T) {
		var j schemas.Job
		decode(t, e.do(http.MethodPatch, "/api/v1/jobs/"+id, strings.NewReader(`{"name":"  FY24 audit "}`)), 200, &j)
		if j.Name != "FY24 audit" {
			t.Fatalf("name %q", j.Name)
		}
	})
	t.Run("events after", func(t *testing.T) {
		var evs []event
		decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"/events?after=1&limit=2", nil), 200, &evs)
		if len(evs) != 2 || evs[0].Seq != 2 || evs[1].Seq != 3 {
			t.Fatalf("events %+v", evs)
		}
	})
	t.Run("agent results", func(t *testing.T) {
		var rows []schemas.Result
		decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"/results/agent/numeric_validation", nil), 200, &rows)
		if len(rows) != 1 || rows[0].Severity != nil || string(rows[0].RawData) != "{}" {
			t.Fatalf("a clean statement should give one empty row: %+v", rows)
		}
		decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"/results/agent/logic_consistency", nil), 200, &rows)
		if len(rows) != 0 {
			t.Fatalf("rows for an agent that did not run: %+v", rows)
		}
	})
	t.Run("agents", func(t *testing.T) {
		var infos []schemas.AgentInfo
		decode(t, e.do(http.MethodGet, "/api/v1/agents", nil), 200, &infos)
		if len(infos) != 1 || infos[0].ID != schemas.AgentNumeric || !infos[0].Available || infos[0].Category != "numeric" {
			t.Fatalf("agents %+v", infos)
		}
	})
	t.Run("health", func(t *testing.T) {
		var h map[string]string
		decode(t, e.do(http.MethodGet, "/api/health", nil), 200, &h)
		if h["status"] != "ok" || h["database"] != "connected" {
			t.Fatalf("health %+v", h)
		}
	})
	t.Run("cors preflight", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/api/v1/jobs/"+id, nil)
		req.Header.Set("Origin", "http://localhost:3000")
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
			t.Fatalf("preflight %d %v", resp.StatusCode, resp.Header)
		}
	})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed id", "GET", "/api/v1/jobs/123", "", 422},
		{"unknown id", "GET", "/api/v1/jobs/" + unknown, "", 404},
		{"bad include", "GET", "/api/v1/jobs/" + id + "?include=all", "", 422},
		{"limit zero", "GET", "/api/v1/jobs?limit=0", "", 422},
		{"limit too big", "GET", "/api/v1/jobs?limit=201", "", 422},
		{"before malformed", "GET", "/api/v1/jobs?before=x", "", 422},
		{"before unknown", "GET", "/api/v1/jobs?before=" + unknown, "", 422},
		{"rename bad json", "PATCH", "/api/v1/jobs/" + id, `{"name":`, 400},
		{"rename empty", "PATCH", "/api/v1/jobs/" + id, `{"name":"   "}`, 422},
		{"rename missing", "PATCH", "/api/v1/jobs/" + id, `{}`, 422},
		{"rename too long", "PATCH", "/api/v1/jobs/" + id, `{"name":"` + strings.Repeat("x", 201) + `"}`, 422},
		{"rename body too large", "PATCH", "/api/v1/jobs/" + id, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
		{"stream without upgrade", "GET", "/ws/jobs/" + id, "", 400},
		{"rename unknown", "PATCH", "/api/v1/jobs/" + unknown, `{"name":"x"}`, 404},
		{"cancel finished", "POST", "/api/v1/jobs/" + id + "/cancel", "", 409},
		{"cancel unknown", "POST", "/api/v1/jobs/" + unknown + "/cancel", "", 404},
		{"results unknown job", "GET", "/api/v1/jobs/" + unknown + "/results", "", 404},
		{"results unknown agent", "GET", "/api/v1/jobs/" + id + "/results/agent/astrology", "", 422},
		{"events bad after", "GET", "/api/v1/jobs/" + id + "/events?after=-3", "", 422},
		{"events unknown job", "GET", "/api/v1/jobs/" + unknown + "/events", "", 404},
		{"delete malformed", "DELETE", "/api/v1/jobs/nope", "", 422},
		{"delete unknown", "DELETE", "/api/v1/jobs/" + unknown, "", 404},
		{"no such route", "GET", "/api/v1/nothing", "", 404},
		{"wrong method", "PUT", "/api/v1/jobs/" + id, "", 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			checkProblem(t, e.do(tc.method, tc.path, body), tc.status)
		})
	}
	t.Run("delete", func(t *testing.T) {
		ws := e.dial(id, 0)
		defer ws.Close()
		readAll(t, ws, 1)
		decode(t, e.do(http.MethodDelete, "/api/v1/jobs/"+id, nil), 200, nil)
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := readMessage(t, ws); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("stream of the deleted job: %v, want close 1000", err)
		}
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+id, nil), 404)
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"/events", nil), 404)
		if n, _ := e.store.CountJobs(context.Background()); n != 2 {
			t.Fatalf("%d jobs left, want 2", n)
		}
	})
}
