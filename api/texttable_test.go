package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// commentary is the narrative below the statement, with its three problems.
const commentary = "Revenue tripled to $7.2m (2023: $2.4m), growth of 250%. We now hold 40% of the regional market, while the two established players still share 70% of it."

// note4 is the note whose warehouse is held for sale and depreciated for the year.
const note4 = "The warehouse in Leeds was vacated in March 2024 and classified as held for sale from 31 March 2024. " +
	"Depreciation of $120k on the warehouse for the year is included in administrative expenses."

// typedStatement is the short statement of operations people send each other: its only table is
// typed as text lines (rows given by rows, one paragraph each), followed by a commentary and a
// note. It holds a casting error (gross profit 7,200 − 3,100 printed as 4,600, the lines below
// consistent with it) and three narrative problems.
func typedStatement(rows ...string) []byte {
	d := docxgen.New().Heading(1, "Northwind Ltd").
		Paragraph("Statement of operations for the year ended 31 December 2024 (in thousands of US dollars)")
	for _, r := range rows {
		d.Paragraph(r)
	}
	return d.Heading(2, "Management commentary").Paragraph(commentary).
		Heading(2, "Note 4 Property, plant and equipment").Paragraph(note4).
		Bytes()
}

// statementLines are the statement's rows as cells, typed below in each way.
var statementLines = [][]string{
	{"", "FY 2024", "2023"},
	{"Revenue", "$7,200", "$2,400"},
	{"Cost of sales", "($3,100)", "($1,000)"},
	{"Gross profit", "$4,600", "$1,400"},
	{"Administrative expenses", "($1,900)", "($800)"},
	{"Depreciation", "($300)", "($150)"},
	{"Operating profit", "$2,400", "$450"},
	{"Finance costs", "($200)", "($50)"},
	{"Profit before tax", "$2,200", "$400"},
}

// typed lays the rows out as text: a pipe table (with its |---| row when sep), cells joined by
// tabs, or padded with spaces into columns.
func typed(style string) []string {
	var out []string
	for i, r := range statementLines {
		switch style {
		case "pipe", "pipe without separator":
			out = append(out, "| "+strings.Join(r, " | ")+" |")
			if i == 0 && style == "pipe" {
				out = append(out, "|---|---:|---:|")
			}
		case "tabs":
			out = append(out, strings.Join(r, "\t"))
		case "spaces":
			out = append(out, padRight(r[0], 26)+padLeft(r[1], 10)+padLeft(r[2], 10))
		}
	}
	return out
}

func padRight(s string, n int) string { return s + strings.Repeat(" ", max(n-len(s), 2)) }
func padLeft(s string, n int) string  { return strings.Repeat(" ", max(n-len(s), 2)) + s }

// A statement whose only table is typed as text is accepted and audited: numeric_validation
// finds the casting error, logic_consistency the growth its own figures contradict, the market
// shares over 100% and the depreciation of a warehouse held for sale.
func TestUploadAuditsATableTypedAsText(t *testing.T) {
	team := []agents.Agent{numeric.New(), logic.New(logic.Options{}), disclosure.New()}
	for _, style := range []string{"pipe", "pipe without separator", "tabs", "spaces"} {
		t.Run(style, func(t *testing.T) {
			e := newEnv(t, envOptions{agents: team})
			job := e.submit(typedStatement(typed(style)...), nil)
			ws := e.dial(job.ID, 0)
			defer ws.Close()
			evs := readAll(t, ws, 1)
			if last := evs[len(evs)-1]; last.Status != schemas.JobCompleted || last.Summary.Errors != 0 {
				t.Fatalf("audit_complete %+v %+v", last, last.Summary)
			}
			e.expectTypedStatementFindings(t, job.ID)
		})
	}
}

// expectTypedStatementFindings checks the audit of the typed statement: the casting error alone
// from numeric_validation, and the three narrative problems from logic_consistency.
func (e *env) expectTypedStatementFindings(t *testing.T, jobID string) {
	t.Helper()
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+jobID+"/results", nil), 200, &rows)
	found := func(agent string, parts ...string) bool {
		for _, r := range rows {
			if r.AgentID != agent || r.Description == nil {
				continue
			}
			all := true
			for _, p := range parts {
				all = all && strings.Contains(*r.Description, p)
			}
			if all {
				return true
			}
		}
		return false
	}
	for _, want := range []struct {
		agent string
		parts []string
	}{
		{schemas.AgentNumeric, []string{"Gross profit", "4,600", "4,100"}},
		{schemas.AgentLogic, []string{"250%", "+200%"}},
		{schemas.AgentLogic, []string{"regional market", "110%"}},
		{schemas.AgentLogic, []string{"warehouse", "IFRS 5.25"}},
	} {
		if !found(want.agent, want.parts...) {
			var ds []string
			for _, r := range rows {
				if r.Description != nil {
					ds = append(ds, r.AgentID+": "+*r.Description)
				}
			}
			t.Errorf("no %s finding with %q; findings:\n%s", want.agent, want.parts, strings.Join(ds, "\n"))
		}
	}
	// Only the planted casting error: the lines below gross profit agree with it.
	n := 0
	for _, r := range rows {
		if r.AgentID == schemas.AgentNumeric && r.Severity != nil {
			n++
		}
	}
	if n != 1 {
		t.Errorf("numeric_validation reported %d findings, want the casting error alone", n)
	}
}

// A document whose text only happens to hold pipes and aligned words has no table: 422, and no
// job.
func TestUploadRefusesProseWithPipesAsNoTable(t *testing.T) {
	doc := docxgen.New().
		Paragraph("Our segments | Retail | Wholesale | Online all grew in 2024 | see note 5.").
		Paragraph("Registered office      Auditors").
		Paragraph("1 High Street          22 Bank Road").
		Paragraph("London  EC1A 1AA       Leeds  LS1 4DY").
		Paragraph("Revenue rose to 7,200.  Costs were 3,100.  Gross profit was 4,100.").
		Bytes()
	e := newEnv(t, envOptions{})
	resp := e.upload(form{file: doc})
	var p struct {
		Detail string `json:"detail"`
	}
	decode(t, resp, http.StatusUnprocessableEntity, &p)
	if !strings.Contains(p.Detail, "no table") {
		t.Fatalf("detail %q", p.Detail)
	}
}

// textUpload builds an upload whose file part has the given name and Content-Type.
func (e *env) textUpload(filename, contentType string, data []byte) *http.Response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", contentType)
	w, _ := mw.CreatePart(h)
	w.Write(data)
	mw.Close()
	resp, err := e.client.Do(e.request(http.MethodPost, "/api/v1/documents/upload", mw.FormDataContentType(), body.Bytes()))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// The same statement written as Markdown or plain text, as tools that export Markdown and
// e-mails carry it, is accepted when its name or its Content-Type says it is text, stored with
// that content type, and audited like the Word document. Text that is not UTF-8, a PDF named
// .md, a text named .docx and a text without a table are refused.
func TestUploadAuditsMarkdownAndPlainText(t *testing.T) {
	team := []agents.Agent{numeric.New(), logic.New(logic.Options{}), disclosure.New()}
	md := "# Northwind Ltd\n\nStatement of operations for the year ended 31 December 2024 (in thousands of US dollars)\n\n" +
		strings.Join(typed("pipe"), "\n") + "\n\n## Management commentary\n\n" + commentary +
		"\n\n## Note 4 Property, plant and equipment\n\n" + note4 + "\n"
	txt := "Northwind Ltd\r\n\r\nStatement of operations for the year ended 31 December 2024 (in thousands of US dollars)\r\n\r\n" +
		strings.Join(typed("spaces"), "\r\n") + "\r\n\r\nManagement commentary\r\n\r\n" + commentary +
		"\r\n\r\nNote 4 Property, plant and equipment\r\n\r\n" + note4 + "\r\n"
	for _, tt := range []struct {
		name, filename, partType, data, stored string
	}{
		{"Markdown by name", "northwind.md", "application/octet-stream", md, "text/markdown; charset=utf-8"},
		{"Markdown by type", "northwind", "text/markdown", md, "text/markdown; charset=utf-8"},
		{"plain text by name", "northwind.txt", "application/octet-stream", txt, "text/plain; charset=utf-8"},
		{"plain text by type", "northwind", "text/plain; charset=utf-8", txt, "text/plain; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{agents: team})
			var job schemas.Job
			decode(t, e.textUpload(tt.filename, tt.partType, []byte(tt.data)), http.StatusAccepted, &job)
			if d := job.Documents[0]; d.ContentType != tt.stored || d.Filename != tt.filename {
				t.Fatalf("document %+v", d)
			}
			ws := e.dial(job.ID, 0)
			defer ws.Close()
			readAll(t, ws, 1)
			e.expectTypedStatementFindings(t, job.ID)
			// The exports of the findings work for any statement; the annotated copy is a Word
			// document's, and a text upload is told so.
			e.get(t, "/api/v1/jobs/"+job.ID+"/results.xlsx", http.StatusOK)
			p := checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/annotated.docx", nil), http.StatusUnprocessableEntity)
			if !strings.Contains(p.Detail, "cannot be annotated") {
				t.Errorf("annotated.docx of a text upload: %q", p.Detail)
			}
		})
	}
	e := newEnv(t, envOptions{})
	for _, tt := range []struct {
		name, filename, partType, data string
		status                         int
		detail                         string
	}{
		{"Latin-1 text", "a.txt", "text/plain", "Revenue \xa37,200", http.StatusUnsupportedMediaType, "not UTF-8 text"},
		{"binary named .md", "a.md", "text/markdown", "| a | 1 |\x00\x01", http.StatusUnsupportedMediaType, "binary data"},
		{"a PDF named .md", "a.md", "text/markdown", "%PDF-1.7\n" + strings.Repeat("x", 100), http.StatusUnsupportedMediaType, "PDF"},
		{"text named .docx", "a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", md, http.StatusUnsupportedMediaType, ".md, .txt"},
		{"text without a table", "a.md", "text/markdown", "# Notes\n\nRevenue | profit | cash all rose.\n", http.StatusUnprocessableEntity, "no table"},
		{"empty text", "a.txt", "text/plain", "\n\n", http.StatusUnsupportedMediaType, "empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p struct {
				Detail string `json:"detail"`
			}
			decode(t, e.textUpload(tt.filename, tt.partType, []byte(tt.data)), tt.status, &p)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("detail %q lacks %q", p.Detail, tt.detail)
			}
		})
	}
	var jobs []schemas.Job
	decode(t, e.do(http.MethodGet, "/api/v1/jobs", nil), 200, &jobs)
	if len(jobs) != 0 {
		t.Fatalf("a refused upload left %d jobs", len(jobs))
	}
}
