package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// config is every setting of the server: defaults in code, then VERITAS_* environment
// variables, then flags. It is parsed and checked once, at start.
type config struct {
	Addr            string
	DatabaseURL     string // as logs show it: without its password
	RedisURL        string
	JobLease        time.Duration
	CORSOrigins     []string
	MaxUploadBytes  int64
	Workers         int
	LogLevel        slog.Level
	JobTimeout      time.Duration
	AgentDelay      time.Duration
	ShutdownTimeout time.Duration
	SendQueue       int
	AdminAddr       string
	MetricsAddr     string
	GeminiAPIKey    string
	GeminiModel     string
	GeminiTimeout   time.Duration
	GeminiRetries   int
	LLMReview       bool

	sqlitePath  string // set for sqlite://PATH
	postgresURL string // set for postgres:// and postgresql:// URLs
}

type setting struct {
	flag, env, def, usage string
	set                   func(c *config, v string) error
}

var settings = []setting{
	{"addr", "VERITAS_ADDR", "127.0.0.1:8000", "listen address (host:port)", func(c *config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, e.g. 127.0.0.1:8000")
		}
		c.Addr = v
		return nil
	}},
	{"database-url", "VERITAS_DATABASE_URL", "sqlite://./veritas.db", "storage: sqlite://PATH, or postgres://USER:PASSWORD@HOST:5432/DB shared by several instances", func(c *config, v string) error {
		c.DatabaseURL, c.sqlitePath, c.postgresURL = redacted(v), "", ""
		if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
			if _, err := url.Parse(v); err != nil {
				return errors.New("want postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=disable")
			}
			c.postgresURL = v
			return nil
		}
		path, ok := strings.CutPrefix(v, "sqlite://")
		switch {
		case !ok:
			return errors.New("want sqlite://PATH, e.g. sqlite://./veritas.db, or postgres://USER:PASSWORD@HOST:5432/DATABASE")
		case path == "" || strings.Contains(path, ":memory:") || strings.ContainsAny(path, "?#"):
			return errors.New("want a file path after sqlite://, e.g. sqlite://./veritas.db")
		}
		c.sqlitePath = path
		return nil
	}},
	{"redis-url", "VERITAS_REDIS_URL", "", "Redis for cross-instance fan-out, redis://HOST:6379/0 (off when empty: one instance)", func(c *config, v string) error {
		c.RedisURL = ""
		if v == "" {
			return nil
		}
		if _, err := redis.ParseURL(v); err != nil {
			return errors.New("want redis://[:PASSWORD@]HOST:PORT/DB or rediss:// for TLS")
		}
		c.RedisURL = v
		return nil
	}},
	{"job-lease", "VERITAS_JOB_LEASE", "15s", "how long a job stays an instance's without renewal: after a crash, another instance (or the next start) takes it over then", durationSetting(func(c *config) *time.Duration { return &c.JobLease }, 500*time.Millisecond)},
	{"cors-origins", "VERITAS_CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000", "comma-separated browser origins allowed to call the API and open streams", func(c *config, v string) error {
		c.CORSOrigins = nil
		for _, o := range strings.Split(v, ",") {
			o = strings.TrimSpace(o)
			if o == "" {
				continue
			}
			if o != "*" {
				u, err := url.Parse(o)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
					return fmt.Errorf("%q is not an origin like https://app.example.com", o)
				}
				o = strings.TrimSuffix(o, "/")
			}
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
		return nil
	}},
	{"api-keys", "VERITAS_API_KEYS", "", "tenant:key pairs that turn on authentication (not available in this version)", func(c *config, v string) error {
		if v != "" {
			// Refusing is safer than starting with keys that are not enforced.
			return errors.New("authentication is not available in this version; leave it unset")
		}
		return nil
	}},
	{"max-upload-bytes", "VERITAS_MAX_UPLOAD_BYTES", "20971520", "largest accepted document, in bytes", func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			return errors.New("want a number of bytes from 1024 to 1073741824")
		}
		c.MaxUploadBytes = n
		return nil
	}},
	{"workers", "VERITAS_WORKERS", "4", "jobs audited at once", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return errors.New("want a whole number from 1 to 256")
		}
		c.Workers = n
		return nil
	}},
	{"log-level", "VERITAS_LOG_LEVEL", "info", "debug, info, warn or error", func(c *config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"job-timeout", "VERITAS_JOB_TIMEOUT", "5m", "longest one audit may run", durationSetting(func(c *config) *time.Duration { return &c.JobTimeout }, time.Second)},
	{"agent-delay", "VERITAS_AGENT_DELAY", "0s", "pause before each agent starts work (recovery drills and demos; 0 in production)", durationSetting(func(c *config) *time.Duration { return &c.AgentDelay }, 0)},
	{"shutdown-timeout", "VERITAS_SHUTDOWN_TIMEOUT", "15s", "longest a graceful shutdown waits", durationSetting(func(c *config) *time.Duration { return &c.ShutdownTimeout }, time.Second)},
	{"admin-addr", "VERITAS_ADMIN_ADDR", "", "loopback address of the admin listener (pprof, load generator, stats); off when empty", func(c *config, v string) error {
		if v == "" {
			return nil
		}
		host, _, err := net.SplitHostPort(v)
		if err != nil {
			return errors.New("want host:port on loopback, e.g. 127.0.0.1:6060")
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("the admin listener serves profiles and a load generator: it listens on loopback only (127.0.0.1, ::1 or localhost)")
		}
		c.AdminAddr = v
		return nil
	}},
	{"metrics-addr", "VERITAS_METRICS_ADDR", "", "address of a listener of its own for GET /metrics (then the API's listener does not serve it); empty: /metrics on the API's listener", func(c *config, v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("want host:port, e.g. 127.0.0.1:9090")
		}
		c.MetricsAddr = v
		return nil
	}},
	// The key has no flag: a flag would show it to anyone who can list processes.
	{"", "VERITAS_GEMINI_API_KEY", "", "Gemini API key; enables external_signal (and the optional review)", func(c *config, v string) error {
		c.GeminiAPIKey = strings.TrimSpace(v)
		return nil
	}},
	{"gemini-model", "VERITAS_GEMINI_MODEL", "gemini-2.5-flash", "Gemini model id", func(c *config, v string) error {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "/?# ") {
			return errors.New("want a model id like gemini-2.5-flash")
		}
		c.GeminiModel = v
		return nil
	}},
	{"gemini-timeout", "VERITAS_GEMINI_TIMEOUT", "60s", "longest one Gemini call may take", durationSetting(func(c *config) *time.Duration { return &c.GeminiTimeout }, time.Second)},
	{"gemini-max-retries", "VERITAS_GEMINI_MAX_RETRIES", "3", "retries of a Gemini call on 429/5xx/timeouts (-1: none)", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 || n > 10 {
			return errors.New("want a whole number from -1 to 10")
		}
		c.GeminiRetries = n
		return nil
	}},
	{"llm-review", "VERITAS_LLM_REVIEW", "false", "let Gemini review narrative paragraphs logic_consistency's rules could not parse (needs VERITAS_GEMINI_API_KEY)", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		c.LLMReview = b
		return nil
	}},
	{"send-queue", "VERITAS_SEND_QUEUE", "256", "events queued per WebSocket before a slow client is closed with 1013", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65536 {
			return errors.New("want a whole number from 1 to 65536")
		}
		c.SendQueue = n
		return nil
	}},
}

func durationSetting(field func(*config) *time.Duration, least time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < least || d > 24*time.Hour {
			return fmt.Errorf("want a duration from %s to 24h, e.g. 30s or 5m", least)
		}
		*field(c) = d
		return nil
	}
}

// parseConfig reads defaults, then the environment, then flags; the first bad value stops
// start-up with a message that names the setting.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	values := map[string]string{}
	source := map[string]string{}
	for _, s := range settings {
		values[s.env], source[s.env] = s.def, "default"
		if v := getenv(s.env); v != "" {
			values[s.env], source[s.env] = v, s.env
		}
	}
	fs := flag.NewFlagSet("veritas", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		if s.flag == "" {
			continue // environment only
		}
		fs.Func(s.flag, s.usage+" (env "+s.env+", default "+strconv.Quote(s.def)+")", func(v string) error {
			values[s.env], source[s.env] = v, "--"+s.flag
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range settings {
		if err := s.set(c, values[s.env]); err != nil {
			shown := strconv.Quote(redacted(values[s.env]))
			if s.flag == "" {
				shown = "(hidden)"
			}
			return nil, fmt.Errorf("invalid %s %s: %w", source[s.env], shown, err)
		}
	}
	if c.LLMReview && c.GeminiAPIKey == "" {
		return nil, errors.New("VERITAS_LLM_REVIEW=true needs VERITAS_GEMINI_API_KEY")
	}
	return c, nil
}

// redacted is v as it may be shown in messages and logs: a URL's password becomes xxxxx, and a
// value that looks like a URL with credentials but does not parse is hidden whole.
func redacted(v string) string {
	if !strings.Contains(v, "://") {
		return v
	}
	u, err := url.Parse(v)
	switch {
	case err != nil && strings.Contains(v, "@"):
		return "(hidden: not a valid URL)"
	case err != nil:
		return v
	}
	if _, ok := u.User.Password(); !ok {
		return v
	}
	return u.Redacted()
}

// flagHelp is returned when -h or --help was asked for; the usage is printed already.
var flagHelp = flag.ErrHelp
