//go:build linux

package handlers

import (
	"net"
	"syscall"
	"unsafe"
)

// rawWrites says that writeNow writes here; streams then write on the shared pool.
const rawWrites = true

// writeNow writes as much of bufs as the socket takes at once, with writev on the raw
// descriptor, and never waits: it consumes what was written from bufs, and done reports that
// nothing is left. In the common case (room in the socket buffer) this is the whole write,
// without the deadline a blocking write arms and disarms; only a full socket falls back to the
// waiting write, with its deadline.
//
// iov is scratch space for the vector, kept by the connection between writes while it is small:
// a vector on the stack would grow every new writer goroutine's stack.
func writeNow(raw syscall.RawConn, bufs *net.Buffers, iov *[]iovec) (done bool, err error) {
	var werr error
	err = raw.Write(func(fd uintptr) bool {
		for len(*bufs) > 0 {
			n, err := writev(fd, *bufs, iov)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return true
			case err != nil:
				werr = &net.OpError{Op: "writev", Net: "tcp", Err: err}
				return true
			}
			consume(bufs, n)
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return err == nil && len(*bufs) == 0, err
}

// iovec is one buffer of a vectored write.
type iovec = syscall.Iovec

// maxIovecs is the most buffers one writev takes (IOV_MAX).
const maxIovecs = 1024

// keptIovecs is the vector capacity a connection keeps between writes.
const keptIovecs = 16

func writev(fd uintptr, bufs [][]byte, scratch *[]iovec) (int, error) {
	iov := (*scratch)[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(iov) == maxIovecs {
			break
		}
		v := syscall.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	if len(iov) == 0 {
		return 0, nil
	}
	// The descriptor is non-blocking, so the call never waits: as a raw system call it skips
	// the scheduler's hand-off bookkeeping, which the runtime's monitor thread otherwise
	// watches for every one of these writes.
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	clear(iov) // the vector must not keep frames alive
	if cap(iov) <= keptIovecs {
		*scratch = iov[:0]
	} else {
		*scratch = nil
	}
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// consume drops the first n written bytes from bufs, as net.Buffers does after a write.
func consume(bufs *net.Buffers, n int) {
	for len(*bufs) > 0 {
		if l := len((*bufs)[0]); n < l {
			(*bufs)[0] = (*bufs)[0][n:]
			return
		} else {
			n -= l
		}
		(*bufs)[0] = nil
		*bufs = (*bufs)[1:]
	}
}
