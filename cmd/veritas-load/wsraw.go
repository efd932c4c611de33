package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The poller reader speaks just enough of RFC 6455 to follow a Veritas stream from raw
// sockets: the opening handshake, the server's frames (final, unmasked) and a masked pong.

const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA

	// maxFramePayload bounds what one server frame may carry; events are far smaller.
	maxFramePayload = 1 << 20
)

// handshake opens a WebSocket to u (ws://host/path?query) over a new TCP connection. It
// returns the connection and the bytes the server sent after its 101 response: frames may
// follow the response at once, in the same segment.
func handshake(ctx context.Context, u string) (*net.TCPConn, []byte, error) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "ws" {
		return nil, nil, fmt.Errorf("handshake: want a ws:// URL, got %q", u)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", pu.Host)
	if err != nil {
		return nil, nil, err
	}
	tc := c.(*net.TCPConn)
	fail := func(err error) (*net.TCPConn, []byte, error) {
		tc.Close()
		return nil, nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	tc.SetDeadline(deadline)

	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := "GET " + pu.RequestURI() + " HTTP/1.1\r\nHost: " + pu.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		key + "\r\n\r\n"
	if _, err := io.WriteString(tc, req); err != nil {
		return fail(err)
	}
	br := bufio.NewReaderSize(tc, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fail(fmt.Errorf("handshake: %s: %s", resp.Status, strings.TrimSpace(string(body))))
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		return fail(errors.New("handshake: wrong Sec-WebSocket-Accept"))
	}
	rest, _ := br.Peek(br.Buffered())
	tc.SetDeadline(time.Time{})
	return tc, append([]byte(nil), rest...), nil
}

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// errFrame is a frame no Veritas server sends.
var errFrame = errors.New("malformed server frame")

// nextFrame splits the first whole frame off b. n is 0 while b holds only part of a frame.
// Server frames are final and unmasked; anything else is an error.
func nextFrame(b []byte) (op byte, payload []byte, n int, err error) {
	if len(b) < 2 {
		return 0, nil, 0, nil
	}
	if b[0]&0x70 != 0 || b[0]&0x80 == 0 || b[1]&0x80 != 0 {
		return 0, nil, 0, fmt.Errorf("%w: header %#x %#x (reserved bits, a fragment or a mask)", errFrame, b[0], b[1])
	}
	op = b[0] & 0x0F
	size, head := uint64(b[1]&0x7F), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return 0, nil, 0, nil
		}
		size, head = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, 0, nil
		}
		size, head = binary.BigEndian.Uint64(b[2:]), 10
	}
	if size > maxFramePayload {
		return 0, nil, 0, fmt.Errorf("%w: %d-byte payload", errFrame, size)
	}
	if op >= opClose && size > 125 {
		return 0, nil, 0, fmt.Errorf("%w: control frame of %d bytes", errFrame, size)
	}
	end := head + int(size)
	if len(b) < end {
		return 0, nil, 0, nil
	}
	return op, b[head:end], end, nil
}

// closeCode reads the status code of a close frame's payload (1005 when it has none).
func closeCode(payload []byte) int {
	if len(payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(payload))
}

// pongFrame is the masked pong a client answers a ping with.
func pongFrame(payload []byte) []byte {
	var key [4]byte
	rand.Read(key[:])
	f := make([]byte, 0, 6+len(payload))
	f = append(f, 0x80|opPong, 0x80|byte(len(payload)))
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i&3])
	}
	return f
}
