package extract_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract/docxgen"
)

// lines builds a document with one body paragraph per line, as a table pasted into Word
// arrives; a line may hold '\t' (a Word tab) and '\n' (a line break inside the paragraph).
func lines(ls ...string) *docxgen.Doc {
	d := docxgen.New()
	for _, l := range ls {
		d.Paragraph(l)
	}
	return d
}

// The statement of operations of the issue, typed as text in each way people type it: the same
// grid comes out, exactly like a Word table's.
func TestTextTablesAreRead(t *testing.T) {
	want := [][]string{
		{"", "FY 2024", "2023"},
		{"Revenue", "$7,200", "$2,400"},
		{"Cost of sales", "($3,100)", "($1,000)"},
		{"Gross profit", "$4,600", "$1,400"},
	}
	tests := []struct {
		name string
		doc  *docxgen.Doc
		want [][]string
	}{
		{"pipe table with separator", lines(
			"Statement of operations",
			"| | FY 2024 | 2023 |",
			"|---|---:|---:|",
			"| Revenue | $7,200 | $2,400 |",
			"| Cost of sales | ($3,100) | ($1,000) |",
			"| Gross profit | $4,600 | $1,400 |",
			"Revenue tripled in the year."), want},
		{"pipe table without separator", lines(
			"Statement of operations",
			"| | FY 2024 | 2023 |",
			"| Revenue | $7,200 | $2,400 |",
			"| Cost of sales | ($3,100) | ($1,000) |",
			"| Gross profit | $4,600 | $1,400 |"), want},
		{"pipe table without outer pipes, with separator", lines(
			"Statement of operations",
			" | FY 2024 | 2023",
			"--- | --- | ---",
			"Revenue | $7,200 | $2,400",
			"Cost of sales | ($3,100) | ($1,000)",
			"Gross profit | $4,600 | $1,400"), want},
		{"tab-aligned, one paragraph per line", lines(
			"Statement of operations",
			"\tFY 2024\t2023",
			"Revenue\t$7,200\t$2,400",
			"Cost of sales\t($3,100)\t($1,000)",
			"Gross profit\t\t$4,600\t$1,400"), want},
		{"tab-aligned, header without the leading tab", lines(
			"Statement of operations",
			"FY 2024\t2023",
			"Revenue\t$7,200\t$2,400",
			"Cost of sales\t($3,100)\t($1,000)",
			"Gross profit\t$4,600\t$1,400"), want},
		{"space-aligned, lines broken inside one paragraph", lines(
			"Statement of operations",
			"                    FY 2024       2023\n"+
				"Revenue              $7,200     $2,400\n"+
				"Cost of sales      ($3,100)   ($1,000)\n"+
				"Gross profit         $4,600     $1,400"), want},
		{"space-aligned with section labels, units and a date heading", lines(
			"Balance sheet",
			"                       31 December 2024    31 December 2023",
			"                                  $000                $000",
			"Current assets",
			"Cash                              7,200k              2,400k",
			"Receivables                         (900)              -1,000",
			"Total                             6,300k              1,400k"), [][]string{
			{"", "31 December 2024", "31 December 2023"},
			{"", "$000", "$000"},
			{"Current assets", "", ""},
			{"Cash", "7,200k", "2,400k"},
			{"Receivables", "(900)", "-1,000"},
			{"Total", "6,300k", "1,400k"},
		}},
		{"a row missing an amount keeps its figures on the right", lines(
			"Revenue    €1.2m    €0.9m",
			"Grants              €0.1m",
			"Total      €1.3m    €1.0m"), [][]string{
			{"Revenue", "€1.2m", "€0.9m"},
			{"Grants", "", "€0.1m"},
			{"Total", "€1.3m", "€1.0m"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := read(t, tt.doc)
			if len(doc.Tables) != 1 {
				t.Fatalf("%d tables, want 1; markdown:\n%s", len(doc.Tables), doc.Markdown)
			}
			if got := doc.Tables[0].Rows; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("rows\n%q\nwant\n%q", got, tt.want)
			}
			for _, p := range doc.Paragraphs {
				if strings.Contains(p.Text, "7,200") || strings.Contains(p.Text, "€1.2m") {
					t.Fatalf("a table line stayed a paragraph: %q", p.Text)
				}
			}
			if !strings.Contains(doc.Markdown, "| Revenue |") && !strings.Contains(doc.Markdown, "| Cash |") {
				t.Fatalf("the markdown does not hold the table as a pipe table:\n%s", doc.Markdown)
			}
		})
	}
}

// The lines around a text table stay paragraphs, in order, and the table takes its title from
// the paragraph before it, like a Word table.
func TestTextTableKeepsTheProseAround(t *testing.T) {
	doc := read(t, lines(
		"Statement of operations\n| | 2024 | 2023 |\n| Revenue | 7,200 | 2,400 |\n| Cost of sales | (3,100) | (1,000) |\nAll figures in $000.",
		"Revenue tripled."))
	if len(doc.Tables) != 1 || doc.Tables[0].Title != "Statement of operations" {
		t.Fatalf("tables %+v", doc.Tables)
	}
	var texts []string
	for _, p := range doc.Paragraphs {
		texts = append(texts, p.Text)
	}
	want := []string{"Statement of operations", "All figures in $000.", "Revenue tripled."}
	if !reflect.DeepEqual(texts, want) {
		t.Fatalf("paragraphs %q, want %q", texts, want)
	}
	if i, j := strings.Index(doc.Markdown, "| Revenue |"), strings.Index(doc.Markdown, "All figures"); i < 0 || j < i {
		t.Fatalf("markdown out of order:\n%s", doc.Markdown)
	}
}

// Prose that happens to hold pipes, aligned words, code or an address is not a table: the
// document keeps it as paragraphs, and a document with nothing else has no table at all.
func TestTextThatIsNotATable(t *testing.T) {
	tests := []struct {
		name string
		doc  *docxgen.Doc
	}{
		{"sentences with pipes", lines(
			"Our segments | Retail | Wholesale | Online grew in 2024.",
			"Revenue | profit | cash: all three rose by 12% | see note 5.",
			"The board | the audit committee | the auditors met 4 times.")},
		{"a single pipe row", lines("| Revenue | 7,200 | 2,400 |")},
		{"two spaces after full stops", lines(
			"Revenue rose to 7,200.  Costs were 3,100.",
			"Gross profit was 4,100.  Margins improved.",
			"We paid 900.  Cash rose to 2,400.")},
		{"code", lines(
			"if a | b {",
			"    x := y | 2",
			"    cat ledger.csv | sort | uniq -c",
			"}",
			"|x| = 5",
			"|y| = 7",
			"|z| = 9")},
		{"addresses in columns", lines(
			"Registered office      Auditors",
			"1 High Street          22 Bank Road",
			"London  EC1A 1AA       Leeds  LS1 4DY",
			"Tel  020 7946 0000     Tel  0113 496 0000")},
		{"reference numbers", lines(
			"Company number    04512345",
			"PO Box    1234",
			"Suite    400")},
		{"aligned words", lines(
			"Chair\tJane Doe",
			"Chief executive\tJohn Smith",
			"Finance director\tAnn Lee")},
		{"two lines of figures only", lines(
			"Revenue    7,200    2,400",
			"Costs      3,100    1,000")},
		{"a pipe table of words", lines(
			"| Standard | Title |",
			"|---|---|",
			"| IFRS 15 | Revenue |",
			"| IFRS 16 | Leases |")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := read(t, tt.doc)
			if len(doc.Tables) != 0 {
				t.Fatalf("read a table from prose: %q", doc.Tables[0].Rows)
			}
			if len(doc.Paragraphs) == 0 {
				t.Fatalf("the prose was lost")
			}
		})
	}
}

// Headings and list items are never rows of a text table, and a Word table next to a text one
// keeps its place: tables are numbered in document order.
func TestTextTablesBesideWordTables(t *testing.T) {
	doc := read(t, docxgen.New().
		Table([][]string{{"", "2024"}, {"Cash", "10"}}).
		Heading(2, "Revenue\t2024\t2023").
		Paragraph("Revenue\t7,200\t2,400").
		Paragraph("Costs\t3,100\t1,000").
		Paragraph("Profit\t4,100\t1,400").
		Bullet(0, "Staff\t12\t10"))
	if len(doc.Tables) != 2 || doc.Tables[1].Index != 2 || len(doc.Tables[1].Rows) != 3 || doc.Tables[0].Rows[1][0] != "Cash" {
		t.Fatalf("tables %+v", doc.Tables)
	}
	if doc.Tables[1].Title != "Revenue 2024 2023" {
		t.Fatalf("title %q", doc.Tables[1].Title)
	}
	if got := doc.Paragraphs[len(doc.Paragraphs)-1].Text; got != "Staff 12 10" {
		t.Fatalf("the list item %q", got)
	}
}
