// Command veritas serves the Veritas audit API: upload a financial statement, let the audit
// agents check it, and follow their work live over a WebSocket.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/external"
	"github.com/veritas-audit/veritas/agents/gemini"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/api"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/fanout"
	"github.com/veritas-audit/veritas/handlers"
	"github.com/veritas-audit/veritas/hub"
	"github.com/veritas-audit/veritas/internal/loadgen"
	"github.com/veritas-audit/veritas/internal/metrics"
	"github.com/veritas-audit/veritas/runner"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if errors.Is(err, errHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "veritas:", err)
		os.Exit(1)
	}
}

var errHelp = errors.New("help requested")

// team builds the audit agents. external_signal (and the optional review of logic_consistency)
// use Gemini when VERITAS_GEMINI_API_KEY is set; without it external_signal is listed as not
// available and says so in every job that asks for it.
func team(ctx context.Context, cfg *config, log *slog.Logger) (*agents.Registry, error) {
	var (
		provider external.Provider
		reviewer logic.Reviewer
	)
	if cfg.GeminiAPIKey != "" {
		client, err := gemini.New(ctx, gemini.Config{
			APIKey: cfg.GeminiAPIKey, Model: cfg.GeminiModel, Timeout: cfg.GeminiTimeout,
			MaxRetries: cfg.GeminiRetries, Logger: log,
		})
		if err != nil {
			return nil, err
		}
		provider = client
		if cfg.LLMReview {
			reviewer = client
		}
	}
	return agents.NewRegistry(
		numeric.New(),
		logic.New(logic.Options{Reviewer: reviewer}),
		disclosure.New(),
		external.New(provider),
	), nil
}

// signalContext ends on SIGINT or SIGTERM, which start a graceful shutdown.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// run builds every dependency, serves until ctx ends, then shuts down in order: stop taking
// requests, stop the agents (interrupted jobs resume on the next start), close the streams
// with 1001, close the store.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], getenv, stdout)
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		if errors.Is(err, flagHelp) {
			return errHelp
		}
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.MemoryLimit > 0 && getenv("GOMEMLIMIT") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	gin.SetMode(gin.ReleaseMode)

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	meters := metrics.New(st.CountQueued)
	events := hub.New(log, hub.Options{QueueSize: cfg.SendQueue, Log: handlers.EventLog(st), Observer: meters})
	registry, err := team(ctx, cfg, log)
	if err != nil {
		return err
	}
	// One instance delivers its events to its own hub; with Redis, every instance's hub gets
	// every instance's events.
	var (
		emitter interface {
			runner.Emitter
			loadgen.Emitter
		} = fanout.NewLocal(events, log, meters)
		instances *fanout.Redis
	)
	if cfg.RedisURL != "" {
		if instances, err = fanout.NewRedis(cfg.RedisURL, events, log, meters); err != nil {
			return err
		}
		defer instances.Close()
		emitter = instances
	}
	jobs := runner.New(st, emitter, registry, log, runner.Options{
		Workers: cfg.Workers, JobTimeout: cfg.JobTimeout, AgentDelay: cfg.AgentDelay, Lease: cfg.JobLease,
		Owner: instanceName(), Observer: meters,
	})
	gen := loadgen.New(st, emitter, events, log)
	defer gen.Stop()
	opt := handlers.Options{
		MaxUploadBytes: cfg.MaxUploadBytes, AllowedOrigins: cfg.CORSOrigins, Keys: cfg.APIKeys,
		MaxConcurrentUploads: cfg.MaxConcurrentUploads, UploadWait: cfg.UploadWait, UploadTimeout: cfg.UploadTimeout,
		MaxQueuedJobs: cfg.MaxQueuedJobs, MaxStreams: cfg.MaxStreams, MaxStreamsPerTenant: cfg.MaxStreamsPerTenant,
		Limits: extract.Limits{MaxCells: cfg.MaxTableCells, MaxRows: cfg.MaxTableRows, MaxTextBytes: cfg.MaxTextBytes},
	}
	if instances != nil {
		opt.Instances = instances
	}
	h := handlers.New(st, jobs, gen, events, registry, log, opt)
	apiOpt := api.Options{CORSOrigins: cfg.CORSOrigins, TrustedProxies: cfg.TrustedProxies, Metrics: meters}
	if cfg.RateLimit > 0 {
		apiOpt.RateLimit = api.NewLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.MetricsAddr == "" {
		apiOpt.MetricsHandler = meters.Handler()
	}
	srv := &http.Server{
		Handler:           api.New(h, log, apiOpt),
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, an upload of the largest size at a slow rate included; a stream's
		// connection is not bound by it: the upgrade clears the server's deadlines, and the
		// stream keeps its own (pong wait).
		ReadTimeout: 10*time.Second + cfg.UploadTimeout,
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}

	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	runCtx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRunner()
	defer stopHub()
	var bg sync.WaitGroup
	bg.Go(func() { events.Run(hubCtx) })
	if instances != nil {
		bg.Go(func() { instances.Run(hubCtx) })
	}
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- jobs.Run(runCtx) }()
	serveErr := make(chan error, 3)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "database", cfg.DatabaseURL, "redis", cfg.RedisURL != "", "workers", cfg.Workers, "instance", jobs.Owner(),
		"auth", len(cfg.APIKeys) > 0, "tenants", tenants(cfg.APIKeys))
	if cfg.OpenBeyondLoopback {
		log.Warn("serving without API keys on an address that is not loopback (VERITAS_ALLOW_OPEN): anyone who reaches it may read, change and delete every job",
			"addr", ln.Addr().String())
	}
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen on %s (admin): %w", cfg.AdminAddr, err)
		}
		admin := &http.Server{Handler: api.NewAdmin(h, log), ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- admin.Serve(aln) }()
		defer admin.Close()
		log.Info("admin listening", "addr", aln.Addr().String())
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen on %s (metrics): %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", meters.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}

	var failure error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		failure = fmt.Errorf("serve: %w", err)
	case err := <-runnerDone:
		runnerDone <- err // the shutdown below reads it again
		failure = fmt.Errorf("runner stopped: %w", err)
	}
	// Stop taking requests (uploads in flight finish), then stop the agents: their jobs stay
	// processing and resume on the next start. Then close the streams with 1001.
	timeout := cfg.ShutdownTimeout
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
		srv.Close()
	}
	stopRunner()
	gen.Stop()
	select {
	case err := <-runnerDone:
		if err != nil {
			log.Error("runner", "err", err)
		}
	case <-time.After(timeout):
		log.Error("agents did not stop in time; their jobs resume on the next start")
	}
	stopHub()
	bg.Wait()
	wctx, wcancel := context.WithTimeout(context.Background(), timeout)
	defer wcancel()
	if err := h.WaitStreams(wctx); err != nil {
		log.Warn("streams still open at shutdown", "err", err)
	}
	log.Info("stopped")
	return failure
}

// healthcheck asks the server configured by the same settings for /api/health on loopback:
// `veritas healthcheck` is the container's health probe (the image has no shell or curl).
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.Addr) // checked by parseConfig
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort("127.0.0.1", port)+"/api/health", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%s\n", bytes.TrimSpace(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	return nil
}

// tenants counts the distinct tenants among keys (a tenant may have several keys, to rotate them).
func tenants(keys []handlers.APIKey) int {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k.Tenant] = true
	}
	return len(seen)
}

// instanceName names this process in the jobs it claims: the host, and a random suffix so that a
// restarted container with the same host name is not taken for its predecessor.
func instanceName() string {
	host, _ := os.Hostname()
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%x", host, b)
}
