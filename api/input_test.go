package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
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

// Duplicate agent ids are dropped and the name is trimmed; the refusals are in the bad-input
// table (badinput_test.go).
func TestUploadDropsDuplicateAgentsAndTrimsTheName(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), map[string]string{"enabled_agents": `["numeric_validation","numeric_validation"]`, "name": "  Q4 review  "})
	if job.Name != "Q4 review" || len(job.EnabledAgents) != 1 || job.EnabledAgents[0] != schemas.AgentNumeric {
		t.Fatalf("accepted job %+v", job)
	}
}

// A statement of any length is audited: one short casting, well under 200 characters, is
// accepted and its planted error found.
func TestUploadAuditsAShortOneTableDocument(t *testing.T) {
	doc := docxgen.New().Table([][]string{
		{"", "2024"},
		{"Products", "1,200"},
		{"Services", "300"},
		{"Total revenue", "1,600"},
	}).Bytes()
	e := newEnv(t, envOptions{})
	job := e.submit(doc, nil)
	ws := e.dial(job.ID, 0)
	defer ws.Close()
	evs := readAll(t, ws, 1)
	last := evs[len(evs)-1]
	if last.Status != schemas.JobCompleted || last.Summary == nil || last.Summary.Findings < 1 {
		t.Fatalf("audit_complete %+v %+v", last, last.Summary)
	}
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/results/agent/"+schemas.AgentNumeric, nil), 200, &rows)
	named := false
	for _, r := range rows {
		if strings.Contains(string(r.RawData), "Total revenue") {
			named = true
		}
	}
	if !named {
		t.Fatalf("no finding names the total row: %+v", rows)
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
	t.Run("delete", func(t *testing.T) {
		ws := e.dial(id, 0)
		defer ws.Close()
		readAll(t, ws, 1)
		decode(t, e.do(http.MethodDelete, "/api/v1/jobs/"+id, nil), 200, nil)
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("stream of the deleted job: %v, want close 1000", err)
		}
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+id, nil), 404)
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+id+"/events", nil), 404)
		if n, _ := e.store.CountJobs(context.Background()); n != 2 {
			t.Fatalf("%d jobs left, want 2", n)
		}
	})
}
