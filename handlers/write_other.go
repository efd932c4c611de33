//go:build !linux

package handlers

import (
	"net"
	"syscall"
)

// writeNow is the non-waiting first attempt of a write; here every write takes the waiting
// path, with its deadline.
func writeNow(syscall.RawConn, *net.Buffers, *[]iovec) (done bool, err error) {
	return false, nil
}

// iovec is unused here.
type iovec struct{}
