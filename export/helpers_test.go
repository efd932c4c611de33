package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/external"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

const nsW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

// signals is an external_signal source that answers with fixed signals.
type signals []external.Signal

func (s signals) Signals(context.Context, external.Query) ([]external.Signal, error) { return s, nil }

// NordhafenSignals give external_signal two findings on nordhafen-planted.docx: a covenant
// breach the statements contradict (it names the paragraph on covenants) and a lawsuit they do
// not mention (it names only its web page: no place in the document).
var nordhafenSignals = signals{
	{Type: external.TypeLitigation, Summary: "A former customer sued Nordhafen Logistik GmbH in May 2024 for €4.2 million over a damaged chemicals shipment.",
		SourceURLs: []string{"https://news.example/nordhafen-lawsuit"}, SourceBasis: external.SourcesMatched, Date: "2024-05-14", Confidence: 0.9},
	{Type: external.TypeDistress, Summary: "Nordhafen Logistik GmbH breached a covenant of its revolving credit facility in November 2024.",
		SourceURLs: []string{"https://news.example/nordhafen-covenant"}, SourceBasis: external.SourcesMatched, Date: "2024-11-20", Confidence: 0.9},
}

// team is the four agents, external_signal on nordhafenSignals.
func team() []agents.Agent {
	return []agents.Agent{numeric.New(), logic.New(logic.Options{}), disclosure.New(), external.New(nordhafenSignals)}
}

// names are the agents' names, as the comments are signed.
func names() map[string]string {
	out := map[string]string{}
	for _, a := range team() {
		out[a.Info().ID] = a.Info().Name
	}
	return out
}

// audits keeps each document's rows: the agents run once per document for all the tests.
var audits struct {
	sync.Mutex
	rows map[string][]schemas.Result
}

// audit runs the team on a document and returns the rows a job would store (a copy: callers
// may append).
func audit(t *testing.T, data []byte) []schemas.Result {
	t.Helper()
	audits.Lock()
	defer audits.Unlock()
	if rows, ok := audits.rows[string(data)]; ok {
		return slices.Clone(rows)
	}
	rows := runTeam(t, data)
	if audits.rows == nil {
		audits.rows = map[string][]schemas.Result{}
	}
	audits.rows[string(data)] = rows
	return slices.Clone(rows)
}

func runTeam(t *testing.T, data []byte) []schemas.Result {
	t.Helper()
	doc, err := extract.Docx(data, extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var rows []schemas.Result
	for _, a := range team() {
		fs, err := a.Run(context.Background(), doc, func(int, int, string) {})
		if err != nil {
			t.Fatalf("%s: %v", a.Info().ID, err)
		}
		rs, err := schemas.ResultRows("0195f0c8-7d2a-7000-8000-000000000000", a.Info().ID, fs)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rs...)
	}
	return rows
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archive is an opened .docx: its entries in order and by name.
type archive struct {
	files  []*zip.File
	byName map[string]*zip.File
}

func openArchive(t *testing.T, data []byte) archive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	a := archive{files: zr.File, byName: map[string]*zip.File{}}
	for _, f := range zr.File {
		a.byName[f.Name] = f
	}
	return a
}

func (a archive) read(t *testing.T, name string) []byte {
	t.Helper()
	f := a.byName[name]
	if f == nil {
		t.Fatalf("the archive has no %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// raw is an entry's stored (compressed) bytes.
func (a archive) raw(t *testing.T, name string) []byte {
	t.Helper()
	r, err := a.byName[name].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wellFormed fails t unless b is well-formed XML whose characters XML allows.
func wellFormed(t *testing.T, name string, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

// wordComment is a w:comment as written in comments.xml.
type wordComment struct {
	id, author, date, initials string
	text                       string // paragraphs joined by "\n"
}

// readComments reads the comments of comments.xml, in order.
func readComments(t *testing.T, b []byte) []wordComment {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out []wordComment
	var cur *wordComment
	var paras []string
	var para strings.Builder
	inT := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Space != nsW {
				t.Fatalf("comments.xml: element %s:%s outside WordprocessingML", tok.Name.Space, tok.Name.Local)
			}
			switch tok.Name.Local {
			case "comment":
				cur = &wordComment{}
				paras = nil
				for _, a := range tok.Attr {
					if a.Name.Space != nsW {
						t.Fatalf("comments.xml: attribute %s outside WordprocessingML", a.Name.Local)
					}
					switch a.Name.Local {
					case "id":
						cur.id = a.Value
					case "author":
						cur.author = a.Value
					case "date":
						cur.date = a.Value
					case "initials":
						cur.initials = a.Value
					}
				}
			case "p":
				para.Reset()
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "t":
				inT = false
			case "p":
				paras = append(paras, para.String())
			case "comment":
				cur.text = strings.Join(paras, "\n")
				out = append(out, *cur)
			}
		case xml.CharData:
			if inT {
				para.Write(tok)
			}
		}
	}
}

// marker is where one comment is anchored in document.xml.
type marker struct {
	starts, ends, refs int
	order              []string // "start", "end", "ref" as met
	refInRun           bool     // the commentReference sits in a w:r in a w:p
	text               string   // the text of w:t between start and end
	paragraphs         int      // the w:p elements that hold the range
}

// readMarkers reads every comment's markers from document.xml, by id.
func readMarkers(t *testing.T, b []byte) map[string]*marker {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	out := map[string]*marker{}
	get := func(se xml.StartElement) *marker {
		for _, a := range se.Attr {
			if a.Name.Local == "id" && a.Name.Space == nsW {
				if out[a.Value] == nil {
					out[a.Value] = &marker{}
				}
				return out[a.Value]
			}
		}
		t.Fatalf("%s without a w:id", se.Name.Local)
		return nil
	}
	var stack []string
	open := map[*marker]bool{}
	inT := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Space == nsW {
				switch tok.Name.Local {
				case "commentRangeStart":
					m := get(tok)
					m.starts++
					m.order = append(m.order, "start")
					open[m] = true
					m.paragraphs = 1
				case "commentRangeEnd":
					m := get(tok)
					m.ends++
					m.order = append(m.order, "end")
					delete(open, m)
				case "commentReference":
					m := get(tok)
					m.refs++
					m.order = append(m.order, "ref")
					m.refInRun = len(stack) >= 2 && stack[len(stack)-1] == "r" && stack[len(stack)-2] == "p"
				case "t":
					inT = true
				case "p":
					for m := range open {
						m.paragraphs++
					}
				}
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			inT = false
		case xml.CharData:
			if inT {
				for m := range open {
					m.text += string(tok)
				}
			}
		}
	}
}

// fold folds white space as the agents quote text.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }
