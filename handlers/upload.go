package handlers

import (
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
	docxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	// minTextChars is the least text (tables included) a statement must have to be audited.
	minTextChars = 200
	// formOverhead is what a multipart body may hold beyond the file: boundaries, headers and
	// the small fields.
	formOverhead  = 1 << 20
	maxFieldBytes = 64 << 10
)

// Upload creates an audit job from a multipart form: file, enabled_agents, name. The document
// is read and extracted before anything is stored, so a rejected upload leaves nothing behind;
// an accepted one is stored with its job and first event in one transaction and answered 202.
func (h *Handlers) Upload(c *gin.Context) {
	wait := time.NewTimer(30 * time.Second)
	defer wait.Stop()
	select {
	case h.uploads <- struct{}{}:
		defer func() { <-h.uploads }()
	case <-wait.C:
		c.Header("Retry-After", "5")
		h.Problem(c, errorf(http.StatusServiceUnavailable, "The server is busy reading other uploads; try again in a few seconds."))
		return
	case <-c.Request.Context().Done():
		c.Abort()
		return
	}
	// A deadline for the body: a slow client is cut off instead of holding its slot forever.
	if err := http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(h.opt.UploadTimeout)); err != nil {
		h.log.Warn("upload: cannot set a read deadline", "err", err)
	}
	up, err := h.readUpload(c)
	if err != nil {
		h.Problem(c, err)
		return
	}
	form := up.form
	doc, err := readDocument(form.file)
	if err != nil {
		h.Problem(c, err)
		return
	}
	sum := sha256.Sum256(form.file)
	nj := store.NewJob{
		ID:            uuid.Must(uuid.NewV7()).String(),
		Name:          up.name,
		EnabledAgents: up.enabled,
		Filename:      cleanFilename(form.filename),
		ContentType:   docxContentType,
		Content:       form.file,
		SHA256:        hex.EncodeToString(sum[:]),
		Extracted:     doc,
	}
	job, _, err := h.store.CreateJob(c.Request.Context(), nj)
	if err != nil {
		h.Problem(c, err)
		return
	}
	h.runner.Submitted()
	c.Header("Location", "/api/v1/jobs/"+job.ID)
	c.JSON(http.StatusAccepted, job)
}

// upload is an upload's form, read and checked: everything but the document in the file.
type upload struct {
	form    *uploadForm
	enabled []string
	name    string
}

// readUpload reads the upload form and checks its fields: the agents, the name, and that a file
// came. FuzzUploadForm runs it on arbitrary bodies.
func (h *Handlers) readUpload(c *gin.Context) (*upload, error) {
	form, err := h.readUploadForm(c)
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
	agents    string
	hasAgents bool
	name      string
}

// readUploadForm streams the multipart body, keeping the file in memory up to the limit. The
// whole body is capped too, so an oversized upload is cut off while it arrives.
func (h *Handlers) readUploadForm(c *gin.Context) (*uploadForm, error) {
	tooLarge := errorf(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("The document is larger than the %s this server accepts.", humanBytes(h.opt.MaxUploadBytes)))
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, errorf(http.StatusUnsupportedMediaType, "Send the document as multipart/form-data with the field \"file\".")
	}
	limit := h.opt.MaxUploadBytes + formOverhead
	if c.Request.ContentLength > limit {
		return nil, tooLarge
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "The multipart form could not be read: "+err.Error()+".")
	}
	form := &uploadForm{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isMaxBytes(err) {
				return nil, tooLarge
			}
			return nil, errorf(http.StatusBadRequest, "The multipart form is malformed.")
		}
		switch part.FormName() {
		case "file":
			if form.file != nil {
				return nil, fieldError(http.StatusUnprocessableEntity, "file", "Send one file per upload.")
			}
			data, err := io.ReadAll(io.LimitReader(part, h.opt.MaxUploadBytes+1))
			if err != nil {
				if isMaxBytes(err) {
					return nil, tooLarge
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return nil, errorf(http.StatusRequestTimeout, "The upload took longer than "+h.opt.UploadTimeout.String()+"; try again on a faster connection.")
				}
				return nil, errorf(http.StatusBadRequest, "The upload was cut off before the file ended.")
			}
			if int64(len(data)) > h.opt.MaxUploadBytes {
				return nil, tooLarge
			}
			form.file, form.filename = data, part.FileName()
		case "enabled_agents", "name":
			data, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				if isMaxBytes(err) {
					return nil, tooLarge
				}
				return nil, errorf(http.StatusBadRequest, "The upload was cut off.")
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
			if _, err := io.Copy(io.Discard, part); err != nil && isMaxBytes(err) {
				return nil, tooLarge
			}
		}
	}
	return form, nil
}

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

// readDocument sniffs and extracts an uploaded file. Formats it cannot read are 415; readable
// formats that fail (encrypted, corrupt, hostile, empty, no table) are 422.
func readDocument(data []byte) (*extract.Document, error) {
	const takes = "Veritas reads Word documents (.docx)"
	switch f := extract.Sniff(data); f {
	case extract.FormatDocx:
	case extract.FormatEncryptedOOXML:
		return nil, fieldError(http.StatusUnprocessableEntity, "file",
			"The document is password-protected. Save it without a password and upload it again.")
	default:
		return nil, fieldError(http.StatusUnsupportedMediaType, "file", takes+"; this file is "+describeFormat(f)+".")
	}
	doc, err := extract.Docx(data, extract.DefaultLimits())
	switch {
	case errors.Is(err, extract.ErrEncrypted):
		return nil, fieldError(http.StatusUnprocessableEntity, "file",
			"The document is password-protected. Save it without a password and upload it again.")
	case errors.Is(err, extract.ErrUnsupported):
		return nil, fieldError(http.StatusUnsupportedMediaType, "file", takes+"; this file is not one.")
	case errors.Is(err, extract.ErrTooLarge):
		return nil, fieldError(http.StatusUnprocessableEntity, "file", "The document expands to more than this server reads: "+err.Error())
	case err != nil:
		return nil, fieldError(http.StatusUnprocessableEntity, "file", "The document is damaged and cannot be read: "+err.Error())
	}
	text := 0
	for _, r := range doc.Markdown {
		if !unicode.IsSpace(r) && r != '|' && r != '-' && r != '#' {
			text++
		}
	}
	switch {
	case text == 0:
		return nil, fieldError(http.StatusUnprocessableEntity, "file", "The document is empty.")
	case text < minTextChars:
		return nil, fieldError(http.StatusUnprocessableEntity, "file",
			"The document is too short to audit: it has "+strconv.Itoa(text)+" characters of text, and an audit needs at least "+strconv.Itoa(minTextChars)+".")
	case len(doc.Tables) == 0:
		return nil, fieldError(http.StatusUnprocessableEntity, "file",
			"The document has no table. Veritas audits financial statements, whose figures are in tables.")
	}
	return doc, nil
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
func cleanFilename(name string) string {
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
		name = "document.docx"
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
