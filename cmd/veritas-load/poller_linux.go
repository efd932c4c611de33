//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// pollerSupported says whether -reader poll works on this system.
const pollerSupported = true

// poller reads many subscribers' sockets from one goroutine: one epoll_wait for all that have
// data and one read per ready socket. A goroutine per subscriber costs a wakeup and two reads
// per message (the second finding nothing); the tool shares two cores with the server, and at
// thousands of subscribers that overhead would be measured as the server's latency.
type poller struct {
	ep      int
	wg      sync.WaitGroup // reconnections in flight
	dial    func(ctx context.Context, s *subscriber, since int64) (*net.TCPConn, []byte, error)
	subs    []*subscriber // epoll data is the index
	resumed chan *subscriber
	active  int // subscribers still reading or reconnecting; owned by run
	buf     []byte
}

func newPoller(dial func(context.Context, *subscriber, int64) (*net.TCPConn, []byte, error)) (*poller, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	return &poller{ep: ep, dial: dial, resumed: make(chan *subscriber, 64), buf: make([]byte, 64<<10)}, nil
}

// add hands s, connected on tc with rest already received, to the poller. The poller owns the
// socket from now on: tc itself is closed (the socket stays open on a duplicate descriptor
// that Go's own poller does not watch).
func (p *poller) add(s *subscriber, tc *net.TCPConn, rest []byte) error {
	fd, err := detach(tc)
	if err != nil {
		return err
	}
	s.fd, s.pend, s.idx = fd, rest, len(p.subs)
	p.subs = append(p.subs, s)
	p.active++
	return nil
}

// detach moves a connection's socket to a blocking-free descriptor of its own.
func detach(tc *net.TCPConn) (int, error) {
	raw, err := tc.SyscallConn()
	if err != nil {
		tc.Close()
		return -1, err
	}
	fd := -1
	cerr := raw.Control(func(f uintptr) { fd, err = syscall.Dup(int(f)) })
	tc.Close()
	if cerr != nil {
		return -1, cerr
	}
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (p *poller) watch(s *subscriber) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(s.idx)}
	return syscall.EpollCtl(p.ep, syscall.EPOLL_CTL_ADD, s.fd, &ev)
}

func (p *poller) unwatch(s *subscriber) {
	syscall.EpollCtl(p.ep, syscall.EPOLL_CTL_DEL, s.fd, nil)
}

// run reads until every subscriber has its job's last event, has failed, or ctx ends.
func (p *poller) run(ctx context.Context) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer syscall.Close(p.ep)
	defer p.wg.Wait()
	for _, s := range p.subs {
		p.start(ctx, s)
	}
	events := make([]syscall.EpollEvent, 256)
	for p.active > 0 && ctx.Err() == nil {
		for drained := false; !drained; {
			select {
			case s := <-p.resumed:
				p.start(ctx, s)
			default:
				drained = true
			}
		}
		n, err := syscall.EpollWait(p.ep, events, 10)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			for _, s := range p.subs {
				if s.fd >= 0 && s.err == nil {
					s.err = err
				}
			}
			return
		}
		for i := 0; i < n; i++ {
			p.readable(ctx, p.subs[events[i].Fd])
		}
	}
}

// start processes what arrived with the handshake and watches the socket.
func (p *poller) start(ctx context.Context, s *subscriber) {
	if s.err != nil { // a reconnection failed
		p.active--
		return
	}
	pend := s.pend
	s.pend = nil
	if p.consume(s, pend, time.Now()) {
		p.resumeIfAsked(ctx, s)
		return
	}
	if err := p.watch(s); err != nil {
		p.finish(s, err)
	}
}

// readable reads once from a socket epoll reported; data left unread is reported again.
func (p *poller) readable(ctx context.Context, s *subscriber) {
	if s.fd < 0 {
		return
	}
	n, err := syscall.Read(s.fd, p.buf)
	now := time.Now()
	switch {
	case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
		return
	case err != nil:
		p.finish(s, err)
		return
	case n == 0:
		p.finish(s, errors.New("connection closed by the server"))
		return
	}
	b := p.buf[:n]
	if len(s.pend) > 0 {
		b = append(s.pend, b...)
	}
	if p.consume(s, b, now) {
		p.resumeIfAsked(ctx, s)
	}
}

// resumeIfAsked reconnects s after a 1013 close; while the run lasts it stays active.
func (p *poller) resumeIfAsked(ctx context.Context, s *subscriber) {
	if !s.resume {
		return
	}
	s.resume = false
	if ctx.Err() != nil {
		p.active--
		return
	}
	p.reconnect(ctx, s)
}

// consume handles the whole frames in b and keeps the rest for the next read. True means the
// subscriber is finished with this socket (done, failed, or to resume on a new one).
func (p *poller) consume(s *subscriber, b []byte, now time.Time) bool {
	for {
		op, payload, n, err := nextFrame(b)
		if err != nil {
			p.finish(s, err)
			return true
		}
		if n == 0 {
			s.pend = append(s.pend[:0], b...)
			return false
		}
		b = b[n:]
		switch op {
		case opText:
			s.record(payload, now)
			if s.done() {
				p.unwatch(s)
				p.active--
				return true
			}
		case opPing:
			syscall.Write(s.fd, pongFrame(payload))
		case opClose:
			if code := closeCode(payload); code == 1013 {
				// Too slow for the server's queue: resume from the log, as a real client does.
				s.resume = true
				p.unwatch(s)
				syscall.Close(s.fd)
				s.fd = -1
				return true
			} else {
				p.finish(s, fmt.Errorf("closed by the server with %d", code))
			}
			return true
		}
	}
}

// reconnect dials again from the last seq received, off the polling goroutine.
func (p *poller) reconnect(ctx context.Context, s *subscriber) {
	s.resumes++
	p.wg.Go(func() {
		tc, rest, err := p.dial(ctx, s, s.last)
		if err == nil {
			s.fd, err = detach(tc)
			s.pend = rest
		}
		if err != nil {
			s.err = err
		}
		select {
		case p.resumed <- s:
		case <-ctx.Done():
			s.closeFD()
		}
	})
}

// finish stops reading s because of err.
func (p *poller) finish(s *subscriber, err error) {
	if s.fd >= 0 {
		p.unwatch(s)
	}
	if s.err == nil {
		s.err = err
	}
	p.active--
}

// closeFD closes a subscriber's socket, once.
func (s *subscriber) closeFD() {
	if s.fd >= 0 {
		syscall.Close(s.fd)
		s.fd = -1
	}
}
