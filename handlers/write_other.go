//go:build !linux

package handlers

import (
	"net"
	"syscall"
)

// rawWrites says that writeNow never writes here, so streams do not use the shared pool, whose
// writers must not wait.
const rawWrites = false

// writeNow is the non-waiting first attempt of a write; here every write takes the waiting
// path, with its deadline.
func writeNow(syscall.RawConn, *net.Buffers, *[]iovec) (done bool, err error) {
	return false, nil
}

// iovec is unused here.
type iovec struct{}
