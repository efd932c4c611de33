package export_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/veritas-audit/veritas/export"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// FuzzAnnotate annotates a document of any body markup, whenever the extractor accepts it, with
// findings on its first paragraph, its first table's cells, a heading and nowhere. Annotate either refuses with ErrNotDocx or gives an
// archive whose every other entry is the input's, byte for byte, whose main part is the
// input's with the comment markers inserted and nothing else, and whose comments part is
// well-formed XML.
func FuzzAnnotate(f *testing.F) {
	for _, body := range []string{
		`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Report</w:t></w:r></w:p><w:p><w:r><w:t>Revenue rose</w:t></w:r></w:p>` +
			`<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>2024</w:t></w:r></w:p></w:tc></w:tr>` +
			`<w:tr><w:tc><w:p><w:r><w:t>Revenue</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="1"/></w:tcPr><w:p><w:pPr/><w:r><w:t>(346)</w:t></w:r></w:p></w:tc></w:tr></w:tbl>`,
		`<w:p><w:r><w:t>A</w:t></w:r><w:r><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></w:r></w:p>` +
			`<w:sdt><w:sdtContent><w:p><w:r><w:t>in a control</w:t></w:r></w:p></w:sdtContent></w:sdt>`,
	} {
		f.Add(body)
	}
	lim := extract.Limits{MaxTotalBytes: 4 << 20, MaxDocumentBytes: 2 << 20, MaxEntries: 64, MaxDepth: 64, MaxCells: 10_000}
	sev, desc := "high", "x"
	rows := []schemas.Result{
		{AgentID: schemas.AgentLogic, Severity: &sev, Description: &desc, SourceRefs: []string{"Paragraph 1 'x'"}},
		{AgentID: schemas.AgentNumeric, Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1, row 'Revenue', column '2024'"}},
		{AgentID: schemas.AgentNumeric, Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1 'x' title"}},
		{AgentID: schemas.AgentDisclosure, Severity: &sev, Description: &desc, SourceRefs: []string{"Section 'Report'"}},
		{AgentID: schemas.AgentExternal, Severity: &sev, Description: &desc, SourceRefs: []string{"https://example.com"}},
	}
	f.Fuzz(func(t *testing.T, body string) {
		data := docxgen.New().RawXML(body).Bytes()
		if _, err := extract.Docx(data, lim); err != nil {
			return
		}
		out, err := export.Annotate(data, lim, rows, nil, at)
		if err != nil {
			if !errors.Is(err, export.ErrNotDocx) {
				t.Fatalf("Annotate: %v, not ErrNotDocx", err)
			}
			return
		}
		_, lay, err := extract.DocxLayout(data, lim)
		if err != nil {
			t.Fatal(err)
		}
		before := openArchive(t, data)
		after := openArchive(t, out.Docx)
		if len(after.files) < len(before.files) {
			t.Fatalf("%d entries, were %d", len(after.files), len(before.files))
		}
		main := ""
		for i, g := range before.files {
			if after.files[i].Name != g.Name {
				t.Fatalf("entry %d is %s, was %s", i, after.files[i].Name, g.Name)
			}
			if g.Name == lay.Part && main == "" {
				main = g.Name
				continue
			}
			if !bytes.Equal(after.raw(t, g.Name), before.raw(t, g.Name)) && !changedParts[g.Name] {
				t.Errorf("%s changed", g.Name)
			}
		}
		if main == "" {
			t.Fatalf("no main part %s", lay.Part)
		}
		if got := insertedMarkers.ReplaceAll(after.read(t, main), nil); !bytes.Equal(got, before.read(t, main)) &&
			!bytes.Contains(before.read(t, main), []byte("commentRange")) && !bytes.Contains(before.read(t, main), []byte("<w:p/>")) {
			t.Error("the main part without the markers differs from the input's")
		}
		if _, had := before.byName["word/comments.xml"]; !had {
			if _, ok := after.byName["word/comments.xml"]; ok {
				wellFormed(t, "comments.xml", after.read(t, "word/comments.xml"))
			}
		}
		if out.Placed+out.Unplaced != len(rows) {
			t.Errorf("%d comments for %d findings", out.Placed+out.Unplaced, len(rows))
		}
	})
}
