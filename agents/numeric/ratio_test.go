package numeric

import (
	"testing"

	"github.com/veritas-audit/veritas/extract"
)

// keyFigures is a key figures table with a margin row, a change column and a ratio row.
var keyFigures = [][]string{
	{"€m", "2024", "2023", "Change %"},
	{"Revenue", "412.6", "395.4", "4.4%"},
	{"Gross profit", "97.4", "90.5", "7.6%"},
	{"Gross margin", "23.6%", "22.9%", "0.7"},
	{"Operating profit", "40.9", "36.5", "12.1%"},
	{"Operating margin", "9.9%", "9.2%", "0.7"},
	{"Profit before tax", "36.7", "32.1", "14.3%"},
	{"Income tax expense", "(9.8)", "(8.6)", "14.0%"},
	{"Effective tax rate", "26.7%", "26.8%", ""},
}

// regions is a revenue table with shares of the total and a change in amount.
var regions = [][]string{
	{"", "2019", "% of total", "2018", "$ Change"},
	{"APAC", "$479,987", "40.0%", "$288,764", "$191,223"},
	{"EMEA", "277,898", "23.1%", "237,437", "40,461"},
	{"Americas", "259,105", "21.6%", "224,056", "35,049"},
	{"JPKO", "183,191", "15.3%", "7,081", "176,110"},
	{"Total", "$ 1,200,181", "100.0%", "$ 757,338", "$ 442,843"},
}

func TestRatiosQuietWhenTheyHold(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"margins, rates and changes as printed", keyFigures},
		{"shares truncated rather than rounded, changes in amount", regions},
		{"favourable and adverse signs, not meaningful changes", [][]string{
			{"", "2019", "2018", "Change (%)"},
			{"Net cash inflow from operating activities", "5,368", "5,955", "-9.9"},
			{"Net cash outflow for investing activities", "(2,329)", "(1,951)", "19.4"},
			{"Net cash outflow for financing activities", "(3,056)", "(4,009)", "-23.8"},
			{"Exchange effects on cash balance", "4", "(4)", "nm"},
		}},
		{"ratio of two lines printed as a percentage", [][]string{
			{"A$000", "2025", "2024"},
			{"Borrowings", "18,500", "24,000"},
			{"Lease liabilities", "10,068", "10,935"},
			{"Cash and cash equivalents", "(10,175)", "(10,788)"},
			{"Net debt", "18,393", "24,147"},
			{"Total equity", "47,517", "44,641"},
			{"Net debt to equity ratio", "38.7%", "54.1%"},
		}},
		{"tax rate on a loss", [][]string{
			{"$000", "2024", "2023"},
			{"Profit/(loss) before tax", "(2,152)", "1,994"},
			{"Income tax expense", "137", "455"},
			{"Effective tax rate", "(6.4)%", "22.8%"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fs := runTables(t, extract.Table{Title: "Key figures", Rows: tt.rows}); len(fs) != 0 {
				t.Errorf("ratios that hold were flagged: %s", describe(fs))
			}
		})
	}
}

func TestRatiosFindWrongFigures(t *testing.T) {
	tests := []struct {
		name        string
		rows        [][]string
		row, column string
		sev         string
		formula     string
	}{
		{
			name: "margin", rows: withCell(keyFigures, 3, 1, "32.6%"), row: "Gross margin", column: "2024",
			sev: "high", formula: "Gross profit / Revenue × 100 = Gross margin",
		},
		{
			name: "effective tax rate", rows: withCell(keyFigures, 8, 2, "24.8%"), row: "Effective tax rate", column: "2023",
			sev: "high", formula: "Income tax expense / Profit before tax × 100 = Effective tax rate",
		},
		{
			name: "relative change", rows: withCell(keyFigures, 4, 3, "21.1%"), row: "Operating profit", column: "Change %",
			sev: "high", formula: "('2024' − '2023') / '2023' × 100 = 'Change %'",
		},
		{
			name: "share of the total", rows: withCell(regions, 2, 2, "32.1%"), row: "EMEA", column: "% of total",
			sev: "high", formula: "EMEA / Total × 100 in column '2019' = % of total",
		},
		{
			name: "change in amount", rows: withCell(regions, 3, 4, "53,049"), row: "Americas", column: "$ Change",
			sev: "high", formula: "'2019' − '2018' = '$ Change'",
		},
		{
			name: "ratio of two lines", rows: [][]string{
				{"A$000", "2025", "2024"},
				{"Net debt", "18,393", "24,147"},
				{"Total equity", "47,517", "44,641"},
				{"Net debt to equity ratio", "43.9%", "54.1%"},
			},
			row: "Net debt to equity ratio", column: "2025", sev: "high",
			formula: "Net debt / Total equity × 100 = Net debt to equity ratio",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runTables(t, extract.Table{Title: "Key figures", Rows: tt.rows})
			got := findingAt(fs, "ratio", tt.row, tt.column)
			if got == nil {
				t.Fatalf("no ratio finding for row %q column %q; got %s", tt.row, tt.column, describe(fs))
			}
			if got.Severity != tt.sev {
				t.Errorf("severity %q, want %q", got.Severity, tt.sev)
			}
			if got.RawData["formula"] != tt.formula {
				t.Errorf("formula %q, want %q", got.RawData["formula"], tt.formula)
			}
			if len(fs) > 2 {
				t.Errorf("one wrong figure gave %d findings: %s", len(fs), describe(fs))
			}
		})
	}
}
