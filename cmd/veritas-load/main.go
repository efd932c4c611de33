// Command veritas-load drives a Veritas server on this machine and measures it.
//
// fanout: N WebSocket subscribers on one or more jobs; events come from the server's admin load
// generator (POST /debug/jobs/{id}/synthetic), which emits them through the path real agents
// use. With several instances behind one database and Redis, -server lists their API listeners
// and the subscribers are spread over them, while one -admin generates the events. It reports deliveries per second, latency from each event's timestamp to its receipt,
// lost and duplicated events, and the server's resident memory per connection.
//
// product: uploads statements at a steady rate, with S subscribers per job, and reports upload
// to first event and upload to audit_complete latency, jobs per second and errors. With several
// -server listeners the uploads, and each job's subscribers, go round robin over them.
//
// Every run is bounded in count and time, and it talks to loopback addresses only. With
// VERITAS_LOAD_CPUPROFILE=file the tool profiles itself, to tell its own cost from the server's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "veritas-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: veritas-load fanout|product [flags] (-h for the flags of each)")
	}
	if prof := os.Getenv("VERITAS_LOAD_CPUPROFILE"); prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch args[0] {
	case "fanout":
		return runFanout(ctx, args[1:], out)
	case "product":
		return runProduct(ctx, args[1:], out)
	}
	return fmt.Errorf("unknown mode %q: want fanout or product", args[0])
}

// loopbackURL parses a base URL and refuses any host that is not this machine's loopback: the
// tool generates heavy load and must never aim it elsewhere.
func loopbackURL(raw, name string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-%s %q: want a URL like http://127.0.0.1:8000", name, raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-%s %q: this tool only targets loopback addresses", name, raw)
	}
	return u, nil
}

// loopbackURLs parses a comma-separated list of base URLs, each as loopbackURL does.
func loopbackURLs(raw, name string) ([]*url.URL, error) {
	var us []*url.URL
	for part := range strings.SplitSeq(raw, ",") {
		u, err := loopbackURL(strings.TrimSpace(part), name)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, nil
}

func wsURL(base *url.URL, jobID string, since int64) string {
	scheme := "ws"
	if base.Scheme == "https" {
		scheme = "wss"
	}
	return fmt.Sprintf("%s://%s/ws/jobs/%s?since=%d", scheme, base.Host, jobID, since)
}

var httpClient = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second,
	},
}

// newFlags makes a flag set that reports its own usage.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("veritas-load "+name, flag.ContinueOnError)
	return fs
}
