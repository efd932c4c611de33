package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// percentiles summarises latencies.
type percentiles struct {
	N                        int
	P50, P95, P99, P999, Max time.Duration
}

func summarize(d []time.Duration) percentiles {
	if len(d) == 0 {
		return percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
	return percentiles{N: len(d), P50: at(0.50), P95: at(0.95), P99: at(0.99), P999: at(0.999), Max: d[len(d)-1]}
}

func (p percentiles) String() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	return fmt.Sprintf("n=%d p50=%sms p95=%sms p99=%sms p99.9=%sms max=%sms", p.N, ms(p.P50), ms(p.P95), ms(p.P99), ms(p.P999), ms(p.Max))
}

// serverStats is what the admin listener's /debug/stats reports.
type serverStats struct {
	RSS        int64   `json:"rss_bytes"`
	CPU        float64 `json:"cpu_seconds"`
	HeapInuse  int64   `json:"heap_inuse_bytes"`
	StackInuse int64   `json:"stack_inuse_bytes"`
	Goroutines int     `json:"goroutines"`
	Streams    int     `json:"streams"`
}

func fetchStats(admin *url.URL) (serverStats, error) {
	var s serverStats
	resp, err := httpClient.Get(admin.JoinPath("/debug/stats").String() + "?gc=1")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return s, fmt.Errorf("GET /debug/stats: %s", resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// eventHead reads the seq and timestamp of an event without decoding the whole message: the
// tool shares the machine with the server, so it spends as little as it can per delivery.
func eventHead(msg []byte) (seq int64, ts time.Time, ok bool) {
	i := bytes.Index(msg, []byte(`"seq":`))
	if i < 0 {
		return 0, ts, false
	}
	j := i + len(`"seq":`)
	k := j
	for k < len(msg) && msg[k] >= '0' && msg[k] <= '9' {
		k++
	}
	seq, err := strconv.ParseInt(string(msg[j:k]), 10, 64)
	if err != nil {
		return 0, ts, false
	}
	i = bytes.Index(msg, []byte(`"timestamp":"`))
	if i < 0 {
		return seq, ts, false
	}
	j = i + len(`"timestamp":"`)
	k = bytes.IndexByte(msg[j:], '"')
	if k < 0 {
		return seq, ts, false
	}
	ts, err = time.Parse(time.RFC3339Nano, string(msg[j:j+k]))
	return seq, ts, err == nil
}
