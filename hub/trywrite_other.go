//go:build !unix

package hub

import "net"

// tryWriter is the unix build's way to write without waiting (trywrite_unix.go).
type tryWriter struct{}

func (*tryWriter) init(*net.TCPConn) {}

// tryWrite writes as much of p as the socket takes within quickWait.
func (c *batchConn) tryWrite(p []byte) (int, error) {
	return c.writeWithin(p, quickWait)
}
