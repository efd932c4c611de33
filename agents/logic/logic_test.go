package logic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// report is the sample annual report the tests change one thing at a time: a short financial
// review and the three primary statements, in thousands of euros.
type report struct {
	intro      string
	commentary []string
	income     [][]string
	balance    [][]string
	balanceHdr string
	cashflow   [][]string
	extra      func(d *docxgen.Doc)
}

// Figures: revenue 12,450 against 11,120 (+11.96%); gross margin 40.0% against 39.0%
// (+0.97 points); operating profit 2,090 against 1,640 (+27.4%); profit for the year 1,335
// against 970 (+37.6%); net debt (borrowings + leases - cash) 3,040 against 4,820 (-36.9%).
func sampleReport() report {
	return report{
		intro: "These consolidated financial statements of Acme Holdings plc are for the year ended 31 December 2024. " +
			"All amounts are in thousands of euros unless stated otherwise.",
		income: [][]string{
			{"", "Note", "2024", "2023"},
			{"", "", "€000", "€000"},
			{"Revenue", "3", "12,450", "11,120"},
			{"Cost of sales", "", "(7,470)", "(6,780)"},
			{"Gross profit", "", "4,980", "4,340"},
			{"Administrative expenses", "4", "(2,890)", "(2,700)"},
			{"Operating profit", "", "2,090", "1,640"},
			{"Finance costs", "", "(310)", "(350)"},
			{"Profit before tax", "", "1,780", "1,290"},
			{"Income tax expense", "", "(445)", "(320)"},
			{"Profit for the year", "", "1,335", "970"},
			{"Basic earnings per share (cents)", "", "13.4", "9.7"},
		},
		balanceHdr: "Consolidated balance sheet as at 31 December 2024",
		balance: [][]string{
			{"", "31 December 2024", "31 December 2023"},
			{"", "€000", "€000"},
			{"Property, plant and equipment", "9,870", "9,940"},
			{"Trade receivables", "2,310", "2,050"},
			{"Cash and cash equivalents", "3,210", "2,480"},
			{"Total assets", "15,390", "14,470"},
			{"Borrowings (non-current)", "4,500", "5,200"},
			{"Borrowings (current)", "600", "800"},
			{"Lease liabilities", "1,150", "1,300"},
			{"Trade payables", "1,740", "1,610"},
			{"Total liabilities", "7,990", "8,910"},
			{"Total equity", "7,400", "5,560"},
		},
		cashflow: [][]string{
			{"", "2024", "2023"},
			{"", "€000", "€000"},
			{"Profit for the year", "1,335", "970"},
			{"Depreciation", "820", "790"},
			{"Net cash from operating activities", "2,480", "1,930"},
			{"Purchase of property, plant and equipment", "(750)", "(910)"},
			{"Repayment of borrowings", "(900)", "(600)"},
			{"Dividends paid", "(100)", "(80)"},
			{"Net increase in cash and cash equivalents", "730", "340"},
		},
	}
}

// doc builds the report as a user would upload it and reads it back as the server does.
func (r report) doc(t testing.TB) *extract.Document {
	t.Helper()
	d := docxgen.New().
		Heading(1, "Acme Holdings plc — Annual Report 2024").
		Paragraph(r.intro).
		Heading(2, "Financial review")
	for _, c := range r.commentary {
		d.Paragraph(c)
	}
	d.Heading(2, "Consolidated income statement for the year ended 31 December 2024").Table(r.income).
		Heading(2, r.balanceHdr).Table(r.balance).
		Heading(2, "Consolidated statement of cash flows for the year ended 31 December 2024").Table(r.cashflow)
	if r.extra != nil {
		r.extra(d)
	}
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return doc
}

// run runs the deterministic agent on a document.
func run(t testing.TB, doc *extract.Document) []schemas.Finding {
	t.Helper()
	fs, err := New(Options{}).Run(context.Background(), doc, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range fs {
		if err := schemas.Validate(f); err != nil {
			t.Fatalf("invalid finding %+v: %v", f, err)
		}
	}
	return fs
}

func describe(fs []schemas.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  [%s/%v] %s", f.Severity, f.RawData["kind"], f.Description)
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

func with(mod func(r *report)) report {
	r := sampleReport()
	mod(r.self())
	return r
}

func (r *report) self() *report { return r }

func setCell(rows [][]string, label string, col int, v string) {
	for _, r := range rows {
		if r[0] == label {
			r[col] = v
			return
		}
	}
	panic("no row " + label)
}

func TestPlantedContradictionsAreFound(t *testing.T) {
	cases := []struct {
		name string
		r    report
		// want: the kind, severity and words the one expected finding's description holds.
		kind, severity string
		words          []string
	}{
		{
			name: "direction: revenue said to fall while it rose",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue decreased by 4% to €12.5 million, reflecting weaker demand in Europe."}
			}),
			kind: kindDirection, severity: "high", words: []string{"revenue decreased by 4%", "income statement", "12.0% increase"},
		},
		{
			name: "size: revenue growth overstated",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue increased by 20% to €12.5 million."}
			}),
			kind: kindSize, severity: "medium", words: []string{"20%", "12.0% increase"},
		},
		{
			name: "size: a small overstatement is low",
			r: with(func(r *report) {
				r.commentary = []string{"Operating profit rose 30% in 2024."}
			}),
			kind: kindSize, severity: "low", words: []string{"operating profit rose 30%", "27.4% increase"},
		},
		{
			name: "level: revenue level wrong",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue increased by 12% to €14.5 million."}
			}),
			kind: kindLevel, severity: "low", words: []string{"€14.5 million", "12,450"},
		},
		{
			name: "level: comparative quoted wrong",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue was €12.5 million (2023: €9.8 million)."}
			}),
			kind: kindLevel, words: []string{"11,120"},
		},
		{
			name: "direction: net debt said to rise while it fell",
			r: with(func(r *report) {
				r.commentary = []string{"Net debt increased to €3.0 million as we invested in capacity."}
			}),
			kind: kindDirection, severity: "high", words: []string{"net debt increased", "balance sheet", "decrease"},
		},
		{
			name: "size: net debt reduction overstated",
			r: with(func(r *report) {
				r.commentary = []string{"We reduced net debt by €2.8 million over the year."}
			}),
			kind: kindSize, words: []string{"€2.8 million", "-1,780"},
		},
		{
			name: "direction: gross margin said to fall",
			r: with(func(r *report) {
				r.commentary = []string{"Gross margin declined to 40.0% as input costs rose."}
			}),
			kind: kindDirection, severity: "high", words: []string{"gross margin declined", "percentage points"},
		},
		{
			name: "size: margin points overstated",
			r: with(func(r *report) {
				r.commentary = []string{"Gross margin improved by 3.0 percentage points to 40.0%."}
			}),
			kind: kindSize, words: []string{"3.0 percentage points", "+1.0 percentage points"},
		},
		{
			name: "wording: a profit called a loss",
			r: with(func(r *report) {
				r.commentary = []string{"The Group made a loss of €1.3 million in 2024."}
			}),
			kind: kindWording, severity: "high", words: []string{"made a loss", "profit of 1,335"},
		},
		{
			name: "wording: returned to profit while loss-making",
			r: with(func(r *report) {
				r.commentary = []string{"After a difficult 2023, the Group returned to profit in 2024."}
				setCell(r.income, "Profit for the year", 2, "(1,335)")
				setCell(r.income, "Profit for the year", 0, "Profit/(loss) for the year")
				setCell(r.cashflow, "Profit for the year", 1, "(1,335)")
				setCell(r.cashflow, "Profit for the year", 0, "Profit/(loss) for the year")
			}),
			kind: kindWording, severity: "high", words: []string{"returned to profit", "loss of 1,335"},
		},
		{
			name: "wording: swung to a loss while profitable",
			r: with(func(r *report) {
				r.commentary = []string{"Operating profit swung to a loss of €2.1 million."}
			}),
			kind: kindWording, severity: "high", words: []string{"swung to a loss", "profit of 2,090"},
		},
		{
			name: "direction: flat while up 12%",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue was broadly unchanged at €12.5 million."}
			}),
			kind: kindDirection, severity: "medium", words: []string{"12.0% increase"},
		},
		{
			name: "direction: a cost said to fall",
			r: with(func(r *report) {
				r.commentary = []string{"Administrative expenses fell by 7% to €2.9 million."}
			}),
			kind: kindDirection, severity: "high", words: []string{"administrative expenses fell", "7.0% increase"},
		},
		{
			name: "direction: noun form",
			r: with(func(r *report) {
				r.commentary = []string{"The year saw a 5% decrease in revenue as volumes softened."}
			}),
			kind: kindDirection, severity: "high", words: []string{"decrease in revenue", "12.0% increase"},
		},
		{
			name: "direction: a highlight bullet",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue down 12% to €12.5m"}
			}),
			kind: kindDirection, severity: "high", words: []string{"revenue down 12%", "12.0% increase"},
		},
		{
			name: "direction: EPS",
			r: with(func(r *report) {
				r.commentary = []string{"Basic earnings per share fell to 13.4 cents (2023: 9.7 cents)."}
			}),
			kind: kindDirection, severity: "high", words: []string{"earnings per share fell"},
		},
		{
			name: "period: comparative names a year the statements do not present",
			r: with(func(r *report) {
				r.commentary = []string{"Revenue increased by 12% to €12.5 million compared with 2022."}
			}),
			kind: kindPeriod, severity: "medium", words: []string{"2022", "2024 against 2023"},
		},
		{
			name: "period: year-end stated differently",
			r: with(func(r *report) {
				r.balanceHdr = "Consolidated balance sheet as at 31 March 2024"
				r.balance[0] = []string{"", "2024", "2023"}
			}),
			kind: kindPeriod, severity: "medium", words: []string{"31 March", "31 December"},
		},
		{
			name: "period: a comparative column naming the wrong year",
			r: with(func(r *report) {
				r.income[0] = []string{"", "Note", "2024", "2022"}
			}),
			kind: kindPeriod, severity: "medium", words: []string{"2024 and 2022", "2024 and 2023"},
		},
		{
			name: "period: a balance date in the narrative",
			r: with(func(r *report) {
				r.commentary = []string{"Net debt at 31 March 2024 was €3.0 million."}
			}),
			kind: kindPeriod, severity: "medium", words: []string{"31 March", "31 December"},
		},
		{
			name: "period: year ended after the statements' latest year",
			r: with(func(r *report) {
				r.commentary = []string{"For the year ended 31 December 2025 the Board recommends no change to the dividend policy."}
			}),
			kind: kindPeriod, severity: "medium", words: []string{"2025", "2024"},
		},
		{
			name: "sign: negative revenue",
			r: with(func(r *report) {
				setCell(r.income, "Revenue", 3, "(11,120)")
			}),
			kind: kindSign, severity: "high", words: []string{"Negative revenue", "(11,120)"},
		},
		{
			name: "sign: negative cash balance",
			r: with(func(r *report) {
				setCell(r.balance, "Cash and cash equivalents", 1, "(3,210)")
			}),
			kind: kindSign, severity: "high", words: []string{"Negative cash balance"},
		},
		{
			name: "wording: operating profit line printing a loss",
			r: with(func(r *report) {
				setCell(r.income, "Operating profit", 3, "(1,640)")
			}),
			kind: kindWording, severity: "medium", words: []string{"Operating profit", "labelled a profit", "(1,640)"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, tc.r.doc(t))
			var hit *schemas.Finding
			for i, f := range fs {
				if f.RawData["kind"] == tc.kind {
					hit = &fs[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no %s finding; got:%s", tc.kind, describe(fs))
			}
			if tc.severity != "" && hit.Severity != tc.severity {
				t.Errorf("severity %s, want %s: %s", hit.Severity, tc.severity, hit.Description)
			}
			text := hit.Description + "\n" + hit.Reasoning
			for _, w := range tc.words {
				if !strings.Contains(text, w) {
					t.Errorf("finding does not mention %q:\n%s", w, text)
				}
			}
			if len(fs) != 1 {
				t.Errorf("want exactly one finding, got %d:%s", len(fs), describe(fs))
			}
		})
	}
}

func TestCleanNarrativeIsQuiet(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		mod   func(r *report)
	}{
		{name: "rounded percentages and levels with comparatives", lines: []string{
			"Revenue increased by 12% to €12.5 million (2023: €11.1 million), driven by growth in services.",
			"Gross margin improved by 1.0 percentage point to 40.0%.",
			"Operating profit rose 27% to €2.1m, and profit for the year was €1.3 million, up 38% on last year.",
			"Administrative expenses increased by 7% to €2.9 million, reflecting wage inflation.",
			"Finance costs decreased 11% as we repaid €0.9 million of borrowings.",
		}},
		{name: "a change worked out from the narrative's rounded levels", lines: []string{
			"Revenue increased by €1.4 million, from €11.1 million to €12.5 million.",
		}},
		{name: "net debt and cash", lines: []string{
			"Net debt fell by €1.8m to €3.0m at 31 December 2024.",
			"Cash and cash equivalents were €3.2 million at year end (2023: €2.5 million).",
			"Net cash from operating activities rose 28% to €2.5 million.",
		}},
		{name: "amounts in full and in thousands", lines: []string{
			"Income tax expense rose to €445,000 from €320,000.",
			"Revenue reached 12,450 thousand euros, an increase of 1,330 thousand euros on 2023.",
			"Dividends paid increased to €100k.",
		}},
		{name: "percentage points and basis points for margins", lines: []string{
			"Gross margin expanded by 97 basis points to 40.0%.",
			"Gross margin rose 2.5% in relative terms, or about one point, to 40.0%.",
		}},
		{name: "doubling and per-share figures", lines: []string{
			"Basic earnings per share rose to 13.4 cents (2023: 9.7 cents).",
			"Basic earnings per share were €0.134, up 38%.",
			"Profit before tax increased by €490,000, or 38%.",
		}},
		{name: "highlights written as short bullets", lines: []string{
			"Revenue up 12% to €12.5m",
			"Operating profit €2.1m (2023: €1.6m)",
			"2024 compared with 2023",
			"Net debt down €1.8m",
		}},
		{name: "qualified, forecast and out-of-scope statements", lines: []string{
			"Revenue grew 12%, or 10% at constant currency.",
			"On an underlying basis, operating profit increased by 35%.",
			"We expect revenue to grow by 10% in 2025.",
			"Services revenue increased by 20%, while product revenue fell 2%.",
			"Revenue in Germany decreased by 5%.",
			"A 1% increase in interest rates would reduce profit before tax by €51,000.",
			"Revenue was higher than expected.",
			"The increase was primarily due to higher volumes and a decrease in returns.",
			"Headcount increased by 40 to 310.",
		}},
		{name: "profit and loss wording that fits", lines: []string{
			"The Group remained profitable, with a profit for the year of €1.3 million.",
			"The Group made a profit of €1,335,000 in 2024.",
		}},
		{name: "loss wording on a loss-making year", mod: lossYear, lines: []string{
			"The loss for the year narrowed to €0.4 million from €1.0 million.",
			"The Group made a loss of €420,000, an improvement on 2023.",
		}},
		{name: "broadly flat within 5%", mod: func(r *report) {
			setCell(r.income, "Revenue", 2, "11,300")
		}, lines: []string{
			"Revenue was broadly flat at €11.3 million.",
		}},
		{name: "statements in millions with scale words", mod: func(r *report) {
			r.intro = "These consolidated financial statements are for the year ended 31 December 2024."
			r.income[1] = []string{"", "", "€m", "€m"}
			setCell(r.income, "Revenue", 2, "1,245.0")
			setCell(r.income, "Revenue", 3, "1,112.0")
		}, lines: []string{
			"Revenue increased by €133 million, or 12%, to €1.2 billion.",
			"Revenue rose 12% from €1,112.0m to €1,245.0m.",
		}},
		{name: "a prior-year comparison named explicitly", mod: func(r *report) {
			r.income[0] = []string{"", "Note", "2024", "2023", "2022"}
			for i, row := range r.income[1:] {
				r.income[i+1] = append(row, row[len(row)-1])
			}
			setCell(r.income, "Revenue", 4, "10,000")
		}, lines: []string{
			"In 2023, revenue increased by 11% compared with 2022.",
			"Revenue increased by 12% in 2024 compared with 2023.",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReport()
			r.commentary = tc.lines
			if tc.mod != nil {
				tc.mod(&r)
			}
			if fs := run(t, r.doc(t)); len(fs) > 0 {
				t.Errorf("want no findings, got:%s", describe(fs))
			}
		})
	}
}

// TestPhrasingVariants checks common ways annual reports word the same facts about the sample
// report: each true sentence must draw no finding, each false one exactly one.
func TestPhrasingVariants(t *testing.T) {
	trueLines := []string{
		"Revenue for the year was €12.5 million, an increase of 12% on the prior year.",
		"Group revenue of €12.5m (2023: €11.1m) was 12% ahead of last year.",
		"Operating profit increased to €2.1m (2023: €1.6m), representing an operating margin of 16.8% (2023: 14.7%).",
		"Profit before tax was €1.8 million (2023: €1.3 million).",
		"The Group generated a profit after tax of €1.3m.",
		"Net cash generated from operating activities increased by 28% to €2.5m.",
		"Cash at the year end stood at €3.2m.",
		"Net debt reduced from €4.8m to €3.0m.",
		"Gross margin increased from 39.0% to 40.0%.",
		"Earnings per share increased 38% to 13.4 cents.",
		"Dividends paid rose to €100,000.",
		"Total assets increased to €15.4 million.",
		"Total equity increased to €7.4m.",
		"Revenue of €12.5m was up 12%.",
		"Revenue grew by 12 per cent.",
		"Turnover rose 12%.",
		"Revenue growth of 12% was driven by new contracts.",
		"Revenue was 12% higher at €12.5m.",
		"Operating margin improved to 16.8% from 14.7%.",
		"Borrowings fell by €0.9 million to €5.1 million.",
		"Lease liabilities decreased to €1.15m.",
		"Finance costs fell to €310k (2023: €350k).",
		"Cost of sales increased by 10% to €7.5 million.",
		"Profit for the year increased by €365,000 to €1,335,000.",
		"The tax charge rose to €445k.",
		"Operating profit of €2.1 million was 27% higher than in 2023.",
		"Revenue increased by 12% and operating profit by 27%.",
		"Both revenue and operating profit increased.",
		"Revenue rose to €12.45m in FY24 from €11.12m in FY23.",
		"Revenue increased year-on-year by 12%.",
		"Revenue rose 12%, while costs rose 10%.",
		"Net debt at 31 December 2024 was €3.0 million (2023: €4.8 million).",
		"Dividends of €0.1 million were paid during the year (2023: €0.08 million).",
	}
	falseLines := []string{
		"Revenue for the year was €12.5 million, a decrease of 12% on the prior year.",
		"Group revenue of €12.5m (2023: €11.1m) was 12% behind last year.",
		"Profit before tax was €2.8 million (2023: €1.3 million).",
		"The Group generated a loss after tax of €1.3m.",
		"Net cash generated from operating activities decreased by 28% to €2.5m.",
		"Cash at the year end stood at €5.2m.",
		"Net debt increased from €4.8m to €3.0m.",
		"Gross margin decreased from 39.0% to 40.0%.",
		"Earnings per share fell 38% to 13.4 cents.",
		"Total equity decreased to €7.4m.",
		"Revenue of €12.5m was down 12%.",
		"Turnover rose 22%.",
		"Revenue growth of 32% was driven by new contracts.",
		"Operating margin deteriorated to 16.8% from 14.7%.",
		"Borrowings rose by €0.9 million to €5.1 million.",
		"Cost of sales decreased by 10% to €7.5 million.",
		"Operating profit of €2.1 million was 27% lower than in 2023.",
		"Revenue rose to €14.45m in FY24 from €11.12m in FY23.",
		"Net debt at 31 December 2024 was €5.0 million (2023: €4.8 million).",
		"Revenue increased year-on-year by 2%.",
		"Dividends of €0.3 million were paid during the year (2023: €0.08 million).",
	}
	for _, tc := range []struct {
		lines []string
		want  int
	}{{trueLines, 0}, {falseLines, 1}} {
		for _, l := range tc.lines {
			t.Run(l, func(t *testing.T) {
				r := sampleReport()
				r.commentary = []string{l}
				if fs := run(t, r.doc(t)); len(fs) != tc.want {
					t.Errorf("got %d findings, want %d:%s", len(fs), tc.want, describe(fs))
				}
			})
		}
	}
}

func TestFindingShape(t *testing.T) {
	r := sampleReport()
	r.commentary = []string{"Our performance was strong.", "Revenue increased by 20% to €12.5 million in 2024."}
	fs := run(t, r.doc(t))
	if len(fs) != 1 {
		t.Fatalf("want one finding, got:%s", describe(fs))
	}
	f := fs[0]
	if want := "Narrative says revenue increased by 20% to €12.5 million in 2024, but the income statement shows a 12.0% increase"; f.Description != want {
		t.Errorf("description\n got %q\nwant %q", f.Description, want)
	}
	for _, label := range []string{"Claim: ", "Contradiction: ", "Figures: ", "Tolerance: ", "Location: "} {
		if !strings.Contains(f.Reasoning, "\n"+label) && !strings.HasPrefix(f.Reasoning, label) {
			t.Errorf("reasoning lacks %q:\n%s", label, f.Reasoning)
		}
	}
	if !strings.Contains(f.Reasoning, "Figures: Revenue: 2024 = 12,450; 2023 = 11,120 (€000)") {
		t.Errorf("figures line:\n%s", f.Reasoning)
	}
	wantRefs := []string{
		"Paragraph 5 'Revenue increased by 20% to €12.5 million in 2024.'",
		"Table 1 'Consolidated income statement for the year ended 31 December 2024', row 'Revenue', columns '2024 €000' and '2023 €000'",
	}
	if !slices.Equal(f.SourceRefs, wantRefs) {
		t.Errorf("source refs\n got %q\nwant %q", f.SourceRefs, wantRefs)
	}
	keys := []string{}
	for k := range f.RawData {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"claim", "contradiction", "fsli_name", "kind", "reasoning"}; !slices.Equal(keys, want) {
		t.Errorf("raw_data keys %v, want %v", keys, want)
	}
	if f.RawData["fsli_name"] != "Revenue" || f.RawData["kind"] != kindSize {
		t.Errorf("raw_data %v", f.RawData)
	}
}

// fakeReviewer records what it was given and returns canned findings or an error, or panics.
type fakeReviewer struct {
	got      []string
	findings []schemas.Finding
	err      error
	panics   bool
}

func (f *fakeReviewer) ReviewParagraphs(ctx context.Context, paragraphs []string, doc *extract.Document) ([]schemas.Finding, error) {
	f.got = paragraphs
	if f.panics {
		panic("model client misconfigured")
	}
	return f.findings, f.err
}

func TestReviewer(t *testing.T) {
	r := sampleReport()
	r.commentary = []string{
		"Revenue increased by 20% to €12.5 million.",                    // checked by the rules: a finding
		"Operating profit rose 27% to €2.1m.",                           // checked, fits: not for review
		"Momentum in our digital channels accelerated, up 40% on 2023.", // figures, no metric: for review
		"Our people are our greatest strength.",                         // no figures: not for review
	}
	doc := r.doc(t)
	review := schemas.Finding{Severity: "medium", Description: "Digital growth is not supported by the tables",
		Reasoning: "Claim: up 40%", SourceRefs: []string{"Paragraph 7"}}
	cases := []struct {
		name      string
		rev       *fakeReviewer
		wantCount int
		wantMsg   string
	}{
		{name: "findings appended and tagged", rev: &fakeReviewer{findings: []schemas.Finding{review}}, wantCount: 2},
		{name: "an error keeps the rule findings", rev: &fakeReviewer{err: errors.New("quota exceeded")}, wantCount: 1, wantMsg: "language-model review failed (review 1 paragraphs: quota exceeded)"},
		{name: "a panic keeps the rule findings", rev: &fakeReviewer{panics: true}, wantCount: 1, wantMsg: "reviewer panicked: model client misconfigured"},
		{name: "a malformed finding is dropped", rev: &fakeReviewer{findings: []schemas.Finding{{Severity: "critical", Description: "x"}}}, wantCount: 1, wantMsg: "dropped 1 malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var msgs []string
			fs, err := New(Options{Reviewer: tc.rev}).Run(context.Background(), doc, func(done, total int, m string) { msgs = append(msgs, m) })
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if want := []string{"Momentum in our digital channels accelerated, up 40% on 2023."}; !slices.Equal(tc.rev.got, want) {
				t.Errorf("reviewer got %q, want %q", tc.rev.got, want)
			}
			if len(fs) != tc.wantCount {
				t.Fatalf("got %d findings, want %d:%s", len(fs), tc.wantCount, describe(fs))
			}
			if fs[0].RawData["kind"] != kindSize {
				t.Errorf("rule finding first, got %v", fs[0].RawData["kind"])
			}
			if tc.wantCount == 2 {
				last := fs[1]
				if !strings.HasSuffix(last.Reasoning, reviewSource) || last.RawData["kind"] != "review" {
					t.Errorf("review finding not tagged: %q %v", last.Reasoning, last.RawData)
				}
			}
			if tc.wantMsg != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tc.wantMsg) }) {
				t.Errorf("no progress message with %q in %q", tc.wantMsg, msgs)
			}
		})
	}
}

func TestRunContract(t *testing.T) {
	a := New(Options{})
	info := a.Info()
	if info.ID != "logic_consistency" || info.Category != "logic" || !info.Available {
		t.Errorf("info %+v", info)
	}
	if err := schemas.Validate(info); err != nil {
		t.Errorf("info invalid: %v", err)
	}
	if _, err := a.Run(context.Background(), nil, nil); err == nil {
		t.Error("nil document: want an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := sampleReport()
	r.commentary = []string{"Revenue increased by 20%."}
	if _, err := a.Run(ctx, r.doc(t), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
	// A document without narrative or periods: nothing to say, and no error.
	doc := &extract.Document{Tables: []extract.Table{{Index: 1, Rows: [][]string{{"a", "b"}, {"c", "1"}}}}}
	if fs := run(t, doc); len(fs) != 0 {
		t.Errorf("got findings on a table without periods:%s", describe(fs))
	}
}

// BenchmarkRun measures the agent on a long annual report: the sample statements under 400
// paragraphs of commentary, a quarter of them claims.
func BenchmarkRun(b *testing.B) {
	r := sampleReport()
	for i := range 100 {
		r.commentary = append(r.commentary,
			"Revenue increased by 12% to €12.5 million (2023: €11.1 million), driven by growth in services.",
			"Our people and our customers remain at the heart of everything we do across the group.",
			fmt.Sprintf("The Group opened %d new sites and continued to invest in its digital platform.", i+2),
			"Net debt fell by €1.8m to €3.0m, and gross margin improved by 1.0 percentage point to 40.0%.")
	}
	doc := r.doc(b)
	a := New(Options{})
	for b.Loop() {
		if _, err := a.Run(context.Background(), doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// threeYears adds a 2022 column to the income statement (revenue 10,000; the other lines as in
// 2023), so that a claim about the prior year can be checked against the year before it.
func threeYears(r *report) {
	r.income[0] = []string{"", "Note", "2024", "2023", "2022"}
	for i, row := range r.income[1:] {
		r.income[i+1] = append(row, row[len(row)-1])
	}
	setCell(r.income, "Revenue", 4, "10,000")
}

// TestPeriodQualifiers checks claims dated in the comparative period, at an interim date or
// over several years: each true sentence draws no finding, and the same sentence made false
// in the period it names draws one when the tables hold that period. The sample report's
// revenue is 12,450 (2024), 11,120 (2023) and, with threeYears, 10,000 (2022); cash is 3,210
// and 2,480 at 31 December 2024 and 2023.
func TestPeriodQualifiers(t *testing.T) {
	cases := []struct {
		name string
		mod  func(r *report)
		line string
		// kind is the expected finding's kind, "" for none; words its description holds.
		kind  string
		words []string
	}{
		// 1. The prior period.
		{name: "previous year with comparative of comparative", mod: threeYears,
			line: "In the previous year revenue increased to €11.1 million (2022: €10.0 million)."},
		{name: "previous year, direction false", mod: threeYears,
			line: "In the previous year revenue decreased to €11.1 million (2022: €10.0 million).",
			kind: kindDirection, words: []string{"11.2% increase"}},
		{name: "previous year, level false", mod: threeYears,
			line: "In the previous year revenue increased to €13.1 million (2022: €10.0 million).",
			kind: kindLevel, words: []string{"11,120"}},
		{name: "last year, level only",
			line: "Last year revenue was €11.1 million."},
		{name: "last year, level false",
			line: "Last year revenue was €9.1 million.", kind: kindLevel, words: []string{"11,120"}},
		{name: "in the prior year after the level",
			line: "Revenue was €11.1 million in the prior year."},
		{name: "in the prior year after the level, false",
			line: "Revenue was €13.1 million in the prior year.", kind: kindLevel, words: []string{"11,120"}},
		{name: "prior year with size", mod: threeYears,
			line: "In the prior year, revenue rose by 11% to €11.1 million."},
		{name: "prior year with size, false", mod: threeYears,
			line: "In the prior year, revenue rose by 25% to €11.1 million.", kind: kindSize, words: []string{"11.2% increase"}},
		{name: "prior year movement the tables cannot check is skipped",
			line: "In the prior year, revenue rose by 25% to €11.1 million."},
		{name: "prior year cash at its end",
			line: "At the end of the prior year, cash and cash equivalents were €2.5 million."},
		{name: "prior year cash at its end, false",
			line: "At the end of the prior year, cash and cash equivalents were €3.2 million.", kind: kindLevel, words: []string{"2,480"}},
		{name: "comparative year named", mod: threeYears,
			line: "In 2023 revenue increased by 11% to €11.1 million."},
		{name: "comparative year named, false", mod: threeYears,
			line: "In 2023 revenue increased by 30% to €11.1 million.", kind: kindSize, words: []string{"11.2% increase"}},
		{name: "a comparison with last year is still the current year",
			line: "Revenue was €12.5 million, down 12% on last year.", kind: kindDirection, words: []string{"12.0% increase"}},
		// 2. Interim dates.
		{name: "half-way through the year",
			line: "At 30 June 2024, half-way through the year, cash and cash equivalents stood at €1.9 million."},
		{name: "interim date before an aside",
			line: "At 30 June 2024, after a busy spring, cash and cash equivalents stood at €1.9 million."},
		{name: "middle of the year",
			line: "At 30 June 2024, in the middle of the year, revenue increased to €6.1 million."},
		{name: "first half", line: "In the first half, revenue increased to €6.1 million."},
		{name: "H1", line: "Revenue in H1 rose 2%."},
		{name: "end of the first quarter",
			line: "At the end of the first quarter, cash and cash equivalents were €2.9 million."},
		{name: "the year end before an aside, false",
			line: "At 31 December 2024, after a busy year, cash and cash equivalents stood at €1.9 million.",
			kind: kindLevel, words: []string{"says cash and cash equivalents stood at €1.9 million", "3,210"}},
		{name: "the comparative year end, false",
			line: "At 31 December 2023, cash and cash equivalents were €1.9 million.", kind: kindLevel, words: []string{"2,480"}},
		// 3. Several years.
		{name: "since a year the tables hold", mod: threeYears,
			line: "Since 2022, revenue has increased by 24.5%."},
		{name: "since a year the tables hold, direction false", mod: threeYears,
			line: "Since 2022, revenue has fallen by 24.5%.", kind: kindDirection, words: []string{"24.5% increase"}},
		{name: "since a year the tables hold, one-year size", mod: threeYears,
			line: "Revenue has grown by 12% since 2022.", kind: kindSize, words: []string{"24.5% increase"}},
		{name: "since a year the tables lack", line: "Since 2020, revenue has fallen by 19.0%."},
		{name: "over the past four years", line: "Revenue increased by 19.0% over the past four years."},
		{name: "five-year", line: "Over a five-year period revenue fell by 19%."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReport()
			r.commentary = []string{tc.line}
			if tc.mod != nil {
				tc.mod(&r)
			}
			fs := run(t, r.doc(t))
			if tc.kind == "" {
				if len(fs) > 0 {
					t.Errorf("want no findings, got:%s", describe(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].RawData["kind"] != tc.kind {
				t.Fatalf("want one %s finding, got:%s", tc.kind, describe(fs))
			}
			for _, w := range tc.words {
				if !strings.Contains(fs[0].Description, w) {
					t.Errorf("description %q lacks %q", fs[0].Description, w)
				}
			}
		})
	}
}
