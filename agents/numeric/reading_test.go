package numeric

import (
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// The tests in this file are built from tables written for them, one for each kind of mistake
// the agent made on annual-report tables it had never seen: a reading of the table (which rows
// make a total, which signs, which columns add, how much rounding the printing allows) that the
// table itself does not support.

// onlyFinding returns the one finding of fs at row and column, failing when there is any other.
func onlyFinding(t *testing.T, fs []schemas.Finding, row, column string) schemas.Finding {
	t.Helper()
	if len(fs) != 1 || fs[0].RawData["row"] != row || fs[0].RawData["column"] != column {
		t.Fatalf("want one finding at %q / %q, got %d: %s", row, column, len(fs), describe(fs))
	}
	return fs[0]
}

// A component whose sign is flipped in one of two columns: the signs as printed hold in the
// other column, and "the first less the rest" holds in this one. The finding names the column
// where the printed signs fail, at low severity, and says that another reading fits as well.
func TestSignFlipNamesTheColumnWherePrintedSignsFail(t *testing.T) {
	rows := [][]string{
		{"", "2024", "2023"},
		{"United Kingdom", "48.5", "44.9"},
		{"Ireland", "-2.5", "3.1"}, // 2024 printed negative by mistake: 48.5 + 2.5 = 51.0
		{"Total", "51.0", "48.0"},
	}
	fs := runTables(t, extract.Table{Title: "Revenue by country (£m)", Rows: rows})
	f := onlyFinding(t, fs, "Total", "2024")
	if f.Severity != "low" {
		t.Errorf("severity %q, want low: another reading of the signs fits", f.Severity)
	}
	if !strings.Contains(f.Reasoning, "Doubt: another reading of the rows above") {
		t.Errorf("reasoning does not state the doubt:\n%s", f.Reasoning)
	}
	if f.RawData["formula"] != "United Kingdom + Ireland = Total" {
		t.Errorf("formula %q, want the signs as printed", f.RawData["formula"])
	}

	// With a third column that adds as printed, the reading is no longer in doubt.
	rows3 := [][]string{
		{"", "2024", "2023", "2022"},
		{"United Kingdom", "48.5", "44.9", "40.2"},
		{"Ireland", "-2.5", "3.1", "2.8"},
		{"Total", "51.0", "48.0", "43.0"},
	}
	f = onlyFinding(t, runTables(t, extract.Table{Title: "Revenue by country (£m)", Rows: rows3}), "Total", "2024")
	if f.Severity == "low" || strings.Contains(f.Reasoning, "Doubt:") {
		t.Errorf("severity %q with a doubt, want a confident finding:\n%s", f.Severity, f.Reasoning)
	}
}

// varianceTable is a sales table with an amount variance and a variance in percent. The
// percentages of the components do not add to the total's: a change in percent is a ratio.
var varianceTable = [][]string{
	{"(in $ thousands)", "2024", "2023", "Variance", "Variance in percent"},
	{"Hardware", "1,240", "1,010", "230", "23%"},
	{"Software", "815", "905", "(90)", "(10%)"},
	{"Maintenance", "390", "412", "(22)", "(5%)"},
	{"Total", "2,445", "2,327", "118", "5%"},
}

// A percentage or ratio column is never cast as if it held amounts, even when a second
// percentage column stands beside it and one of them happens to add up in a block.
func TestPercentColumnsAreNotCast(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Net sales", Rows: varianceTable}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	// Two change columns in percent: as reported and at constant currency, where the
	// components' percentages add up to the total's in one of them by chance (10 − 2 + 4 = 12),
	// and not in the other (7 + 3 − 25 ≠ 0), as changes in percent do not.
	twoPercent := [][]string{
		{"(in € millions)", "2024", "2023", "Change in %", "Change in % at constant currency"},
		{"Europe", "640", "600", "7%", "10%"},
		{"Americas", "410", "400", "3%", "-2%"},
		{"Asia", "150", "200", "(25%)", "4%"},
		{"Total", "1,200", "1,200", "0%", "12%"},
	}
	if fs := runTables(t, extract.Table{Title: "Revenue by region", Rows: twoPercent}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	// A planted error in an amount is found in its amount column, and nowhere in percent.
	fs := runTables(t, extract.Table{Title: "Net sales", Rows: withCell(varianceTable, 1, 1, "1,340")})
	for _, f := range fs {
		if c, _ := f.RawData["column"].(string); strings.Contains(c, "percent") && f.RawData["check_type"] == "in_table" {
			t.Errorf("percent column cast: %s", f.Description)
		}
	}
	if findingAt(fs, "in_table", "Total", "2024") == nil {
		t.Errorf("planted error in Hardware 2024 not found at Total 2024: %s", describe(fs))
	}
}

// A change column is checked only against the pair of columns its heading names, or a pair it
// fits on every other row; a change on a base the table does not print (constant currency,
// organic) is not checked at all.
func TestChangeColumnsTiedToTheirPair(t *testing.T) {
	// Three years; the change column names 2024 and 2023, not the two nearest to its left.
	named := [][]string{
		{"", "2024", "2023", "2022", "% change 2024 vs 2023"},
		{"Product revenue", "900", "800", "640", "12.5"},
		{"Service revenue", "300", "250", "200", "20.0"},
		{"License revenue", "120", "110", "100", "9.1"},
		{"Total revenue", "1,320", "1,160", "940", "13.8"},
	}
	if fs := runTables(t, extract.Table{Title: "Revenue", Rows: named}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	fs := runTables(t, extract.Table{Title: "Revenue", Rows: withCell(named, 2, 4, "40.0")})
	if f := findingAt(fs, "ratio", "Service revenue", "% change 2024 vs 2023"); f == nil {
		t.Errorf("wrong change not found against the named pair: %s", describe(fs))
	} else if !strings.Contains(f.RawData["formula"].(string), "'2024' − '2023'") {
		t.Errorf("formula %q, want the named pair 2024 and 2023", f.RawData["formula"])
	}

	// A change at constant currency: its base is not printed, so nothing is checked.
	constant := [][]string{
		{"(in € millions)", "2024", "2023", "Change", "Change at constant currency"},
		{"Europe", "640", "600", "6.7%", "5.1%"},
		{"Americas", "410", "400", "2.5%", "2.5%"},
		{"Asia", "150", "160", "(6.3%)", "(6.3%)"},
		{"Middle East", "80", "70", "14.3%", "14.3%"},
		{"Total", "1,280", "1,230", "4.1%", "4.1%"},
	}
	if fs := runTables(t, extract.Table{Title: "Revenue by region", Rows: constant}); len(fs) != 0 {
		t.Fatalf("constant-currency change checked: %s", describe(fs))
	}

	// An unnamed change column that fits the nearest pair on every row but one is checked; one
	// that fits it on only some rows is a change on another base and is left alone.
	unnamed := [][]string{
		{"", "2024", "2023", "Change %"},
		{"Hardware", "1,240", "1,010", "22.8"},
		{"Software", "815", "905", "(9.9)"},
		{"Maintenance", "390", "412", "(5.3)"},
		{"Consulting", "260", "200", "30.0"},
		{"Total", "2,705", "2,527", "7.0"},
	}
	if fs := runTables(t, extract.Table{Title: "Net sales", Rows: unnamed}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	if fs := runTables(t, extract.Table{Title: "Net sales", Rows: withCell(unnamed, 4, 3, "33.0")}); findingAt(fs, "ratio", "Consulting", "Change %") == nil {
		t.Errorf("wrong change not found: %s", describe(fs))
	}
	otherBase := withCell(withCell(unnamed, 4, 3, "26.1"), 2, 3, "(7.4)")
	if fs := runTables(t, extract.Table{Title: "Net sales", Rows: otherBase}); len(fs) != 0 {
		t.Errorf("a change that fits the pair on 3 of 5 rows was checked against it: %s", describe(fs))
	}
}

// taxNote is a small table of whole numbers with no unit scale: figures printed to the unit,
// which no rounding can move.
var taxNote = [][]string{
	{"", "2024", "2023"},
	{"Current tax", "52", "47"},
	{"Deferred tax", "7", "5"},
	{"Adjustments for prior years", "4", "2"},
	{"Other", "3", "1"},
	{"Total income tax expense", "66", "55"},
}

// A one-unit change in a small integer table is found: the tolerance comes from the printed
// precision, and whole numbers that the table's other column adds exactly leave no rounding
// to hide a unit in. The finding states the tolerance it used.
func TestOneUnitInSmallIntegerTable(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Income tax", Rows: taxNote}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	fs := runTables(t, extract.Table{Title: "Income tax", Rows: withCell(taxNote, 2, 1, "8")})
	f := onlyFinding(t, fs, "Total income tax expense", "2024")
	if !strings.Contains(f.Reasoning, "Tolerance: 0 ") {
		t.Errorf("reasoning does not state a zero tolerance:\n%s", f.Reasoning)
	}
	// In millions, the same figures are rounded: a unit is within rounding, and nothing is said.
	scaled := append([][]string{{"(in millions)", "", ""}}, withCell(taxNote, 2, 1, "8")...)
	if fs := runTables(t, extract.Table{Title: "Income tax", Rows: scaled}); len(fs) != 0 {
		t.Errorf("a unit's difference in rounded figures flagged: %s", describe(fs))
	}
}

// productSales has product lines, their subtotal, and a service line below it: the grand total
// is the product subtotal plus services, not every line above it.
var productSales = [][]string{
	{"(in $ millions)", "2024", "2023"},
	{"Product sales:", "", ""},
	{"Instruments", "410", "385"},
	{"Consumables", "262", "240"},
	{"Software", "98", "90"},
	{"Total product sales", "770", "715"},
	{"Service", "130", "125"},
	{"Total net sales", "900", "840"},
}

// A total's block is read from the table's structure: a labelled section and its subtotal
// stand for their rows. A correct table is not flagged, and a changed cell is reported at the
// relation it breaks.
func TestTotalBlockFromStructure(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Net sales", Rows: productSales}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	fs := runTables(t, extract.Table{Title: "Net sales", Rows: withCell(productSales, 6, 1, "150")})
	f := onlyFinding(t, fs, "Total net sales", "2024")
	if f.RawData["formula"] != "Total product sales + Service = Total net sales" {
		t.Errorf("formula %q, want the subtotal plus the service line", f.RawData["formula"])
	}
	fs = runTables(t, extract.Table{Title: "Net sales", Rows: withCell(productSales, 3, 1, "272")})
	f = onlyFinding(t, fs, "Total product sales", "2024")
	if f.RawData["formula"] != "Instruments + Consumables + Software = Total product sales" {
		t.Errorf("formula %q, want the product lines", f.RawData["formula"])
	}
}

// intangibles has one amount column beside a column of useful lives, and a total row that
// prints nothing in the lives column.
var intangibles = [][]string{
	{"", "Useful life (in years)", "Fair value"},
	{"Developed technology", "5.0", "$318"},
	{"Customer relationships", "8.0", "204"},
	{"Trade names", "3.0", "41"},
	{"Total intangible assets acquired", "", "$563"},
}

// A total that prints nothing in some columns is still checked in the one it prints, and a line
// item whose amount went missing there (its figure slipped to the row below) is found, at low
// severity, with the missing amount named as the doubt.
func TestTotalBlankInSomeColumns(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Intangible assets", Rows: intangibles}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	moved := withCell(withCell(intangibles, 2, 2, ""), 3, 2, "204")
	f := onlyFinding(t, runTables(t, extract.Table{Title: "Intangible assets", Rows: moved}),
		"Total intangible assets acquired", "Fair value")
	if f.Severity != "low" || !strings.Contains(f.Reasoning, "Doubt: row 'Customer relationships' prints figures in other columns") {
		t.Errorf("severity %q, reasoning:\n%s", f.Severity, f.Reasoning)
	}
	// A typing error with every amount printed is a confident finding.
	f = onlyFinding(t, runTables(t, extract.Table{Title: "Intangible assets", Rows: withCell(intangibles, 3, 2, "14")}),
		"Total intangible assets acquired", "Fair value")
	if strings.Contains(f.Reasoning, "Doubt:") {
		t.Errorf("a doubt where every amount is printed:\n%s", f.Reasoning)
	}
}

// acquisition is a purchase price allocation: assets as line items, several measured net, with
// a column of adjustments and the final amounts.
var acquisition = [][]string{
	{"(In millions)", "Preliminary", "Adjustments", "Final"},
	{"Cash", "12.0", "—", "12.0"},
	{"Trade receivables, net", "25.4", "—", "25.4"},
	{"Other receivables", "1.2", "—", "1.2"},
	{"Inventories, net", "30.1", "(0.6)", "29.5"},
	{"Property and equipment, net", "48.3", "2.2", "50.5"},
	{"Total assets", "117.0", "1.6", "118.6"},
}

// A line item measured net ("Inventories, net") is not the net of the rows above it unless its
// section holds its gross amount or a deduction: an error that makes two unrelated lines above
// it add up to it in one column is reported at the total, not read as a broken subtotal.
func TestNetLineItemIsNotAnAggregate(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Purchase price allocation", Rows: acquisition}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	// 1.2 → 4.7 makes Trade receivables + Other receivables = 30.1 = Inventories, net.
	fs := runTables(t, extract.Table{Title: "Purchase price allocation", Rows: withCell(acquisition, 3, 1, "4.7")})
	if findingAt(fs, "in_table", "Total assets", "Preliminary") == nil {
		t.Errorf("error not found at Total assets / Preliminary: %s", describe(fs))
	}
	if f := findingAt(fs, "in_table", "Inventories, net", "Final"); f != nil {
		t.Errorf("a line item read as a subtotal: %s", f.Description)
	}
	// With its gross amount and allowance above it, "Receivables, net" is their net.
	net := [][]string{
		{"", "2024", "2023"},
		{"Trade receivables", "4,120", "3,870"},
		{"Less: allowance for credit losses", "(210)", "(190)"},
		{"Trade receivables, net", "3,910", "3,680"},
	}
	fs = runTables(t, extract.Table{Title: "Receivables", Rows: withCell(net, 3, 1, "3,990")})
	if findingAt(fs, "in_table", "Trade receivables, net", "2024") == nil {
		t.Errorf("the net of gross and allowance not checked: %s", describe(fs))
	}
}

// deferredTax has a liabilities block whose lines print a dash or nothing in one year.
var deferredTax = [][]string{
	{"", "2024", "2023"},
	{"Deferred tax liabilities:", "", ""},
	{"Accelerated depreciation", "(8,410)", "—"},
	{"Other", "(620)", "(480)"},
	{"Total deferred tax liabilities", "(9,030)", "(480)"},
}

// A line item that equals the total in the one column where the other lines are blank does not
// explain the total in the column where they print: the block is the reading, and its break is
// reported.
func TestSingleLineDoesNotExplainATotal(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Deferred tax", Rows: deferredTax}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	// The 2024 figure of "Other" moved up onto the line above (its own cell left blank).
	moved := withCell(withCell(deferredTax, 2, 1, "(620)"), 3, 1, "")
	fs := runTables(t, extract.Table{Title: "Deferred tax", Rows: moved})
	if findingAt(fs, "in_table", "Total deferred tax liabilities", "2024") == nil {
		t.Errorf("broken total not found: %s", describe(fs))
	}
}

// shareClasses has a column of each kind: a count, an amount, a per-share figure, a year and a
// ratio, with a total row.
var shareClasses = [][]string{
	{"", "Number of shares", "Amount ($000)", "Per share ($)", "Year issued", "Debt to equity ratio"},
	{"Class A", "1,200", "4,800", "4.00", "2015", "0.42"},
	{"Class B", "800", "2,400", "3.00", "2017", "0.38"},
	{"Total", "2,000", "7,200", "3.60", "", "0.40"},
}

// Each column's kind is read from its heading and cells, and only what adds is cast: counts and
// amounts are, per-share figures, years and ratios are not, whatever they print on the total row.
func TestColumnKinds(t *testing.T) {
	if fs := runTables(t, extract.Table{Title: "Share capital", Rows: shareClasses}); len(fs) != 0 {
		t.Fatalf("clean table flagged: %s", describe(fs))
	}
	for _, col := range []int{3, 5} {
		rows := withCell(shareClasses, 3, col, "9.99")
		if f := findingAt(runTables(t, extract.Table{Title: "Share capital", Rows: rows}), "in_table", "Total", shareClasses[0][col]); f != nil {
			t.Errorf("column %q cast: %s", shareClasses[0][col], f.Description)
		}
	}
	fs := runTables(t, extract.Table{Title: "Share capital", Rows: withCell(shareClasses, 1, 1, "1,300")})
	if findingAt(fs, "in_table", "Total", "Number of shares") == nil {
		t.Errorf("an error in the count column not found: %s", describe(fs))
	}
}
