package gemini

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/veritas-audit/veritas/agents/external"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var acmeQuery = external.Query{
	Entity: "Acme Widgets plc", Period: "2024-12-31", Country: "England and Wales", Currency: "£",
	Context: "The directors have concluded that there is no material uncertainty. There is no pending litigation.",
}

// groundedAnswer is a realistic grounded answer: the model wrote JSON (inside a fence, after a
// sentence of prose) with its own URLs; the grounding metadata ties the first signal's text to
// two search results and the second to none.
const groundedText = "Here is what I found.\n```json\n" + `{"signals": [
 {"type": "litigation", "summary": "In March 2024 Beta Corp sued Acme Widgets plc for £120m over a failed supply contract.", "date": "2024-03-14", "confidence": 0.85, "source_urls": ["https://example.com/made-up"]},
 {"type": "distress", "summary": "Acme Widgets plc obtained a covenant waiver from its lenders in January 2025.", "date": "2025-01", "confidence": "high", "source_urls": []}
]}` + "\n```"

var groundedChunks = []chunk{
	{URI: "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AAA", Title: "reuters.com"},
	{URI: "https://vertexaisearch.cloud.google.com/grounding-api-redirect/BBB", Title: "ft.com"},
	{URI: "javascript:alert(1)", Title: "bad"},
}

func TestSignalsHappyPath(t *testing.T) {
	f := newFake(t, ok200(response(groundedText, "STOP", groundedChunks, []support{
		{Text: "Beta Corp sued Acme Widgets plc for £120m", Chunks: []int{0, 1, 2, 7}},
	})))
	c := f.client(t)
	got, err := c.Signals(context.Background(), acmeQuery)
	if err != nil {
		t.Fatalf("Signals: %v", err)
	}
	want := []external.Signal{
		{
			Type:        "litigation",
			Summary:     "In March 2024 Beta Corp sued Acme Widgets plc for £120m over a failed supply contract.",
			SourceURLs:  []string{groundedChunks[0].URI, groundedChunks[1].URI},
			SourceBasis: external.SourcesMatched, Date: "2024-03-14", Confidence: 0.85,
		},
		{
			Type:        "distress",
			Summary:     "Acme Widgets plc obtained a covenant waiver from its lenders in January 2025.",
			SourceURLs:  []string{groundedChunks[0].URI, groundedChunks[1].URI},
			SourceBasis: external.SourcesAnswer, Date: "2025-01", Confidence: 0.8,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("signals:\n got %+v\nwant %+v", got, want)
	}

	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1beta/models/gemini-2.5-flash:generateContent" {
		t.Errorf("request %s %s, want POST /v1beta/models/gemini-2.5-flash:generateContent", r.Method, r.Path)
	}
	if r.Key != testKey {
		t.Errorf("x-goog-api-key = %q, want the configured key", r.Key)
	}
	if strings.Contains(r.Query, testKey) {
		t.Error("the key is in the URL")
	}
	tools, _ := r.Body["tools"].([]any)
	if len(tools) != 1 || tools[0].(map[string]any)["googleSearch"] == nil {
		t.Errorf("tools = %v, want one googleSearch tool", r.Body["tools"])
	}
	if _, ok := r.Body["systemInstruction"]; !ok {
		t.Error("no systemInstruction")
	}
	prompt := mustJSON(r.Body["contents"])
	for _, s := range []string{"Acme Widgets plc", "2024-12-31", "England and Wales", "no pending litigation"} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q: %s", s, prompt)
		}
	}
	if gc, _ := r.Body["generationConfig"].(map[string]any); gc["responseMimeType"] != nil {
		t.Errorf("responseMimeType set with the search tool: %v", gc)
	}
}

func TestSignalsSourceBasis(t *testing.T) {
	one := `{"signals":[{"type":"regulatory","summary":"The FCA fined Acme Widgets plc £12m in June 2024.","date":"2024-06-02","confidence":0.9,"source_urls":["https://www.fca.org.uk/news/acme","ftp://x.example/a","https://www.fca.org.uk/news/acme"]}]}`
	tests := []struct {
		name      string
		body      string
		wantURLs  []string
		wantBasis string
	}{
		{
			name:     "grounded single signal, no supports: the answer's sources",
			body:     response(one, "STOP", []chunk{{URI: "https://vertexaisearch.cloud.google.com/grounding-api-redirect/C"}}, nil),
			wantURLs: []string{"https://vertexaisearch.cloud.google.com/grounding-api-redirect/C"}, wantBasis: external.SourcesAnswer,
		},
		{
			name:     "not grounded: the model's valid URLs, once each",
			body:     response(one, "STOP", nil, nil),
			wantURLs: []string{"https://www.fca.org.uk/news/acme"}, wantBasis: external.SourcesModel,
		},
		{
			name:     "not grounded, no URLs: none",
			body:     response(`{"signals":[{"type":"news","summary":"Acme Widgets plc appointed a new chief executive.","source_urls":[]}]}`, "STOP", nil, nil),
			wantURLs: nil, wantBasis: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFake(t, ok200(tt.body)).client(t)
			got, err := c.Signals(context.Background(), acmeQuery)
			if err != nil {
				t.Fatalf("Signals: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("%d signals, want 1", len(got))
			}
			if !reflect.DeepEqual(got[0].SourceURLs, tt.wantURLs) || got[0].SourceBasis != tt.wantBasis {
				t.Errorf("sources %v (%q), want %v (%q)", got[0].SourceURLs, got[0].SourceBasis, tt.wantURLs, tt.wantBasis)
			}
		})
	}
}

func TestSignalsGarbageFields(t *testing.T) {
	long := strings.Repeat("Acme Widgets plc was sued again. ", 100)
	items := []any{
		map[string]any{"type": 7, "summary": "Acme Widgets plc defaulted on a £50m bond.", "date": "2024-13-45", "confidence": 150, "source_urls": []any{"https://a.example/1", 5, "javascript:alert(1)", "https://user:pw@b.example/"}},
		map[string]any{"type": "LITIGATION", "summary": long, "date": "yesterday", "confidence": "abc"},
		map[string]any{"type": "<script>", "summary": "Acme Widgets plc was investigated.", "date": "2999-01-01", "confidence": -3},
		map[string]any{"type": "news", "summary": 42},
		map[string]any{"type": "news", "summary": "   "},
		map[string]any{"type": "news", "summary": "!!! ???"},
		"just a string",
	}
	for i := range 20 {
		items = append(items, map[string]any{"type": "news", "summary": "Filler item number " + string(rune('a'+i))})
	}
	c := newFake(t, ok200(response(mustJSON(map[string]any{"signals": items}), "STOP", nil, nil))).client(t)
	got, err := c.Signals(context.Background(), acmeQuery)
	if err != nil {
		t.Fatalf("Signals: %v", err)
	}
	if len(got) != maxSignals {
		t.Fatalf("%d signals, want the cap of %d", len(got), maxSignals)
	}
	first := got[0]
	if first.Type != external.TypeNews || first.Date != "" || first.Confidence != 0.0 && first.Confidence != 1.5 {
		t.Errorf("first signal kept a bad field: %+v", first)
	}
	if first.Confidence != 0 {
		t.Errorf("confidence 150 read as %v, want 0 (not stated)", first.Confidence)
	}
	if !reflect.DeepEqual(first.SourceURLs, []string{"https://a.example/1"}) {
		t.Errorf("URLs %v, want only https://a.example/1", first.SourceURLs)
	}
	second := got[1]
	if second.Type != "litigation" || len([]rune(second.Summary)) > maxSummaryRunes || second.Date != "" || second.Confidence != 0 {
		t.Errorf("second signal: type %q, %d runes, date %q, confidence %v", second.Type, len([]rune(second.Summary)), second.Date, second.Confidence)
	}
	third := got[2]
	if third.Type != external.TypeNews || third.Date != "" || third.Confidence != 0 {
		t.Errorf("third signal kept a bad field: %+v", third)
	}
	for _, s := range got {
		if strings.TrimSpace(s.Summary) == "" || s.Summary == "!!! ???" {
			t.Errorf("kept an empty summary: %+v", s)
		}
	}
}

func TestReadConfidence(t *testing.T) {
	tests := []struct {
		raw  string
		want float64
	}{
		{`0.85`, 0.85}, {`1`, 1}, {`0`, 0}, {`85`, 0.85}, {`"85%"`, 0.85}, {`"high"`, 0.8},
		{`"Medium"`, 0.5}, {`"low"`, 0.3}, {`150`, 0}, {`-0.2`, 0}, {`"abc"`, 0}, {`null`, 0},
		{`[1]`, 0}, {``, 0},
	}
	for _, tt := range tests {
		if got := readConfidence([]byte(tt.raw)); got != tt.want {
			t.Errorf("readConfidence(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	okBody := response(`{"signals":[]}`, "STOP", nil, nil)
	rate := reply{status: 429, body: apiError(429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED")}
	tests := []struct {
		name      string
		replies   []reply
		timeout   time.Duration
		wantErr   error  // nil: success
		wantMsg   string // substring of the error
		wantCalls int
	}{
		{"401", []reply{{status: 401, body: apiError(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")}}, 0,
			ErrKeyRefused, "the Gemini API key was refused (401)", 1},
		{"403", []reply{{status: 403, body: apiError(403, "Method doesn't allow unregistered callers.", "PERMISSION_DENIED")}}, 0,
			ErrKeyRefused, "the Gemini API key was refused (403)", 1},
		{"400 API_KEY_INVALID", []reply{{status: 400, body: apiError(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT",
			map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"})}}, 0,
			ErrKeyRefused, "the Gemini API key was refused (400)", 1},
		{"400 other", []reply{{status: 400, body: apiError(400, "Request contains an invalid argument.", "INVALID_ARGUMENT")}}, 0,
			ErrBadRequest, "Gemini rejected the request (400): Request contains an invalid argument.", 1},
		{"404", []reply{{status: 404, body: apiError(404, "models/gemini-2.5-flash is not found for API version v1beta", "NOT_FOUND")}}, 0,
			ErrNotFound, `model "gemini-2.5-flash" not found (404)`, 1},
		{"429 then success", []reply{rate, ok200(okBody)}, 0, nil, "", 2},
		{"429 exhausted", []reply{rate}, 0, ErrRateLimited, "Gemini rate limit reached; tried 4 times", 4},
		{"500 and 503 then success", []reply{{status: 500, body: apiError(500, "Internal error", "INTERNAL")},
			{status: 503, body: apiError(503, "The model is overloaded.", "UNAVAILABLE")}, ok200(okBody)}, 0, nil, "", 3},
		{"503 exhausted", []reply{{status: 503, body: apiError(503, "The model is overloaded.", "UNAVAILABLE")}}, 0,
			ErrUnavailable, "Gemini is unavailable (503); tried 4 times", 4},
		{"502 without a JSON body", []reply{{status: 502, body: "<html>bad gateway</html>"}}, 0,
			ErrUnavailable, "Gemini is unavailable (502); tried 4 times", 4},
		{"slow server", []reply{{status: 200, body: okBody, delay: 2 * time.Second}}, 40 * time.Millisecond,
			ErrTimeout, "Gemini did not answer within 40ms; tried 4 times", 4},
		{"slow once then fast", []reply{{status: 200, body: okBody, delay: 2 * time.Second}, ok200(okBody)}, 40 * time.Millisecond,
			nil, "", 2},
		{"body not JSON", []reply{ok200("this is not json")}, 0, ErrNoAnswer, "Gemini returned no usable answer (the response could not be read", 1},
		{"model text not JSON", []reply{ok200(response("I could not find anything.", "STOP", nil, nil))}, 0,
			ErrNoAnswer, "Gemini returned no usable answer (no JSON object in the answer)", 1},
		{"truncated JSON", []reply{ok200(response(`{"signals":[{"type":"news","summ`, "MAX_TOKENS", nil, nil))}, 0,
			ErrNoAnswer, "cut off at the output limit (MAX_TOKENS)", 1},
		{"JSON without the list", []reply{ok200(response(`{"results":[]}`, "STOP", nil, nil))}, 0,
			ErrNoAnswer, `the JSON has no "signals" list`, 1},
		{"empty candidates", []reply{ok200(`{"candidates":[],"modelVersion":"gemini-2.5-flash"}`)}, 0,
			ErrNoAnswer, "Gemini returned no usable answer (no candidates)", 1},
		{"safety block", []reply{ok200(`{"candidates":[{"finishReason":"SAFETY","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}]}`)}, 0,
			ErrNoAnswer, "Gemini returned no usable answer (blocked: SAFETY)", 1},
		{"prompt blocked", []reply{ok200(`{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}`)}, 0,
			ErrNoAnswer, "Gemini returned no usable answer (blocked: PROHIBITED_CONTENT)", 1},
		{"oversize answer", []reply{ok200(`{"candidates":[{"content":{"parts":[{"text":"` + strings.Repeat("x", 5<<20) + `"}]}}]}`)}, 0,
			ErrNoAnswer, "larger than 4 MiB", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.replies...)
			c := f.client(t, func(cfg *Config) {
				if tt.timeout > 0 {
					cfg.Timeout = tt.timeout
				}
			})
			_, err := c.Signals(context.Background(), acmeQuery)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v, want success", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && !strings.Contains(err.Error(), tt.wantMsg):
				t.Errorf("error %q, want it to contain %q", err, tt.wantMsg)
			}
			if n := len(f.requests()); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestRetryHonoursRetryInfo(t *testing.T) {
	f := newFake(t,
		reply{status: 429, body: apiError(429, "Quota exceeded.", "RESOURCE_EXHAUSTED",
			map[string]any{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.15s"})},
		ok200(response(`{"signals":[]}`, "STOP", nil, nil)))
	c := f.client(t)
	start := time.Now()
	if _, err := c.Signals(context.Background(), acmeQuery); err != nil {
		t.Fatalf("Signals: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("retried after %v, want at least the server's 150ms", d)
	}
}

func TestRetryStopsWhenDeadlineTooClose(t *testing.T) {
	f := newFake(t, reply{status: 503, body: apiError(503, "overloaded", "UNAVAILABLE")})
	c := f.client(t, func(cfg *Config) { cfg.RetryBackoff = 10 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Signals(ctx, acmeQuery)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("error %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v: it waited for a retry the deadline could not allow", d)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestContextCancel(t *testing.T) {
	f := newFake(t, reply{hang: true})
	c := f.client(t, func(cfg *Config) { cfg.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-f.arrived
		cancel()
	}()
	start := time.Now()
	_, err := c.Signals(ctx, acmeQuery)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after the cancel", d)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests after a cancel, want 1", n)
	}
}

func TestUnreachable(t *testing.T) {
	f := newFake(t)
	url := f.srv.URL
	f.srv.Close()
	c, err := New(context.Background(), Config{APIKey: testKey, BaseURL: url, RetryBackoff: time.Millisecond, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Signals(context.Background(), acmeQuery)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "Gemini could not be reached; tried 2 times") {
		t.Errorf("error %v, want Gemini could not be reached; tried 2 times", err)
	}
}

func TestKeyNeverShown(t *testing.T) {
	var logs bytes.Buffer
	f := newFake(t, reply{status: 400, body: apiError(400, "Bad key "+testKey+" for this project.", "INVALID_ARGUMENT")},
		reply{status: 503, body: apiError(503, "overloaded for key "+testKey, "UNAVAILABLE")})
	c := f.client(t, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	_, err1 := c.Signals(context.Background(), acmeQuery)
	_, err2 := c.Signals(context.Background(), acmeQuery)
	if err1 == nil || err2 == nil {
		t.Fatalf("errors %v, %v: want both calls to fail", err1, err2)
	}
	for _, s := range []string{err1.Error(), err2.Error(), logs.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("the API key is shown: %s", s)
		}
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no retry was logged: %q", logs.String())
	}
	if _, err := New(context.Background(), Config{APIKey: testKey, BaseURL: "::bad"}); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("New with a bad base URL: %v", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" = accepted
	}{
		{"defaults", Config{APIKey: "k"}, ""},
		{"empty key", Config{APIKey: "  "}, "VERITAS_GEMINI_API_KEY"},
		{"bad model", Config{APIKey: "k", Model: "../../etc"}, "invalid Gemini model name"},
		{"models/ prefix", Config{APIKey: "k", Model: "models/gemini-2.5-pro"}, ""},
		{"bad base URL", Config{APIKey: "k", BaseURL: "ftp://x"}, "not an http(s) URL"},
		{"negative timeout", Config{APIKey: "k", Timeout: -time.Second}, "negative"},
		{"too many retries", Config{APIKey: "k", MaxRetries: 11}, "at most 10 retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(context.Background(), tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New error %v, want %q", err, tt.want)
			}
			if c != nil && strings.HasPrefix(c.Model(), "models/") {
				t.Errorf("model %q keeps the models/ prefix", c.Model())
			}
		})
	}
	c, _ := New(context.Background(), Config{APIKey: "k"})
	if c.Model() != DefaultModel || c.timeout != 60*time.Second || c.maxRetries != 3 {
		t.Errorf("defaults: model %q, timeout %v, retries %d", c.Model(), c.timeout, c.maxRetries)
	}
}

func TestModelPathAndNoRetries(t *testing.T) {
	f := newFake(t, reply{status: 503, body: apiError(503, "overloaded", "UNAVAILABLE")})
	c := f.client(t, func(cfg *Config) { cfg.Model = "gemini-2.5-pro"; cfg.MaxRetries = -1 })
	_, err := c.Signals(context.Background(), acmeQuery)
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "tried") {
		t.Errorf("error %v, want one unavailable attempt", err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1beta/models/gemini-2.5-pro:generateContent" {
		t.Errorf("requests %+v, want one to gemini-2.5-pro", reqs)
	}
}
