package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// frame encodes a final, unmasked frame, as a server sends it (RFC 6455, section 5.2).
func frame(op byte, payload []byte) []byte {
	f := []byte{0x80 | op}
	switch n := len(payload); {
	case n <= 125:
		f = append(f, byte(n))
	case n <= 0xFFFF:
		f = append(f, 126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	return append(f, payload...)
}

func TestNextFrame(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 300)
	huge := bytes.Repeat([]byte("y"), 70000)
	stream := append(append(append(frame(opText, []byte("hi")), frame(opText, long)...), frame(opText, huge)...), frame(opClose, []byte{0x03, 0xF5})...)
	var got [][]byte
	var ops []byte
	for b := stream; len(b) > 0; {
		op, p, n, err := nextFrame(b)
		if err != nil || n == 0 {
			t.Fatalf("nextFrame: n=%d err=%v with %d bytes left", n, err, len(b))
		}
		got, ops, b = append(got, p), append(ops, op), b[n:]
	}
	if len(got) != 4 || string(got[0]) != "hi" || !bytes.Equal(got[1], long) || !bytes.Equal(got[2], huge) {
		t.Fatalf("payloads: %d frames", len(got))
	}
	if ops[3] != opClose || closeCode(got[3]) != 1013 || closeCode(nil) != 1005 {
		t.Errorf("close frame: op %d code %d", ops[3], closeCode(got[3]))
	}
	// Every prefix of a frame is incomplete, not an error.
	for _, f := range [][]byte{frame(opText, long), frame(opText, huge)} {
		for i := range len(f) - 1 {
			if _, _, n, err := nextFrame(f[:i]); n != 0 || err != nil {
				t.Fatalf("prefix of %d bytes: n=%d err=%v", i, n, err)
			}
		}
	}
	for name, b := range map[string][]byte{
		"masked":           {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2},
		"fragment":         {0x01, 0x02, 'h', 'i'},
		"reserved bit":     {0xC1, 0x02, 'h', 'i'},
		"too large":        {0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0},
		"long control":     {0x89, 126, 0, 200},
		"2^63 byte length": {0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0},
	} {
		if _, _, _, err := nextFrame(b); !errors.Is(err, errFrame) {
			t.Errorf("%s: err %v, want errFrame", name, err)
		}
	}
}

func TestPongFrame(t *testing.T) {
	f := pongFrame([]byte("ping-1"))
	if f[0] != 0x80|opPong || f[1] != 0x80|6 || len(f) != 2+4+6 {
		t.Fatalf("header % x", f[:2])
	}
	key, body := f[2:6], f[6:]
	for i := range body {
		body[i] ^= key[i&3]
	}
	if string(body) != "ping-1" {
		t.Errorf("unmasked payload %q", body)
	}
}

// FuzzNextFrame: any bytes either split into frames whose payloads lie inside the input, or
// stop with an error or an incomplete frame; nothing panics or reads past the end.
func FuzzNextFrame(f *testing.F) {
	f.Add(frame(opText, []byte(`{"seq":2}`)))
	f.Add(append(frame(opPing, nil), frame(opClose, []byte{3, 0xf5})...))
	f.Add([]byte{0x81, 126, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			_, p, n, err := nextFrame(b)
			if err != nil || n == 0 {
				return
			}
			if n > len(b) || len(p) > n {
				t.Fatalf("frame of %d bytes with a %d-byte payload from %d bytes", n, len(p), len(b))
			}
			b = b[n:]
		}
	})
}
