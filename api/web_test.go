package api_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// The embedded web client is served at / and at its own routes, with content types and cache
// headers a browser can rely on, while unknown API paths keep their problem+json 404.
func TestWebClientServedBesideTheAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp := e.do(http.MethodGet, path, nil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	for _, path := range []string{"/", "/jobs/0195f0c8-7d2a-7000-8000-000000000000"} {
		resp, body := get(path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			resp.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(body, `<div id="root">`) {
			t.Fatalf("GET %s: %d %q %q\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), body)
		}
	}
	_, index := get("/")
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(index, -1)
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	seen := map[string]bool{}
	for _, m := range refs {
		resp, body := get(m[1])
		ext := m[1][strings.LastIndex(m[1], "."):]
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want[ext] ||
			resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || len(body) == 0 {
			t.Errorf("GET %s: %d %q %q (%d bytes)", m[1], resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), len(body))
		}
		seen[ext] = true
	}
	if !seen[".js"] || !seen[".css"] {
		t.Fatalf("index.html links no script or no stylesheet: %v", refs)
	}

	// Files at the root of the build are not hashed: they are revalidated like index.html.
	if resp, body := get("/favicon.svg"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		resp.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(body, "<svg") {
		t.Errorf("GET /favicon.svg: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}

	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/api/unknown"},
		{http.MethodGet, "/api/v1/nothing-here"},
		{http.MethodGet, "/ws/nothing"},
		{http.MethodPost, "/"},
		{http.MethodDelete, "/jobs/0195f0c8-7d2a-7000-8000-000000000000"},
	} {
		resp := e.do(tc.method, tc.path, nil)
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %q, want a problem+json 404", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, body := get("/assets/missing-0000.js"); resp.StatusCode != 404 || strings.Contains(body, "<html") {
		t.Errorf("missing asset: %d %q", resp.StatusCode, body)
	}
}

// The page the server itself served (Origin = its own loopback address) may change jobs and open
// streams without being listed in the CORS origins; a DNS name that points at the server may not.
func TestWebClientOriginAllowed(t *testing.T) {
	e := newEnv(t, envOptions{})
	job := e.submit(statement(1, false), nil)
	self := e.srv.URL // http://127.0.0.1:port
	host := strings.TrimPrefix(self, "http://")
	port := host[strings.LastIndex(host, ":"):]
	for _, tc := range []struct {
		name, host, origin string
		status             int
	}{
		{"own address", "", self, 200},
		{"localhost", "localhost" + port, "http://localhost" + port, 200},
		{"rebound name", "audit.example" + port, "http://audit.example" + port, 403},
		{"other port", "", "http://127.0.0.1:1", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPatch, self+"/api/v1/jobs/"+job.ID, strings.NewReader(`{"name":"Renamed"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tc.origin)
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("PATCH from %s: %d, want %d", tc.origin, resp.StatusCode, tc.status)
			}
			d := websocket.Dialer{}
			hdr := http.Header{"Origin": {tc.origin}}
			if tc.host != "" {
				hdr.Set("Host", tc.host)
			}
			ws, resp, err := d.Dial(e.wsURL(job.ID, 0), hdr)
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("stream from %s refused: %v", tc.origin, err)
				}
				ws.Close()
			} else if err == nil || resp == nil || resp.StatusCode != 403 {
				if ws != nil {
					ws.Close()
				}
				t.Fatalf("stream from %s: %v, want 403", tc.origin, err)
			}
		})
	}
}
