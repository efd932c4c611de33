package logic

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// This file tests the cash flow lines a claim may name (net cash from operating activities,
// cash generated from operations, capital expenditure), the noun phrases that name them ("a
// dip in net cash from operating activities, to …"), which of several rows of one metric a
// finding quotes, and the wording of findings.

// operatingLines puts cash generated from operations (2,950 against 2,310, +27.7%) and the tax
// paid above the sample's net cash from operating activities (2,480 against 1,930, +28.5%).
func operatingLines(r *report) {
	var rows [][]string
	for _, row := range r.cashflow {
		if row[0] == "Net cash from operating activities" {
			rows = append(rows, []string{"Cash generated from operations", "2,950", "2,310"},
				[]string{"Income tax paid", "(470)", "(380)"})
		}
		rows = append(rows, row)
	}
	r.cashflow = rows
}

// intangiblePurchases adds purchases of intangible assets, (300) against (60): property,
// plant and equipment bought falls from 910 to 750, the two together rise from 970 to 1,050.
func intangiblePurchases(r *report) {
	var rows [][]string
	for _, row := range r.cashflow {
		rows = append(rows, row)
		if strings.HasPrefix(row[0], "Purchase of property") {
			rows = append(rows, []string{"Purchase of intangible assets", "(300)", "(60)"})
		}
	}
	r.cashflow = rows
}

// saying is the sample report with one commentary line, after the changes given.
func saying(line string, mods ...func(r *report)) report {
	r := vocabReport()
	for _, m := range mods {
		m(&r)
	}
	r.commentary = []string{line}
	return r
}

// TestCashFlowLines checks claims about the cash flow statement's lines, as verbs and as noun
// phrases: the true ones are read and confirmed, the false ones draw one finding of the kind
// given.
func TestCashFlowLines(t *testing.T) {
	cases := []struct {
		line string
		mods []func(r *report)
		want string // "" for a true claim, else the finding's kind
	}{
		// Net cash from operating activities rose, 2,480 against 1,930.
		{line: "A rise in net cash from operating activities, to €2.5 million (2023: €1.9 million), reflected working capital.", want: ""},
		{line: "A dip in net cash from operating activities, to €2.5 million (2023: €1.9 million), reflected working capital.", want: kindDirection},
		{line: "A fall in net cash from operating activities to €2.5 million reflected working capital.", want: kindDirection},
		{line: "There was a dip in net cash from operating activities to €2.5 million.", want: kindDirection},
		{line: "An increase in net cash generated from operating activities of 28% reflected working capital.", want: ""},
		{line: "The Group's net cash from operating activities dipped to €2.5 million (2023: €1.9 million).", want: kindDirection},
		// Cash generated from operations rose, 2,950 against 2,310.
		{line: "An increase in cash generated from operations, to €3.0 million (2023: €2.3 million), reflected trading.", mods: []func(*report){operatingLines}, want: ""},
		{line: "A dip in cash generated from operations, to €3.0 million (2023: €2.3 million), reflected working capital.", mods: []func(*report){operatingLines}, want: kindDirection},
		// Capital expenditure: purchases of property, plant and equipment, 750 against 910.
		{line: "Capital expenditure fell to €0.75 million (2023: €0.91 million).", want: ""},
		{line: "Capex was reduced by 18% to €0.75 million.", want: ""},
		{line: "A reduction in capital expenditure, to €0.75 million (2023: €0.91 million), reflected project timing.", want: ""},
		{line: "There was a decrease in purchases of property, plant and equipment to €0.75 million.", want: ""},
		{line: "Capital expenditure dipped to €0.75 million (2023: €0.91 million).", want: ""},
		{line: "Capital expenditure rose to €0.75 million (2023: €0.91 million).", want: kindDirection},
		{line: "Capex increased by 18% to €0.75 million.", want: kindDirection},
		{line: "A rise in capital expenditure, to €0.75 million (2023: €0.91 million), reflected project timing.", want: kindDirection},
		{line: "An increase in purchases of property, plant and equipment to €0.75 million reflected new sites.", want: kindDirection},
		{line: "Purchases of property, plant and equipment increased to €0.75 million (2023: €0.91 million).", want: kindDirection},
		// With intangibles bought as well, capital expenditure may mean both lines: a claim
		// that fits either reading is left alone, one that fits neither is found.
		{line: "Capital expenditure rose to €1.05 million (2023: €0.97 million).", mods: []func(*report){intangiblePurchases}, want: ""},
		{line: "Capital expenditure fell to €0.75 million (2023: €0.91 million).", mods: []func(*report){intangiblePurchases}, want: ""},
		{line: "Capital expenditure rose to €2.0 million.", mods: []func(*report){intangiblePurchases}, want: kindLevel},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			d := saying(tc.line, tc.mods...).doc(t)
			fs := run(t, d)
			if tc.want == "" {
				if len(fs) > 0 {
					t.Fatalf("want no findings, got:%s", describe(fs))
				}
				if len(consistentClaims(d)) == 0 {
					t.Errorf("no claim read and confirmed")
				}
				return
			}
			if len(fs) != 1 || fs[0].RawData["kind"] != tc.want {
				t.Fatalf("want one %s finding, got:%s", tc.want, describe(fs))
			}
		})
	}
}

// TestFindingQuotesTheNamedRow checks that of the rows one metric covers, a finding quotes the
// one the claim names, and that a claim one of them bears out is still left alone.
func TestFindingQuotesTheNamedRow(t *testing.T) {
	cases := []struct {
		line      string
		quiet     bool
		fsli      string
		has, lack []string
	}{
		// Net cash from operating activities: 2,480 against 1,930 (+28.5%); cash generated
		// from operations: 2,950 against 2,310 (+27.7%).
		{line: "Net cash from operating activities rose 5% to €2.5 million.", fsli: "Net cash from operating activities",
			has: []string{"28.5% increase"}},
		{line: "Net cash from operating activities rose to €3.5 million (2023: €1.9 million).", fsli: "Net cash from operating activities",
			has: []string{"net cash from operating activities of 2,480"}, lack: []string{"2,950"}},
		{line: "Cash generated from operations rose 5% to €3.0 million.", fsli: "Cash generated from operations",
			has: []string{"27.7% increase"}},
		{line: "Cash generated from operations increased to €3.5 million (2023: €2.3 million).", fsli: "Cash generated from operations",
			has: []string{"cash generated from operations of 2,950"}, lack: []string{"net cash from operating activities of"}},
		// "Operating cash flow" may mean either line: 2.95 fits cash generated from operations.
		{line: "Operating cash flow rose to €2.95 million (2023: €2.31 million).", quiet: true},
		// A level one row bears out is no finding, whichever row the claim names.
		{line: "Net cash from operating activities rose to €2.95 million (2023: €2.31 million).", quiet: true},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			fs := run(t, saying(tc.line, operatingLines).doc(t))
			if tc.quiet {
				if len(fs) > 0 {
					t.Fatalf("want no findings, got:%s", describe(fs))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one finding, got:%s", describe(fs))
			}
			if got := fs[0].RawData["fsli_name"]; got != tc.fsli {
				t.Errorf("finding quotes row %q, want %q: %s", got, tc.fsli, fs[0].Description)
			}
			for _, h := range tc.has {
				if !strings.Contains(fs[0].Description, h) {
					t.Errorf("description lacks %q: %s", h, fs[0].Description)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(fs[0].Description, l) {
					t.Errorf("description has %q: %s", l, fs[0].Description)
				}
			}
		})
	}
}

// TestFindingWording checks the words of findings: noun phrases quoted whole with their
// article, no dangling commas or prepositions, "an" before a vowel sound.
func TestFindingWording(t *testing.T) {
	cases := []struct {
		line string
		has  []string
	}{
		{line: "A slump in revenue, down 12% to €12.5m, reflected weaker volumes.",
			has: []string{"Narrative says a slump in revenue, down 12% to €12.5m, but the income statement shows a 12.0% increase"}},
		{line: "A slump in revenue to €12.5m (2023: €11.1m) was driven by weaker volumes.",
			has: []string{"Narrative says a slump in revenue to €12.5m (2023: €11.1m), but"}},
		{line: "A 5% dip in operating profit, to €2.1m, reflected higher costs.",
			has: []string{"Narrative says a 5% dip in operating profit, to €2.1m, but the income statement shows a 27.4% increase"}},
		{line: "Gross margin narrowed to 40.0% (2023: 39.0%).",
			has: []string{"shows an increase of 1.0 percentage points"}},
		{line: "Operating margin deteriorated to negative 3.8%.",
			has: []string{"Narrative says operating margin deteriorated, but"}},
		{line: "Net debt rose 8% to €3.0m.",
			has: []string{"shows a 36.9% decrease"}},
		{line: "Operating profit fell 11% to €2.1m.",
			has: []string{"shows a 27.4% increase"}},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			fs := run(t, saying(tc.line).doc(t))
			if len(fs) != 1 {
				t.Fatalf("want one finding, got:%s", describe(fs))
			}
			d := fs[0].Description
			for _, h := range tc.has {
				if !strings.Contains(d, h) {
					t.Errorf("description lacks %q:\n  %s", h, d)
				}
			}
			for _, bad := range []string{",,", " to, but", " was, but", " a increase", " a 8", " a 11."} {
				if strings.Contains(d, bad) {
					t.Errorf("description has %q:\n  %s", bad, d)
				}
			}
		})
	}
}

// TestWithArticle checks "a" and "an" before the phrases findings use.
func TestWithArticle(t *testing.T) {
	for in, want := range map[string]string{
		"increase of 1.1 percentage points": "an increase of 1.1 percentage points",
		"decrease of 12.0":                  "a decrease of 12.0",
		"8.6% increase":                     "an 8.6% increase",
		"80.0% increase":                    "an 80.0% increase",
		"11.4% decrease":                    "an 11.4% decrease",
		"18.1% increase":                    "an 18.1% increase",
		"1.1% decrease":                     "a 1.1% decrease",
		"110.0% increase":                   "a 110.0% increase",
		"180.0% increase":                   "a 180.0% increase",
		"0.5% decrease":                     "a 0.5% decrease",
		"loss of 420 (€000)":                "a loss of 420 (€000)",
	} {
		if got := withArticle(in); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", in, got, want)
		}
	}
}

// statementSentence is one sentence put into a clean statement of testdata/statements.
type statementSentence struct {
	doc, line string
	want      string // "" for a true sentence, else the kind of the one finding it must draw
	// quote, when set, is a row label the finding must quote.
	quote string
}

// TestStatementSetSentences puts sentences into the clean statements of testdata/statements,
// after the first paragraph of the management commentary: the sentences an out-of-sample probe
// found missed or mis-quoted, and true sentences in the same words that must stay quiet.
func TestStatementSetSentences(t *testing.T) {
	cases := []statementSentence{
		// Movement words the probe found unread.
		{doc: "soleira", line: "Trade receivables drifted lower to €52.8 million (2023: €50.6 million).", want: kindDirection},
		{doc: "soleira", line: "Trade receivables drifted down to €52.8 million (2023: €50.6 million).", want: kindDirection},
		{doc: "soleira", line: "Revenue drifted lower to €412.6 million (2023: €395.4 million).", want: kindDirection},
		{doc: "soleira", line: "Revenue drifted down 4.4% to €412.6 million.", want: kindDirection},
		{doc: "harlow-finch", line: "Operating profit picked up to £74.4 million (2024: £82.0 million).", want: kindDirection},
		{doc: "harlow-finch", line: "Operating profit picked up 9.3% to £74.4 million.", want: kindDirection},
		{doc: "kestrel", line: "Revenue firmed to A$80.6 million (2024: A$83.9 million).", want: kindDirection},
		{doc: "soleira", line: "Operating profit retreated to €40.9 million (2023: €36.5 million).", want: kindDirection},
		{doc: "soleira", line: "Revenue drifted higher to €412.6 million (2023: €395.4 million)."},
		{doc: "soleira", line: "Trade receivables drifted up to €52.8 million (2023: €50.6 million)."},
		{doc: "soleira", line: "Net cash from operating activities drifted lower to €41.6 million (2023: €43.4 million)."},
		{doc: "soleira", line: "Operating profit picked up 12.1% to €40.9 million."},
		{doc: "soleira", line: "Operating profit firmed to €40.9 million (2023: €36.5 million)."},
		{doc: "harlow-finch", line: "Operating profit retreated to £74.4 million (2024: £82.0 million)."},
		{doc: "kestrel", line: "Revenue retreated 3.9% to A$80.6 million (2024: A$83.9 million)."},
		// "moderated" is deliberately not read.
		{doc: "cascade", line: "Net debt moderated to $5.5 million (2023: $3.1 million)."},
		// Capital expenditure.
		{doc: "soleira", line: "Capital expenditure dipped to €21.7 million (2023: €17.3 million).", want: kindDirection},
		{doc: "soleira", line: "A dip in capital expenditure, to €21.7 million (2023: €17.3 million), reflected project timing.", want: kindDirection},
		{doc: "soleira", line: "Capital expenditure increased to €21.7 million (2023: €17.3 million)."},
		{doc: "soleira", line: "A rise in capital expenditure, to €21.7 million (2023: €17.3 million), reflected project timing."},
		{doc: "lumen", line: "Capex rose to CHF 1.15 million (2022: CHF 0.97 million)."},
		// Noun phrases with a cash flow line.
		{doc: "lumen", line: "A dip in net cash from operating activities, to CHF 5.3 million (2022: CHF 4.1 million), reflected working capital.", want: kindDirection, quote: "Net cash from operating activities"},
		{doc: "lumen", line: "A dip in net cash from operating activities to CHF 5.3 million (2022: CHF 4.1 million) reflected working capital.", want: kindDirection},
		{doc: "lumen", line: "A dip in net cash from operating activities, to CHF 5.3 million, reflected working capital.", want: kindDirection},
		{doc: "lumen", line: "There was a dip in net cash from operating activities to CHF 5.3 million.", want: kindDirection},
		{doc: "lumen", line: "A fall in net cash from operating activities, to CHF 5.3 million (2022: CHF 4.1 million), reflected working capital.", want: kindDirection},
		{doc: "lumen", line: "A dip in cash generated from operations, to CHF 6.3 million (2022: CHF 4.9 million), reflected working capital.", want: kindDirection, quote: "Cash generated from operations"},
		{doc: "lumen", line: "A rise in net cash from operating activities, to CHF 5.3 million (2022: CHF 4.1 million), reflected working capital."},
		{doc: "lumen", line: "An increase in cash generated from operations, to CHF 6.3 million (2022: CHF 4.9 million), reflected working capital."},
		{doc: "soleira", line: "A dip in cash generated from operations, to €54.6 million (2023: €54.9 million), reflected timing."},
		// The row a finding quotes: net cash from operating activities, not cash generated
		// from operations (54.6).
		{doc: "soleira", line: "Net cash from operating activities slipped 0.5% to €41.6 million (2023: €43.4 million).", want: kindSize, quote: "Net cash from operating activities"},
		{doc: "soleira", line: "Net cash from operating activities slipped 4.1% to €41.6 million (2023: €43.4 million)."},
		{doc: "lumen", line: "Net cash from operating activities soared to CHF 6.3 million (2022: CHF 4.1 million).", want: kindLevel, quote: "Net cash from operating activities"},
	}
	docs := map[string]*extract.Document{}
	for _, tc := range cases {
		t.Run(tc.doc+": "+tc.line, func(t *testing.T) {
			d, ok := docs[tc.doc]
			if !ok {
				b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "statements", tc.doc+"-clean.docx"))
				if err != nil {
					t.Fatalf("%s-clean.docx is committed with the statement set: %v", tc.doc, err)
				}
				if d, err = extract.Docx(b, extract.DefaultLimits()); err != nil {
					t.Fatal(err)
				}
				docs[tc.doc] = d
			}
			at := commentaryEnd(d)
			nd := *d
			nd.Paragraphs = append(append(append([]extract.Paragraph{}, d.Paragraphs[:at]...), extract.Paragraph{Text: tc.line}), d.Paragraphs[at:]...)
			fs := run(t, &nd)
			if tc.want == "" {
				if len(fs) > 0 {
					t.Fatalf("want no findings, got:%s", describe(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].RawData["kind"] != tc.want {
				t.Fatalf("want one %s finding, got:%s", tc.want, describe(fs))
			}
			if tc.quote != "" && fs[0].RawData["fsli_name"] != tc.quote {
				t.Errorf("finding quotes row %q, want %q: %s", fs[0].RawData["fsli_name"], tc.quote, fs[0].Description)
			}
			if !quotesParagraph(fs[0], at) {
				t.Errorf("finding does not point at the sentence's paragraph %d: %v", at+1, fs[0].SourceRefs)
			}
		})
	}
}

// commentaryEnd is where a sentence goes: after the first body paragraph of the first section.
func commentaryEnd(d *extract.Document) int {
	section := false
	for i, p := range d.Paragraphs {
		if p.Heading == 2 {
			section = true
		}
		if section && p.Heading == 0 && len(p.Text) > 60 {
			return i + 1
		}
	}
	return len(d.Paragraphs)
}

// quotesParagraph reports whether a finding points at paragraph i (0-based).
func quotesParagraph(f schemas.Finding, i int) bool {
	for _, r := range f.SourceRefs {
		if strings.HasPrefix(r, "Paragraph "+strconv.Itoa(i+1)+" '") {
			return true
		}
	}
	return false
}
