package statements

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

var update = flag.Bool("update", false, "rewrite testdata/statements from the generator")

// setDir is where the test set lives, relative to this package.
const setDir = "../../testdata/statements"

// TestStatementSet keeps testdata/statements equal to what the generator makes: with -update it
// writes the files and the manifest, without it any difference (or a stray file) fails.
func TestStatementSet(t *testing.T) {
	files, m, err := GenerateAll()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	files["manifest.json"] = append(manifest, '\n')
	if *update {
		if err := os.MkdirAll(setDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(setDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(setDir)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/statements -run TestStatementSet -update)", err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == "README.md" {
			continue
		}
		if _, ok := files[name]; !ok {
			t.Errorf("%s is in testdata/statements but the generator does not make it", name)
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(setDir, name))
		if err != nil {
			t.Errorf("%v (run with -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run with -update and review the diff)", name)
		}
	}
}

// TestGenerateIsDeterministic guards the golden files: two runs give the same bytes.
func TestGenerateIsDeterministic(t *testing.T) {
	a, ma, err := GenerateAll()
	if err != nil {
		t.Fatal(err)
	}
	b, mb, err := GenerateAll()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	ja, _ := json.Marshal(ma)
	jb, _ := json.Marshal(mb)
	if !bytes.Equal(ja, jb) {
		t.Error("the manifest differs between two runs")
	}
}

// table is an extracted table read by row label and column heading.
type table struct {
	t    extract.Table
	file string
}

// find returns the first table whose title contains title.
func find(t *testing.T, doc *extract.Document, file, title string) table {
	t.Helper()
	for _, x := range doc.Tables {
		if strings.Contains(x.Title, title) {
			return table{t: x, file: file}
		}
	}
	t.Fatalf("%s: no table titled %q", file, title)
	return table{}
}

// v reads the figure in the nth row whose label starts with label, under the column headed col.
func (tb table) v(t *testing.T, label string, nth int, col string) float64 {
	t.Helper()
	ci := slices.Index(tb.t.Rows[0], col)
	if ci < 0 {
		t.Fatalf("%s table %d %q: no column %q", tb.file, tb.t.Index, tb.t.Title, col)
	}
	seen := 0
	for _, r := range tb.t.Rows {
		if !strings.HasPrefix(r[0], label) {
			continue
		}
		if seen < nth {
			seen++
			continue
		}
		n, ok := amount.Parse(r[ci])
		if !ok {
			t.Fatalf("%s table %d row %q column %q: %q is not a figure", tb.file, tb.t.Index, label, col, r[ci])
		}
		return n.Value
	}
	t.Fatalf("%s table %d %q: no row %q (occurrence %d)", tb.file, tb.t.Index, tb.t.Title, label, nth)
	return 0
}

// sum adds the figures of the rows strictly between the rows labelled from and to.
func (tb table) sum(t *testing.T, from, to, col string) float64 {
	t.Helper()
	ci := slices.Index(tb.t.Rows[0], col)
	in, total := false, 0.0
	for _, r := range tb.t.Rows {
		switch {
		case strings.HasPrefix(r[0], from) && !in:
			in = true
			continue
		case strings.HasPrefix(r[0], to) && in:
			return total
		}
		if in {
			if n, ok := amount.Parse(r[ci]); ok {
				total += n.Value
			}
		}
	}
	t.Fatalf("%s table %d: no rows from %q to %q", tb.file, tb.t.Index, from, to)
	return 0
}

// eq reports a difference between two figures read from the document.
func eq(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s: %s but should be %s", what, strconv.FormatFloat(got, 'f', -1, 64), strconv.FormatFloat(want, 'f', -1, 64))
	}
}

// TestCleanStatementsAreConsistent reads every clean file back through extract, as the agents
// do, and checks from the printed figures alone that each statement casts, the balance sheet
// balances, the cash flow reconciles and ends at the balance-sheet cash, the notes agree with
// the statements and the roll-forwards add, and that the narrative states the tables' changes.
func TestCleanStatementsAreConsistent(t *testing.T) {
	for _, v := range Set() {
		if v.Planted {
			continue
		}
		t.Run(v.File(), func(t *testing.T) {
			b, _, err := Generate(v)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := extract.Docx(b, extract.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			file := v.File()
			p := v.Profile
			is := find(t, doc, file, "Statement of profit or loss")
			bs := find(t, doc, file, "Statement of financial position")
			ce := find(t, doc, file, "Statement of changes in equity")
			cf := find(t, doc, file, "Statement of cash flows")
			profit := is.t.Rows[12][0] // "Profit for the year" or "Profit/(loss) for the year"
			for _, y := range []string{p.yearLabel(2), p.yearLabel(1)} {
				// Income statement.
				eq(t, "gross profit "+y, is.v(t, "Gross profit", 0, y), is.v(t, "Revenue", 0, y)+is.v(t, "Cost of sales", 0, y))
				eq(t, "operating profit "+y, is.v(t, "Operating profit", 0, y), is.sum(t, "Gross profit", "Operating profit", y)+is.v(t, "Gross profit", 0, y))
				eq(t, "profit before tax "+y, is.v(t, "Profit", 0, y), is.v(t, "Operating profit", 0, y)+is.v(t, "Finance income", 0, y)+is.v(t, "Finance costs", 0, y))
				eq(t, "profit for the year "+y, is.v(t, profit, 0, y), is.v(t, "Profit", 0, y)+is.v(t, "Income tax expense", 0, y))
				eq(t, "total comprehensive income "+y, is.v(t, "Total comprehensive income", 0, y), is.v(t, profit, 0, y))

				// Statement of financial position.
				eq(t, "non-current assets "+y, bs.v(t, "Total non-current assets", 0, y), bs.sum(t, "Non-current assets", "Total non-current assets", y))
				eq(t, "current assets "+y, bs.v(t, "Total current assets", 0, y), bs.sum(t, "Current assets", "Total current assets", y))
				eq(t, "total assets "+y, bs.v(t, "Total assets", 0, y), bs.v(t, "Total non-current assets", 0, y)+bs.v(t, "Total current assets", 0, y))
				eq(t, "total equity "+y, bs.v(t, "Total equity", 0, y), bs.sum(t, "Equity", "Total equity", y))
				eq(t, "non-current liabilities "+y, bs.v(t, "Total non-current liabilities", 0, y), bs.sum(t, "Non-current liabilities", "Total non-current liabilities", y))
				eq(t, "current liabilities "+y, bs.v(t, "Total current liabilities", 0, y), bs.sum(t, "Current liabilities", "Total current liabilities", y))
				eq(t, "total liabilities "+y, bs.v(t, "Total liabilities", 0, y), bs.v(t, "Total non-current liabilities", 0, y)+bs.v(t, "Total current liabilities", 0, y))
				eq(t, "total equity and liabilities "+y, bs.v(t, "Total equity and liabilities", 0, y), bs.v(t, "Total equity", 0, y)+bs.v(t, "Total liabilities", 0, y))
				eq(t, "balance sheet balances "+y, bs.v(t, "Total assets", 0, y), bs.v(t, "Total equity and liabilities", 0, y))

				// Statement of cash flows.
				eq(t, "cash generated from operations "+y, cf.v(t, "Cash generated from operations", 0, y), cf.sum(t, "Cash flows from operating", "Cash generated", y))
				eq(t, "net operating cash flow "+y, cf.v(t, "Net cash from operating", 0, y), cf.sum(t, "Cash flows from operating", "Net cash from operating", y)-cf.v(t, "Cash generated", 0, y))
				eq(t, "investing cash flow "+y, cf.v(t, "Net cash used in investing", 0, y), cf.sum(t, "Cash flows from investing", "Net cash used in investing", y))
				eq(t, "financing cash flow "+y, cf.v(t, "Net cash used in financing", 0, y), cf.sum(t, "Cash flows from financing", "Net cash used in financing", y))
				eq(t, "net cash flow "+y, cf.v(t, "Net increase", 0, y), cf.v(t, "Net cash from operating", 0, y)+cf.v(t, "Net cash used in investing", 0, y)+cf.v(t, "Net cash used in financing", 0, y))
				eq(t, "closing cash "+y, cf.v(t, "Cash and cash equivalents at end", 0, y), cf.v(t, "Cash and cash equivalents at beginning", 0, y)+cf.v(t, "Net increase", 0, y))
				eq(t, "cash flow closing cash = balance sheet "+y, cf.v(t, "Cash and cash equivalents at end", 0, y), bs.v(t, "Cash and cash equivalents", 0, y))
				eq(t, "cash flow profit = income statement "+y, cf.v(t, profit, 0, y), is.v(t, profit, 0, y))

				// Notes against the statements.
				rev := find(t, doc, file, "Disaggregation of revenue")
				eq(t, "revenue by line "+y, rev.v(t, "Total revenue", 0, y), rev.sum(t, "By service", "Total revenue", y))
				eq(t, "revenue by timing "+y, rev.v(t, "Total revenue", 1, y), rev.sum(t, "By timing", "Total revenue", y))
				eq(t, "revenue note = income statement "+y, rev.v(t, "Total revenue", 0, y), is.v(t, "Revenue", 0, y))
				staff := find(t, doc, file, "Staff costs")
				eq(t, "staff costs "+y, staff.v(t, "Total staff costs", 0, y), staff.sum(t, p.Scale, "Total staff costs", y))
				fin := find(t, doc, file, "Finance income and finance costs")
				eq(t, "finance costs note = income statement "+y, -fin.v(t, "Total finance costs", 0, y), is.v(t, "Finance costs", 0, y))
				eq(t, "finance costs cast "+y, fin.v(t, "Total finance costs", 0, y), fin.sum(t, "Finance costs", "Total finance costs", y))
				tax := find(t, doc, file, "Income tax")
				eq(t, "tax note = income statement "+y, -tax.v(t, "Income tax expense", 0, y), is.v(t, "Income tax expense", 0, y))
				eq(t, "tax note casts "+y, tax.v(t, "Income tax expense", 0, y), tax.v(t, "Current tax", 0, y)+tax.v(t, "Deferred tax", 0, y))
				rec := find(t, doc, file, "Reconciliation of the tax expense")
				eq(t, "tax reconciliation "+y, rec.v(t, "Income tax expense", 0, y), rec.sum(t, "Tax at the statutory", "Income tax expense", y)+rec.v(t, "Tax at the statutory", 0, y))
				cash := find(t, doc, file, "13. Cash")
				eq(t, "cash note = balance sheet "+y, cash.v(t, "Cash and cash equivalents", 0, y), bs.v(t, "Cash and cash equivalents", 0, y))
				eq(t, "cash note casts "+y, cash.v(t, "Cash and cash equivalents", 0, y), cash.v(t, "Cash at bank", 0, y)+cash.v(t, "Short-term deposits", 0, y))
				bor := find(t, doc, file, "14. Borrowings")
				eq(t, "borrowings note = balance sheet "+y, bor.v(t, "Total borrowings", 0, y), bs.v(t, "Borrowings", 0, y)+bs.v(t, "Borrowings", 1, y))
				lease := find(t, doc, file, "Lease liabilities")
				eq(t, "lease note = balance sheet "+y, lease.v(t, "Total lease liabilities", 0, y), bs.v(t, "Lease liabilities", 0, y)+bs.v(t, "Lease liabilities", 1, y))
				mat := find(t, doc, file, "Maturity analysis of lease liabilities")
				eq(t, "undiscounted lease payments "+y, mat.v(t, "Total undiscounted", 0, y), mat.sum(t, p.Scale, "Total undiscounted", y))
				eq(t, "lease maturity to carrying amount "+y, mat.v(t, "Lease liabilities", 0, y), mat.v(t, "Total undiscounted", 0, y)+mat.v(t, "Less: future", 0, y))
				eq(t, "lease maturity = lease note "+y, mat.v(t, "Lease liabilities", 0, y), lease.v(t, "Total lease liabilities", 0, y))
				kmp := find(t, doc, file, "Key management personnel")
				eq(t, "key management compensation "+y, kmp.v(t, "Total key management", 0, y), kmp.sum(t, p.Scale, "Total key management", y))
				kf := find(t, doc, file, "Key figures")
				eq(t, "key figures revenue "+y, kf.v(t, "Revenue", 0, y), is.v(t, "Revenue", 0, y))
				eq(t, "key figures cash "+y, kf.v(t, "Cash and cash equivalents", 0, y), bs.v(t, "Cash and cash equivalents", 0, y))
				margin := kf.v(t, "Operating margin", 0, y)
				eq(t, "operating margin "+y, margin, math.Round(1000*is.v(t, "Operating profit", 0, y)/is.v(t, "Revenue", 0, y))/10)
			}
			// Roll-forwards: opening + movements = closing in every column, closing = statement.
			y2, y1 := p.yearLabel(2), p.yearLabel(1)
			for _, rf := range []struct {
				title, bsRow string
				bsNth        int
				both         bool
			}{
				{"Carrying amounts", "Property, plant and equipment", 0, false},
				{"Right-of-use assets", "Right-of-use assets", 0, false},
				{"Reconciliation of movements in liabilities", "Borrowings", 0, true},
				{"15. Provisions", "Provisions", 0, false},
			} {
				tb := find(t, doc, file, rf.title)
				for _, col := range tb.t.Rows[0][1:] {
					open := tb.v(t, "At ", 0, col)
					moved := 0.0
					for _, r := range tb.t.Rows[2:] {
						ci := slices.Index(tb.t.Rows[0], col)
						n, ok := amount.Parse(r[ci])
						if strings.HasPrefix(r[0], "At ") {
							eq(t, fmt.Sprintf("%s %q %q", rf.title, r[0], col), n.Value, open+moved)
							open, moved = n.Value, 0
							continue
						}
						if ok {
							moved += n.Value
						}
					}
				}
				last := func(col string) float64 {
					rows := tb.t.Rows
					n, _ := amount.Parse(rows[len(rows)-1][slices.Index(rows[0], col)])
					return n.Value
				}
				switch {
				case rf.both:
					eq(t, "financing liabilities closing borrowings", last("Borrowings"), bs.v(t, "Borrowings", 0, y2)+bs.v(t, "Borrowings", 1, y2))
					eq(t, "financing liabilities closing leases", last("Lease liabilities"), bs.v(t, "Lease liabilities", 0, y2)+bs.v(t, "Lease liabilities", 1, y2))
				default:
					eq(t, rf.title+" closing = statement", last("Total"), bs.v(t, rf.bsRow, rf.bsNth, y2))
				}
			}
			eq(t, "equity statement closing = balance sheet", ce.v(t, "Balance at "+p.endDate(2), 0, "Total equity"), bs.v(t, "Total equity", 0, y2))
			eq(t, "equity statement comparative = balance sheet", ce.v(t, "Balance at "+p.endDate(1), 0, "Total equity"), bs.v(t, "Total equity", 0, y1))

			// The narrative states the change in revenue and the direction of cash as the
			// tables show them.
			md := doc.Markdown
			mr := regexp.MustCompile(`Revenue (increased|decreased) by ([0-9.]+)% to`).FindStringSubmatch(md)
			if mr == nil {
				t.Fatal("no revenue claim in the narrative")
			}
			r2, r1 := is.v(t, "Revenue", 0, y2), is.v(t, "Revenue", 0, y1)
			g, _ := strconv.ParseFloat(mr[2], 64)
			if mr[1] == "decreased" {
				g = -g
			}
			eq(t, "narrative revenue change %", g, math.Round(1000*(r2-r1)/r1)/10)
			mc := regexp.MustCompile(`Cash and cash equivalents (increased|decreased) to`).FindStringSubmatch(md)
			if mc == nil || (mc[1] == "increased") != (bs.v(t, "Cash and cash equivalents", 0, y2) > bs.v(t, "Cash and cash equivalents", 0, y1)) {
				t.Errorf("narrative cash direction %v disagrees with the balance sheet", mc)
			}
		})
	}
}

// TestPlantsCoverEveryKind checks the set as a measurement: every kind of problem is planted
// at least three times, every planted file plants problems for several agents, and every
// numeric expectation points at a table, row and column that exist in the extracted file.
func TestPlantsCoverEveryKind(t *testing.T) {
	files, m, err := GenerateAll()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	standards := map[string]int{}
	for _, e := range m.Files {
		if e.Clean != (len(e.Expect) == 0) {
			t.Errorf("%s: clean=%v with %d expectations", e.File, e.Clean, len(e.Expect))
		}
		agentsOf := map[string]bool{}
		doc, err := extract.Docx(files[e.File], extract.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range e.Expect {
			if x.Optional {
				continue
			}
			kinds[x.Kind]++
			agentsOf[x.Agent] = true
			if x.Agent == agentDisclosure {
				std, _, _ := strings.Cut(x.Match.Reference, ".")
				standards[std]++
			}
			for _, mt := range append([]Match{x.Match}, x.Also...) {
				if mt.Table == 0 {
					continue
				}
				if mt.Table > len(doc.Tables) {
					t.Errorf("%s: %s refers to table %d of %d", e.File, x.Kind, mt.Table, len(doc.Tables))
					continue
				}
				tb := doc.Tables[mt.Table-1]
				if !slices.ContainsFunc(tb.Rows, func(r []string) bool { return strings.Contains(strings.ToLower(r[0]), strings.ToLower(mt.Row)) }) {
					t.Errorf("%s: %s: table %d %q has no row %q", e.File, x.Kind, mt.Table, tb.Title, mt.Row)
				}
				if !slices.ContainsFunc(tb.Rows[0], func(h string) bool { return strings.Contains(h, mt.Column) }) {
					t.Errorf("%s: %s: table %d %q has no column %q", e.File, x.Kind, mt.Table, tb.Title, mt.Column)
				}
			}
			if x.Agent == agentLogic && x.Match.Claim != "" && !strings.Contains(doc.Markdown, x.Match.Claim) {
				t.Errorf("%s: planted claim %q is not in the document", e.File, x.Match.Claim)
			}
		}
		if !e.Clean && len(agentsOf) < 3 {
			t.Errorf("%s plants problems for %d agents, want all three", e.File, len(agentsOf))
		}
	}
	for _, k := range []string{kindInTable, kindNoteMismatch, kindProfitCF, kindCashCF, kindIdentity, kindRollForward,
		kindRatio, kindChange, kindProfitWords, kindSign, kindPeriod} {
		if kinds[k] < 3 {
			t.Errorf("kind %s planted %d times, want at least 3", k, kinds[k])
		}
	}
	for _, s := range []string{"IAS 1", "IAS 7", "IAS 24", "IFRS 7", "IFRS 15", "IFRS 16"} {
		if standards[s] < 3 {
			t.Errorf("%s disclosures omitted %d times, want at least 3", s, standards[s])
		}
	}
	if len(m.Files) < 12 {
		t.Errorf("%d files, want at least 12", len(m.Files))
	}
}
