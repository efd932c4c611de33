package numeric

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/internal/tatqa"
)

// typedDocument is the one-table document of corpus tests with its table typed as text, one
// paragraph per line, or as a Word table when style is "word".
func typedDocument(t *testing.T, rows [][]string, style string) *extract.Document {
	t.Helper()
	d := docxgen.New().Heading(2, "Note").Paragraph("The table below is taken from the annual report.")
	if style == "word" {
		d.Table(rows)
	} else {
		for _, l := range docxgen.TypedTable(rows, style) {
			d.Paragraph(l)
		}
	}
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestCorpusTypedTables runs the agent on every TAT-QA table typed as text and compares it with
// the same table as a Word table, per half of the split: a clean typed table must be as quiet
// as the Word one, and a total mistyped (its first digit changed) that the agent finds in the
// Word table it must find typed as well. The text-table reader was tuned on the develop half.
func TestCorpusTypedTables(t *testing.T) {
	entries := tatqa.Load(t)
	agent := New()
	ctx := context.Background()
	styles := []string{"pipe", "tabs", "spaces"}
	type count struct{ tables, flagged, plants, found int }
	score := map[tatqa.Half]map[string]*count{}
	for _, h := range tatqa.Halves {
		score[h] = map[string]*count{}
		for _, s := range append([]string{"word"}, styles...) {
			score[h][s] = &count{}
		}
	}
	run := func(rows [][]string, style string) []string {
		fs, err := agent.Run(ctx, typedDocument(t, rows, style), nil)
		if err != nil {
			t.Fatal(err)
		}
		var ds []string
		for _, f := range fs {
			ds = append(ds, f.Description)
		}
		return ds
	}
	for i, e := range entries {
		h := e.Half()
		for _, s := range append([]string{"word"}, styles...) {
			c := score[h][s]
			c.tables++
			if ds := run(e.Table.Table, s); len(ds) > 0 {
				c.flagged++
				if h == tatqa.Develop { // held-out misses are counted, never listed
					t.Logf("table %d (%s) %s: clean table flagged: %s", i, h, s, ds[0])
				}
			}
		}
		rows, label, ok := mistypeTotal(e.Table.Table)
		if !ok || !names(run(rows, "word"), label) {
			continue // no total, or one the agent cannot check even in Word
		}
		for _, s := range styles {
			c := score[h][s]
			c.plants++
			if names(run(rows, s), label) {
				c.found++
			} else {
				if h == tatqa.Develop { // held-out misses are counted, never listed
					t.Logf("table %d (%s) %s: mistyped total %q not found", i, h, s, label)
				}
			}
		}
	}
	for _, h := range tatqa.Halves {
		for _, s := range append([]string{"word"}, styles...) {
			c := score[h][s]
			line := fmtRate("clean tables flagged", c.flagged, c.tables)
			if s != "word" {
				line += "; " + fmtRate("mistyped totals found that the Word table shows", c.found, c.plants)
			}
			t.Logf("%s: %s: %s", h, s, line)
		}
	}
	for _, s := range styles {
		c, w := score[tatqa.Develop][s], score[tatqa.Develop]["word"]
		if c.flagged > w.flagged {
			t.Errorf("develop: %d clean tables typed as %s flagged, against %d as Word tables", c.flagged, s, w.flagged)
		}
		if c.plants < 20 || rate(c.found, c.plants) < 0.9 {
			t.Errorf("develop: %s: %d of %d mistyped totals found, under 90 %%", s, c.found, c.plants)
		}
	}
}

// fmtRate prints n of a total with its share.
func fmtRate(what string, n, of int) string {
	return fmt.Sprintf("%s %d of %d (%.1f %%)", what, n, of, 100*rate(n, of))
}

// mistypeTotal copies rows with the first digit of the last figure of the first row labelled
// "Total…" changed, and returns that row's label.
func mistypeTotal(rows [][]string) ([][]string, string, bool) {
	for i, r := range rows {
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(r[0])), "total") {
			continue
		}
		for j := len(r) - 1; j > 0; j-- {
			k := strings.IndexAny(r[j], "0123456789")
			if k < 0 {
				continue
			}
			d := byte('1')
			if r[j][k] == '1' {
				d = '7'
			}
			out := make([][]string, len(rows))
			for a := range rows {
				out[a] = append([]string(nil), rows[a]...)
			}
			out[i][j] = r[j][:k] + string(d) + r[j][k+1:]
			return out, strings.TrimSpace(r[0]), true
		}
	}
	return nil, "", false
}

// names reports whether some finding names the row.
func names(descriptions []string, label string) bool {
	for _, d := range descriptions {
		if strings.Contains(d, label) {
			return true
		}
	}
	return false
}
