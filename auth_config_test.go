package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestConfigAPIKeys: keys come from VERITAS_API_KEYS, --api-keys or a file; only their hashes
// are kept; a bad entry stops start-up with a message that names it but never shows a key.
func TestConfigAPIKeys(t *testing.T) {
	const k1, k2, k3 = "acme-0123456789abcdef", "globex-0123456789abcdef", "acme-rotated-0123456789"
	c, err := parseConfig(nil, envOf("VERITAS_API_KEYS", "acme:"+k1+", globex:"+k2), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.APIKeys) != 2 || c.APIKeys[0].Tenant != "acme" || c.APIKeys[0].Hash != sha256.Sum256([]byte(k1)) ||
		c.APIKeys[1].Tenant != "globex" || c.APIKeys[1].Hash != sha256.Sum256([]byte(k2)) {
		t.Errorf("keys %+v", c.APIKeys)
	}
	if c, err := parseConfig([]string{"--api-keys", "acme:" + k3}, envOf("VERITAS_API_KEYS", "acme:"+k1), io.Discard); err != nil ||
		len(c.APIKeys) != 1 || c.APIKeys[0].Hash != sha256.Sum256([]byte(k3)) {
		t.Errorf("the flag over the environment: %+v, %v", c, err)
	}

	file := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(file, []byte("# tenants of the staging instances\n\nacme:"+k1+"\n  acme:"+k3+"  \n# globex left\nglobex:"+k2+"\n"), 0o600)
	c, err = parseConfig(nil, envOf("VERITAS_API_KEYS_FILE", file, "VERITAS_ADDR", "0.0.0.0:8000"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.APIKeys) != 3 || c.APIKeys[1].Tenant != "acme" || c.APIKeys[2].Tenant != "globex" || c.OpenBeyondLoopback {
		t.Errorf("keys from the file: %+v", c.APIKeys)
	}

	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("# nothing yet\n"), 0o600)
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"VERITAS_API_KEYS", "acme"}, "entry 1: want tenant:key"},
		{[]string{"VERITAS_API_KEYS", "acme:" + k1 + ",globex:s3cret"}, "entry 2 (tenant globex): a key is 16 to 256 characters"},
		{[]string{"VERITAS_API_KEYS", "ac me:" + k1}, "entry 1: a tenant is"},
		{[]string{"VERITAS_API_KEYS", "acme:" + k1 + ",globex:" + k1}, "the same key is given already, for tenant acme"},
		{[]string{"VERITAS_API_KEYS", "acme:" + k1 + " with-space"}, "printable ASCII without spaces"},
		{[]string{"VERITAS_API_KEYS", ","}, "want tenant:key pairs"},
		{[]string{"VERITAS_API_KEYS", "acme:" + k1, "VERITAS_API_KEYS_FILE", file}, "not both"},
		{[]string{"VERITAS_API_KEYS_FILE", empty}, "holds no tenant:key line"},
		{[]string{"VERITAS_API_KEYS_FILE", filepath.Join(t.TempDir(), "missing")}, "cannot read the key file"},
		{[]string{"VERITAS_API_KEYS", "acme:" + k1, "VERITAS_CORS_ORIGINS", "*"}, `VERITAS_CORS_ORIGINS "*" is refused with API keys`},
		{[]string{"VERITAS_ADDR", "0.0.0.0:8000"}, "not a loopback address"},
		{[]string{"VERITAS_ADDR", ":8000"}, "not a loopback address"},
		{[]string{"VERITAS_ADDR", "veritas.internal:8000"}, "not a loopback address"},
		{[]string{"VERITAS_ALLOW_OPEN", "maybe"}, "VERITAS_ALLOW_OPEN"},
	} {
		_, err := parseConfig(nil, envOf(tc.env...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q", tc.env, err, tc.want)
			continue
		}
		for _, secret := range []string{k1, "s3cret"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%v: the error shows a key: %v", tc.env, err)
			}
		}
	}

	for _, addr := range []string{"127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2:8000"} {
		if c, err := parseConfig(nil, envOf("VERITAS_ADDR", addr), io.Discard); err != nil || c.OpenBeyondLoopback {
			t.Errorf("open mode on %s: %+v, %v", addr, c, err)
		}
	}
	if c, err := parseConfig(nil, envOf("VERITAS_CORS_ORIGINS", "*"), io.Discard); err != nil || c.CORSOrigins[0] != "*" {
		t.Errorf("* without keys: %v", err)
	}
}

// TestOpenBeyondLoopbackWarns: VERITAS_ALLOW_OPEN=1 lets open mode listen on every interface,
// and the log says so.
func TestOpenBeyondLoopbackWarns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &watchedLog{seen: make(chan struct{}), want: "serving without API keys"}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "0.0.0.0:0", "--database-url", "sqlite://" + filepath.Join(t.TempDir(), "v.db")},
			envOf("VERITAS_ALLOW_OPEN", "1"), out)
	}()
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("run ended before the warning: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no warning within 30 s:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"level":"WARN","msg":"serving without API keys on an address that is not loopback`) {
		t.Errorf("the warning is not a WARN line:\n%s", out.String())
	}
}

// watchedLog collects a server's log and closes seen once a line holds want.
type watchedLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchedLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(w.want)) {
		w.once.Do(func() { close(w.seen) })
	}
	return w.buf.Write(p)
}

func (w *watchedLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
