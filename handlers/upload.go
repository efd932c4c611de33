package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/store"
)

const (
	docxContentType     = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	markdownContentType = "text/markdown; charset=utf-8"
	textContentType     = "text/plain; charset=utf-8"
	// formOverhead is what a multipart body may hold beyond the file: boundaries, headers and
	// the small fields.
	formOverhead  = 1 << 20
	maxFieldBytes = 64 << 10
)

// Upload creates an audit job from a multipart form: file, enabled_agents, name. The whole
// request is read and checked, and the document extracted, before anything is stored, so a
// rejected upload leaves nothing behind; an accepted one is stored with its job and first
// event in one transaction and answered 202. Admission comes first: a body declared too large
// is refused before it is read, and the upload waits a moment for one of the
// MaxConcurrentUploads slots (each may hold a document in memory), else gets 503.
//
// With an Idempotency-Key header, a retry of the same upload within 24 hours is answered with
// the job (and the very 202 body) the first request created, even when both race; the key
// reused for a different upload is 422.
func (h *Handlers) Upload(c *gin.Context) {
	b := &body{ReadCloser: c.Request.Body}
	limit := h.opt.MaxUploadBytes + formOverhead
	refuse := func(reason string, retryAfter time.Duration, err error) {
		var e *Error
		if !errors.As(err, &e) {
			h.Problem(c, err)
			return
		}
		h.refuseUpload(c, b, limit, reason, retryAfter, e)
	}
	key, err := idempotencyKey(c)
	if err != nil {
		refuse("bad idempotency key", 0, err)
		return
	}
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		refuse("not multipart", 0, errorf(http.StatusUnsupportedMediaType, "Send the document as multipart/form-data with the field \"file\"."))
		return
	}
	if c.Request.ContentLength > limit {
		refuse("body too large", 0, h.tooLarge())
		return
	}
	release, err := h.readSlot(c)
	if errors.Is(err, errSlotsBusy) {
		refuse("upload slots busy", 5*time.Second, errorf(http.StatusServiceUnavailable, "The server is busy reading other uploads; try again in a few seconds."))
		return
	}
	if err != nil {
		c.Abort()
		return
	}
	defer release()
	// A deadline for the body: a slow client is cut off instead of holding its slot forever.
	if err := http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(h.opt.UploadTimeout)); err != nil {
		h.log.Warn("upload: cannot set a read deadline", "err", err)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, b, limit)
	up, err := h.readUpload(c, b)
	if err != nil {
		refuse("invalid form", 0, err)
		return
	}
	form, enabled, name := up.form, up.enabled, up.name
	sum := sha256.Sum256(form.file)
	tenant := tenantOf(c)
	var idem *store.Idempotency
	if key != "" {
		idem = &store.Idempotency{Tenant: tenant, Key: key, Fingerprint: fingerprint(sum[:], enabled, name)}
		if done, err := h.replay(c, idem); done || err != nil {
			if err != nil {
				refuse("idempotency key reused", 0, err)
			}
			return
		}
	}
	doc, contentType, err := readDocument(form, h.opt.Limits)
	if err != nil {
		refuse("unreadable document", 0, err)
		return
	}
	ctx := c.Request.Context()
	queued, err := h.store.CountQueued(ctx)
	if err != nil {
		h.Problem(c, err)
		return
	}
	if queued >= h.opt.MaxQueuedJobs {
		refuse("queue full", 30*time.Second, errorf(http.StatusServiceUnavailable,
			"The server has "+strconv.Itoa(queued)+" audits waiting to run, as many as it queues; try again in a minute."))
		return
	}
	nj := store.NewJob{
		ID:            uuid.Must(uuid.NewV7()).String(),
		Tenant:        tenant,
		Name:          name,
		EnabledAgents: enabled,
		Filename:      cleanFilename(form.filename, contentType),
		ContentType:   contentType,
		Content:       form.file,
		SHA256:        hex.EncodeToString(sum[:]),
		Extracted:     doc,
		Idempotency:   idem,
	}
	job, _, err := h.store.CreateJob(ctx, nj)
	if errors.Is(err, store.ErrDuplicateKey) {
		// Another request with the key won the race while this one was extracting.
		done, rerr := h.replay(c, idem)
		switch {
		case rerr != nil:
			refuse("idempotency key reused", 0, rerr)
		case !done: // its job was deleted in between
			refuse("idempotency key race", time.Second, errorf(http.StatusConflict,
				"Another upload with this Idempotency-Key has just been handled; send the request again."))
		}
		return
	}
	if err != nil {
		h.Problem(c, err)
		return
	}
	h.runner.Submitted()
	resp, err := json.Marshal(job)
	if err != nil {
		h.Problem(c, err)
		return
	}
	if idem != nil {
		// A retry is answered with these bytes; until they are stored it gets the job as it is.
		if err := h.store.SetIdempotentResponse(ctx, tenant, key, resp); err != nil {
			h.log.Warn("upload: store the answer for retries", "job_id", job.ID, "err", err)
		}
	}
	c.Header("Location", "/api/v1/jobs/"+job.ID)
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", resp)
}

// maxIdempotencyKey is the longest Idempotency-Key taken, in bytes.
const maxIdempotencyKey = 255

// idempotencyKey reads the Idempotency-Key header: "" when absent; 1 to 255 visible ASCII
// characters (a UUID, say) otherwise.
func idempotencyKey(c *gin.Context) (string, error) {
	vals := c.Request.Header.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", nil
	}
	k := vals[0]
	if len(vals) > 1 || k == "" || len(k) > maxIdempotencyKey || strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", fieldError(http.StatusBadRequest, "Idempotency-Key",
			"The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters, such as a UUID.")
	}
	return k, nil
}

// fingerprint identifies what an upload asks for: the document, the agents and the name. A
// retry with the same Idempotency-Key must ask for the same.
func fingerprint(docSum []byte, agents []string, name string) string {
	h := sha256.New()
	h.Write(docSum)
	for _, a := range agents {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	h.Write([]byte{1})
	h.Write([]byte(name))
	return hex.EncodeToString(h.Sum(nil))
}

// replay answers an upload whose Idempotency-Key was used before: 202 with the first answer
// when it asked for the same, an error (422) when it asked for something else. done is false
// when the key is unknown (or expired, or its job was deleted): the upload goes on.
func (h *Handlers) replay(c *gin.Context, idem *store.Idempotency) (done bool, err error) {
	ctx := c.Request.Context()
	r, err := h.store.IdempotentUpload(ctx, idem.Tenant, idem.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	case r.Fingerprint != idem.Fingerprint:
		return false, fieldError(http.StatusUnprocessableEntity, "Idempotency-Key",
			"This Idempotency-Key was used for a different upload (another document, agents or name) in the last 24 hours; use a new key for a new upload.")
	}
	resp := r.Response
	if resp == nil {
		job, err := h.store.Job(ctx, idem.Tenant, r.JobID, false)
		if err != nil {
			return false, err
		}
		if resp, err = json.Marshal(job); err != nil {
			return false, err
		}
	}
	c.Header("Location", "/api/v1/jobs/"+r.JobID)
	c.Header("Idempotent-Replayed", "true")
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", resp)
	return true, nil
}

// tooLarge is the 413 of an upload over MaxUploadBytes.
func (h *Handlers) tooLarge() *Error {
	return errorf(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("The document is larger than the %s this server accepts.", humanBytes(h.opt.MaxUploadBytes)))
}

// upload is an upload's form, read and checked: everything but the document in the file.
type upload struct {
	form    *uploadForm
	enabled []string
	name    string
}

// readUpload reads the upload form from b and checks its fields: the agents, the name, and that
// a file came. FuzzUploadForm runs it on arbitrary bodies.
func (h *Handlers) readUpload(c *gin.Context, b *body) (*upload, error) {
	form, err := h.readUploadForm(c, b)
	if err != nil {
		return nil, err
	}
	enabled, err := h.enabledAgents(form.agents, form.hasAgents)
	if err != nil {
		return nil, err
	}
	name, err := jobName(form.name)
	if err != nil {
		return nil, err
	}
	if form.file == nil {
		return nil, fieldError(http.StatusUnprocessableEntity, "file", "Attach the statement as the form field \"file\".")
	}
	return &upload{form: form, enabled: enabled, name: name}, nil
}

type uploadForm struct {
	file      []byte
	filename  string
	fileType  string // the Content-Type the client gave the file part
	agents    string
	hasAgents bool
	name      string
}

// readUploadForm streams the multipart body, keeping the file in memory up to the limit. The
// whole body is capped too, so an oversized upload is cut off while it arrives. After the
// form's closing boundary the body must end: one whose Content-Length promises more than the
// client sends is refused (after BodyEndWait) rather than answered once the job exists.
func (h *Handlers) readUploadForm(c *gin.Context, b *body) (*uploadForm, error) {
	tooLarge := h.tooLarge()
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "The multipart form could not be read: "+err.Error()+".")
	}
	timedOut := func(err error) bool {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.stalled = true
			return true
		}
		return false
	}
	slow := errorf(http.StatusRequestTimeout, "The upload took longer than "+h.opt.UploadTimeout.String()+"; try again on a faster connection.")
	// readFailed is the answer to a failed read of the body: over the cap, too slow, or else
	// cut off (what says how).
	readFailed := func(err error, what string) error {
		switch {
		case isMaxBytes(err):
			return tooLarge
		case timedOut(err):
			return slow
		}
		return errorf(http.StatusBadRequest, what)
	}
	form := &uploadForm{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readFailed(err, "The multipart form is malformed.")
		}
		switch part.FormName() {
		case "file":
			if form.file != nil {
				return nil, fieldError(http.StatusUnprocessableEntity, "file", "Send one file per upload.")
			}
			// Grow once to the declared size instead of doubling up to it.
			var buf bytes.Buffer
			if n := c.Request.ContentLength; n > 0 {
				buf.Grow(int(min(n, h.opt.MaxUploadBytes+1)))
			}
			_, err := buf.ReadFrom(io.LimitReader(part, h.opt.MaxUploadBytes+1))
			if err != nil {
				return nil, readFailed(err, "The upload was cut off before the file ended.")
			}
			if int64(buf.Len()) > h.opt.MaxUploadBytes {
				return nil, tooLarge
			}
			form.file, form.filename, form.fileType = buf.Bytes(), part.FileName(), part.Header.Get("Content-Type")
		case "enabled_agents", "name":
			data, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return nil, readFailed(err, "The upload was cut off.")
			}
			if len(data) > maxFieldBytes || !utf8.Valid(data) {
				return nil, fieldError(http.StatusUnprocessableEntity, part.FormName(), part.FormName()+" must be UTF-8 text of at most 64 KiB.")
			}
			if part.FormName() == "name" {
				form.name = string(data)
			} else {
				form.agents, form.hasAgents = string(data), true
			}
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, readFailed(err, "The upload was cut off.")
			}
		}
	}
	// The form has ended; so must the body, now (a few bytes of epilogue at most).
	if !b.ended {
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(h.opt.BodyEndWait))
		n, err := io.Copy(io.Discard, io.LimitReader(c.Request.Body, maxEpilogue+1))
		switch {
		case timedOut(err):
			return nil, errorf(http.StatusBadRequest,
				"The request body ended before the length its Content-Length header declares; nothing was stored. Send the body whole, with its true length.")
		case isMaxBytes(err):
			return nil, tooLarge
		case err != nil:
			return nil, errorf(http.StatusBadRequest, "The upload was cut off.")
		case n > maxEpilogue:
			return nil, errorf(http.StatusBadRequest, "The request body goes on after the end of its multipart form.")
		}
	}
	return form, nil
}

// maxEpilogue is how much may follow a multipart form's closing boundary.
const maxEpilogue = 4 << 10

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// enabledAgents reads the enabled_agents field: a JSON array of agent ids. Missing or empty
// means every agent; duplicates are dropped, order kept.
func (h *Handlers) enabledAgents(raw string, present bool) ([]string, error) {
	if !present || strings.TrimSpace(raw) == "" {
		return h.agents.IDs(), nil
	}
	var ids []string
	if err := decodeJSON(strings.NewReader(raw), &ids); err != nil || ids == nil {
		return nil, fieldError(http.StatusBadRequest, "enabled_agents",
			`enabled_agents must be a JSON array of agent ids, e.g. ["numeric_validation"].`)
	}
	if len(ids) == 0 {
		return nil, fieldError(http.StatusUnprocessableEntity, "enabled_agents", "At least one agent must be enabled.")
	}
	var out, unknown []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := h.agents.Lookup(id); !ok {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, id)
	}
	if len(unknown) > 0 {
		return nil, fieldError(http.StatusUnprocessableEntity, "enabled_agents",
			"Invalid agent IDs: "+strings.Join(unknown, ", ")+". Valid IDs: "+strings.Join(h.agents.IDs(), ", ")+".")
	}
	return out, nil
}

// jobName trims a job name; "" means the default name. Names are at most 200 characters.
func jobName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if utf8.RuneCountInString(name) > 200 || strings.ContainsFunc(name, unicode.IsControl) {
		return "", fieldError(http.StatusUnprocessableEntity, "name", "name must be at most 200 characters, without control characters.")
	}
	return name, nil
}

// readDocument sniffs and extracts an uploaded file, and returns the content type it was read
// as. Formats it cannot read are 415; readable formats that fail (encrypted, corrupt, hostile,
// empty, no table) are 422. A Word document is known by its content; Markdown and plain text
// have no signature, so a file is read as text only when its name (.md, .markdown, .txt) or
// its part's Content-Type (text/markdown, text/plain) says so, and its bytes are UTF-8 text.
func readDocument(form *uploadForm, lim extract.Limits) (*extract.Document, string, error) {
	const takes = "Veritas reads Word documents (.docx) and Markdown or plain text (.md, .txt)"
	data := form.file
	var (
		doc         *extract.Document
		err         error
		contentType = docxContentType
	)
	switch f := extract.Sniff(data); {
	case f == extract.FormatDocx:
		doc, err = extract.Docx(data, lim)
	case f == extract.FormatEncryptedOOXML:
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file",
			"The document is password-protected. Save it without a password and upload it again.")
	case f == extract.FormatUnknown && textType(form) != "":
		contentType = textType(form)
		doc, err = extract.Text(data, lim)
	default:
		return nil, "", fieldError(http.StatusUnsupportedMediaType, "file", takes+"; this file is "+describeFormat(f)+".")
	}
	switch {
	case errors.Is(err, extract.ErrEncrypted):
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file",
			"The document is password-protected. Save it without a password and upload it again.")
	case errors.Is(err, extract.ErrUnsupported):
		return nil, "", fieldError(http.StatusUnsupportedMediaType, "file", takes+"; this file is not one: "+strings.TrimPrefix(err.Error(), extract.ErrUnsupported.Error()+": ")+".")
	case errors.Is(err, extract.ErrTooLarge):
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file", "The document is larger than this server reads: "+strings.TrimPrefix(err.Error(), extract.ErrTooLarge.Error()+": ")+".")
	case err != nil:
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file", "The document is damaged and cannot be read: "+err.Error())
	}
	// Any length of text is audited; only a document with nothing to read, or no table to check,
	// is refused. Table rules and heading marks are not text.
	hasText := strings.ContainsFunc(doc.Markdown, func(r rune) bool {
		return !unicode.IsSpace(r) && r != '|' && r != '-' && r != '#'
	})
	switch {
	case !hasText:
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file", "The document is empty.")
	case len(doc.Tables) == 0:
		return nil, "", fieldError(http.StatusUnprocessableEntity, "file",
			"The document has no table. Veritas audits financial statements, whose figures are in tables (a Word table, or one typed as text: a Markdown pipe table, or columns lined up with tabs or spaces).")
	}
	return doc, contentType, nil
}

// textType is the content type an upload is read as when it is text, from its name or its
// part's Content-Type; "" when neither says it is Markdown or plain text.
func textType(form *uploadForm) string {
	switch strings.ToLower(path.Ext(cleanFilename(form.filename, ""))) {
	case ".md", ".markdown":
		return markdownContentType
	case ".txt", ".text":
		return textContentType
	}
	mt, _, err := mime.ParseMediaType(form.fileType)
	switch {
	case err != nil:
		return ""
	case mt == "text/markdown" || mt == "text/x-markdown":
		return markdownContentType
	case mt == "text/plain":
		return textContentType
	}
	return ""
}

func describeFormat(f extract.Format) string {
	switch f {
	case extract.FormatPDF:
		return "a PDF"
	case extract.FormatOLE:
		return "an older Office file (.doc or .xls); save it as .docx"
	case extract.FormatZip:
		return "a zip archive that is not a Word document"
	}
	return "in a format it does not recognise"
}

// cleanFilename keeps the base name of an uploaded file, without paths or control characters.
// A file without a usable name is named "document" with the extension of its content type.
func cleanFilename(name, contentType string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		switch contentType {
		case markdownContentType:
			name = "document.md"
		case textContentType:
			name = "document.txt"
		default:
			name = "document.docx"
		}
	}
	if len(name) > 255 {
		cut := 255
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	return name
}

// decodeJSON decodes exactly one JSON value from r.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
