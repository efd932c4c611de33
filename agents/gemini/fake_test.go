package gemini

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the API key the tests configure; no request may carry it anywhere but the
// x-goog-api-key header, and no error or log line may show it.
const testKey = "AIzaTEST-key-0123456789abcdef"

// reply is one canned answer of the fake Gemini server.
type reply struct {
	status int
	body   string
	delay  time.Duration // wait before answering (the request's end cuts it short)
	hang   bool          // never answer until the request ends
}

// recorded is one request the fake server received.
type recorded struct {
	Method, Path, Key, Query string
	Body                     map[string]any
}

// fakeGemini speaks the part of the Gemini REST API the SDK calls: POST
// /v1beta/models/{model}:generateContent with the real request and response JSON. Replies are
// used in order; the last one repeats.
type fakeGemini struct {
	srv     *httptest.Server
	mu      sync.Mutex
	replies []reply
	calls   []recorded
	arrived chan struct{} // one value per request, for tests that act while a call is in flight
}

func newFake(t *testing.T, replies ...reply) *fakeGemini {
	t.Helper()
	f := &fakeGemini{replies: replies, arrived: make(chan struct{}, 64)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.Path, Key: r.Header.Get("x-goog-api-key"), Query: r.URL.RawQuery}
	_ = json.Unmarshal(body, &rec.Body)
	f.mu.Lock()
	f.calls = append(f.calls, rec)
	n := len(f.calls)
	rp := reply{status: 500, body: apiError(500, "no reply configured", "INTERNAL")}
	if len(f.replies) > 0 {
		rp = f.replies[min(n, len(f.replies))-1]
	}
	f.mu.Unlock()
	select {
	case f.arrived <- struct{}{}:
	default:
	}
	if rp.hang {
		<-r.Context().Done()
		return
	}
	if rp.delay > 0 {
		select {
		case <-time.After(rp.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

func (f *fakeGemini) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.calls...)
}

// client builds a Client against the fake server with fast retries.
func (f *fakeGemini) client(t *testing.T, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		APIKey: testKey, BaseURL: f.srv.URL, HTTPClient: f.srv.Client(),
		Timeout: 2 * time.Second, RetryBackoff: time.Millisecond,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// ok200 is a successful generateContent response.
func ok200(body string) reply { return reply{status: 200, body: body} }

// apiError is the Gemini API's error body.
func apiError(code int, message, status string, details ...map[string]any) string {
	e := map[string]any{"code": code, "message": message, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	return mustJSON(map[string]any{"error": e})
}

// chunk is a grounding chunk with a web source.
type chunk struct{ URI, Title string }

// support ties a segment of the answer text to grounding chunks.
type support struct {
	Text   string
	Chunks []int
}

// response builds a generateContent response with one candidate.
func response(text, finish string, chunks []chunk, supports []support) string {
	cand := map[string]any{
		"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
		"finishReason": finish,
		"index":        0,
	}
	if len(chunks) > 0 || len(supports) > 0 {
		var gc, gs []any
		for _, c := range chunks {
			gc = append(gc, map[string]any{"web": map[string]any{"uri": c.URI, "title": c.Title}})
		}
		for _, s := range supports {
			start := strings.Index(text, s.Text)
			gs = append(gs, map[string]any{
				"segment":               map[string]any{"startIndex": start, "endIndex": start + len(s.Text), "text": s.Text},
				"groundingChunkIndices": s.Chunks,
				"confidenceScores":      []float64{0.9},
			})
		}
		cand["groundingMetadata"] = map[string]any{
			"webSearchQueries":  []string{"Acme Widgets plc litigation 2024"},
			"groundingChunks":   gc,
			"groundingSupports": gs,
			"searchEntryPoint":  map[string]any{"renderedContent": "<div></div>"},
		}
	}
	return mustJSON(map[string]any{
		"candidates":    []any{cand},
		"usageMetadata": map[string]any{"promptTokenCount": 120, "candidatesTokenCount": 80, "totalTokenCount": 200},
		"modelVersion":  "gemini-2.5-flash",
		"responseId":    "resp-1",
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
