package hub_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// A connection from Upgrade sends an event with the frame NewPreparedMessage made for it. Were
// it to ask for another (a connection's default compression level is not the one
// NewPreparedMessage prepares), each event would be prepared a second time on its first
// delivery, on a throwaway gorilla connection with a 4 KiB buffer.
func TestDeliveryUsesTheFramePreparedWithTheEvent(t *testing.T) {
	const runs = 20
	msgs := make([]*websocket.PreparedMessage, runs+1) // AllocsPerRun writes one more first
	for i := range msgs {
		var err error
		if msgs[i], err = websocket.NewPreparedMessage(websocket.TextMessage, []byte(`{"type":"agent_progress"}`)); err != nil {
			t.Fatal(err)
		}
	}
	measured := make(chan float64, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := hub.Upgrade(w, r)
		if err != nil {
			t.Error(err)
			close(measured)
			return
		}
		defer ws.Close()
		next := 0
		// The client reads nothing until this is measured: the messages wait in the sockets.
		measured <- testing.AllocsPerRun(runs, func() {
			if err := ws.WritePreparedMessage(msgs[next]); err != nil {
				t.Error(err)
			}
			next++
		})
		ws.ReadMessage() // until the client leaves
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	allocs, ok := <-measured
	if !ok {
		return
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range msgs {
		if _, data, err := ws.ReadMessage(); err != nil || string(data) != `{"type":"agent_progress"}` {
			t.Fatalf("read %q, %v", data, err)
		}
	}
	if allocs >= 1 {
		t.Errorf("a delivery made %.1f allocations, want 0: the event was prepared again", allocs)
	}
}
