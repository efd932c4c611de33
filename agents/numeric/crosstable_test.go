package numeric

import (
	"context"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// statementTables are the tables of a small, consistent set of financial statements (€000):
// income statement, balance sheet, cash flows, changes in equity, four notes and a key figures
// table in €m. Tests copy it and change cells.
type statementTables struct {
	highlights, income, balance, cashFlow, equity, revenue, tax, ppe, receivables, provisions [][]string
	// extra tables follow the notes, each under its own heading.
	extra []extraTable
}

// extraTable is a table added after the notes.
type extraTable struct {
	heading string
	rows    [][]string
}

// cleanStatements returns a fresh copy of the consistent statements.
func cleanStatements() statementTables {
	return statementTables{
		highlights: [][]string{
			{"€m", "2024", "2023", "Change %"},
			{"Revenue", "12.5", "11.2", "11.6%"},
			{"Gross profit", "5.1", "4.4", "15.9%"},
			{"Gross margin", "40.8%", "39.3%", ""},
			{"Profit for the year", "1.9", "1.5", "23.8%"},
		},
		income: [][]string{
			{"", "Note", "2024", "2023"},
			{"", "", "€000", "€000"},
			{"Revenue", "3", "12,500", "11,200"},
			{"Cost of sales", "", "(7,400)", "(6,800)"},
			{"Gross profit", "", "5,100", "4,400"},
			{"Administrative expenses", "", "(2,300)", "(2,100)"},
			{"Operating profit", "", "2,800", "2,300"},
			{"Finance costs", "", "(300)", "(280)"},
			{"Profit before tax", "", "2,500", "2,020"},
			{"Income tax expense", "5", "(625)", "(505)"},
			{"Profit for the year", "", "1,875", "1,515"},
		},
		balance: [][]string{
			{"", "Note", "31 December 2024", "31 December 2023"},
			{"", "", "€000", "€000"},
			{"Non-current assets", "", "", ""},
			{"Property, plant and equipment", "6", "8,200", "7,900"},
			{"Right-of-use assets", "", "1,100", "1,250"},
			{"Total non-current assets", "", "9,300", "9,150"},
			{"Current assets", "", "", ""},
			{"Inventories", "", "1,600", "1,450"},
			{"Trade and other receivables", "7", "2,300", "2,050"},
			{"Cash and cash equivalents", "", "1,950", "1,400"},
			{"Total current assets", "", "5,850", "4,900"},
			{"Total assets", "", "15,150", "14,050"},
			{"Equity", "", "", ""},
			{"Share capital", "", "1,000", "1,000"},
			{"Retained earnings", "", "7,850", "6,575"},
			{"Total equity", "", "8,850", "7,575"},
			{"Non-current liabilities", "", "", ""},
			{"Borrowings", "", "3,000", "3,400"},
			{"Lease liabilities", "", "900", "1,050"},
			{"Provisions", "8", "450", "400"},
			{"Total non-current liabilities", "", "4,350", "4,850"},
			{"Current liabilities", "", "", ""},
			{"Trade and other payables", "", "1,950", "1,625"},
			{"Total current liabilities", "", "1,950", "1,625"},
			{"Total liabilities", "", "6,300", "6,475"},
			{"Total equity and liabilities", "", "15,150", "14,050"},
		},
		cashFlow: [][]string{
			{"", "2024", "2023"},
			{"", "€000", "€000"},
			{"Cash flows from operating activities", "", ""},
			{"Profit for the year", "1,875", "1,515"},
			{"Depreciation of property, plant and equipment", "700", "650"},
			{"Depreciation of right-of-use assets", "250", "240"},
			{"Finance costs", "300", "280"},
			{"Income tax expense", "625", "505"},
			{"Increase in inventories", "(150)", "(100)"},
			{"Increase in trade and other receivables", "(250)", "(150)"},
			{"Increase in trade and other payables", "325", "120"},
			{"Increase in provisions", "50", "30"},
			{"Cash generated from operations", "3,725", "3,090"},
			{"Income tax paid", "(625)", "(480)"},
			{"Net cash from operating activities", "3,100", "2,610"},
			{"Cash flows from investing activities", "", ""},
			{"Purchase of property, plant and equipment", "(1,000)", "(900)"},
			{"Net cash used in investing activities", "(1,000)", "(900)"},
			{"Cash flows from financing activities", "", ""},
			{"Repayment of borrowings", "(400)", "(300)"},
			{"Payment of lease liabilities", "(250)", "(230)"},
			{"Interest paid", "(300)", "(280)"},
			{"Dividends paid", "(600)", "(500)"},
			{"Net cash used in financing activities", "(1,550)", "(1,310)"},
			{"Net increase in cash and cash equivalents", "550", "400"},
			{"Cash and cash equivalents at 1 January", "1,400", "1,000"},
			{"Cash and cash equivalents at 31 December", "1,950", "1,400"},
		},
		equity: [][]string{
			{"", "Share capital", "Retained earnings", "Total equity"},
			{"", "€000", "€000", "€000"},
			{"At 1 January 2023", "1,000", "5,560", "6,560"},
			{"Profit for the year", "–", "1,515", "1,515"},
			{"Dividends paid", "–", "(500)", "(500)"},
			{"At 31 December 2023", "1,000", "6,575", "7,575"},
			{"Profit for the year", "–", "1,875", "1,875"},
			{"Dividends paid", "–", "(600)", "(600)"},
			{"At 31 December 2024", "1,000", "7,850", "8,850"},
		},
		revenue: [][]string{
			{"", "2024", "2023"},
			{"", "€000", "€000"},
			{"Sale of goods", "10,100", "9,000"},
			{"Services", "2,400", "2,200"},
			{"Total revenue", "12,500", "11,200"},
		},
		tax: [][]string{
			{"", "2024", "2023"},
			{"", "€000", "€000"},
			{"Current tax", "600", "480"},
			{"Deferred tax", "25", "25"},
			{"Income tax expense", "625", "505"},
			{"Effective tax rate", "25.0%", "25.0%"},
		},
		ppe: [][]string{
			{"", "Land and buildings", "Plant and equipment", "Total"},
			{"", "€000", "€000", "€000"},
			{"Cost", "", "", ""},
			{"At 1 January 2024", "6,000", "4,500", "10,500"},
			{"Additions", "200", "800", "1,000"},
			{"Disposals", "–", "(300)", "(300)"},
			{"At 31 December 2024", "6,200", "5,000", "11,200"},
			{"Accumulated depreciation", "", "", ""},
			{"At 1 January 2024", "1,000", "1,600", "2,600"},
			{"Charge for the year", "150", "550", "700"},
			{"Disposals", "–", "(300)", "(300)"},
			{"At 31 December 2024", "1,150", "1,850", "3,000"},
			{"Carrying amount", "", "", ""},
			{"At 31 December 2024", "5,050", "3,150", "8,200"},
			{"At 31 December 2023", "5,000", "2,900", "7,900"},
		},
		receivables: [][]string{
			{"", "2024", "2023"},
			{"", "€000", "€000"},
			{"Trade receivables", "2,000", "1,800"},
			{"Less: loss allowance", "(100)", "(90)"},
			{"Prepayments", "400", "340"},
			{"Total", "2,300", "2,050"},
		},
		provisions: [][]string{
			{"", "€000"},
			{"At 1 January 2024", "400"},
			{"Charged to profit or loss", "120"},
			{"Utilised", "70"},
			{"At 31 December 2024", "450"},
		},
	}
}

// document writes the statements as a .docx the way a preparer lays them out, and reads it
// back through the extractor.
func (s statementTables) document(t testing.TB) *extract.Document {
	t.Helper()
	d := docxgen.New().
		Heading(1, "Acme Holdings plc Annual Report 2024").
		Heading(2, "Financial highlights").
		Paragraph("Revenue grew by 11.6% and the gross margin improved.").
		Table(s.highlights).
		Heading(2, "Consolidated income statement").
		Paragraph("For the year ended 31 December 2024").
		Table(s.income).
		Heading(2, "Consolidated statement of financial position").
		Paragraph("As at 31 December 2024").
		Table(s.balance).
		Heading(2, "Consolidated statement of cash flows").
		Paragraph("For the year ended 31 December 2024").
		Table(s.cashFlow).
		Heading(2, "Consolidated statement of changes in equity").
		Table(s.equity).
		Heading(2, "Notes to the consolidated financial statements").
		Heading(3, "3. Revenue").
		Paragraph("Revenue is recognised when control of the goods passes to the customer.").
		Table(s.revenue).
		Heading(3, "5. Income tax").
		Table(s.tax).
		Heading(3, "6. Property, plant and equipment").
		Table(s.ppe).
		Heading(3, "7. Trade and other receivables").
		Table(s.receivables).
		Heading(3, "8. Provisions").
		Paragraph("The provision covers warranty claims expected within two years.").
		Table(s.provisions)
	for _, x := range s.extra {
		d.Heading(3, x.heading).Table(x.rows)
	}
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	if len(doc.Tables) != 10+len(s.extra) {
		t.Fatalf("extract found %d tables, want %d", len(doc.Tables), 10+len(s.extra))
	}
	return doc
}

// Table numbers of the statements in the document.
const (
	tHighlights = iota + 1
	tIncome
	tBalance
	tCashFlow
	tEquity
	tRevenue
	tTax
	tPPE
	tReceivables
	tProvisions
)

// set returns rows with one cell changed (rows is modified in place; the statements are fresh
// copies).
func set(rows [][]string, row, col int, text string) [][]string {
	rows[row][col] = text
	return rows
}

func TestCrossTableQuietOnConsistentStatements(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *statementTables)
	}{
		{"as prepared", func(s *statementTables) {}},
		{"note in €m, statements in €000", func(s *statementTables) {
			s.revenue = [][]string{
				{"", "2024", "2023"},
				{"", "€m", "€m"},
				{"Sale of goods", "10.1", "9.0"},
				{"Services", "2.4", "2.2"},
				{"Total revenue", "12.5", "11.2"},
			}
		}},
		{"note prints costs positive, statement in parentheses", func(s *statementTables) {
			s.receivables = [][]string{
				{"", "2024", "2023"},
				{"", "€000", "€000"},
				{"Cost of inventories sold", "6,900", "6,350"},
				{"Other production costs", "500", "450"},
				{"Cost of sales", "7,400", "6,800"},
			}
		}},
		{"turnover and net income as synonyms", func(s *statementTables) {
			s.income[2][0] = "Turnover"
			s.income[10][0] = "Net income"
		}},
		{"roll-forward with movements in parentheses and a loss-free accumulated block", func(s *statementTables) {
			s.provisions = [][]string{
				{"", "€000"},
				{"At 1 January 2024", "400"},
				{"Charged to profit or loss", "120"},
				{"Utilised during the year", "(70)"},
				{"At 31 December 2024", "450"},
			}
		}},
		{"rounded ratio", func(s *statementTables) {
			s.highlights[3][1] = "40.80%"
		}},
		{"a segment's own revenue and profit, per year", func(s *statementTables) {
			s.extra = append(s.extra, extraTable{"9. Segment information: Retail", [][]string{
				{"", "2024", "2023"},
				{"Revenue", "7,300", "6,900"},
				{"Profit for the year", "1,100", "950"},
			}}, extraTable{"9. Segment information: Wholesale", [][]string{
				{"", "2024", "2023"},
				{"Revenue", "5,200", "4,300"},
				{"Profit for the year", "775", "565"},
			}})
		}},
		{"the parent company's own balance sheet", func(s *statementTables) {
			s.extra = append(s.extra, extraTable{"Company statement of financial position", [][]string{
				{"", "2024", "2023"},
				{"Investments in subsidiaries", "9,000", "9,000"},
				{"Cash and cash equivalents", "150", "120"},
				{"Total assets", "9,150", "9,120"},
				{"Share capital", "1,000", "1,000"},
				{"Retained earnings", "8,150", "8,120"},
				{"Total equity", "9,150", "9,120"},
			}})
		}},
		{"a roll-forward by year columns that agrees with the balance sheet", func(s *statementTables) {
			s.extra = append(s.extra, extraTable{"10. Borrowings", [][]string{
				{"", "2024", "2023"},
				{"At 1 January", "3,400", "3,700"},
				{"Repayments", "(400)", "(300)"},
				{"At 31 December", "3,000", "3,400"},
			}})
		}},
		{"the same figure with a restated comparative and a group qualifier", func(s *statementTables) {
			s.extra = append(s.extra, extraTable{"Five-year summary", [][]string{
				{"€000", "2024", "2023 restated", "2022", "2021", "2020"},
				{"Revenue", "12,500", "11,200", "10,400", "9,900", "9,100"},
				{"Profit for the year", "1,875", "1,515", "1,300", "1,150", "1,020"},
			}}, extraTable{"Group and company revenue", [][]string{
				{"€000", "Group 2024", "Company 2024"},
				{"Revenue", "12,500", "800"},
			}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanStatements()
			tt.change(&s)
			if fs := runDoc(t, s.document(t)); len(fs) != 0 {
				for _, f := range fs {
					t.Logf("%s\n%s", f.Description, f.Reasoning)
				}
				t.Errorf("consistent statements flagged: %s", describe(fs))
			}
		})
	}
}

func TestCrossTableFindsPlantedErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *statementTables)
		// the finding expected: check type, table, row and column as raw_data names them
		check  string
		table  int
		row    string
		column string
		// formula, when set, must appear in the finding's formula
		formula string
		// refs is the number of places the finding must name
		refs int
	}{
		{
			name: "note disagrees with the income statement",
			change: func(s *statementTables) {
				set(s.revenue, 2, 1, "10,110")
				set(s.revenue, 4, 1, "12,510")
			},
			check: "cross_table", table: tRevenue, row: "Total revenue", column: "2024",
			formula: "Revenue 2024: income statement 12,500 vs note 3 12,510", refs: 2,
		},
		{
			name:   "profit in the cash flow statement differs from the income statement",
			change: func(s *statementTables) { set(s.cashFlow, 3, 1, "1,857") },
			check:  "cross_table", table: tCashFlow, row: "Profit for the year", column: "2024", refs: 2,
		},
		{
			name: "closing cash differs from the balance sheet",
			change: func(s *statementTables) {
				set(s.balance, 9, 2, "1,905")
				set(s.balance, 10, 2, "5,805")
				set(s.balance, 11, 2, "15,105")
			},
			check: "cross_table", table: tBalance, row: "Cash and cash equivalents", column: "31 December 2024", refs: 2,
		},
		{
			name: "balance sheet does not balance",
			change: func(s *statementTables) {
				set(s.balance, 17, 3, "3,450")
				set(s.balance, 20, 3, "4,900")
				set(s.balance, 24, 3, "6,525")
				set(s.balance, 25, 3, "14,100")
			},
			check: "cross_table", table: tBalance, row: "Total assets", column: "31 December 2023", refs: 2,
		},
		{
			name: "equity statement closing balance differs from the balance sheet",
			change: func(s *statementTables) {
				set(s.equity, 6, 2, "1,785")
				set(s.equity, 6, 3, "1,785")
				set(s.equity, 8, 2, "7,760")
				set(s.equity, 8, 3, "8,760")
			},
			check: "cross_table", table: tEquity, row: "Profit for the year", column: "Total equity", refs: 2,
		},
		{
			name:   "roll-forward in one column does not add",
			change: func(s *statementTables) { set(s.provisions, 3, 1, "60") },
			check:  "roll_forward", table: tProvisions, row: "At 31 December 2024", column: "€000",
			formula: "At 1 January 2024 + Charged to profit or loss − Utilised = At 31 December 2024",
		},
		{
			name:   "roll-forward by rows, confirmed by the other classes",
			change: func(s *statementTables) { set(s.ppe, 4, 1, "250") },
			check:  "roll_forward", table: tPPE, row: "At 31 December 2024", column: "Land and buildings",
		},
		{
			name:   "margin disagrees with its parts",
			change: func(s *statementTables) { set(s.highlights, 3, 1, "48.0%") },
			check:  "ratio", table: tHighlights, row: "Gross margin", column: "2024",
			formula: "Gross profit / Revenue × 100 = Gross margin",
		},
		{
			name:   "growth disagrees with the two years",
			change: func(s *statementTables) { set(s.highlights, 1, 3, "16.1%") },
			check:  "ratio", table: tHighlights, row: "Revenue", column: "Change %",
		},
		{
			name: "note's roll-forward closes at a different figure from the balance sheet",
			change: func(s *statementTables) {
				s.extra = append(s.extra, extraTable{"10. Borrowings", [][]string{
					{"", "2024", "2023"},
					{"At 1 January", "3,400", "3,700"},
					{"Repayments", "(350)", "(300)"},
					{"At 31 December", "3,050", "3,400"},
				}})
			},
			check: "cross_table", table: 11, row: "At 31 December", column: "2024",
			formula: "Borrowings 2024: balance sheet 3,000 vs note 10 3,050", refs: 2,
		},
		{
			name:   "tax rate disagrees with the income statement",
			change: func(s *statementTables) { set(s.tax, 5, 2, "22.0%") },
			check:  "cross_table", table: tTax, row: "Effective tax rate", column: "2023",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanStatements()
			tt.change(&s)
			fs := runDoc(t, s.document(t))
			var got *schemas.Finding
			for i, f := range fs {
				if f.RawData["check_type"] == tt.check && f.RawData["table"] == tt.table &&
					f.RawData["row"] == tt.row && f.RawData["column"] == tt.column {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s finding for table %d row %q column %q; got %s", tt.check, tt.table, tt.row, tt.column, describe(fs))
			}
			if tt.formula != "" && !strings.Contains(got.RawData["formula"].(string), tt.formula) {
				t.Errorf("formula %q, want it to contain %q", got.RawData["formula"], tt.formula)
			}
			if tt.refs > 0 && len(got.SourceRefs) < tt.refs {
				t.Errorf("source refs %q name fewer than %d places", got.SourceRefs, tt.refs)
			}
			for _, line := range []string{"Check type: ", "Formula: ", "Expected: ", "Actual: ", "Difference: ", "Tolerance: ", "Evidence: "} {
				if !strings.Contains(got.Reasoning, line) {
					t.Errorf("reasoning lacks %q:\n%s", line, got.Reasoning)
				}
			}
			t.Logf("%s | %s\n%s", got.Description, got.SourceRefs, got.Reasoning)
		})
	}
}

// BenchmarkNumericStatements runs the agent on the ten-table statement set, where the checks
// across tables have primary statements to compare with.
func BenchmarkNumericStatements(b *testing.B) {
	doc := cleanStatements().document(b)
	n := New()
	ctx := context.Background()
	for b.Loop() {
		if _, err := n.Run(ctx, doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}
