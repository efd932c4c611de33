package numeric

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// salesByContract is the first TAT-QA table: two components and a total in three years.
var salesByContract = [][]string{
	{"", "", "Years Ended September 30,", ""},
	{"", "2019", "2018", "2017"},
	{"Fixed Price", "$  1,452.4", "$  1,146.2", "$  1,036.9"},
	{"Other", "44.1", "56.7", "70.8"},
	{"Total sales", "$1,496.5", "$1,202.9", "$1,107.7"},
}

// withCell returns a copy of rows with one cell changed.
func withCell(rows [][]string, row, col int, text string) [][]string {
	cp := make([][]string, len(rows))
	for i, r := range rows {
		cp[i] = append([]string(nil), r...)
	}
	cp[row][col] = text
	return cp
}

// runTables runs the agent on a document made of the given tables and checks every finding
// against the wire schema.
func runTables(t *testing.T, tables ...extract.Table) []schemas.Finding {
	t.Helper()
	for i := range tables {
		tables[i].Index = i + 1
	}
	return runDoc(t, &extract.Document{Tables: tables})
}

// runDoc runs the agent on a document and checks every finding against the wire schema.
func runDoc(t *testing.T, doc *extract.Document) []schemas.Finding {
	t.Helper()
	fs, err := New().Run(context.Background(), doc, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range fs {
		if err := schemas.Validate(f); err != nil {
			t.Errorf("finding fails the schema: %v", err)
		}
	}
	return fs
}

func TestNumericFindsPlantedErrors(t *testing.T) {
	tests := []struct {
		name   string
		title  string
		rows   [][]string
		row    string // expected finding: row, column, check type, severity
		column string
		check  string
		sev    string
		// formula, when set, is the exact formula expected.
		formula string
	}{
		{
			name: "labelled total, confirmed by the other years", title: "Sales by contract type",
			rows: withCell(salesByContract, 2, 1, "$  1,442.4"),
			row:  "Total sales", column: "2019", check: "in_table", sev: "low",
			formula: "Fixed Price + Other = Total sales",
		},
		{
			name: "unlabelled subtotal", title: "Inventories",
			rows: [][]string{
				{"", "December 29, 2019", "December 30, 2018"},
				{"", "", "(in thousands)"},
				{"Inventories:", "", ""},
				{"Raw material", "$222", "$191"},
				{"Work-in-process", "2,370", "2,929"},
				{"Finished goods", "668", "716"},
				{"", "$3,360", "$3,836"},
				{"Other current assets:", "", ""},
				{"Prepaid expenses", "$1,296", "$1,483"},
				{"Other", "269", "292"},
				{"", "$1,565", "$1,775"},
			},
			row: "(unlabelled row 7)", column: "December 29, 2019", check: "in_table", sev: "medium",
			formula: "Raw material + Work-in-process + Finished goods = (unlabelled row 7)",
		},
		{
			name: "subtotal inside sections, grand total of subtotals", title: "Net sales by segment",
			rows: [][]string{
				{"", "2019", "2018"},
				{"Transportation Solutions:", "", ""},
				{"Automotive", "$ 5,686", "$ 6,092"},
				{"Sensors", "914", "918"},
				{"Total Transportation Solutions", "6,600", "7,010"},
				{"Industrial Solutions:", "", ""},
				{"Industrial equipment", "1,949", "1,987"},
				{"Energy", "699", "742"},
				{"Total Industrial Solutions", "2,648", "2,699"},
				{"Total", "$ 9,248", "$ 9,709"},
			},
			row: "Total Industrial Solutions", column: "2018", check: "in_table", sev: "medium",
		},
		{
			name: "grand total wrong, subtotals right", title: "Net sales by segment",
			rows: [][]string{
				{"", "2019", "2018"},
				{"Transportation Solutions:", "", ""},
				{"Automotive", "$ 5,686", "$ 6,092"},
				{"Sensors", "914", "918"},
				{"Total Transportation Solutions", "6,600", "7,010"},
				{"Industrial Solutions:", "", ""},
				{"Industrial equipment", "1,949", "1,987"},
				{"Energy", "699", "712"},
				{"Total Industrial Solutions", "2,648", "2,699"},
				{"Total", "$ 9,248", "$ 9,790"},
			},
			row: "Total", column: "2018", check: "in_table", sev: "low",
			formula: "Total Transportation Solutions + Total Industrial Solutions = Total",
		},
		{
			name: "less row printed positive", title: "Property and equipment",
			rows: [][]string{
				{"", "2019", "2018"},
				{"Land", "$1,949", "$2,185"},
				{"Buildings", "138,755", "129,582"},
				{"Equipment", "307,559", "298,537"},
				{"", "448,263", "430,304"},
				{"Less: Accumulated depreciation", "366,389", "339,658"},
				{"Property and equipment, net", "$81,874", "$96,646"},
			},
			row: "Property and equipment, net", column: "2018", check: "in_table", sev: "high",
			formula: "(unlabelled row 5) − Less: Accumulated depreciation = Property and equipment, net",
		},
		{
			name: "net is gross less deductions", title: "Deferred tax",
			rows: [][]string{
				{"", "2019", "2018"},
				{"Deferred tax assets:", "", ""},
				{"Tax losses", "$ 255,269", "$ 255,235"},
				{"Tax credits", "2,261", "2,458"},
				{"Total deferred tax assets", "257,530", "257,693"},
				{"Deferred tax liabilities:", "", ""},
				{"Depreciation", "34,884", "29,769"},
				{"Right-of-use assets", "29,670", "—"},
				{"Total deferred tax liabilities", "64,554", "29,769"},
				{"Net deferred tax assets", "$ 192,976", "$ 227,942"},
			},
			row: "Net deferred tax assets", column: "2018", check: "in_table", sev: "low",
			formula: "Total deferred tax assets − Total deferred tax liabilities = Net deferred tax assets",
		},
		{
			name: "total column across a row", title: "Contractual obligations",
			rows: [][]string{
				{"(In thousands)", "Total", "2020", "2021-2022", "Thereafter"},
				{"Operating leases", "$19,437", "$4,143", "$7,111", "$8,183"},
				{"Capital leases", "65", "27", "38", "—"},
				{"Purchase obligations", "4,500", "1,000", "2,000", "1,000"},
				{"Asset retirement obligation", "400", "—", "150", "250"},
				{"Total contractual obligations", "$23,902", "$5,170", "$9,299", "$9,433"},
			},
			row: "Purchase obligations", column: "Total", check: "cross_column", sev: "high",
			formula: "2020 + 2021-2022 + Thereafter = Total",
		},
		{
			name: "percentage column adding to 100 %", title: "Revenue by region",
			rows: [][]string{
				{"", "2019", "% of total", "2018", "% of total"},
				{"APAC", "$479,987", "40.0%", "$288,764", "38.1%"},
				{"EMEA", "277,898", "23.1%", "237,437", "31.4%"},
				{"Americas", "259,105", "21.6%", "224,056", "29.6%"},
				{"JPKO", "183,191", "15.3%", "7,081", "9.0%"},
				{"Total", "$ 1,200,181", "100.0%", "$ 757,338", "100.0%"},
			},
			row: "Total", column: "2018 % of total", check: "in_table", sev: "high",
		},
		{
			name: "single amount column, labelled total", title: "Intangible assets acquired",
			rows: [][]string{
				{"", "Weighted-Average Useful Lives (in years)", "Fair Value Amount"},
				{"Purchased technology", "4.2", "$232"},
				{"Customer relationships", "7.0", "251"},
				{"Trademarks", "5.0", "25"},
				{"Other", "2.0", "20"},
				{"Total definite-lived intangible assets", "", "$492"},
			},
			row: "Total definite-lived intangible assets", column: "Fair Value Amount", check: "in_table", sev: "high",
			formula: "Purchased technology + Customer relationships + Trademarks + Other = Total definite-lived intangible assets",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runTables(t, extract.Table{Title: tt.title, Rows: tt.rows})
			var got *schemas.Finding
			for i, f := range fs {
				if f.RawData["row"] == tt.row && f.RawData["column"] == tt.column && f.RawData["check_type"] == tt.check {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s finding for row %q column %q; got %s", tt.check, tt.row, tt.column, describe(fs))
			}
			if got.Severity != tt.sev {
				t.Errorf("severity %q, want %q (%s)", got.Severity, tt.sev, got.Description)
			}
			if tt.formula != "" && got.RawData["formula"] != tt.formula {
				t.Errorf("formula %q, want %q", got.RawData["formula"], tt.formula)
			}
			if len(fs) > 2 {
				t.Errorf("one planted error gave %d findings: %s", len(fs), describe(fs))
			}
		})
	}
}

func TestNumericFindingWording(t *testing.T) {
	fs := runTables(t, extract.Table{Title: "Sales by contract type", Rows: withCell(salesByContract, 4, 1, "$1,506.5")})
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1: %s", len(fs), describe(fs))
	}
	f := fs[0]
	want := schemas.Finding{
		Severity:    "low",
		Description: "Total sales 2019 (1,506.5) does not equal the sum of its components (1,496.5)",
		SourceRefs:  []string{"Table 1 'Sales by contract type', row 'Total sales', column '2019'"},
		RawData: map[string]any{
			"fsli_name":      "Total sales",
			"check_type":     "in_table",
			"formula":        "Fixed Price + Other = Total sales",
			"expected_value": 1496.5,
			"actual_value":   1506.5,
			"discrepancy":    10.0,
			"table":          1,
			"row":            "Total sales",
			"column":         "2019",
		},
	}
	if f.Severity != want.Severity || f.Description != want.Description ||
		!reflect.DeepEqual(f.SourceRefs, want.SourceRefs) || !reflect.DeepEqual(f.RawData, want.RawData) {
		t.Errorf("finding\n%#v\nwant\n%#v", f, want)
	}
	for _, line := range []string{
		"Check type: in_table",
		"Formula: Fixed Price + Other = Total sales",
		"Expected: 1,496.5",
		"Actual: 1,506.5",
		"Difference: 10.0",
		"Tolerance: 0.1 (rounding of 3 figures shown to 1 decimal(s))",
		"Evidence: the same rows add up in columns '2018' and '2017'",
	} {
		if !strings.Contains(f.Reasoning, line+"\n") && !strings.HasSuffix(f.Reasoning, line) {
			t.Errorf("reasoning lacks %q:\n%s", line, f.Reasoning)
		}
	}
}

func TestNumericQuietOnCleanTables(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"clean total", salesByContract},
		{"rounded figures off by one", [][]string{
			{"($ in millions)", "2019", "2018"},
			{"Specific allowance", "177", "220"},
			{"Unallocated allowance", "45", "72"},
			{"Total allowance for credit losses", "221", "292"},
		}},
		{"percent change and margin rows", [][]string{
			{"$ million", "2019", "2018", "Change (%)"},
			{"Revenue", "503.6", "476.9", "5.6"},
			{"Cost of sales", "(135.0)", "(132.4)", "2.0"},
			{"Gross profit", "368.6", "344.5", "7.0"},
			{"Gross margin (%)", "73.2", "72.2", "1.0"},
		}},
		{"percent of revenue statement", [][]string{
			{"", "2019", "2018"},
			{"Revenue", "100%", "100%"},
			{"Cost of revenue", "43%", "50%"},
			{"Gross profit", "57%", "50%"},
		}},
		{"less rows and subtotals", [][]string{
			{"", "2019", "2018"},
			{"Billed receivables", "$213,654", "$239,275"},
			{"Allowance for doubtful accounts", "(5,149)", "(3,912)"},
			{"Billed receivables, net", "208,505", "235,363"},
			{"Accrued receivables", "399,302", "336,858"},
			{"Significant financing component", "(35,569 )", "(35,029 )"},
			{"Total accrued receivables, net", "363,733", "301,829"},
			{"Less: current accrued receivables", "161,714", "123,053"},
			{"Less: current significant financing component", "(11,022 )", "(10,234 )"},
			{"Total long-term accrued receivables, net", "213,041", "189,010"},
		}},
		{"roll-forward with an average price column", [][]string{
			{"", "Number of Shares", "Weighted-Average Exercise Price", "Remaining Term (in years)"},
			{"Outstanding at September 30, 2017", "2,845,866", "$4.21", "5.4"},
			{"Granted", "299,397", "$8.60", ""},
			{"Exercised", "(250,823)", "$2.96", ""},
			{"Canceled", "(88,076)", "$5.23", ""},
			{"Outstanding at September 30, 2018", "2,806,364", "$4.75", "4.6"},
		}},
		{"roll-forward with an unlabelled price column", [][]string{
			{"", "Number of Shares (thousands)", "", ""},
			{"Nonvested as of December 31, 2018", "5,974", "$6.51", ""},
			{"Granted", "3,288", "$6.74", ""},
			{"Released", "(1,774)", "$6.60", ""},
			{"Canceled", "(1,340)", "$6.57", ""},
			{"Nonvested as of December 31, 2019", "6,148", "$6.59", "1.81"},
		}},
		{"net row that is not a sum", [][]string{
			{"", "2019", "2018"},
			{"Operating loss carryforward", "73,260", "57,768"},
			{"Net deferred tax asset before valuation allowance", "19,911", "15,916"},
			{"Valuation allowance", "(19,911)", "(15,916)"},
			{"Net deferred tax asset", "795", "772"},
		}},
		{"variance column with adverse signs", [][]string{
			{"", "2019", "2018", "$ Change"},
			{"Net sales", "$ 93,662", "$ 103,350", "$ (9,688)"},
			{"Cost of goods sold", "$ 68,367", "$ 74,646", "$ 6,279"},
			{"Depreciation expense", "3,146", "2,846", "(300)"},
			{"Total cost of goods sold", "$ 71,513", "$ 77,492", "$ 5,979"},
			{"Gross profit", "$ 22,149", "$ 25,858", "(3,709 )"},
		}},
		{"key figures, no sums", [][]string{
			{"As of December 31,", "2019", "2018", "2017"},
			{"Working capital", "$207,599", "$237,416", "$306,296"},
			{"Total assets", "$545,118", "$628,027", "$669,094"},
			{"Total debt", "$24,600", "$25,600", "$26,700"},
		}},
		{"quarterly table with per-share rows and a total column", [][]string{
			{"", "First", "Second", "Third", "Fourth", "Total"},
			{"Revenues", "$ 94,888", "$ 96,037", "$ 88,495", "$84,380", "$363,800"},
			{"Gross profit", "38,091", "39,821", "36,381", "33,471", "147,764"},
			{"Gross margin", "40.1%", "41.5%", "41.1%", "39.7%", "40.6%"},
			{"Net income (loss)", "8,511", "(854)", "(522)", "11,263", "18,398"},
			{"Earnings (loss) per diluted share", "$0.23", "$(0.02)", "$(0.02)", "$0.35", "$0.52"},
		}},
		{"empty and one-column tables", [][]string{{"Note"}, {"Only text"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fs := runTables(t, extract.Table{Title: tt.name, Rows: tt.rows}); len(fs) != 0 {
				t.Errorf("clean table flagged: %s", describe(fs))
			}
		})
	}
}

func TestNumericRunContract(t *testing.T) {
	n := New()
	info := n.Info()
	if info.ID != schemas.AgentNumeric || info.Category != "numeric" || !info.Available {
		t.Errorf("Info() = %+v", info)
	}
	if err := schemas.Validate(info); err != nil {
		t.Errorf("Info fails the schema: %v", err)
	}

	doc := &extract.Document{Tables: []extract.Table{
		{Index: 1, Title: "Clean", Rows: salesByContract},
		{Index: 2, Title: "Broken", Rows: withCell(salesByContract, 3, 2, "65.7")},
		{Index: 3, Title: "Broken too", Rows: withCell(salesByContract, 4, 3, "$1,117.7")},
	}}
	t.Run("progress per table, findings in document order", func(t *testing.T) {
		var calls []string
		fs, err := n.Run(context.Background(), doc, func(done, total int, msg string) {
			calls = append(calls, fmt.Sprintf("%d/%d", done, total))
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"1/4", "2/4", "3/4", "4/4"}; !reflect.DeepEqual(calls, want) {
			t.Errorf("progress %v, want %v", calls, want)
		}
		if len(fs) != 2 || fs[0].RawData["table"] != 2 || fs[1].RawData["table"] != 3 {
			t.Fatalf("findings %s", describe(fs))
		}
		again, _ := n.Run(context.Background(), doc, nil)
		if !reflect.DeepEqual(fs, again) {
			t.Error("two runs on the same document differ")
		}
	})
	t.Run("stops when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		fs, err := n.Run(ctx, doc, func(done, total int, msg string) {
			if done == 1 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) || fs != nil {
			t.Errorf("Run after cancel = %d findings, %v; want context.Canceled", len(fs), err)
		}
	})
	t.Run("no document", func(t *testing.T) {
		if _, err := n.Run(context.Background(), nil, nil); err == nil {
			t.Error("Run(nil) succeeded")
		}
	})
	t.Run("no tables gives an empty list", func(t *testing.T) {
		fs, err := n.Run(context.Background(), &extract.Document{Markdown: "# Notes\n\nNo tables here."}, nil)
		if err != nil || fs == nil || len(fs) != 0 {
			t.Errorf("Run = %v, %v; want an empty list", fs, err)
		}
	})
	t.Run("markdown tables when the extraction lists none", func(t *testing.T) {
		md := "# Sales by contract type\n\n| | 2019 | 2018 | 2017 |\n|---|---|---|---|\n" +
			"| Fixed Price | $ 1,452.4 | $ 1,146.2 | $ 1,036.9 |\n| Other | 44.1 | 56.7 | 70.8 |\n" +
			"| Total sales | $1,506.5 | $1,202.9 | $1,107.7 |\n"
		fs, err := n.Run(context.Background(), &extract.Document{Markdown: md}, nil)
		if err != nil || len(fs) != 1 {
			t.Fatalf("Run = %s, %v", describe(fs), err)
		}
		if ref := fs[0].SourceRefs[0]; ref != "Table 1 'Sales by contract type', row 'Total sales', column '2019'" {
			t.Errorf("source ref %q", ref)
		}
	})
}

// TestNumericThroughDocx runs a statement through the whole upload pipeline: a generated .docx,
// the extractor, the agent.
func TestNumericThroughDocx(t *testing.T) {
	data := docxgen.New().
		Heading(1, "Annual report 2019").
		Paragraph("Sales by contract type").
		Table(withCell(salesByContract, 3, 3, "70.3")).
		Bytes()
	doc, err := extract.Docx(data, extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	fs := runTables(t, doc.Tables...)
	if len(fs) != 1 || fs[0].SourceRefs[0] != "Table 1 'Sales by contract type', row 'Total sales', column '2017'" {
		t.Fatalf("findings %s (%v)", describe(fs), fs)
	}
}

// benchmarkTables is a ten-table statement: the sales table and nine variants of a
// multi-section note, one with an error.
func benchmarkTables() []extract.Table {
	section := func(k int) [][]string {
		rows := [][]string{{"", "2019", "2018", "2017"}, {"", "", "(in millions)", ""}}
		for s := range 3 {
			rows = append(rows, []string{fmt.Sprintf("Segment %d:", s+1), "", "", ""})
			for i := range 6 {
				v := 100*(s+1) + 10*i + k
				rows = append(rows, []string{fmt.Sprintf("Line %d.%d", s+1, i+1),
					fmt.Sprint(v), fmt.Sprint(v + 7), fmt.Sprint(v + 13)})
			}
			base := 6 * (100*(s+1) + k)
			rows = append(rows, []string{fmt.Sprintf("Total segment %d", s+1),
				fmt.Sprint(base + 150), fmt.Sprint(base + 150 + 42), fmt.Sprint(base + 150 + 78)})
		}
		total := 6*600 + 18*k + 450
		rows = append(rows, []string{"Total", fmt.Sprint(total), fmt.Sprint(total + 126), fmt.Sprint(total + 234)})
		return rows
	}
	tables := []extract.Table{{Index: 1, Title: "Sales", Rows: salesByContract}}
	for k := range 9 {
		rows := section(k)
		if k == 4 {
			rows[4][2] = "999"
		}
		tables = append(tables, extract.Table{Index: k + 2, Title: fmt.Sprintf("Note %d", k+2), Rows: rows})
	}
	return tables
}

func TestBenchmarkDocument(t *testing.T) {
	fs := runTables(t, benchmarkTables()...)
	if len(fs) != 1 || fs[0].RawData["table"] != 6 || fs[0].RawData["row"] != "Total segment 1" {
		t.Errorf("benchmark document findings: %s", describe(fs))
	}
}

func BenchmarkNumeric(b *testing.B) {
	doc := &extract.Document{Tables: benchmarkTables()}
	n := New()
	ctx := context.Background()
	for b.Loop() {
		if _, err := n.Run(ctx, doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}
