package hub

import "encoding/binary"

// WebSocket opcodes of the frames a server sends (RFC 6455, section 5.2).
const (
	OpText  = 0x1
	OpClose = 0x8
	OpPing  = 0x9
	OpPong  = 0xA
)

// AppendFrame appends one final, unmasked frame carrying payload, the form every server frame
// takes. Server frames are not masked, so one encoding of an event serves every subscriber.
func AppendFrame(dst []byte, opcode byte, payload []byte) []byte {
	dst = AppendFrameHeader(dst, opcode, len(payload))
	return append(dst, payload...)
}

// AppendFrameHeader appends the header of a final, unmasked frame of n payload bytes, for
// writers that send the payload from its own buffer (vectored writes).
func AppendFrameHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, 0x80|opcode)
	switch {
	case n <= 125:
		dst = append(dst, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return dst
}
