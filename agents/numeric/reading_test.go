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
