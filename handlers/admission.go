package handlers

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// TenantKey is the gin context key under which authentication, when it runs before the
// handlers, puts the request's tenant. Until then it is unset and every request belongs to the
// tenant "": idempotency keys, rejection logs and the limits keyed by it take it from here.
const TenantKey = "tenant"

// Tenant is the request's tenant ("" without authentication).
func Tenant(c *gin.Context) string { return c.GetString(TenantKey) }

// Refusing names why the request is being refused (a short stable reason such as "rate limit"
// or "upload slots busy") for the one line WriteProblem logs when it answers the refusal.
func Refusing(c *gin.Context, reason string) { c.Set(reasonKey, reason) }

// reasonKey is where Refusing keeps the reason in the request's gin context.
const reasonKey = "veritas.refusal_reason"

// reject answers a refusal as problem+json, logged with its reason; retryAfter, when set,
// becomes the Retry-After header.
func (h *Handlers) reject(c *gin.Context, reason string, retryAfter time.Duration, e *Error) {
	Refusing(c, reason)
	if retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	WriteProblem(c, e.Status, e.Detail, e.Fields...)
}

// errSlotsBusy is readSlot's answer when every slot stayed taken for UploadWait.
var errSlotsBusy = errors.New("upload slots busy")

// readSlot waits up to UploadWait for one of the MaxConcurrentUploads slots that bound how many
// documents are read (and held in memory) at once, and returns its release. It fails with
// errSlotsBusy when the wait runs out, or with the request's context error when the client
// leaves.
func (h *Handlers) readSlot(c *gin.Context) (release func(), err error) {
	wait := time.NewTimer(h.opt.UploadWait)
	defer wait.Stop()
	select {
	case h.uploads <- struct{}{}:
		return func() { <-h.uploads }, nil
	case <-wait.C:
		return nil, errSlotsBusy
	case <-c.Request.Context().Done():
		return nil, c.Request.Context().Err()
	}
}

// drainWait bounds how long a refused upload's unread body is read and thrown away after the
// answer, so that the client, still sending, reads the answer instead of a connection reset.
const drainWait = 10 * time.Second

// body is an upload's request body as the connection delivers it, under the handler's
// MaxBytesReader. It remembers whether it was read at all (with Expect: 100-continue, the
// first read sends "100 Continue") and whether it ended.
type body struct {
	io.ReadCloser
	read, ended bool
	stalled     bool // a read timed out: the client sends no more
}

func (b *body) Read(p []byte) (int, error) {
	b.read = true
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.ended = true
	}
	return n, err
}

// refuseUpload answers an upload whose body is not read to its end, then reads and discards
// what the client still sends (up to limit more bytes, for at most drainWait) before the
// connection closes: a client still writing its body when the server closes gets a reset
// instead of the answer. A client that asked for 100-continue gets the refusal first, never a
// "100 Continue" (the answer is written before anything is read); curl sends its body anyway
// after waiting a second, and that body is drained like any other.
func (h *Handlers) refuseUpload(c *gin.Context, b *body, limit int64, reason string, retryAfter time.Duration, e *Error) {
	unread := !b.ended && c.Request.ContentLength != 0
	if unread {
		// The connection cannot carry another request after an unread body.
		c.Header("Connection", "close")
	}
	h.reject(c, reason, retryAfter, e)
	if !unread || b.stalled {
		return
	}
	if cl := c.Request.ContentLength; cl > 0 && cl > limit*2 {
		return // more than is worth reading: close now
	}
	rc := http.NewResponseController(c.Writer)
	if err := rc.EnableFullDuplex(); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	_ = rc.SetReadDeadline(time.Now().Add(drainWait))
	n, err := io.CopyN(io.Discard, b.ReadCloser, 2*limit)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
		h.log.Debug("upload: drain after refusal", "read", n, "err", err)
	}
}
