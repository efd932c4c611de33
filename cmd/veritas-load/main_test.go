package main

import (
	"net/url"
	"testing"
)

func TestServerList(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int // listeners parsed; 0: refused
	}{
		{"http://127.0.0.1:8100", 1},
		{"http://127.0.0.1:8101,http://127.0.0.1:8102", 2},
		{"http://127.0.0.1:8101, http://localhost:8102", 2},
		{"http://127.0.0.1:8101,http://10.0.0.2:8102", 0}, // not loopback
		{"http://127.0.0.1:8101,", 0},
	} {
		us, err := loopbackURLs(tc.raw, "server")
		if len(us) != tc.want || (err == nil) != (tc.want > 0) {
			t.Errorf("%q: %d listeners, err %v; want %d", tc.raw, len(us), err, tc.want)
		}
	}
}

func TestSubscribersSpreadOverServers(t *testing.T) {
	a, _ := url.Parse("http://127.0.0.1:8101")
	b, _ := url.Parse("http://127.0.0.1:8102")
	for _, jobs := range []int{1, 2, 3} {
		const subs = 12
		on := map[[2]int]int{} // job, server: subscribers
		for i := range subs {
			s := 0
			if serverOf([]*url.URL{a, b}, jobs, i) == b {
				s = 1
			}
			on[[2]int{i % jobs, s}]++
		}
		for j := range jobs {
			if on[[2]int{j, 0}] != subs/jobs/2 || on[[2]int{j, 1}] != subs/jobs/2 {
				t.Errorf("%d jobs: job %d has %d subscribers on A and %d on B, want half each",
					jobs, j, on[[2]int{j, 0}], on[[2]int{j, 1}])
			}
		}
	}
}

func TestErrorsOfOneKindCountTogether(t *testing.T) {
	a := localAddr.ReplaceAllString("stream: read tcp 127.0.0.1:40112->127.0.0.1:8101: connection reset by peer", "")
	b := localAddr.ReplaceAllString("stream: read tcp 127.0.0.1:51234->127.0.0.1:8101: connection reset by peer", "")
	if a != b || a != "stream: read tcp 127.0.0.1:8101: connection reset by peer" {
		t.Errorf("%q and %q, want both without the local address", a, b)
	}
}
