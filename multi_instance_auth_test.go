package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/schemas"
)

// TestKeysAndTicketsAcrossInstances runs two server processes with keys on one PostgreSQL
// database: a job uploaded on A is its tenant's on B too and no one else's, and a stream ticket
// A issued opens the stream on B, once.
func TestKeysAndTicketsAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const acme, globex = "acme-0123456789abcdef", "globex-0123456789abcdef"
	args := []string{"--database-url", postgresDatabase(t), "--api-keys", "acme:" + acme + ",globex:" + globex}
	a := startServer(t, args...)
	b := startServer(t, args...)

	call := func(base, key, method, path string, body io.Reader, contentType string, want int, v any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		if v != nil {
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	form := func() (io.Reader, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "FY2024.docx")
		w.Write(statementDoc(2))
		mw.Close()
		return &body, mw.FormDataContentType()
	}

	body, ct := form()
	call(a.base, "", http.MethodPost, "/api/v1/documents/upload", body, ct, http.StatusUnauthorized, nil)
	var job schemas.Job
	body, ct = form()
	call(a.base, acme, http.MethodPost, "/api/v1/documents/upload", body, ct, http.StatusAccepted, &job)
	call(b.base, acme, http.MethodGet, "/api/v1/jobs/"+job.ID, nil, "", http.StatusOK, nil)
	call(b.base, globex, http.MethodGet, "/api/v1/jobs/"+job.ID, nil, "", http.StatusNotFound, nil)
	call(b.base, "", http.MethodGet, "/api/health", nil, "", http.StatusOK, nil)

	var tk struct{ Ticket string }
	call(a.base, acme, http.MethodPost, "/api/v1/jobs/"+job.ID+"/stream-ticket", nil, "", http.StatusCreated, &tk)
	dial := func(base string) (*websocket.Conn, int) {
		ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws/jobs/"+job.ID+"?ticket="+tk.Ticket, nil)
		if err != nil {
			if resp == nil {
				t.Fatal(err)
			}
			return nil, resp.StatusCode
		}
		return ws, http.StatusSwitchingProtocols
	}
	ws, status := dial(b.base)
	if ws == nil {
		t.Fatalf("A's ticket on B: %d", status)
	}
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	var ev schemas.Event
	if err := ws.ReadJSON(&ev); err != nil || ev.Type != schemas.EventJobQueued || ev.JobID != job.ID {
		t.Errorf("first event on B: %+v, %v", ev, err)
	}
	ws.Close()
	if _, status := dial(a.base); status != http.StatusUnauthorized {
		t.Errorf("the ticket again, on A: %d, want 401", status)
	}
}
