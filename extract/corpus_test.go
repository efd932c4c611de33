package extract_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/internal/amount"
	"github.com/veritas-audit/veritas/internal/tatqa"
)

// normalized is a table as the reader should give it back: cells with their spaces folded,
// empty rows dropped.
func normalized(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		row := make([]string, len(r))
		empty := true
		for j, c := range r {
			row[j] = strings.Join(strings.Fields(c), " ")
			empty = empty && row[j] == ""
		}
		if !empty {
			out = append(out, row)
		}
	}
	return out
}

// TestCorpusTextTables types every TAT-QA table as text in Word paragraphs, one line each, and
// reads it back; and reads every context's prose, which must give no table at all. Figures are
// per half of the split (tatqa.HalfOf): the reader was developed on the develop half.
//
//   - pipe: the table comes back cell for cell;
//   - tabs and spaces: the grid is only as good as the alignment the text keeps (an empty cell in
//     the middle of a row leaves no trace), so what is measured is that every row of figures
//     comes back as a row of a table (two, when the table repeats its heading part-way down),
//     with its label and its figures in order.
func TestCorpusTextTables(t *testing.T) {
	entries := tatqa.Load(t)
	type tally struct{ contexts, prose, exact, found map[string]int }
	per := map[tatqa.Half]*tally{}
	for _, h := range tatqa.Halves {
		per[h] = &tally{map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}}
	}
	for i, e := range entries {
		tl := per[e.Half()]
		want := normalized(e.Table.Table)
		d := docxgen.New()
		for _, p := range e.Texts() {
			d.Paragraph(p)
		}
		prose := read(t, d)
		tl.contexts["prose"]++
		if len(prose.Tables) > 0 {
			tl.prose["prose"]++
			t.Logf("context %d (%s): prose read as a table: %q", i, e.Half(), prose.Tables[0].Rows)
		}
		for _, style := range []string{"pipe", "tabs", "spaces"} {
			tl.contexts[style]++
			doc := read(t, lines(docxgen.TypedTable(e.Table.Table, style)...))
			var got [][]string // a table that repeats its heading part-way down reads as two
			for _, tb := range doc.Tables {
				got = append(got, normalized(tb.Rows)...)
			}
			if len(doc.Tables) == 1 && reflect.DeepEqual(got, want) {
				tl.exact[style]++
			}
			if len(got) > 0 && figureRowsKept(want, got) {
				tl.found[style]++
			} else if e.Half() == tatqa.Develop { // held-out misses are counted, never listed
				t.Logf("context %d %s: figure rows lost from %d tables: %q", i, style, len(doc.Tables), got)
			}
		}
	}
	for _, h := range tatqa.Halves {
		tl := per[h]
		t.Logf("%s: prose of %d contexts read as a table: %d", h, tl.contexts["prose"], tl.prose["prose"])
		for _, style := range []string{"pipe", "tabs", "spaces"} {
			n := tl.contexts[style]
			t.Logf("%s: %s: %d of %d tables read back cell for cell (%.1f %%), figure rows kept in %d (%.1f %%)",
				h, style, tl.exact[style], n, pct(tl.exact[style], n), tl.found[style], pct(tl.found[style], n))
		}
	}
	dev := per[tatqa.Develop]
	if dev.prose["prose"] > 0 {
		t.Errorf("develop: prose of %d contexts read as a table", dev.prose["prose"])
	}
	for style, floor := range map[string]float64{"pipe": 99, "tabs": 90, "spaces": 90} {
		if got := pct(dev.found[style], dev.contexts[style]); got < floor {
			t.Errorf("develop: %s tables with their figure rows kept %.1f %%, under %.0f %%", style, got, floor)
		}
	}
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// figureRowsKept reports whether every row of want that holds a figure comes back as a row of
// got, in order, with its label first and its non-empty cells in the same order.
func figureRowsKept(want, got [][]string) bool {
	k := 0
	for _, w := range want {
		if !hasFigure(w) {
			continue
		}
		found := false
		for ; k < len(got); k++ {
			if sameCells(w, got[k]) {
				found = true
				k++
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// hasFigure reports whether a row holds an amount after its label, other than a year (the
// heading "December 31," or "2019" is no row of figures).
func hasFigure(r []string) bool {
	for _, c := range r[1:] {
		n, ok := amount.Parse(c)
		if ok && !n.Dash && !(n.Decimals == 0 && n.Value >= 1900 && n.Value <= 2100 && !strings.Contains(c, ",")) {
			return true
		}
	}
	return false
}

// sameCells compares two rows by their non-empty cells, the label first.
func sameCells(a, b []string) bool {
	nonEmpty := func(r []string) []string {
		var out []string
		for _, c := range r {
			if c != "" {
				out = append(out, c)
			}
		}
		return out
	}
	return len(a) > 0 && len(b) > 0 && a[0] == b[0] && reflect.DeepEqual(nonEmpty(a), nonEmpty(b))
}
