package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/veritas-audit/veritas/schemas"
)

// scrape reads GET url and returns each sample as name{label="value",…} → value, labels in
// the order the exposition gives them; a histogram gives its _count and _sum.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				k := strings.Replace(key, name, name+"_count", 1)
				out[k] = float64(m.GetHistogram().GetSampleCount())
				out[strings.Replace(key, name, name+"_sum", 1)] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

// TestMetricsAfterAnAudit runs one audit on a real server, follows it over a WebSocket, deletes
// another (finished) job while a stream follows it, and checks that each counter moved by what happened.
func TestMetricsAfterAnAudit(t *testing.T) {
	srv := startServer(t, "--database-url", "sqlite://"+filepath.Join(t.TempDir(), "v.db"))
	before := scrape(t, srv.base+"/metrics")

	job := upload(t, srv.base, statementDoc(3))
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(srv.base, "http", "ws", 1)+"/ws/jobs/"+job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var ev streamed
		if err := ws.ReadJSON(&ev); err != nil {
			t.Fatal(err)
		}
		events++
		if ev.Type == schemas.EventAuditComplete {
			break
		}
	}
	during := scrape(t, srv.base+"/metrics")
	ws.Close()

	// A second job, deleted while a stream follows it: the hub closes that stream with 1000.
	other := upload(t, srv.base, statementDoc(1))
	ws2, _, err := websocket.DefaultDialer.Dial(strings.Replace(srv.base, "http", "ws", 1)+"/ws/jobs/"+other.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	// It finishes first (the agents take milliseconds, and a delete racing the runner's last
	// write would leave "completed" counted or not by chance); its stream stays open.
	events2 := 0
	ws2.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var ev streamed
		if err := ws2.ReadJSON(&ev); err != nil {
			t.Fatalf("second job's stream: %v", err)
		}
		events2++
		if ev.Type == schemas.EventAuditComplete {
			break
		}
	}
	key := `veritas_jobs_finished_total{status="completed"}`
	for finished := time.Now().Add(10 * time.Second); scrape(t, srv.base+"/metrics")[key]-before[key] < 2; {
		if time.Now().After(finished) {
			t.Fatal("the second audit was not counted as completed")
		}
		time.Sleep(20 * time.Millisecond) // polling a remote counter: there is nothing to wait on
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.base+"/api/v1/jobs/"+other.ID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("delete: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, _, err := ws2.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("second stream ended with %v, want 1000", err)
	}

	// The gauges fall back once the server has seen both streams end.
	var after map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		after = scrape(t, srv.base+"/metrics")
		if after["veritas_websocket_connections"] == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling a remote gauge: there is nothing to wait on
	}
	moved := func(m map[string]float64, key string) float64 { return m[key] - before[key] }
	checks := []struct {
		key     string
		in      map[string]float64
		want    float64
		atLeast bool
		desc    string
	}{
		{`veritas_jobs_finished_total{status="completed"}`, after, 2, false, "both audits completed"},
		{`veritas_http_requests_total{method="POST",route="/api/v1/documents/upload",status="202"}`, after, 2, false, "two uploads"},
		{`veritas_http_requests_total{method="GET",route="/ws/jobs/:id",status="101"}`, after, 2, false, "two streams upgraded"},
		{`veritas_http_requests_total{method="DELETE",route="/api/v1/jobs/:id",status="200"}`, after, 1, false, "one delete"},
		{`veritas_http_request_duration_seconds_count{method="POST",route="/api/v1/documents/upload"}`, after, 2, false, "uploads timed"},
		{`veritas_websocket_connections`, during, 1, false, "one stream open during the audit"},
		{`veritas_websocket_connections`, after, 0, false, "none open after"},
		// Counted once a batch is written, so read after both streams ended.
		{`veritas_events_delivered_total`, after, float64(events + events2), false, "every event both clients read"},
		{`veritas_websocket_closes_total{code="1000"}`, after, 1, false, "the stream of the deleted job"},
		{`veritas_agent_duration_seconds_count{agent="numeric_validation"}`, after, 1, true, "numeric ran"},
		{`veritas_agent_duration_seconds_count{agent="logic_consistency"}`, after, 1, true, "logic ran"},
		{`veritas_agent_errors_total{agent="external_signal"}`, after, 1, true, "external_signal is not configured here: an error row per job"},
		// Every event but job_queued (stored with the job) goes through the emitter.
		{`veritas_event_append_seconds_count`, during, float64(events - 1), false, "one append per emitted event"},
	}
	for _, c := range checks {
		got := moved(c.in, c.key)
		if c.key == "veritas_websocket_connections" {
			got = c.in[c.key]
		}
		if got != c.want && !(c.atLeast && got >= c.want) {
			t.Errorf("%s: %v, want %v (%s)", c.key, got, c.want, c.desc)
		}
	}
	if _, ok := after["veritas_queue_depth"]; !ok {
		t.Error("veritas_queue_depth is missing")
	}
	if after["veritas_queue_depth"] != 0 {
		t.Errorf("queue depth %v after every job finished", after["veritas_queue_depth"])
	}
	for key := range after {
		if strings.Contains(key, job.ID) || strings.Contains(key, other.ID) {
			t.Errorf("a job id is a label value: %s", key)
		}
	}
}
