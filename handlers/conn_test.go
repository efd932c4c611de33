package handlers

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/hub"
)

// connPair is a lockedConn over loopback TCP with a small send buffer, and its peer.
func connPair(t *testing.T) (*lockedConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.(*net.TCPConn).SetWriteBuffer(8 << 10)
	lc := &lockedConn{Conn: c, writeWait: 10 * time.Second, framing: true}
	lc.raw, _ = c.(*net.TCPConn).SyscallConn()
	return lc, peer
}

// readFrames reads whole server frames from r until a close frame, returning their payloads.
func readFrames(t *testing.T, r io.Reader) (texts [][]byte, control []byte) {
	t.Helper()
	for {
		var h [2]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			t.Fatalf("frame header: %v", err)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			io.ReadFull(r, l[:])
			n = int(l[0])<<8 | int(l[1])
		case 127:
			var l [8]byte
			io.ReadFull(r, l[:])
			n = 0
			for _, b := range l {
				n = n<<8 | int(b)
			}
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			t.Fatalf("payload of %d bytes: %v", n, err)
		}
		switch h[0] & 0x0f {
		case hub.OpText:
			texts = append(texts, p)
		default:
			control = append(control, h[0]&0x0f)
			if h[0]&0x0f == hub.OpClose {
				return texts, control
			}
		}
	}
}

// A write that may not wait and finds the socket full leaves its rest in the connection, and
// whatever is written next (a close from the reader, a control frame from gorilla) goes after
// that rest, never inside the frame it cut.
func TestPendingRestGoesBeforeAnyLaterFrame(t *testing.T) {
	for _, later := range []string{"close", "gorilla control frame, then close"} {
		t.Run(later, func(t *testing.T) {
			c, peer := connPair(t)
			big := bytes.Repeat([]byte("e"), 1<<20)
			bufs := net.Buffers{hub.AppendFrame(nil, hub.OpText, big)}
			if err := c.writeFrames(&bufs, false, false); !errors.Is(err, errPending) {
				t.Fatalf("a 1 MiB frame into an 8 KiB socket without waiting: %v, want errPending", err)
			}
			more := net.Buffers{hub.AppendFrame(nil, hub.OpText, []byte("next"))}
			if err := c.writeFrames(&more, false, false); !errors.Is(err, errBusy) {
				t.Fatalf("a second non-waiting write with a rest pending: %v, want errBusy", err)
			}
			done := make(chan error, 1)
			go func() {
				if later != "close" {
					if _, err := c.Write(hub.AppendFrame(nil, hub.OpPong, []byte("p"))); err != nil {
						done <- err
						return
					}
				}
				closing := net.Buffers{hub.AppendFrame(nil, hub.OpClose, []byte{0x03, 0xe8})}
				done <- c.writeFrames(&closing, true, true)
			}()
			texts, control := readFrames(t, peer)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if len(texts) != 1 || !bytes.Equal(texts[0], big) {
				t.Fatalf("got %d text frames, want the whole 1 MiB frame", len(texts))
			}
			want := []byte{hub.OpClose}
			if later != "close" {
				want = []byte{hub.OpPong, hub.OpClose}
			}
			if !bytes.Equal(control, want) {
				t.Errorf("control frames %v, want %v", control, want)
			}
		})
	}
}

// A write that may not wait never waits for the connection's lock either.
func TestNonWaitingWriteDoesNotWaitForTheLock(t *testing.T) {
	c, _ := connPair(t)
	c.mu.Lock()
	bufs := net.Buffers{hub.AppendFrame(nil, hub.OpText, []byte("x"))}
	err := c.writeFrames(&bufs, false, false)
	c.mu.Unlock()
	if !errors.Is(err, errBusy) || len(bufs) != 1 {
		t.Errorf("with the lock held: %v and %d buffers left, want errBusy and the batch untouched", err, len(bufs))
	}
	if err := c.finish(); err != nil {
		t.Errorf("finish with nothing pending: %v", err)
	}
}
