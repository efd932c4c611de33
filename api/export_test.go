package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/external"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// fixedSignals is an external_signal source with fixed answers.
type fixedSignals []external.Signal

func (s fixedSignals) Signals(context.Context, external.Query) ([]external.Signal, error) {
	return s, nil
}

// fullTeam is the four agents; external_signal hears of a covenant breach the statement
// contradicts and of a lawsuit it does not mention.
func fullTeam() []agents.Agent {
	return []agents.Agent{numeric.New(), logic.New(logic.Options{}), disclosure.New(), external.New(fixedSignals{
		{Type: external.TypeLitigation, Summary: "A former customer sued Nordhafen Logistik GmbH in May 2024 for €4.2 million over a damaged chemicals shipment.",
			SourceURLs: []string{"https://news.example/nordhafen-lawsuit"}, SourceBasis: external.SourcesMatched, Date: "2024-05-14", Confidence: 0.9},
		{Type: external.TypeDistress, Summary: "Nordhafen Logistik GmbH breached a covenant of its revolving credit facility in November 2024.",
			SourceURLs: []string{"https://news.example/nordhafen-covenant"}, SourceBasis: external.SourcesMatched, Date: "2024-11-20", Confidence: 0.9},
	})}
}

// get fetches path and returns the answer's body, failing unless the status is want.
func (e *env) get(t *testing.T, path string, want int) (*http.Response, []byte) {
	t.Helper()
	resp := e.do(http.MethodGet, path, nil)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", path, resp.StatusCode, want, body)
	}
	return resp, body
}

// TestExportsMatchResults audits a statement of the test set with all four agents, then opens
// each export and reads it against /results: the CSV's records, the JSON's rows and header, the
// workbook's findings and summary, and the annotated document's comments, one per finding, on
// a copy of the uploaded file that is otherwise unchanged.
func TestExportsMatchResults(t *testing.T) {
	e := newEnv(t, envOptions{agents: fullTeam()})
	src, err := os.ReadFile("../testdata/statements/nordhafen-planted.docx")
	if err != nil {
		t.Fatal(err)
	}
	var job schemas.Job
	decode(t, e.upload(form{file: src, filename: "nordhafen-planted.docx", fields: map[string]string{"name": "Nordhafen FY2024"}}), http.StatusAccepted, &job)
	ws := e.dial(job.ID, 0)
	readAll(t, ws, 1)
	ws.Close()
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID, nil), http.StatusOK, &job)
	if job.Status != schemas.JobCompleted {
		t.Fatalf("job %s", job.Status)
	}
	var rows []schemas.Result
	decode(t, e.do(http.MethodGet, "/api/v1/jobs/"+job.ID+"/results", nil), http.StatusOK, &rows)
	var infos []schemas.AgentInfo
	decode(t, e.do(http.MethodGet, "/api/v1/agents", nil), http.StatusOK, &infos)
	name := map[string]string{}
	for _, in := range infos {
		name[in.ID] = in.Name
	}
	var findings []schemas.Result
	by := map[string]int{}
	for _, r := range rows {
		if r.Severity != nil {
			findings = append(findings, r)
			by[r.AgentID]++
		}
	}
	if len(by) != 4 {
		t.Fatalf("findings by agent %v: want every agent's", by)
	}
	base := "/api/v1/jobs/" + job.ID

	t.Run("csv", func(t *testing.T) {
		resp, body := e.get(t, base+"/results.csv", http.StatusOK)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(ct, "charset=utf-8") {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="nordhafen-planted-findings.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
			t.Fatal("no byte-order mark")
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(rows)+1 {
			t.Fatalf("%d records for %d rows", len(recs)-1, len(rows))
		}
		header := recs[0]
		for i, r := range rows {
			rec := map[string]string{}
			for j, h := range header {
				rec[h] = recs[i+1][j]
			}
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				if *p != "" && strings.ContainsRune("=+-@\t\r", rune((*p)[0])) {
					return "'" + *p
				}
				return *p
			}
			want := map[string]string{
				"id": r.ID, "agent_id": r.AgentID, "agent": name[r.AgentID], "category": r.Category, "severity": str(r.Severity),
				"description": str(r.Description), "reasoning": str(r.Reasoning), "source_refs": strings.Join(r.SourceRefs, "\n"),
				"error": str(r.Error), "created_at": r.CreatedAt.UTC().Format(time.RFC3339Nano),
			}
			if len(r.SourceRefs) > 0 && strings.HasPrefix(r.SourceRefs[0], "-") {
				want["source_refs"] = "'" + want["source_refs"]
			}
			for k, v := range want {
				if rec[k] != v {
					t.Errorf("row %d %s: %q, want %q", i+1, k, rec[k], v)
				}
			}
			var a, b any
			if json.Unmarshal([]byte(rec["raw_data"]), &a) != nil || json.Unmarshal(r.RawData, &b) != nil || !jsonEqual(a, b) {
				t.Errorf("row %d raw_data %s, want %s", i+1, rec["raw_data"], r.RawData)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		resp, body := e.get(t, base+"/results.json", http.StatusOK)
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="nordhafen-planted-findings.json"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		var out struct {
			Job        schemas.ExportedJob      `json:"job"`
			Document   schemas.ExportedDocument `json:"document"`
			ExportedAt time.Time                `json:"exported_at"`
			Results    json.RawMessage          `json:"results"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		d := job.Documents[0]
		if out.Job.ID != job.ID || out.Job.Name != "Nordhafen FY2024" || out.Job.Status != job.Status || out.Job.Summary != job.Summary ||
			out.Document.Filename != d.Filename || out.Document.SHA256 != d.SHA256 || out.Document.SizeBytes != d.SizeBytes || out.ExportedAt.IsZero() {
			t.Errorf("header %+v %+v", out.Job, out.Document)
		}
		_, direct := e.get(t, base+"/results", http.StatusOK)
		var a, b any
		if json.Unmarshal(out.Results, &a) != nil || json.Unmarshal(direct, &b) != nil || !jsonEqual(a, b) {
			t.Error("results differ from /results")
		}
	})

	t.Run("xlsx", func(t *testing.T) {
		resp, body := e.get(t, base+"/results.xlsx", http.StatusOK)
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="nordhafen-planted-findings.xlsx"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		grid, err := f.GetRows("Findings")
		if err != nil || len(grid) != len(rows)+1 {
			t.Fatalf("findings sheet: %d rows for %d, %v", len(grid), len(rows), err)
		}
		for i, r := range rows {
			line := grid[i+1]
			if line[0] != r.ID || line[1] != r.AgentID || line[2] != name[r.AgentID] || r.Severity != nil && (line[4] != *r.Severity || line[5] != *r.Description) {
				t.Errorf("row %d: %q", i+2, line[:min(6, len(line))])
			}
		}
		sum, err := f.GetRows("Summary")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, line := range sum {
			if len(line) >= 2 && line[0] == "Findings" {
				found = line[1] == itoa(job.Summary.Findings)
			}
		}
		if !found {
			t.Errorf("the summary does not count %d findings: %q", job.Summary.Findings, sum)
		}
	})

	t.Run("annotated docx", func(t *testing.T) {
		resp, body := e.get(t, base+"/annotated.docx", http.StatusOK)
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="nordhafen-planted-annotated.docx"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		before, after := zipEntries(t, src), zipEntries(t, body)
		for name, b := range before {
			switch name {
			case "word/document.xml", "[Content_Types].xml", "word/_rels/document.xml.rels":
				if bytes.Equal(after[name], b) {
					t.Errorf("%s is unchanged", name)
				}
			default:
				if !bytes.Equal(after[name], b) {
					t.Errorf("%s changed", name)
				}
			}
		}
		comments := commentTexts(t, after["word/comments.xml"])
		if len(comments) != len(findings) {
			t.Fatalf("%d comments for %d findings", len(comments), len(findings))
		}
		for i, f := range findings {
			c := comments[i]
			if c.author != name[f.AgentID] || !strings.Contains(c.text, "Severity: "+*f.Severity+". "+*f.Description) {
				t.Errorf("comment %d by %q: %.200q; want %s's finding %q", i, c.author, c.text, f.AgentID, *f.Description)
			}
			if !strings.Contains(string(after["word/document.xml"]), `<w:commentReference w:id="`+c.id+`"/>`) {
				t.Errorf("comment %s is not referenced from the document", c.id)
			}
		}
	})
}

// TestAnnotatedDocxOnlyOnceFinished: a queued job's annotated document is 409; its exports
// answer the rows stored so far (none yet), as /results does.
func TestAnnotatedDocxOnlyOnceFinished(t *testing.T) {
	e := newEnv(t, envOptions{noRunner: true})
	job := e.submit(statement(2, true), nil)
	base := "/api/v1/jobs/" + job.ID
	p := checkProblem(t, e.do(http.MethodGet, base+"/annotated.docx", nil), http.StatusConflict)
	if !strings.Contains(p.Detail, "not finished") {
		t.Errorf("detail %q", p.Detail)
	}
	_, body := e.get(t, base+"/results.csv", http.StatusOK)
	if recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); err != nil || len(recs) != 1 {
		t.Errorf("CSV of a queued job: %q, %v; want the header alone", recs, err)
	}
	var out schemas.ResultsExport
	decode(t, e.do(http.MethodGet, base+"/results.json", nil), http.StatusOK, &out)
	if out.Job.Status != schemas.JobQueued || len(out.Results) != 0 {
		t.Errorf("JSON of a queued job: %+v", out)
	}
	e.get(t, base+"/results.xlsx", http.StatusOK)
	for _, path := range []string{"/annotated.docx", "/results.csv", "/results.json", "/results.xlsx"} {
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/0195f0c8-7d2a-7000-8000-000000000000"+path, nil), http.StatusNotFound)
		checkProblem(t, e.do(http.MethodGet, "/api/v1/jobs/not-a-uuid"+path, nil), http.StatusUnprocessableEntity)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// zipEntries are an archive's entries, uncompressed, by name.
func zipEntries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	parts, err := docxgen.Parts(data)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

type docComment struct{ id, author, text string }

// commentTexts reads comments.xml: each comment's id, author and text.
func commentTexts(t *testing.T, b []byte) []docComment {
	t.Helper()
	var doc struct {
		Comments []struct {
			ID     string `xml:"id,attr"`
			Author string `xml:"author,attr"`
			Paras  []struct {
				Runs []struct {
					T string `xml:"t"`
				} `xml:"r"`
			} `xml:"p"`
		} `xml:"comment"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("comments.xml: %v", err)
	}
	var out []docComment
	for _, c := range doc.Comments {
		var paras []string
		for _, p := range c.Paras {
			var s strings.Builder
			for _, r := range p.Runs {
				s.WriteString(r.T)
			}
			paras = append(paras, s.String())
		}
		out = append(out, docComment{id: c.ID, author: c.Author, text: strings.Join(paras, "\n")})
	}
	return out
}
