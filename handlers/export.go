package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/export"
	"github.com/veritas-audit/veritas/schemas"
)

// Media types of the exports.
const (
	DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	CSVType  = "text/csv; charset=utf-8; header=present"
)

// exported is what every export reads: the caller's job and its rows as /results has them.
func (h *Handlers) exported(c *gin.Context) (schemas.Job, []schemas.Result, bool) {
	id, err := jobID(c)
	if err != nil {
		h.Problem(c, err)
		return schemas.Job{}, nil, false
	}
	ctx := c.Request.Context()
	job, err := h.store.Job(ctx, tenantOf(c), id, false)
	if err != nil {
		h.Problem(c, err)
		return schemas.Job{}, nil, false
	}
	rows, err := h.store.Results(ctx, tenantOf(c), id, "")
	if err != nil {
		h.Problem(c, err)
		return schemas.Job{}, nil, false
	}
	return job, rows, true
}

// agentNames maps agent ids to the names the exports show.
func (h *Handlers) agentNames() map[string]string {
	names := map[string]string{}
	for _, in := range h.agents.Infos() {
		names[in.ID] = in.Name
	}
	return names
}

// ResultsCSV answers a job's rows as CSV (export.CSV).
func (h *Handlers) ResultsCSV(c *gin.Context) {
	job, rows, ok := h.exported(c)
	if !ok {
		return
	}
	attach(c, job, "-findings.csv")
	c.Data(http.StatusOK, CSVType, export.CSV(rows, h.agentNames()))
}

// ResultsJSON answers a job's rows as /results does, under a header naming the job and its
// document.
func (h *Handlers) ResultsJSON(c *gin.Context) {
	job, rows, ok := h.exported(c)
	if !ok {
		return
	}
	out := schemas.ResultsExport{
		Job: schemas.ExportedJob{ID: job.ID, Name: job.Name, Status: job.Status, CreatedAt: job.CreatedAt,
			FinishedAt: job.FinishedAt, Summary: job.Summary},
		ExportedAt: time.Now().UTC(),
		Results:    rows,
	}
	if len(job.Documents) > 0 {
		d := job.Documents[0]
		out.Document = &schemas.ExportedDocument{Filename: d.Filename, ContentType: d.ContentType, SizeBytes: d.SizeBytes, SHA256: d.SHA256}
	}
	attach(c, job, "-findings.json")
	c.JSON(http.StatusOK, out)
}

// ResultsXLSX answers a job's rows as an Excel workbook (export.Workbook).
func (h *Handlers) ResultsXLSX(c *gin.Context) {
	job, rows, ok := h.exported(c)
	if !ok {
		return
	}
	b, err := export.Workbook(job, rows, h.agentNames())
	if err != nil {
		h.Problem(c, err)
		return
	}
	attach(c, job, "-findings.xlsx")
	c.Data(http.StatusOK, XlsxType, b)
}

// AnnotatedDocx answers the uploaded document with a Word comment on each finding
// (export.Annotate), once the job has finished. Annotating reads the whole document again, so
// it takes one of the upload slots, which bound how many documents are read at once.
func (h *Handlers) AnnotatedDocx(c *gin.Context) {
	job, rows, ok := h.exported(c)
	if !ok {
		return
	}
	if !schemas.Finished(job.Status) {
		h.Problem(c, errorf(http.StatusConflict, "The audit has not finished yet (it is "+job.Status+"); the annotated document is ready once it has."))
		return
	}
	release, err := h.readSlot(c)
	if errors.Is(err, errSlotsBusy) {
		h.reject(c, "upload slots busy", 5*time.Second, errorf(http.StatusServiceUnavailable, "The server is busy reading other documents; try again in a few seconds."))
		return
	}
	if err != nil {
		c.Abort()
		return
	}
	defer release()
	file, err := h.store.DocumentFile(c.Request.Context(), tenantOf(c), job.ID)
	if err != nil {
		h.Problem(c, err)
		return
	}
	at := job.UpdatedAt
	if job.FinishedAt != nil {
		at = *job.FinishedAt
	}
	out, err := export.Annotate(file, h.opt.Limits, rows, h.agentNames(), at)
	if errors.Is(err, export.ErrNotDocx) {
		h.log.Warn("annotate: the stored document cannot be annotated", "job_id", job.ID, "err", err)
		h.Problem(c, errorf(http.StatusUnprocessableEntity, "The uploaded document cannot be annotated: "+strings.TrimPrefix(err.Error(), export.ErrNotDocx.Error()+": ")+"."))
		return
	}
	if err != nil {
		h.Problem(c, err)
		return
	}
	attach(c, job, "-annotated.docx")
	c.Data(http.StatusOK, DocxType, out.Docx)
}

// asciiName is name when it is printable ASCII without quotes or backslashes, else fallback
// (or, with no fallback, name with those characters replaced by "_").
func asciiName(name, fallback string) string {
	safe := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if safe != name && fallback != "" {
		return asciiName(fallback, "")
	}
	return safe
}

// attach names the download after the uploaded file ("acme-fy2024.docx" gives
// "acme-fy2024-findings.csv"), or the job when it has no document.
func attach(c *gin.Context, job schemas.Job, suffix string) {
	stem := "audit-" + job.ID
	if len(job.Documents) > 0 {
		name := path.Base(strings.ReplaceAll(job.Documents[0].Filename, `\`, "/"))
		name = strings.TrimSuffix(name, path.Ext(name))
		name = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || strings.ContainsRune(`"/\`, r) {
				return -1
			}
			return r
		}, name)
		if strings.TrimSpace(name) != "" && name != "." && name != ".." {
			stem = name
		}
	}
	v := `attachment; filename="` + asciiName(stem+suffix, job.ID+suffix) + `"`
	if ascii := asciiName(stem+suffix, ""); ascii != stem+suffix {
		v += "; filename*=UTF-8''" + extValue(stem+suffix) // RFC 6266
	}
	c.Header("Content-Disposition", v)
}

// extValue percent-encodes s as an RFC 8187 ext-value: every byte but attr-char.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
