//go:build !linux

package main

import (
	"context"
	"errors"
	"net"
)

// pollerSupported says whether -reader poll works on this system: it needs Linux's epoll.
const pollerSupported = false

type poller struct{}

func newPoller(func(context.Context, *subscriber, int64) (*net.TCPConn, []byte, error)) (*poller, error) {
	return nil, errors.New("-reader poll needs Linux; use -reader go")
}

func (*poller) add(*subscriber, *net.TCPConn, []byte) error { return errors.ErrUnsupported }
func (*poller) run(context.Context)                         {}
func (*subscriber) closeFD()                                {}
