package external

import (
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
)

// FuzzReadStatements reads arbitrary document text: it must never panic, and the query it
// builds stays short.
func FuzzReadStatements(f *testing.F) {
	f.Add("Acme Widgets plc", `Gamma ("the Company") for the year ended 31 December 2024 is incorporated in England.`, "£m")
	f.Add("", "There is no pending litigation. Other than as disclosed, no claims.", "(346)")
	f.Add("OMEGA INC.", "as at February 30, 2024 . . . Ltd. Inc. plc AG SE", "€ 12")
	f.Add("3i Group plc", "and its subsidiaries (together, the \"Group\") ( the Company )", "US$ 1,000")
	f.Fuzz(func(t *testing.T, title, body, cell string) {
		doc := &extract.Document{
			Paragraphs: []extract.Paragraph{{Text: title, Heading: 1}, {Text: body}, {Text: strings.Repeat(body, 3)}},
			Tables:     []extract.Table{{Index: 1, Title: title, Rows: [][]string{{"", "2024"}, {body, cell}}}},
		}
		st := readStatements(doc)
		q := st.query()
		if len(q.Context) > 2000 {
			t.Fatalf("context of %d bytes", len(q.Context))
		}
		if len(q.Entity) > len(title)+len(body)*4+10 {
			t.Fatalf("entity %q longer than the text", q.Entity)
		}
		s := Signal{Type: TypeLitigation, Summary: body, SourceURLs: []string{"https://a.example/"}, Date: cell}
		_ = st.classify(s)
	})
}
