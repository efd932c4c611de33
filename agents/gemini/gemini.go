// Package gemini is the Veritas client of Google's Gemini API: external_signal's look-ups with
// Google Search grounding, and the optional language-model review of paragraphs the
// logic_consistency rules could not read. It owns what the SDK leaves to its caller: a bounded
// time per call, retries with backoff on the errors that pass, error messages an auditor can act
// on, and a defensive reading of whatever the model writes.
package gemini

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genai"
)

// DefaultModel is the model used when Config.Model is empty: fast, cheap, and able to use Google
// Search grounding.
const DefaultModel = "gemini-2.5-flash"

// defaultBaseURL is the Gemini API. It is set explicitly so that the SDK's own environment
// variables (GOOGLE_GEMINI_BASE_URL) cannot redirect the service's requests.
const defaultBaseURL = "https://generativelanguage.googleapis.com/"

const (
	defaultTimeout    = 60 * time.Second
	defaultMaxRetries = 3
	defaultBackoff    = time.Second
	maxBackoff        = 30 * time.Second
	// maxResponseBytes bounds one answer; a real one is a few kilobytes.
	maxResponseBytes = 4 << 20
)

// Errors a caller can test with errors.Is; the messages wrapped around them say what to do.
var (
	ErrKeyRefused   = errors.New("the Gemini API key was refused")
	ErrRateLimited  = errors.New("Gemini rate limit reached")
	ErrTimeout      = errors.New("Gemini did not answer in time")
	ErrUnavailable  = errors.New("Gemini is unavailable")
	ErrNotFound     = errors.New("Gemini model not found")
	ErrBadRequest   = errors.New("Gemini rejected the request")
	ErrNoAnswer     = errors.New("Gemini returned no usable answer")
	ErrUnreachable  = errors.New("Gemini could not be reached")
	errTooLarge     = errors.New("answer larger than 4 MiB")
	errInvalidModel = errors.New("invalid Gemini model name")
)

// Config configures a Client. Zero values take the defaults.
type Config struct {
	// APIKey is the Gemini API key (VERITAS_GEMINI_API_KEY). Required. It is sent only in the
	// x-goog-api-key header and never appears in an error or a log line.
	APIKey string
	// Model is the model id (VERITAS_GEMINI_MODEL); default DefaultModel.
	Model string
	// BaseURL replaces Google's endpoint; tests point it at a local server.
	BaseURL string
	// HTTPClient sends the requests; default a plain http.Client. Its Timeout, if set, also
	// bounds each attempt.
	HTTPClient *http.Client
	// Timeout bounds each attempt (default 60 s); the caller's context bounds them all.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is repeated on 429, 500, 502, 503, 504,
	// timeouts and connection errors (default 3, so at most 4 attempts); negative means none.
	MaxRetries int
	// RetryBackoff is the wait before the first retry (default 1 s); it doubles after each
	// retry, up to 30 s, with jitter, and a server's RetryInfo delay is honoured up to 30 s.
	RetryBackoff time.Duration
	// Logger receives one line per retry; nil logs nothing.
	Logger *slog.Logger
}

// Client calls the Gemini API. It is safe for concurrent use.
type Client struct {
	models     *genai.Models
	model      string
	key        string
	timeout    time.Duration
	maxRetries int
	backoff    time.Duration
	log        *slog.Logger
}

var modelRe = regexp.MustCompile(`^(?:models/)?[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$`)

// New builds a client for the Gemini API backend (not Vertex AI). It checks the configuration
// but does not call the API: a wrong key shows on the first request, as "the Gemini API key was
// refused (…)".
func New(ctx context.Context, cfg Config) (*Client, error) {
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" {
		return nil, errors.New("gemini: the API key is empty (set VERITAS_GEMINI_API_KEY)")
	}
	model := strings.TrimSpace(cfg.Model)
	if model == "" {
		model = DefaultModel
	}
	if !modelRe.MatchString(model) {
		return nil, fmt.Errorf("gemini: %w %q: use a model id such as %q", errInvalidModel, clipRunes(model, 60), DefaultModel)
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = defaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gemini: base URL %q is not an http(s) URL", clipRunes(redact(base, key), 100))
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("gemini: the timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	case cfg.MaxRetries > 10:
		return nil, fmt.Errorf("gemini: at most 10 retries, not %d", cfg.MaxRetries)
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = defaultBackoff
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = limitedTransport{next: rt}

	gc, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey:      key,
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  hc,
		HTTPOptions: genai.HTTPOptions{BaseURL: base, APIVersion: "v1beta"},
	})
	if err != nil {
		// The SDK prints its whole configuration, key included, in some errors.
		return nil, fmt.Errorf("gemini: %s", redact(err.Error(), key))
	}
	return &Client{
		models: gc.Models, model: strings.TrimPrefix(model, "models/"), key: key,
		timeout: cfg.Timeout, maxRetries: cfg.MaxRetries, backoff: cfg.RetryBackoff, log: log,
	}, nil
}

// Name says what answers the look-ups, for a finding's reasoning.
func (c *Client) Name() string {
	return "Gemini (" + c.model + ") with Google Search grounding"
}

// Model is the model the client calls.
func (c *Client) Model() string { return c.model }

// generate makes one logical call: up to 1+maxRetries attempts, each bounded by the timeout,
// with exponential backoff and jitter between them. Errors come back mapped to the package's
// sentinels with a message that says what happened and how often it was tried.
func (c *Client) generate(ctx context.Context, contents []*genai.Content, cfg *genai.GenerateContentConfig) (*genai.GenerateContentResponse, error) {
	attempts := c.maxRetries + 1
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		resp, err := c.models.GenerateContent(actx, c.model, contents, cfg)
		attemptTimedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("Gemini call stopped: %w", context.Cause(ctx))
		}
		f := c.classify(err, attemptTimedOut)
		if !f.retry || attempt >= attempts {
			return nil, f.final(attempt)
		}
		delay := c.delay(attempt, f.retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// No time left to wait and try again: say what the last attempt met.
			return nil, f.final(attempt)
		}
		c.log.Warn("gemini call failed; retrying", "attempt", attempt, "attempts", attempts,
			"status", f.status, "reason", f.short, "retry_in", delay.Round(time.Millisecond))
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("Gemini call stopped: %w", context.Cause(ctx))
		}
	}
}

// delay is the wait before retry number attempt: the server's RetryInfo when it gave one, else
// backoff·2^(attempt-1); both capped at 30 s, with jitter between half and all of it.
func (c *Client) delay(attempt int, retryAfter time.Duration) time.Duration {
	d := c.backoff << (attempt - 1)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	if retryAfter > 0 {
		return min(retryAfter, maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// failure is one failed attempt, classified.
type failure struct {
	kind       error // a sentinel
	status     int
	short      string // the reason for a log line
	detail     string
	retry      bool
	retryAfter time.Duration
	timeout    time.Duration
	model      string
}

// final is the error the caller sees after the last attempt.
func (f failure) final(attempts int) error {
	tried := ""
	if attempts > 1 {
		tried = fmt.Sprintf("; tried %d times", attempts)
	}
	var msg string
	switch f.kind {
	case ErrKeyRefused:
		msg = fmt.Sprintf("the Gemini API key was refused (%d)%s", f.status, f.detail)
	case ErrRateLimited:
		msg = "Gemini rate limit reached" + tried
	case ErrTimeout:
		msg = fmt.Sprintf("Gemini did not answer within %s%s", fmtDuration(f.timeout), tried)
	case ErrNotFound:
		msg = fmt.Sprintf("model %q not found (404); check VERITAS_GEMINI_MODEL", f.model)
	case ErrUnavailable:
		msg = fmt.Sprintf("Gemini is unavailable (%d)%s", f.status, tried)
	case ErrUnreachable:
		msg = fmt.Sprintf("Gemini could not be reached%s: %s", tried, f.detail)
	case ErrNoAnswer:
		msg = fmt.Sprintf("Gemini returned no usable answer (%s)", f.detail)
	default:
		msg = fmt.Sprintf("Gemini rejected the request (%d)%s", f.status, f.detail)
	}
	return &callError{msg: msg, kind: f.kind}
}

// callError is a failed call: its message is written for the auditor who reads the error row,
// and errors.Is matches the package sentinel it stands for.
type callError struct {
	msg  string
	kind error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.kind }

// classify maps one attempt's error to what the caller is told and whether to try again.
func (c *Client) classify(err error, attemptTimedOut bool) failure {
	f := failure{timeout: c.timeout, model: c.model}
	var apiErr genai.APIError
	switch {
	case attemptTimedOut || isNetTimeout(err):
		f.kind, f.short, f.retry = ErrTimeout, "timeout", true
	case errors.Is(err, errTooLarge):
		f.kind, f.short, f.detail = ErrNoAnswer, "too large", "the answer was larger than 4 MiB"
	case errors.As(err, &apiErr):
		f.status = statusOf(apiErr)
		msg := redact(apiErr.Message, c.key)
		f.short = fmt.Sprintf("HTTP %d %s", f.status, apiErr.Status)
		switch {
		case f.status == http.StatusUnauthorized || f.status == http.StatusForbidden ||
			f.status == http.StatusBadRequest && keyInvalid(apiErr):
			f.kind = ErrKeyRefused
			if m := clipRunes(oneLine(msg), 200); m != "" && f.status != http.StatusUnauthorized {
				f.detail = ": " + m
			}
		case f.status == http.StatusNotFound:
			f.kind = ErrNotFound
		case f.status == http.StatusTooManyRequests:
			f.kind, f.retry, f.retryAfter = ErrRateLimited, true, retryDelay(apiErr)
		case f.status == http.StatusInternalServerError || f.status == http.StatusBadGateway ||
			f.status == http.StatusServiceUnavailable || f.status == http.StatusGatewayTimeout:
			f.kind, f.retry = ErrUnavailable, true
		default:
			f.kind = ErrBadRequest
			if m := clipRunes(oneLine(msg), 200); m != "" {
				f.detail = ": " + m
			}
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || isNetError(err):
		f.kind, f.short, f.retry = ErrUnreachable, "network", true
		f.detail = clipRunes(oneLine(redact(err.Error(), c.key)), 200)
	default:
		// The SDK could not read what came back (not JSON, wrong shapes).
		f.kind, f.short = ErrNoAnswer, "unreadable"
		f.detail = "the response could not be read: " + clipRunes(oneLine(redact(err.Error(), c.key)), 160)
	}
	return f
}

// statusOf is the HTTP status of an API error. The SDK fills Code from the error body; a body
// without one leaves the status line in Status ("503 Service Unavailable"), and a gRPC status
// name ("RESOURCE_EXHAUSTED") maps to its HTTP code.
func statusOf(e genai.APIError) int {
	if e.Code >= 100 && e.Code <= 599 {
		return e.Code
	}
	if n, err := strconv.Atoi(strings.Fields(e.Status + " x")[0]); err == nil && n >= 100 && n <= 599 {
		return n
	}
	switch e.Status {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION":
		return 400
	case "UNAUTHENTICATED":
		return 401
	case "PERMISSION_DENIED":
		return 403
	case "NOT_FOUND":
		return 404
	case "RESOURCE_EXHAUSTED":
		return 429
	case "INTERNAL":
		return 500
	case "UNAVAILABLE":
		return 503
	case "DEADLINE_EXCEEDED":
		return 504
	}
	return 0
}

// keyInvalid recognises the Gemini API's answer to a wrong key: 400 INVALID_ARGUMENT with reason
// API_KEY_INVALID (it does not use 401 for that).
func keyInvalid(e genai.APIError) bool {
	for _, d := range e.Details {
		if r, _ := d["reason"].(string); r == "API_KEY_INVALID" {
			return true
		}
	}
	return strings.Contains(strings.ToLower(e.Message), "api key not valid")
}

// retryDelay reads google.rpc.RetryInfo from a 429 ("retryDelay": "17s").
func retryDelay(e genai.APIError) time.Duration {
	for _, d := range e.Details {
		if t, _ := d["@type"].(string); !strings.HasSuffix(t, "google.rpc.RetryInfo") {
			continue
		}
		if s, ok := d["retryDelay"].(string); ok {
			if dur, err := time.ParseDuration(s); err == nil && dur > 0 {
				return dur
			}
		}
	}
	return 0
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isNetError(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// redact removes the API key from a text that came from outside this package.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clipRunes shortens s to at most n runes, ending with "…" when it cut.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// fmtDuration prints 60s, 1.5s or 250ms.
func fmtDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return d.String()
}

// limitedTransport stops reading an answer after maxResponseBytes, so a broken or hostile
// endpoint cannot make the service buffer an unbounded body.
type limitedTransport struct{ next http.RoundTripper }

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more than allowed tells a body at the limit from one over it.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
