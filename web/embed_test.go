package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHandler(t *testing.T) {
	h, err := New(fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><div id=root></div>")},
		"assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc.css": {Data: []byte("body{}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for _, tc := range []struct {
		path               string
		status             int
		ctype, cache, body string
	}{
		{"/", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"/index.html", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"/jobs/some-id", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"/assets/index-abc.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log"},
		{"/assets/index-abc.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}"},
		{"/assets/../assets/index-abc.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}"},
		{"/assets/gone.js", 404, "text/plain; charset=utf-8", "no-cache", "no such file"},
	} {
		w := serve(http.MethodGet, tc.path)
		if got := w.Result(); w.Code != tc.status || got.Header.Get("Content-Type") != tc.ctype ||
			got.Header.Get("Cache-Control") != tc.cache || !strings.HasPrefix(w.Body.String(), tc.body) {
			t.Errorf("GET %s: %d %q %q %q", tc.path, w.Code, got.Header.Get("Content-Type"), got.Header.Get("Cache-Control"), w.Body.String())
		}
	}
	w := serve(http.MethodGet, "/")
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("ETag") == "" {
		t.Errorf("index.html without CSP or ETag: %v", w.Header())
	}
	if again := serve(http.MethodGet, "/", "If-None-Match", w.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", again.Code)
	}
	if head := serve(http.MethodHead, "/assets/index-abc.js"); head.Code != 200 || head.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", head.Code, head.Body.Len())
	}
	if post := serve(http.MethodPost, "/"); post.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", post.Code)
	}
}

func TestNewNeedsIndex(t *testing.T) {
	if _, err := New(fstest.MapFS{"assets/a.js": {Data: []byte("x")}}); err == nil {
		t.Fatal("a client without index.html was accepted")
	}
}

// The committed build is embedded: its index.html loads a script and a stylesheet that exist.
func TestEmbeddedBuild(t *testing.T) {
	h, err := New(Files)
	if err != nil {
		t.Fatal(err)
	}
	index := string(h.files["index.html"].body)
	n := 0
	for p := range h.files {
		if strings.HasPrefix(p, "assets/") && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css")) {
			if !strings.Contains(index, `"/`+p+`"`) {
				t.Errorf("index.html does not load %s", p)
			}
			n++
		}
	}
	if n < 2 {
		t.Fatalf("the build has %d scripts and stylesheets, want both", n)
	}
}
