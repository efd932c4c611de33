package hub_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/hub"
)

// TestFramesReadByAWebSocketClient writes frames of every length class straight onto a
// connection and reads them back with gorilla's client-side reader.
func TestFramesReadByAWebSocketClient(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	payloads := []string{"", "x", strings.Repeat("a", 125), strings.Repeat("b", 126), strings.Repeat("c", 65535), strings.Repeat("d", 65536), strings.Repeat("e", 300000)}
	go func() {
		for _, p := range payloads {
			server.Write(hub.AppendFrame(nil, hub.OpText, []byte(p)))
		}
	}()
	ws := newClientConn(t, client)
	for _, want := range payloads {
		kind, got, err := ws.ReadMessage()
		if err != nil || kind != websocket.TextMessage || !bytes.Equal(got, []byte(want)) {
			t.Fatalf("len %d: kind %d, len %d, err %v", len(want), kind, len(got), err)
		}
	}
}

// newClientConn makes a client-side gorilla connection over conn without a handshake.
func newClientConn(t *testing.T, conn net.Conn) *websocket.Conn {
	t.Helper()
	srv, cli := net.Pipe()
	go func() {
		// Answer the handshake with a fixed 101 and then splice conn onto the pipe.
		buf := make([]byte, 4096)
		n, _ := srv.Read(buf)
		key := ""
		for _, line := range strings.Split(string(buf[:n]), "\r\n") {
			if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, "Sec-WebSocket-Key") {
				key = v
			}
		}
		srv.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept(key) + "\r\n\r\n"))
		io.Copy(srv, conn)
	}()
	d := websocket.Dialer{NetDial: func(string, string) (net.Conn, error) { return cli, nil }}
	ws, _, err := d.Dial("ws://pipe/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func accept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}
