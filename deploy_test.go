package main

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// compose is the part of docker-compose.yml the topology depends on.
type compose struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Ports       []string          `yaml:"ports"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// TestComposeTopology checks docker-compose.yml as `docker compose up` would read it: two API
// instances built from the Dockerfile, sharing PostgreSQL and Redis, each started only once both
// are healthy, and a proxy on one public port that waits for healthy instances.
func TestComposeTopology(t *testing.T) {
	data, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"api1", "api2", "postgres", "proxy", "redis"}; !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	for name, test := range map[string]string{"postgres": "pg_isready", "redis": "redis-cli ping", "proxy": "/api/health"} {
		if hc := strings.Join(c.Services[name].Healthcheck.Test, " "); !strings.Contains(hc, test) {
			t.Errorf("%s healthcheck %q does not run %q", name, hc, test)
		}
	}
	pg := c.Services["postgres"].Environment
	for _, api := range []string{"api1", "api2"} {
		s := c.Services[api]
		if s.Build == nil {
			t.Errorf("%s is not built from the Dockerfile", api)
		}
		env := s.Environment
		db := env["VERITAS_DATABASE_URL"]
		if want := "postgres://" + pg["POSTGRES_USER"] + ":" + pg["POSTGRES_PASSWORD"] + "@postgres:5432/" + pg["POSTGRES_DB"]; !strings.HasPrefix(db, want) {
			t.Errorf("%s VERITAS_DATABASE_URL %q, want the postgres service's database %s", api, db, want)
		}
		if r := env["VERITAS_REDIS_URL"]; !strings.HasPrefix(r, "redis://redis:6379") {
			t.Errorf("%s VERITAS_REDIS_URL %q, want the redis service", api, r)
		}
		if a := env["VERITAS_ADDR"]; a != "0.0.0.0:8000" {
			t.Errorf("%s VERITAS_ADDR %q: the proxy reaches it on port 8000 of every interface", api, a)
		}
		cfg, err := parseConfig(nil, func(k string) string { return env[k] }, os.Stderr)
		if err != nil {
			t.Errorf("%s: its environment does not start the server (listening beyond loopback needs keys or VERITAS_ALLOW_OPEN): %v", api, err)
		} else if cfg.postgresURL != db || cfg.RedisURL != env["VERITAS_REDIS_URL"] {
			t.Errorf("%s: database %q, redis %q", api, cfg.postgresURL, cfg.RedisURL)
		}
		for _, dep := range []string{"postgres", "redis"} {
			if cond := s.DependsOn[dep].Condition; cond != "service_healthy" {
				t.Errorf("%s depends on %s with condition %q, want service_healthy", api, dep, cond)
			}
		}
		if hc := s.Healthcheck.Test; !slices.Contains(hc, "healthcheck") {
			t.Errorf("%s healthcheck %v does not run `veritas healthcheck`", api, hc)
		}
	}
	proxy := c.Services["proxy"]
	if !slices.Contains(proxy.Ports, "8000:80") && !slices.Contains(proxy.Ports, "127.0.0.1:8000:80") {
		t.Errorf("proxy ports %v, want 8000:80 or 127.0.0.1:8000:80", proxy.Ports)
	}
	// Instances without keys serve every job to anyone who reaches them: then the proxy, their
	// only way in, must be published on the host's loopback only.
	for _, api := range []string{"api1", "api2"} {
		env := c.Services[api].Environment
		keyed := env["VERITAS_API_KEYS"] != "" || env["VERITAS_API_KEYS_FILE"] != ""
		if keyed || env["VERITAS_ALLOW_OPEN"] == "" {
			continue
		}
		for _, p := range proxy.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s runs open (VERITAS_ALLOW_OPEN) but the proxy publishes %q beyond this machine; give the instances keys or publish on 127.0.0.1", api, p)
			}
		}
	}
	if !slices.ContainsFunc(proxy.Volumes, func(v string) bool { return strings.HasPrefix(v, "./deploy/nginx.conf:/etc/nginx/nginx.conf") }) {
		t.Errorf("proxy volumes %v do not mount deploy/nginx.conf", proxy.Volumes)
	}
	for _, api := range []string{"api1", "api2"} {
		if cond := proxy.DependsOn[api].Condition; cond != "service_healthy" {
			t.Errorf("proxy depends on %s with condition %q, want service_healthy", api, cond)
		}
	}
}

// TestProxyConfig checks deploy/nginx.conf: both instances upstream, the WebSocket upgrade
// forwarded on /ws/, no buffering of the stream, and read timeouts longer than the ping interval.
func TestProxyConfig(t *testing.T) {
	data, err := os.ReadFile("deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	for _, s := range []string{"server api1:8000", "server api2:8000"} {
		if !strings.Contains(conf, s) {
			t.Errorf("upstream lacks %q", s)
		}
	}
	ws := block(t, conf, "location /ws/")
	for _, d := range []string{
		"proxy_pass http://veritas;", "proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
		"proxy_set_header Connection $connection_upgrade;", "proxy_buffering off;",
	} {
		if !strings.Contains(ws, d) {
			t.Errorf("location /ws/ lacks %q", d)
		}
	}
	if !regexp.MustCompile(`map \$http_upgrade \$connection_upgrade \{\s*default upgrade;`).MatchString(conf) {
		t.Error("no map from $http_upgrade to a Connection: upgrade header")
	}
	const ping = 30 * time.Second // handlers' default PingInterval
	for _, loc := range []string{"location /ws/", "location /"} {
		m := regexp.MustCompile(`proxy_read_timeout (\d+)s;`).FindStringSubmatch(block(t, conf, loc))
		if m == nil {
			t.Errorf("%s sets no proxy_read_timeout", loc)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); time.Duration(n)*time.Second <= 2*ping {
			t.Errorf("%s proxy_read_timeout %ss: want well over the %s ping interval", loc, m[1], ping)
		}
	}
}

// block returns the body of the first `head { … }` block in conf.
func block(t *testing.T, conf, head string) string {
	t.Helper()
	i := strings.Index(conf, head+" {")
	if i < 0 {
		t.Fatalf("no %q block", head)
	}
	depth := 0
	for j := i; j < len(conf); j++ {
		switch conf[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return conf[i : j+1]
			}
		}
	}
	t.Fatalf("%q block is not closed", head)
	return ""
}

// TestDockerfile checks the image build: multi-stage, a static binary, a non-root user, and
// the health probe the compose file relies on.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 2 {
		t.Errorf("%d stages, want a build stage and a runtime stage", n)
	}
	for _, s := range []string{"CGO_ENABLED=0", "COPY --from=build", `"healthcheck"`, "ENTRYPOINT"} {
		if !strings.Contains(df, s) {
			t.Errorf("Dockerfile lacks %q", s)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(df)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("USER %v: the image must run as a non-root user", user)
	}
}
