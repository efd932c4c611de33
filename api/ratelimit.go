package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/veritas-audit/veritas/handlers"
)

// Limiter is a token bucket per key (golang.org/x/time/rate): each key may make Rate requests
// a second on average and Burst at once. The key is whatever the caller passes: the client's
// IP today, a tenant once authentication names one (RateKey). Buckets idle for longer than it
// takes them to refill are forgotten, so memory follows the active keys, not every key seen.
type Limiter struct {
	rate  rate.Limit
	burst int
	idle  time.Duration // a bucket unused this long is full again and may be dropped

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows each key perSecond requests a second on average, burst at once.
func NewLimiter(perSecond float64, burst int) *Limiter {
	idle := time.Minute
	if perSecond > 0 {
		idle = max(idle, time.Duration(float64(burst)/perSecond*float64(time.Second)))
	}
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, idle: idle, buckets: map[string]*bucket{}}
}

// Allow takes one request from key's bucket. When the bucket is empty it returns false and how
// long until the next request would be allowed.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.idle {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, l.idle
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // not taken: the request is refused
		return false, d
	}
	return true, 0
}

// RateKey picks the key a request is limited by. ClientIP is the default; once authentication
// has run (it sets handlers.TenantKey), a key function can return the tenant instead, or
// "tenant/ip", and pass it to the same Limiter.
type RateKey func(c *gin.Context) string

// TenantOrIP keys an authenticated request by its tenant, so that a tenant's requests share one
// budget whichever addresses they come from, and any other (open mode, a stream before its
// handler authenticates it) by the client's address. It is the default RateKey.
func TenantOrIP(c *gin.Context) string {
	if t := handlers.Tenant(c); t != "" {
		return "tenant " + t
	}
	return "ip " + c.ClientIP()
}

// ClientIP keys requests by the client's address (gin's ClientIP, which trusts forwarding
// headers only from the proxies the engine trusts: none unless configured).
func ClientIP(c *gin.Context) string { return c.ClientIP() }

// rateLimit refuses a request with 429 and Retry-After when its key's bucket is empty, and
// logs the refusal.
func rateLimit(l *Limiter, key RateKey, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		ok, wait := l.Allow(key(c))
		if ok {
			c.Next()
			return
		}
		handlers.Refusing(c, "rate limit")
		c.Header("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		handlers.WriteProblem(c, http.StatusTooManyRequests, "Too many requests from this client; wait as long as Retry-After says, then try again.")
	}
}
