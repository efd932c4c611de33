package numeric

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
	"github.com/veritas-audit/veritas/schemas"
)

// taxRecLoss is the tax reconciliation of a loss-making year, as the generated statements print
// it: the profit before tax, a blank row, then the reconciliation from the tax at the statutory
// rate to the tax charge, and the effective rate below.
var taxRecLoss = [][]string{
	{"$000", "2024", "2023"},
	{"Profit/(loss) before tax", "(2,152)", "1,994"},
	{"", "", ""},
	{"Tax at the statutory rate of 21.0%", "(452)", "419"},
	{"Non-deductible expenses", "53", "53"},
	{"Tax losses for which no deferred tax asset is recognised and other differences", "536", "(17)"},
	{"Income tax expense", "137", "455"},
	{"Effective tax rate", "(6.4)%", "22.8%"},
}

// taxRecRounded is a reconciliation in £m whose figures only agree within rounding: 52.2 × 25%
// is 13.05, printed 13.1.
var taxRecRounded = [][]string{
	{"£m", "2025", "2024"},
	{"Profit before tax", "52.2", "58.9"},
	{"", "", ""},
	{"Tax at the statutory rate of 25.0%", "13.1", "14.7"},
	{"Non-deductible expenses", "1.7", "1.7"},
	{"Other differences", "(0.8)", "(0.6)"},
	{"Income tax expense", "14.0", "15.8"},
	{"Effective tax rate", "26.8%", "26.8%"},
}

// taxRecUK is a real report's reconciliation (TAT-QA): credits positive, two rates in the label,
// a section label inside, and a tax at the rate (8.2) a little off 42.7 × 19% (8.11).
var taxRecUK = [][]string{
	{"", "52 weeks ended 30 Mar 2019 £m", "52 weeks ended 31 Mar 2018 £m"},
	{"(Loss)/profit before taxation", "(42.7)", "20.9"},
	{"Tax credit/(charge) at the domestic income tax rate of 19.0% (2017/18: 19.0%)", "8.2", "(4.0)"},
	{"Tax effect of:", "", ""},
	{"Non-deductible items", "(0.9)", "(0.1)"},
	{"Other disallowable items", "-", "(0.4)"},
	{"Impairment of goodwill", "-", "(0.8)"},
	{"Adjustment for share-based payments", "(0.4)", "(0.6)"},
	{"Adjustment due to current period deferred tax being provided at 17.0% (2017/18: 17.0%)", "(0.8)", "0.7"},
	{"Movements in losses recognised", "-", "1.1"},
	{"Adjustment to restate opening deferred tax at 17.0% (2017/18: 17.0%)", "-", "(2.3)"},
	{"Adjustments to prior periods", "1.7", "(8.1)"},
	{"Current tax relating to overseas business", "1.1", "0.8"},
	{"Income tax credit/(charge)", "8.9", "(13.7)"},
}

// rateRecUS is a real report's rate reconciliation (TAT-QA): percentages from the statutory to
// the effective rate, the items printed without % signs.
var rateRecUS = [][]string{
	{"Years Ended December 31,", "2019", "2018", "2017"},
	{"Statutory federal income tax rate", "21.0%", "21.0%", "35.0%"},
	{"State and local income tax rate, net of federal tax benefits", "3.7", "3.7", "1.6"},
	{"Preferred stock disposition", "(9.9)", "—", "—"},
	{"Affordable housing credit", "(0.4)", "(0.6)", "(0.6)"},
	{"Employee benefits including ESOP dividend", "(0.3)", "(0.3)", "(0.5)"},
	{"Impact of tax reform re-measurement", "—", "—", "(81.6)"},
	{"Internal restructure", "—", "(9.1)", "(0.6)"},
	{"Noncontrolling interests", "(0.5)", "(0.5)", "(0.6)"},
	{"Non-deductible goodwill", "0.1", "4.7", "1.0"},
	{"Other, net", "(0.7)", "(0.6)", "(2.0)"},
	{"Effective income tax rate", "13.0%", "18.3%", "(48.3)%"},
}

// taxRecNoRate starts at a tax whose rate the label does not state.
var taxRecNoRate = [][]string{
	{"€m", "2024", "2023"},
	{"Profit before tax", "36.7", "32.1"},
	{"Tax calculated at domestic tax rates applicable to profits in the respective countries", "8.1", "7.0"},
	{"Non-deductible expenses", "0.7", "0.7"},
	{"Other differences", "1.0", "0.9"},
	{"Income tax expense", "9.8", "8.6"},
}

// ageing is a provision matrix as the generated statements print it: the bands by rows, the
// expected loss rate between the gross amount and the allowance.
var ageing = [][]string{
	{"$000", "Gross carrying amount", "Expected loss rate", "Loss allowance"},
	{"Not past due", "4,369", "0.5%", "21"},
	{"1 to 30 days past due", "1,014", "2.0%", "20"},
	{"31 to 90 days past due", "448", "8.0%", "36"},
	{"More than 90 days past due", "209", "40.2%", "84"},
	{"Total", "6,040", "2.7%", "161"},
}

// ageingNet has a net column and prints the allowance in parentheses.
var ageingNet = [][]string{
	{"€000", "Gross carrying amount", "Expected loss rate", "Loss allowance", "Net carrying amount"},
	{"Current", "16,314", "0.5%", "(80)", "16,234"},
	{"1–30 days overdue", "3,787", "2.0%", "(76)", "3,711"},
	{"31–90 days overdue", "1,671", "8.0%", "(134)", "1,537"},
	{"Over 90 days overdue", "780", "40.0%", "(312)", "468"},
	{"Total", "22,552", "2.7%", "(602)", "21,950"},
}

// ageingTransposed is a real report's provision matrix (TAT-QA) with the bands as columns.
var ageingTransposed = [][]string{
	{"30 June 2019", "Current", "0 to 30 days past due", "31 to 60 days past due", "More than 60 days past due", "Total"},
	{"", "$'000", "$'000", "$'000", "$'000", "$'000"},
	{"Expected loss rate", "1%", "5%", "7.5%", "20%", "-"},
	{"Gross carrying amount", "23,762", "2,068", "787", "1,703", "28,320"},
	{"Loss allowance provision", "238", "103", "59", "341", "741"},
	{"Net receivables", "23,524", "1,965", "728", "1,362", "27,579"},
}

// minusSigned prints a table's parenthesised figures with a leading minus sign instead.
func minusSigned(rows [][]string) [][]string {
	cp := make([][]string, len(rows))
	for i, r := range rows {
		cp[i] = append([]string(nil), r...)
		for j, c := range r {
			if j > 0 && strings.HasPrefix(c, "(") && strings.HasSuffix(c, ")") {
				cp[i][j] = "-" + strings.Trim(c, "()")
			}
		}
	}
	return cp
}

func TestReconciliationsQuietWhenTheyHold(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"tax reconciliation of a loss, printed negative", taxRecLoss},
		{"tax at the rate within rounding of the printed profit", taxRecRounded},
		{"items adding up within one unit of rounding", withCell(taxRecRounded, 5, 1, "(0.7)")},
		{"real report: credits positive, two equal rates, a section label", taxRecUK},
		{"real report: percentages from the statutory to the effective rate", rateRecUS},
		{"rate not stated in the label", taxRecNoRate},
		{"different rates for the two years: the tax at the rate is not checked", [][]string{
			{"£m", "2024", "2023"},
			{"Profit before tax", "40.0", "30.0"},
			{"Tax at the UK corporation tax rate of 25% (2023: 19%)", "10.0", "5.7"},
			{"Non-deductible expenses", "0.4", "0.3"},
			{"Income tax expense", "10.4", "6.0"},
		}},
		{"a weighted average rate is one year's", [][]string{
			{"€m", "2024", "2023"},
			{"Profit before tax", "40.0", "30.0"},
			{"Tax at the weighted average statutory rate of 24.1%", "9.6", "6.9"},
			{"Non-deductible expenses", "0.4", "0.3"},
			{"Income tax expense", "10.0", "7.2"},
		}},
		{"rate reconciliation printed with % signs", [][]string{
			{"", "2024", "2023"},
			{"Tax at the statutory rate", "25.0%", "25.0%"},
			{"Non-deductible expenses", "1.9%", "2.2%"},
			{"Other differences", "(0.2)%", "(0.4)%"},
			{"Effective tax rate", "26.7%", "26.8%"},
		}},
		{"amounts and rates side by side, unlabelled total", [][]string{
			{"", "2024", "2024", "2023", "2023"},
			{"", "%", "€000", "%", "€000"},
			{"Profit before tax", "", "9,483", "", "7,193"},
			{"Tax using the Company's domestic tax rate", "33.00", "3,129", "33.00", "2,374"},
			{"Effect of tax rates in foreign jurisdictions", "(0.37)", "(35)", "(0.42)", "(30)"},
			{"Non-deductible expenses", "2.12", "201", "1.88", "135"},
			{"", "34.75", "3,295", "34.46", "2,479"},
		}},
		{"single column, tax at the rate holds", [][]string{
			{"€000", "2024"},
			{"Profit before tax", "12,873"},
			{"Tax at the statutory rate of 30.0%", "3,862"},
			{"Non-deductible expenses", "264"},
			{"Other differences", "(32)"},
			{"Income tax expense", "4,094"},
		}},
		{"provision matrix", ageing},
		{"provision matrix in £m: rates of small allowances within rounding", [][]string{
			{"£m", "Gross carrying amount", "Expected loss rate", "Loss allowance"},
			{"Not past due", "19.4", "0.5%", "0.1"},
			{"1 to 30 days past due", "4.5", "2.2%", "0.1"},
			{"31 to 90 days past due", "2.0", "7.5%", "0.2"},
			{"More than 90 days past due", "0.9", "44.4%", "0.4"},
			{"Total", "26.8", "3.0%", "0.8"},
		}},
		{"net column, allowance in parentheses", ageingNet},
		{"net column, allowance with a minus sign", minusSigned(ageingNet)},
		{"net within rounding of three printed amounts", [][]string{
			{"€m", "Gross carrying amount", "Loss allowance", "Net carrying amount"},
			{"Current", "10.4", "0.2", "10.3"},
			{"Past due", "3.1", "0.4", "2.7"},
			{"Credit-impaired", "1.2", "0.6", "0.6"},
			{"Total", "14.7", "1.2", "13.6"},
		}},
		{"real report: bands as columns", ageingTransposed},
		{"an income statement is no credit-loss table", [][]string{
			{"", "2019", "2018"},
			{"Net sales", "93,662", "103,350"},
			{"Cost of goods sold", "(71,513)", "(77,492)"},
			{"Gross profit", "22,149", "25,858"},
			{"Goodwill and intangible asset impairment", "–", "1,244"},
			{"Loss from operations % to net sales", "(2.1%)", "(3.0%)"},
		}},
		{"days sales outstanding is still no amount", [][]string{
			{"", "2019", "2018"},
			{"Trade receivables", "1,200", "1,100"},
			{"Inventories", "800", "700"},
			{"Days sales outstanding", "45", "41"},
			{"Total", "2,000", "1,800"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fs := runTables(t, extract.Table{Title: "Note", Rows: tt.rows}); len(fs) != 0 {
				t.Errorf("relations that hold were flagged: %s", describe(fs))
			}
		})
	}
}

func TestReconciliationsFindErrors(t *testing.T) {
	tests := []struct {
		name        string
		rows        [][]string
		check       string // "" for any
		row, column string
	}{
		{
			name: "wrong component", rows: withCell(taxRecLoss, 4, 1, "63"),
			check: "in_table", row: "Income tax expense", column: "2024",
		},
		{
			name: "wrong component in a real report", rows: withCell(taxRecUK, 11, 2, "(8.9)"),
			check: "in_table", row: "Income tax credit/(charge)", column: "52 weeks ended 31 Mar 2018 £m",
		},
		{
			name: "wrong component of a rate reconciliation", rows: withCell(rateRecUS, 9, 2, "7.4"),
			check: "in_table", row: "Effective income tax rate", column: "2018",
		},
		{
			name: "wrong component where the rate is not stated", rows: withCell(taxRecNoRate, 4, 2, "1.9"),
			check: "in_table", row: "Income tax expense", column: "2023",
		},
		{
			name:  "wrong tax at the rate, plugged so the items still add up",
			rows:  withCell(withCell(taxRecRounded, 3, 1, "15.1"), 5, 1, "(2.8)"),
			check: "ratio", row: "Tax at the statutory rate of 25.0%", column: "2025",
		},
		{
			name:  "wrong tax at the rate of a loss",
			rows:  withCell(withCell(taxRecLoss, 3, 1, "(542)"), 5, 1, "626"),
			check: "ratio", row: "Tax at the statutory rate of 21.0%", column: "2024",
		},
		{
			name: "wrong tax at the rate, single column",
			rows: [][]string{
				{"€000", "2024"},
				{"Profit before tax", "12,873"},
				{"Tax at the statutory rate of 30.0%", "3,682"},
				{"Non-deductible expenses", "264"},
				{"Other differences", "148"},
				{"Income tax expense", "4,094"},
			},
			check: "ratio", row: "Tax at the statutory rate of 30.0%", column: "2024",
		},
		{
			name: "wrong gross amount of a band", rows: withCell(ageing, 2, 1, "1,104"),
			check: "in_table", row: "Total", column: "Gross carrying amount",
		},
		{
			name: "wrong gross amount beside a net column", rows: withCell(ageingNet, 2, 1, "3,887"),
			check: "in_table", row: "Total", column: "Gross carrying amount",
		},
		{
			// The band's nil allowance leaves the sum across columns unchecked; the gross column
			// alone fails to cast, so the gross amount is named.
			name: "wrong gross amount of a band without allowance",
			rows: withCell([][]string{
				{"€000", "Gross carrying amount", "Loss allowance", "Net carrying amount"},
				{"Current", "16,314", "(80)", "16,234"},
				{"1–30 days overdue", "3,787", "–", "3,787"},
				{"31–90 days overdue", "1,671", "(134)", "1,537"},
				{"Over 90 days overdue", "780", "(312)", "468"},
				{"Total", "22,552", "(526)", "22,026"},
			}, 2, 1, "3,887"),
			check: "cross_column", row: "1–30 days overdue", column: "Gross carrying amount",
		},
		{
			name: "wrong rate", rows: withCell(ageing, 3, 2, "9.0%"),
			check: "ratio", row: "31 to 90 days past due", column: "Expected loss rate",
		},
		{
			name: "wrong rate of the total", rows: withCell(ageingNet, 5, 2, "3.7%"),
			check: "ratio", row: "Total", column: "Expected loss rate",
		},
		{
			name: "wrong rate, bands as columns", rows: withCell(ageingTransposed, 2, 3, "17.5%"),
			check: "ratio", row: "Expected loss rate", column: "31 to 60 days past due",
		},
		{
			name: "wrong net amount, bands as columns", rows: withCell(ageingTransposed, 5, 3, "828"),
			row: "Net receivables", column: "31 to 60 days past due",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runTables(t, extract.Table{Title: "Note", Rows: tt.rows})
			for _, f := range fs {
				if (tt.check == "" || f.RawData["check_type"] == tt.check) && f.RawData["row"] == tt.row &&
					f.RawData["column"] == tt.column {
					return
				}
			}
			t.Errorf("no %s finding for row %q column %q; got %s", tt.check, tt.row, tt.column, describe(fs))
		})
	}
}

func TestReconciliationFindingWording(t *testing.T) {
	tests := []struct {
		name      string
		rows      [][]string
		want      schemas.Finding
		reasoning []string
	}{
		{
			name: "tax reconciliation items",
			rows: withCell(taxRecLoss, 4, 1, "63"),
			want: schemas.Finding{
				Severity: "high",
				Description: "Income tax expense 2024 (137) does not equal the tax at the statutory rate plus the " +
					"reconciling items (147)",
				SourceRefs: []string{
					"Table 1 'Note', row 'Income tax expense', column '2024'",
					"Table 1 'Note', row 'Tax at the statutory rate of 21.0%', column '2024'",
				},
				RawData: map[string]any{
					"fsli_name":  "Income tax expense",
					"check_type": "in_table",
					"formula": "Tax at the statutory rate of 21.0% + Non-deductible expenses + Tax losses for which " +
						"no deferred tax asset is recognised and other differences = Income tax expense",
					"expected_value": 147.0,
					"actual_value":   137.0,
					"discrepancy":    -10.0,
					"table":          1,
					"row":            "Income tax expense",
					"column":         "2024",
				},
			},
			reasoning: []string{
				"Tolerance: 1 (rounding of 4 figures shown to 0 decimal(s))",
				"Scale: in thousands",
				"Evidence: the lines from 'Tax at the statutory rate of 21.0%' to 'Income tax expense' add up in column '2023'",
			},
		},
		{
			name: "tax at the statutory rate",
			rows: withCell(withCell(taxRecRounded, 3, 1, "15.1"), 5, 1, "(2.8)"),
			want: schemas.Finding{
				Severity:    "high",
				Description: "Tax at the statutory rate of 25.0% 2025 (15.1) does not equal Profit before tax × 25.0% (52.2 × 25.0% = 13.1)",
				SourceRefs: []string{
					"Table 1 'Note', row 'Tax at the statutory rate of 25.0%', column '2025'",
					"Table 1 'Note', row 'Profit before tax', column '2025'",
				},
				RawData: map[string]any{
					"fsli_name":      "Tax at the statutory rate of 25.0%",
					"check_type":     "ratio",
					"formula":        "Profit before tax × 25.0% = Tax at the statutory rate of 25.0%",
					"expected_value": 13.1,
					"actual_value":   15.1,
					"discrepancy":    2.0,
					"table":          1,
					"row":            "Tax at the statutory rate of 25.0%",
					"column":         "2025",
				},
			},
			reasoning: []string{
				"Expected: 13.1",
				"Evidence: the label states the rate (25.0%); the profit before tax is the line above; the product holds in 1 other column(s)",
			},
		},
		{
			name: "expected loss rate",
			rows: withCell(ageing, 3, 2, "9.0%"),
			want: schemas.Finding{
				Severity: "high",
				Description: "Expected loss rate of 31 to 90 days past due (9.0%) does not equal Loss allowance / " +
					"Gross carrying amount (36 / 448 = 8.0%)",
				SourceRefs: []string{
					"Table 1 'Note', row '31 to 90 days past due', column 'Expected loss rate'",
					"Table 1 'Note', row '31 to 90 days past due', column 'Gross carrying amount'",
					"Table 1 'Note', row '31 to 90 days past due', column 'Loss allowance'",
				},
				RawData: map[string]any{
					"fsli_name":      "31 to 90 days past due",
					"check_type":     "ratio",
					"formula":        "Loss allowance / Gross carrying amount × 100 = Expected loss rate",
					"expected_value": 8.0,
					"actual_value":   9.0,
					"discrepancy":    1.0,
					"table":          1,
					"row":            "31 to 90 days past due",
					"column":         "Expected loss rate",
				},
			},
			reasoning: []string{"Evidence: the rate equals the allowance over the gross amount in 4 other band(s)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runTables(t, extract.Table{Title: "Note", Rows: tt.rows})
			var f *schemas.Finding
			for i := range fs {
				if fs[i].RawData["row"] == tt.want.RawData["row"] && fs[i].RawData["column"] == tt.want.RawData["column"] {
					f = &fs[i]
				}
			}
			if f == nil {
				t.Fatalf("no finding at the cell; got %s", describe(fs))
			}
			if f.Severity != tt.want.Severity || f.Description != tt.want.Description ||
				!reflect.DeepEqual(f.SourceRefs, tt.want.SourceRefs) || !reflect.DeepEqual(f.RawData, tt.want.RawData) {
				t.Errorf("finding\n%#v\nwant\n%#v", *f, tt.want)
			}
			for _, line := range tt.reasoning {
				if !strings.Contains(f.Reasoning, line+"\n") && !strings.HasSuffix(f.Reasoning, line) {
					t.Errorf("reasoning lacks %q:\n%s", line, f.Reasoning)
				}
			}
		})
	}
}

// shiftCell adds delta to a printed figure, keeping its decimals and printing a negative in
// parentheses as the statements do.
func shiftCell(t *testing.T, cell string, delta float64) string {
	t.Helper()
	n, ok := amount.Parse(cell)
	if !ok || n.Dash {
		t.Fatalf("cell %q is no figure", cell)
	}
	v := n.Value + delta
	s := amount.Format(math.Abs(v), n.Decimals)
	if v < 0 {
		s = "(" + s + ")"
	}
	if n.Percent {
		s += "%"
	}
	return s
}

// TestReconciliationsOnStatementSet plants an error in the tax reconciliation and in the
// provision matrix of each clean statement of testdata/statements, read as uploaded: each must
// be found, with no finding outside the planted table, while the clean statement stays quiet.
func TestReconciliationsOnStatementSet(t *testing.T) {
	for _, name := range []string{"cascade", "harlow-finch", "kestrel", "lumen", "nordhafen", "soleira"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "statements", name+"-clean.docx"))
		if err != nil {
			t.Fatalf("%s-clean.docx is committed with the statement set: %v", name, err)
		}
		doc, err := extract.Docx(b, extract.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if fs := runTables(t, doc.Tables...); len(fs) != 0 {
			t.Errorf("%s: the clean statement drew findings: %s", name, describe(fs))
		}
		table := func(title string) int {
			for i, x := range doc.Tables {
				if strings.Contains(x.Title, title) {
					return i
				}
			}
			t.Fatalf("%s: no table titled %q", name, title)
			return -1
		}
		tax, matrix := table("tax at the statutory rate"), table("ageing of trade receivables")
		rec, ages := doc.Tables[tax].Rows, doc.Tables[matrix].Rows
		charge, _ := amount.Parse(rec[6][1])
		delta := math.Round(math.Abs(charge.Value)/4*math.Pow10(charge.Decimals)) / math.Pow10(charge.Decimals)
		gross, _ := amount.Parse(ages[2][1])
		plants := []struct {
			what        string
			table       int
			rows        [][]string
			check       string
			row, column string
		}{
			{
				what: "a reconciling item", table: tax, rows: withCell(rec, 4, 1, shiftCell(t, rec[4][1], delta)),
				check: "in_table", row: rec[6][0], column: rec[0][1],
			},
			{
				what: "the tax at the statutory rate, plugged in the other differences", table: tax,
				rows:  withCell(withCell(rec, 3, 1, shiftCell(t, rec[3][1], delta)), 5, 1, shiftCell(t, rec[5][1], -delta)),
				check: "ratio", row: rec[3][0], column: rec[0][1],
			},
			{
				what: "a gross amount", table: matrix, rows: withCell(ages, 2, 1, shiftCell(t, ages[2][1], gross.Value/4)),
				check: "in_table", row: "Total", column: ages[0][1],
			},
			{
				what: "an expected loss rate", table: matrix, rows: withCell(ages, 3, 2, shiftCell(t, ages[3][2], 10)),
				check: "ratio", row: ages[3][0], column: ages[0][2],
			},
		}
		for _, p := range plants {
			t.Run(name+": "+p.what, func(t *testing.T) {
				tables := append([]extract.Table(nil), doc.Tables...)
				tables[p.table].Rows = p.rows
				fs := runTables(t, tables...)
				if findingAt(fs, p.check, p.row, p.column) == nil {
					t.Errorf("no %s finding for row %q column %q; got %s", p.check, p.row, p.column, describe(fs))
				}
				for _, f := range fs {
					if f.RawData["table"] != tables[p.table].Index {
						t.Errorf("finding outside the planted table: %s", f.Description)
					}
				}
			})
		}
	}
}
