// Package web serves the browser client: the React app in dist/, built by Vite from this
// folder's source and committed, so that the binary needs no Node to serve it.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Files is the built client: index.html at its root, hashed bundles under assets/.
var Files fs.FS = mustSub(dist, "dist")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// file is one served file, read once.
type file struct {
	body        []byte
	contentType string
	etag        string
	immutable   bool
}

// Handler serves the client from files: a file that exists as itself, a missing file under
// assets/ as a 404, and any other path as index.html, so that the client's own routes
// (/jobs/{id}) load the app. Bundles under assets/ carry a content hash in their names and are
// cached for a year; everything else is revalidated on each load (no-cache with an ETag), so
// a new build reaches the browser at once.
type Handler struct {
	files map[string]file
}

// New reads every file of files into memory; it fails when index.html is missing.
func New(files fs.FS) (*Handler, error) {
	h := &Handler{files: map[string]file{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = mime.TypeByExtension(path.Ext(p))
		}
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		sum := sha256.Sum256(body)
		h.files[p] = file{
			body:        body,
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
			immutable:   strings.HasPrefix(p, "assets/"),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := h.files["index.html"]; !ok {
		return nil, fs.ErrNotExist
	}
	return h, nil
}

// contentTypes fixes the types of what a Vite build holds, whatever the machine's mime.types
// says (some map .js to application/javascript, or lack .woff2).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// contentSecurityPolicy lets the page load only its own scripts and styles and talk only to
// its own origin (the API and the WebSocket).
const contentSecurityPolicy = "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
	"style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f, ok := h.files[p]
	if !ok || p == "" {
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "no-cache")
			http.Error(w, "no such file", http.StatusNotFound)
			return
		}
		f = h.files["index.html"]
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", f.etag)
	if f.immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if strings.HasPrefix(f.contentType, "text/html") {
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
