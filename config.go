package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/handlers"
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
	// APIKeys turn on authentication: only the keys' hashes are kept. None is open mode.
	APIKeys []handlers.APIKey
	// AllowOpen lets open mode listen on an address that is not loopback; OpenBeyondLoopback
	// is then set, and start-up logs a warning.
	AllowOpen          bool
	OpenBeyondLoopback bool

	// Admission: what one instance takes on at once.
	MaxConcurrentUploads int
	UploadWait           time.Duration
	UploadTimeout        time.Duration
	MaxQueuedJobs        int
	MaxStreams           int
	MaxStreamsPerTenant  int
	RateLimit            float64 // requests a second per client; 0: off
	RateBurst            int
	TrustedProxies       []string
	MaxTableCells        int
	MaxTableRows         int
	MaxTextBytes         int64
	MemoryLimit          int64 // the Go runtime's soft memory limit, bytes; 0: none

	sqlitePath  string // set for sqlite://PATH
	postgresURL string // set for postgres:// and postgresql:// URLs
}

type setting struct {
	flag, env, def, usage string
	set                   func(c *config, v string) error
}

// secret names the settings whose value is never shown, not even in an error.
var secret = map[string]bool{"VERITAS_API_KEYS": true}

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
	{"api-keys", "VERITAS_API_KEYS", "", "comma-separated tenant:key pairs that turn on authentication (a flag is visible to anyone who lists processes: prefer the environment or --api-keys-file)", func(c *config, v string) error {
		if v == "" {
			return nil
		}
		keys, err := parseAPIKeys(strings.Split(v, ","), func(i int) string { return "entry " + strconv.Itoa(i+1) })
		if err == nil && len(keys) == 0 {
			err = errors.New("want tenant:key pairs, e.g. acme:<a key of 16 characters or more>")
		}
		c.APIKeys = keys
		return err
	}},
	{"api-keys-file", "VERITAS_API_KEYS_FILE", "", "file of tenant:key lines (blank lines and # comments allowed) that turn on authentication", func(c *config, v string) error {
		if v == "" {
			return nil
		}
		if len(c.APIKeys) > 0 {
			return errors.New("set VERITAS_API_KEYS or VERITAS_API_KEYS_FILE, not both")
		}
		data, err := os.ReadFile(v)
		if err != nil {
			return fmt.Errorf("cannot read the key file: %w", err)
		}
		keys, err := parseAPIKeys(strings.Split(string(data), "\n"), func(i int) string { return "line " + strconv.Itoa(i+1) })
		if err == nil && len(keys) == 0 {
			err = errors.New("the key file holds no tenant:key line")
		}
		c.APIKeys = keys
		return err
	}},
	{"allow-open", "VERITAS_ALLOW_OPEN", "false", "serve without API keys on an address that is not loopback (anyone who reaches it may read and delete every job)", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want 1 or 0 (true or false)")
		}
		c.AllowOpen = b
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

// admissionSettings bound what one instance takes on at once; see README, "Admission".
var admissionSettings = []setting{
	{"max-concurrent-uploads", "VERITAS_MAX_CONCURRENT_UPLOADS", strconv.Itoa(2 * runtime.GOMAXPROCS(0)), "uploads read and extracted at once (default: 2 per CPU); the next waits --upload-wait, then gets 503", intSetting(func(c *config) *int { return &c.MaxConcurrentUploads }, 1, 1024)},
	{"upload-wait", "VERITAS_UPLOAD_WAIT", "2s", "how long an upload waits for a free slot before it gets 503 with Retry-After", durationSetting(func(c *config) *time.Duration { return &c.UploadWait }, 10*time.Millisecond)},
	{"upload-timeout", "VERITAS_UPLOAD_TIMEOUT", "5m", "longest an upload's body may take to arrive (408 after); also the server's read timeout", durationSetting(func(c *config) *time.Duration { return &c.UploadTimeout }, time.Second)},
	{"max-queued-jobs", "VERITAS_MAX_QUEUED_JOBS", "1000", "uploads get 503 while this many jobs wait for a worker (counted in the store: all instances together)", intSetting(func(c *config) *int { return &c.MaxQueuedJobs }, 1, 10_000_000)},
	{"max-streams", "VERITAS_MAX_STREAMS", "10000", "WebSocket connections this instance serves at once; the next gets 503", intSetting(func(c *config) *int { return &c.MaxStreams }, 1, 10_000_000)},
	{"max-streams-per-tenant", "VERITAS_MAX_STREAMS_PER_TENANT", "1000", "WebSocket connections one tenant (API key holder) may hold on this instance; the next gets 429", intSetting(func(c *config) *int { return &c.MaxStreamsPerTenant }, 1, 10_000_000)},
	{"rate-limit", "VERITAS_RATE_LIMIT", "20", "requests a second each client (IP) may make on average to /api/v1 and the streams (429 beyond); 0 turns the limit off", func(c *config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1e6 || f != f {
			return errors.New("want a number of requests a second from 0 (off) to 1000000, e.g. 20 or 0.5")
		}
		c.RateLimit = f
		return nil
	}},
	{"rate-burst", "VERITAS_RATE_BURST", "40", "requests a client may make at once before --rate-limit applies", intSetting(func(c *config) *int { return &c.RateBurst }, 1, 1_000_000)},
	{"trusted-proxies", "VERITAS_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For names the client (for the rate limit); none by default", func(c *config, v string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return fmt.Errorf("%q is not an IP address or CIDR like 10.0.0.0/8", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"memory-limit", "VERITAS_MEMORY_LIMIT", "320MiB", "soft limit of the Go heap (debug.SetMemoryLimit): the collector works harder near it, so the admission limits keep the process within its budget; 0 for none (GOMEMLIMIT, when set, wins)", func(c *config, v string) error {
		n, ok := parseBytes(v)
		if !ok || (n != 0 && n < 64<<20) {
			return errors.New("want 0 or a size of at least 64MiB, e.g. 320MiB or 1GiB")
		}
		c.MemoryLimit = n
		return nil
	}},
	{"max-table-cells", "VERITAS_MAX_TABLE_CELLS", strconv.Itoa(extract.DefaultLimits().MaxCells), "table cells a document may hold (422 beyond)", intSetting(func(c *config) *int { return &c.MaxTableCells }, 1, 100_000_000)},
	{"max-table-rows", "VERITAS_MAX_TABLE_ROWS", strconv.Itoa(extract.DefaultLimits().MaxRows), "table rows a document may hold (422 beyond)", intSetting(func(c *config) *int { return &c.MaxTableRows }, 1, 100_000_000)},
	{"max-text-bytes", "VERITAS_MAX_TEXT_BYTES", strconv.FormatInt(extract.DefaultLimits().MaxTextBytes, 10), "bytes of text a document may hold (422 beyond)", func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			return errors.New("want a number of bytes from 1024 to 1073741824")
		}
		c.MaxTextBytes = n
		return nil
	}},
}

func init() { settings = append(settings, admissionSettings...) }

// parseBytes reads a size like 400MiB, 1GiB or a plain number of bytes.
func parseBytes(v string) (int64, bool) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = s, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, false
	}
	return n * mult, true
}

func intSetting(field func(*config) *int, least, most int) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < least || n > most {
			return fmt.Errorf("want a whole number from %d to %d", least, most)
		}
		*field(c) = n
		return nil
	}
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
			if s.flag == "" || secret[s.env] {
				shown = "(hidden)"
			}
			return nil, fmt.Errorf("invalid %s %s: %w", source[s.env], shown, err)
		}
	}
	if c.LLMReview && c.GeminiAPIKey == "" {
		return nil, errors.New("VERITAS_LLM_REVIEW=true needs VERITAS_GEMINI_API_KEY")
	}
	if len(c.APIKeys) > 0 {
		if slices.Contains(c.CORSOrigins, "*") {
			return nil, errors.New("VERITAS_CORS_ORIGINS \"*\" is refused with API keys: name the browser origins that may call the API")
		}
		return c, nil
	}
	host, _, _ := net.SplitHostPort(c.Addr) // checked by its setting
	if !isLoopback(host) {
		if !c.AllowOpen {
			return nil, fmt.Errorf("VERITAS_ADDR %s is not a loopback address, and without API keys anyone who reaches it could read and delete every job: "+
				"set VERITAS_API_KEYS or VERITAS_API_KEYS_FILE, or VERITAS_ALLOW_OPEN=1 to serve it open anyway", c.Addr)
		}
		c.OpenBeyondLoopback = true
	}
	return c, nil
}

// isLoopback reports whether a listen host reaches this machine only. "" and 0.0.0.0 listen on
// every interface, and a host name other than localhost may resolve anywhere.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tenantName is what a tenant may be called: it shows in logs.
var tenantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// parseAPIKeys reads tenant:key entries (blank ones and # comments skipped) and keeps only the
// keys' hashes. An error names the entry by where (its position) and its tenant, never its key.
func parseAPIKeys(entries []string, where func(i int) string) ([]handlers.APIKey, error) {
	var keys []handlers.APIKey
	seen := map[[32]byte]string{}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || strings.HasPrefix(e, "#") {
			continue
		}
		tenant, key, ok := strings.Cut(e, ":")
		tenant, key = strings.TrimSpace(tenant), strings.TrimSpace(key)
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: want tenant:key", where(i))
		case !tenantName.MatchString(tenant):
			return nil, fmt.Errorf("%s: a tenant is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", where(i))
		case len(key) < 16 || len(key) > 256:
			return nil, fmt.Errorf("%s (tenant %s): a key is 16 to 256 characters", where(i), tenant)
		case strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e || r == ',' }):
			return nil, fmt.Errorf("%s (tenant %s): a key is printable ASCII without spaces or commas", where(i), tenant)
		}
		k := handlers.NewAPIKey(tenant, key)
		if other, dup := seen[k.Hash]; dup {
			return nil, fmt.Errorf("%s (tenant %s): the same key is given already, for tenant %s", where(i), tenant, other)
		}
		seen[k.Hash] = tenant
		keys = append(keys, k)
	}
	return keys, nil
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
