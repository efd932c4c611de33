package numeric

import (
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

func TestRollForwardsQuietWhenTheyAdd(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"two years by rows, movements in parentheses", [][]string{
			{"", "Land", "Buildings", "Total"},
			{"At 1 January 2023", "1,200", "3,400", "4,600"},
			{"Additions", "–", "250", "250"},
			{"Disposals", "(100)", "(50)", "(150)"},
			{"At 31 December 2023", "1,100", "3,600", "4,700"},
			{"At 1 January 2024", "1,100", "3,600", "4,700"},
			{"Additions", "300", "120", "420"},
			{"Transfers", "(20)", "20", "–"},
			{"At 31 December 2024", "1,380", "3,740", "5,120"},
		}},
		{"decreases printed without sign, named by their labels", [][]string{
			{"", "€000"},
			{"At 1 January 2024", "400"},
			{"Charged to profit or loss", "120"},
			{"Utilised during the year", "70"},
			{"Unused amounts released", "10"},
			{"At 31 December 2024", "440"},
		}},
		{"net book value with depreciation printed positive", [][]string{
			{"", "Property", "Vehicles", "Total"},
			{"At 1 July 2024", "1,500", "300", "1,800"},
			{"Additions", "200", "90", "290"},
			{"Depreciation charge", "150", "80", "230"},
			{"At 30 June 2025", "1,550", "310", "1,860"},
		}},
		{"accumulated depreciation: charge added, disposals subtracted", [][]string{
			{"", "Plant", "Equipment", "Total"},
			{"Accumulated depreciation", "", "", ""},
			{"At 1 January 2024", "900", "400", "1,300"},
			{"Depreciation charge", "120", "60", "180"},
			{"Disposals", "40", "10", "50"},
			{"At 31 December 2024", "980", "450", "1,430"},
		}},
		{"roll-forward across columns", [][]string{
			{"", "At 1 January 2024", "Additions", "Disposals", "Depreciation", "At 31 December 2024"},
			{"Buildings", "5,000", "400", "100", "250", "5,050"},
			{"Plant", "2,000", "300", "50", "180", "2,070"},
			{"Vehicles", "600", "120", "30", "90", "600"},
			{"Total", "7,600", "820", "180", "520", "7,720"},
		}},
		{"a column per year, each year opening at the last closing", [][]string{
			{"", "2024", "2023"},
			{"Balance at beginning of year", "1,212.9", "1,210.5"},
			{"Additions", "3.1", "2.4"},
			{"Balance at end of year", "1,216.0", "1,212.9"},
		}},
		{"cash flow statement: net change above the opening balance", [][]string{
			{"", "2024", "2023"},
			{"Net cash from operating activities", "3,100", "2,610"},
			{"Net cash used in investing activities", "(1,000)", "(900)"},
			{"Net cash used in financing activities", "(1,550)", "(1,310)"},
			{"Net increase in cash and cash equivalents", "550", "400"},
			{"Cash and cash equivalents at 1 January", "1,400", "1,000"},
			{"Effect of exchange rate changes", "(10)", "–"},
			{"Cash and cash equivalents at 31 December", "1,940", "1,400"},
		}},
		{"gross amount and allowance opened side by side", [][]string{
			{"(in million)", "January 31, 2019", "January 31, 2018"},
			{"Goodwill, beginning of the year", "$1,769.4", "$1,710.3"},
			{"Less: accumulated impairment losses, beginning of the year", "(149.2)", "(149.2)"},
			{"Additions arising from acquisitions during the year", "866.9", "—"},
			{"Effect of foreign currency translation", "(36.3)", "59.1"},
			{"Goodwill, end of the year", "$2,450.8", "$1,620.2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fs := runTables(t, extract.Table{Title: tt.name, Rows: tt.rows}); len(fs) != 0 {
				t.Errorf("roll-forward that adds up was flagged: %s", describe(fs))
			}
		})
	}
}

func TestRollForwardsFindBreaks(t *testing.T) {
	provisions := [][]string{
		{"", "€000"},
		{"At 1 January 2024", "400"},
		{"Charged to profit or loss", "120"},
		{"Utilised", "(70)"},
		{"At 31 December 2024", "450"},
	}
	classes := [][]string{
		{"", "Product claims", "Environmental", "Total"},
		{"At 1 October 2023", "2.8", "1.1", "3.9"},
		{"Charged to profit or loss", "2.1", "0.8", "2.9"},
		{"Utilised", "(2.0)", "(0.8)", "(2.8)"},
		{"At 30 September 2024", "2.9", "1.1", "4.0"},
	}
	across := [][]string{
		{"", "At 1 January 2024", "Additions", "Disposals", "Depreciation", "At 31 December 2024"},
		{"Buildings", "5,000", "400", "100", "250", "5,050"},
		{"Plant", "2,000", "300", "50", "180", "2,070"},
		{"Vehicles", "600", "120", "30", "90", "600"},
		{"Total", "7,600", "820", "180", "520", "7,720"},
	}
	years := [][]string{
		{"", "2024", "2023"},
		{"Balance at beginning of year", "1,212.9", "1,210.5"},
		{"Additions", "3.1", "2.4"},
		{"Balance at end of year", "1,216.0", "1,212.9"},
	}
	tests := []struct {
		name        string
		rows        [][]string
		row, column string
		formula     string
	}{
		{
			name: "single column, labels alone", rows: withCell(provisions, 3, 1, "(60)"),
			row: "At 31 December 2024", column: "€000",
			formula: "At 1 January 2024 + Charged to profit or loss + Utilised = At 31 December 2024",
		},
		{
			name: "one class and the total column", rows: withCell(withCell(classes, 3, 1, "(2.9)"), 3, 3, "(3.7)"),
			row: "At 30 September 2024", column: "Product claims",
		},
		{
			name: "across columns, decreases headed as such", rows: withCell(across, 2, 3, "80"),
			row: "Plant", column: "At 31 December 2024",
			formula: "At 1 January 2024 + Additions − Disposals − Depreciation = At 31 December 2024",
		},
		{
			name: "a year that does not open at the last closing", rows: withCell(years, 1, 1, "1,221.9"),
			row: "Balance at beginning of year", column: "2024",
			formula: "'Balance at beginning of year' in 2024 = 'Balance at end of year' in 2023",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runTables(t, extract.Table{Title: "Provisions", Rows: tt.rows})
			got := findingAt(fs, "roll_forward", tt.row, tt.column)
			if got == nil {
				t.Fatalf("no roll_forward finding for row %q column %q; got %s", tt.row, tt.column, describe(fs))
			}
			if tt.formula != "" && got.RawData["formula"] != tt.formula {
				t.Errorf("formula %q, want %q", got.RawData["formula"], tt.formula)
			}
		})
	}
}

// findingAt returns the finding of a check type that names a row and a column, nil if none.
func findingAt(fs []schemas.Finding, check, row, column string) *schemas.Finding {
	for i, f := range fs {
		if f.RawData["check_type"] == check && f.RawData["row"] == row && f.RawData["column"] == column {
			return &fs[i]
		}
	}
	return nil
}
