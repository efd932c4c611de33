package handlers

import (
	"net/http"
	"testing"
	"time"
)

// TestFailuresRefill: an address may fail burst times, then waits one interval per further
// failure; other addresses are not affected, and a full bucket is forgotten when room is needed.
func TestFailuresRefill(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f := newFailures(3, 6*time.Second, func() time.Time { return now })
	for range 3 {
		if wait := f.retryAfter("10.0.0.1"); wait != 0 {
			t.Fatalf("before the burst is spent: wait %s", wait)
		}
		f.add("10.0.0.1")
	}
	if wait := f.retryAfter("10.0.0.1"); wait != 6*time.Second {
		t.Errorf("after 3 failures: wait %s, want 6s", wait)
	}
	if wait := f.retryAfter("10.0.0.2"); wait != 0 {
		t.Errorf("another address: wait %s", wait)
	}
	now = now.Add(4 * time.Second)
	if wait := f.retryAfter("10.0.0.1"); wait != 2*time.Second {
		t.Errorf("4 s later: wait %s, want 2s", wait)
	}
	now = now.Add(2 * time.Second)
	if wait := f.retryAfter("10.0.0.1"); wait != 0 {
		t.Errorf("6 s later: wait %s, want none", wait)
	}
	f.add("10.0.0.1")
	if wait := f.retryAfter("10.0.0.1"); wait != 6*time.Second {
		t.Errorf("one more failure: wait %s, want 6s", wait)
	}
	now = now.Add(time.Minute)
	f.forget(now)
	if len(f.addrs) != 0 {
		t.Errorf("refilled buckets kept: %v", f.addrs)
	}
}

func TestRemoteAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5555":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[::1]:80":                   "::/64",
		"not-an-address":             "not-an-address",
	} {
		if got := remoteAddr(&http.Request{RemoteAddr: in}); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestTenantOfKey(t *testing.T) {
	keys := []APIKey{NewAPIKey("acme", "acme-key-0123456789"), NewAPIKey("acme", "acme-new-key-0123456789"), NewAPIKey("globex", "globex-key-0123456789")}
	for key, want := range map[string]string{"acme-key-0123456789": "acme", "acme-new-key-0123456789": "acme", "globex-key-0123456789": "globex", "acme-key-012345678": "", "": ""} {
		if got, ok := tenantOfKey(keys, key); got != want || ok != (want != "") {
			t.Errorf("key %q: %q %v, want %q", key, got, ok, want)
		}
	}
}
