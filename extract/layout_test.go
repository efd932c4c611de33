package extract_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// mainPart returns the uncompressed main part of a .docx.
func mainPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	parts, err := docxgen.Parts(data)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := parts[name]
	if !ok {
		t.Fatalf("no %s in the archive", name)
	}
	return b
}

// spanText is the text of the w:t elements of the paragraph at sp, which must be one whole
// w:p element from just after its properties to just after its end tag.
func spanText(t *testing.T, part []byte, sp extract.Span) string {
	t.Helper()
	open := max(bytes.LastIndex(part[:sp.Content], []byte("<w:p>")), bytes.LastIndex(part[:sp.Content], []byte("<w:p ")),
		bytes.LastIndex(part[:sp.Content], []byte("<w:p/>")))
	if open < 0 || !bytes.HasSuffix(part[:sp.End], []byte("</w:p>")) && !bytes.HasSuffix(part[:sp.End], []byte("/>")) {
		t.Fatalf("span %+v is not a w:p element: %.80q", sp, part[max(0, sp.End-80):sp.End])
	}
	dec := xml.NewDecoder(bytes.NewReader(part[open:sp.End]))
	var text strings.Builder
	inT := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("span %+v is not one element: %v", sp, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inT = tok.Name.Local == "t"
			if tok.Name.Local == "tab" {
				text.WriteByte(' ')
			}
		case xml.EndElement:
			inT = false
		case xml.CharData:
			if inT {
				text.Write(tok)
			}
		}
	}
	return strings.Join(strings.Fields(text.String()), " ")
}

// TestDocxLayoutLocatesEveryParagraphAndCell: on every statement of the test set and on
// generated documents with merged cells, each Layout span is the w:p element whose text the
// Document holds at that place, and DocxLayout extracts exactly what Docx does.
func TestDocxLayoutLocatesEveryParagraphAndCell(t *testing.T) {
	files, err := filepath.Glob("../testdata/statements/*.docx")
	if err != nil || len(files) < 12 {
		t.Fatalf("the statement set: %v, %d files", err, len(files))
	}
	inputs := map[string][]byte{}
	for _, f := range append(files, "../testdata/acme-fy2024.docx") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	inputs["merged cells"] = docxgen.New().Paragraph("Intro").RawXML(tbl(3,
		tr(tc(`<w:gridSpan w:val="2"/>`, "Spanning"), tc("", "C")),
		tr(tc(`<w:vMerge w:val="restart"/>`, "Top"), tc("", "B"), tc("", "C2")),
		tr(tc(`<w:vMerge/>`, ""), tc("", "B3"), `<w:tc><w:p/></w:tc>`),
	)).Paragraph("After").Bytes()
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			doc, lay, err := extract.DocxLayout(data, extract.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			plain, err := extract.Docx(data, extract.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(doc, plain) {
				t.Fatal("DocxLayout's Document differs from Docx's")
			}
			part := mainPart(t, data, lay.Part)
			if len(lay.Paragraphs) != len(doc.Paragraphs) || len(lay.Cells) != len(doc.Tables) {
				t.Fatalf("layout of %d paragraphs and %d tables for %d and %d", len(lay.Paragraphs), len(lay.Cells), len(doc.Paragraphs), len(doc.Tables))
			}
			for i, p := range doc.Paragraphs {
				if got, want := spanText(t, part, lay.Paragraphs[i]), strings.Join(strings.Fields(p.Text), " "); got != want {
					t.Errorf("paragraph %d: the span holds %q, want %q", i+1, got, want)
				}
			}
			cells := 0
			for ti, tab := range doc.Tables {
				if len(lay.Cells[ti]) != len(tab.Rows) {
					t.Fatalf("table %d: %d rows of spans for %d rows", ti+1, len(lay.Cells[ti]), len(tab.Rows))
				}
				for r, row := range tab.Rows {
					for c, text := range row {
						sp := lay.Cells[ti][r][c]
						if text == "" || strings.Contains(text, "\n") {
							continue // an empty cell, a merged one's continuation, or several paragraphs
						}
						cells++
						if sp.End == 0 {
							t.Errorf("table %d row %d column %d (%q) has no span", ti+1, r+1, c+1, text)
							continue
						}
						if got := spanText(t, part, sp); got != strings.Join(strings.Fields(text), " ") {
							t.Errorf("table %d row %d column %d: the span holds %q, want %q", ti+1, r+1, c+1, got, text)
						}
					}
				}
			}
			if len(doc.Tables) > 0 && cells == 0 {
				t.Error("no cell was checked")
			}
		})
	}
}
