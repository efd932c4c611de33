package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/extract/docxgen"
)

// jobResult is what one upload measured.
type jobResult struct {
	first, complete time.Duration
	err             error
}

func runProduct(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("product")
	server := fs.String("server", "http://127.0.0.1:8000", "the API listener, or a comma-separated list of several instances' (uploads go round robin over them, and each job's subscribers too, from its upload's)")
	rate := fs.Int("rate", 100, "uploads per second")
	duration := fs.Duration("duration", 60*time.Second, "how long to keep uploading")
	subs := fs.Int("subs", 10, "subscribers per job")
	tables := fs.Int("tables", 10, "tables in the generated statement")
	file := fs.String("file", "", "upload this .docx instead of a generated statement")
	timeout := fs.Duration("timeout", 30*time.Second, "longest one job may take before it counts as an error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bases, err := loopbackURLs(*server, "server")
	if err != nil {
		return err
	}
	switch {
	case *rate < 1 || *rate > 2000:
		return errors.New("-rate: 1 to 2000 uploads per second")
	case *duration <= 0 || *duration > 30*time.Minute:
		return errors.New("-duration: up to 30m")
	case *subs < 1 || *subs > 100:
		return errors.New("-subs: 1 to 100")
	}
	doc := docxgen.Sample(*tables, true)
	if *file != "" {
		if doc, err = os.ReadFile(*file); err != nil {
			return err
		}
	}
	total := int(float64(*rate) * duration.Seconds())
	results := make([]jobResult, total)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(*rate)
	start := time.Now()
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		wg.Go(func() {
			jctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			results[i] = oneJob(jctx, rotate(bases, i), doc, *subs)
		})
	}
	sent := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)

	var first, complete []time.Duration
	errs := map[string]int{}
	for _, r := range results {
		if r.err != nil {
			errs[localAddr.ReplaceAllString(r.err.Error(), "")]++
			continue
		}
		first = append(first, r.first)
		complete = append(complete, r.complete)
	}
	fmt.Fprintf(out, "uploads %d over %s (%.1f/s offered), %d subscribers each; all done after %s: %.1f jobs/s completed\n",
		total, sent.Round(time.Millisecond), float64(total)/sent.Seconds(), *subs, elapsed.Round(time.Millisecond), float64(len(complete))/elapsed.Seconds())
	fmt.Fprintf(out, "upload → first event:    %s\n", summarize(first))
	fmt.Fprintf(out, "upload → audit_complete: %s\n", summarize(complete))
	n := 0
	for msg, c := range errs {
		fmt.Fprintf(out, "error ×%d: %s\n", c, msg)
		n += c
	}
	fmt.Fprintf(out, "errors %d\n", n)
	if n > 0 {
		return fmt.Errorf("%d of %d jobs failed", n, total)
	}
	return nil
}

func wsBase(u interface{ String() string }) string {
	s := u.String()
	if len(s) > 4 && s[:4] == "http" {
		return "ws" + s[4:]
	}
	return s
}

// localAddr is the tool's own end of a connection in an error message ("read tcp
// 127.0.0.1:40112->127.0.0.1:8101: …"): without it, errors of one kind count as one line.
var localAddr = regexp.MustCompile(`[0-9a-f.:\[\]]+:[0-9]+->`)

// rotate is servers starting at the i-th, round robin: upload i goes to the first, and its
// subscribers take them in turn.
func rotate(servers []*url.URL, i int) []*url.URL {
	i %= len(servers)
	return append(slices.Clone(servers[i:]), servers[:i]...)
}

// oneJob uploads doc to servers[0], follows the job with subs subscribers spread round robin
// over servers, and measures the first of them (on the server it was uploaded to).
func oneJob(ctx context.Context, servers []*url.URL, doc []byte, subs int) jobResult {
	base := servers[0].String()
	start := time.Now()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "statement.docx")
	w.Write(doc)
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/documents/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := httpClient.Do(req)
	if err != nil {
		return jobResult{err: fmt.Errorf("upload: %w", errors.Unwrap(err))}
	}
	var job struct {
		ID     string `json:"id"`
		Detail string `json:"detail"`
	}
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return jobResult{err: fmt.Errorf("upload: %s: %s", resp.Status, job.Detail)}
	}
	results := make([]jobResult, subs)
	var wg sync.WaitGroup
	for i := range subs {
		ws := wsBase(servers[i%len(servers)])
		wg.Go(func() { results[i] = follow(ctx, ws+"/ws/jobs/"+job.ID, start) })
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			return r
		}
	}
	return results[0]
}

// follow reads a job's stream until audit_complete, checking seqs run 1, 2, 3… without a gap.
func follow(ctx context.Context, url string, start time.Time) jobResult {
	var d websocket.Dialer
	c, _, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return jobResult{err: fmt.Errorf("subscribe: %w", err)}
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	var r jobResult
	var last int64
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return jobResult{err: fmt.Errorf("stream: no audit_complete within -timeout (last seq %d)", last)}
			}
			return jobResult{err: fmt.Errorf("stream: %w", err)}
		}
		seq, _, ok := eventHead(msg)
		if !ok {
			continue
		}
		if seq != last+1 {
			return jobResult{err: fmt.Errorf("stream: seq %d after %d", seq, last)}
		}
		last = seq
		if seq == 1 {
			r.first = time.Since(start)
		}
		if bytes.Contains(msg, []byte(`"type":"audit_complete"`)) {
			r.complete = time.Since(start)
			return r
		}
	}
}
