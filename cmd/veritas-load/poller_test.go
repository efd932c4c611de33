//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// eventServer streams events seq 2..last of one job like a Veritas server: the first
// connection is pinged, then closed with 1013 halfway, and a resumed one (since=k) continues
// after k. pongs counts the answers to its pings.
func eventServer(t *testing.T, last int64, pongs *atomic.Int64) *httptest.Server {
	t.Helper()
	var conns atomic.Int64
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		if err != nil {
			http.Error(w, "since", http.StatusBadRequest)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		ponged := make(chan struct{}, 1)
		c.SetPongHandler(func(string) error {
			pongs.Add(1)
			select {
			case ponged <- struct{}{}:
			default:
			}
			return nil
		})
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		first := conns.Add(1) == 1
		for seq := since + 1; seq <= last; seq++ {
			if first && seq == last/2 {
				c.WriteMessage(websocket.PingMessage, []byte("p"))
				select { // the pong arrives before the close
				case <-ponged:
				case <-time.After(10 * time.Second):
				}
				c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow"))
				return
			}
			msg := fmt.Sprintf(`{"type":"agent_progress","job_id":"j","seq":%d,"timestamp":%q,"message":"%0200d"}`,
				seq, time.Now().Format(time.RFC3339Nano), seq)
			if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				return
			}
		}
		// Like a server, keep the stream open until the client leaves.
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPollerReadsResumesAndAnswersPings(t *testing.T) {
	const last = 400
	var pongs atomic.Int64
	srv := eventServer(t, last, &pongs)
	base, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dial := func(ctx context.Context, s *subscriber, since int64) (*net.TCPConn, []byte, error) {
		return handshake(ctx, wsURL(s.server, s.job.id, since))
	}
	p, err := newPoller(dial)
	if err != nil {
		t.Fatal(err)
	}
	job := &loadJob{id: "j"}
	job.target.Store(last)
	subs := make([]*subscriber, 3)
	for i := range subs {
		subs[i] = &subscriber{job: job, server: base, fd: -1, last: 1}
		tc, rest, err := dial(ctx, subs[i], 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.add(subs[i], tc, rest); err != nil {
			t.Fatal(err)
		}
	}
	p.run(ctx)
	defer closeAll(subs)
	for i, s := range subs {
		if s.err != nil || s.received != last-1 || s.last != last || s.dups != 0 || s.gaps != 0 || len(s.lat) != last-1 {
			t.Errorf("subscriber %d: err %v, received %d, last %d, dups %d, gaps %d, samples %d",
				i, s.err, s.received, s.last, s.dups, s.gaps, len(s.lat))
		}
	}
	resumes := subs[0].resumes + subs[1].resumes + subs[2].resumes
	if resumes != 1 || pongs.Load() != 1 {
		t.Errorf("%d resumes and %d pongs, want 1 and 1 (the first connection is pinged and closed with 1013)", resumes, pongs.Load())
	}
}

func TestHandshakeRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"title":"job not found"}`)
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	_, _, err := handshake(context.Background(), wsURL(base, "nope", 0))
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "job not found") {
		t.Errorf("err %v, want the status and the problem's text", err)
	}
	if _, _, err := handshake(context.Background(), "http://127.0.0.1:1/x"); err == nil {
		t.Error("an http:// URL was dialled")
	}
}
