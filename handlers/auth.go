package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/store"
)

// APIKey is one tenant's key as the server keeps it: the SHA-256 of the key, never the key.
type APIKey struct {
	Tenant string
	Hash   [sha256.Size]byte
}

// NewAPIKey hashes key for tenant; the caller drops the key itself.
func NewAPIKey(tenant, key string) APIKey {
	return APIKey{Tenant: tenant, Hash: sha256.Sum256([]byte(key))}
}

// tenantOfKey finds the tenant whose key hashes to the same value as key. Every stored hash is
// compared, each in constant time, so the time taken says nothing about which key came close.
func tenantOfKey(keys []APIKey, key string) (string, bool) {
	sum := sha256.Sum256([]byte(key))
	tenant, found := "", false
	for _, k := range keys {
		if subtle.ConstantTimeCompare(sum[:], k.Hash[:]) == 1 {
			tenant, found = k.Tenant, true
		}
	}
	return tenant, found
}

// tenantOf is the tenant the request was authenticated as ("" in open mode). A route that was
// not authenticated has none, and panics here: the recovery middleware answers 500 rather than
// serve a job to nobody in particular.
func tenantOf(c *gin.Context) string { return c.MustGet(TenantKey).(string) }

// Authenticate is the middleware of every /api/v1 route: with keys configured, the request must
// carry one (Authorization: Bearer <key> or X-API-Key: <key>), and its tenant is the key's. In
// open mode every request is the tenant "".
func (h *Handlers) Authenticate(c *gin.Context) {
	t, ok := h.caller(c, "")
	if !ok {
		return
	}
	c.Set(TenantKey, t)
	c.Next()
}

// caller authenticates a request and returns its tenant. streamJob is the job of a stream
// request, which may instead carry a ticket for that job (?ticket=). On failure it has answered
// 401, or 429 when the remote address failed too often, and logged one line.
func (h *Handlers) caller(c *gin.Context, streamJob string) (string, bool) {
	if len(h.opt.Keys) == 0 {
		return "", true
	}
	addr := remoteAddr(c.Request)
	if wait := h.failures.retryAfter(addr); wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		h.rejected(c, "too many failures", "")
		WriteProblem(c, http.StatusTooManyRequests, "Too many failed attempts to authenticate from this address; try again later.")
		return "", false
	}
	fail := func(reason, tenant, detail string) (string, bool) {
		h.failures.add(addr)
		h.rejected(c, reason, tenant)
		c.Header("WWW-Authenticate", `Bearer realm="veritas"`)
		WriteProblem(c, http.StatusUnauthorized, detail)
		return "", false
	}
	key, ok := requestKey(c.Request)
	switch {
	case !ok:
		return fail("malformed authorization", "", "The Authorization header must be Bearer <key>.")
	case key != "":
		if t, ok := tenantOfKey(h.opt.Keys, key); ok {
			return t, true
		}
		return fail("unknown key", "", "The API key is not valid.")
	}
	q := c.Request.URL.Query()
	if q.Has("api_key") || q.Has("key") {
		return fail("key in URL", "", "API keys are not taken from URLs; send the key in the Authorization header.")
	}
	ticket := q.Get("ticket")
	if streamJob == "" || ticket == "" {
		detail := "This API needs a key: send Authorization: Bearer <key>."
		if streamJob != "" {
			detail = "This stream needs a ticket (POST /api/v1/jobs/{id}/stream-ticket, then ?ticket=) or an API key header."
		}
		return fail("no key", "", detail)
	}
	tk, err := h.store.UseTicket(c.Request.Context(), ticketHash(ticket))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail("unknown or used ticket", "", "The stream ticket is not valid or was used already; ask for a new one.")
	case err != nil:
		h.Problem(c, err)
		return "", false
	case tk.JobID != streamJob:
		return fail("ticket for another job", tk.Tenant, "The stream ticket was issued for another job.")
	case tk.Expired:
		return fail("expired ticket", tk.Tenant, "The stream ticket has expired; ask for a new one.")
	}
	return tk.Tenant, true
}

// rejected names why authentication refuses the request, and the tenant a ticket named, for
// the one line WriteProblem logs: never the key or the ticket, and not the query string.
func (h *Handlers) rejected(c *gin.Context, reason, tenant string) {
	Refusing(c, reason)
	if tenant != "" {
		c.Set(refusedTenantKey, tenant)
	}
}

// refusedTenantKey keeps the tenant a refused request claimed (its ticket's), for the log only:
// the request is not that tenant's.
const refusedTenantKey = "veritas.refused_tenant"

// requestKey reads the key from Authorization: Bearer <key> or X-API-Key: <key> ("" when the
// request has neither); ok is false for an Authorization header of another form.
func requestKey(r *http.Request) (key string, ok bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, key, _ := strings.Cut(auth, " ")
		key = strings.TrimSpace(key)
		return key, strings.EqualFold(scheme, "Bearer") && key != ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key")), true
}

// remoteAddr is the address failures are counted against: the peer's IP (a proxy's, behind
// one; forwarded headers are not trusted), and for IPv6 its /64, which one client usually has
// whole.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// ticketHash is how a stream ticket is stored: the hex SHA-256 of what the client holds.
func ticketHash(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// StreamTicket issues a single-use ticket that opens the job's WebSocket for the next TicketTTL
// (POST /api/v1/jobs/:id/stream-ticket): browsers cannot send a key header on a WebSocket, and
// keys never go in URLs. The ticket is stored hashed, so any instance accepts it.
func (h *Handlers) StreamTicket(c *gin.Context) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	var raw [32]byte
	rand.Read(raw[:])
	ticket := base64.RawURLEncoding.EncodeToString(raw[:])
	expires, err := h.store.CreateTicket(c.Request.Context(), tenantOf(c), id, ticketHash(ticket), h.opt.TicketTTL)
	if err != nil {
		h.Problem(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"ticket": ticket, "expires_at": expires})
}

// failures is a token bucket of failed authentications per remote address: an address may fail
// burst times at once, and once more every `every` after that. Past that it is refused with 429
// without its credentials being checked, so keys cannot be guessed at speed.
type failures struct {
	mu    sync.Mutex
	burst float64
	every time.Duration
	now   func() time.Time
	addrs map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxFailAddrs bounds the addresses remembered; past it, those whose bucket has refilled are
// forgotten, and if that is not enough, all are.
const maxFailAddrs = 10000

func newFailures(burst int, every time.Duration, now func() time.Time) *failures {
	return &failures{burst: float64(burst), every: every, now: now, addrs: map[string]*bucket{}}
}

// refill brings b up to date at t.
func (f *failures) refill(b *bucket, t time.Time) {
	b.tokens = math.Min(f.burst, b.tokens+float64(t.Sub(b.at))/float64(f.every))
	b.at = t
}

// retryAfter is how long addr must wait before its credentials are checked again (0: now).
func (f *failures) retryAfter(addr string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.addrs[addr]
	if !ok {
		return 0
	}
	f.refill(b, f.now())
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(f.every))
}

// add counts one failure of addr.
func (f *failures) add(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now()
	b, ok := f.addrs[addr]
	if !ok {
		if len(f.addrs) >= maxFailAddrs {
			f.forget(t)
		}
		b = &bucket{tokens: f.burst, at: t}
		f.addrs[addr] = b
	}
	f.refill(b, t)
	b.tokens = math.Max(0, b.tokens-1)
}

// forget drops the addresses whose bucket is full again, or all of them if none is.
func (f *failures) forget(t time.Time) {
	for a, b := range f.addrs {
		if f.refill(b, t); b.tokens >= f.burst {
			delete(f.addrs, a)
		}
	}
	if len(f.addrs) >= maxFailAddrs {
		clear(f.addrs)
	}
}
