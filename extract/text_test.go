package extract_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/extract"
)

// A Markdown statement reads like the same statement in Word: headings, paragraphs, list items,
// and its pipe table as a table.
func TestTextMarkdown(t *testing.T) {
	md := "\ufeff# Northwind Ltd\r\n\r\n" +
		"## Statement of operations\n\n" +
		"| | FY 2024 | 2023 |\n|---|---:|---:|\n| Revenue | $7,200 | $2,400 |\n| Cost of sales | ($3,100) | ($1,000) |\n| **Gross profit** | **$4,600** | **$1,400** |\n\n" +
		"Revenue tripled to $7.2m\n(2023: $2.4m).\n\n" +
		"- Market share: 40%\n- Staff: 12\n\n---\n\n1. First note\n2. Second note\n"
	doc, err := extract.Text([]byte(md), extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Tables) != 1 || doc.Tables[0].Title != "Statement of operations" {
		t.Fatalf("tables %+v", doc.Tables)
	}
	if want := []string{"Gross profit", "$4,600", "$1,400"}; !reflect.DeepEqual(doc.Tables[0].Rows[3], want) {
		t.Fatalf("row %q, want %q", doc.Tables[0].Rows[3], want)
	}
	var got []string
	for _, p := range doc.Paragraphs {
		got = append(got, strings.Repeat("#", p.Heading)+p.Text)
	}
	want := []string{"#Northwind Ltd", "##Statement of operations", "Revenue tripled to $7.2m\n(2023: $2.4m).",
		"Market share: 40%", "Staff: 12", "First note", "Second note"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paragraphs %q, want %q", got, want)
	}
	for _, s := range []string{"# Northwind Ltd", "| Gross profit | $4,600 |", "- Market share: 40%", "2. Second note"} {
		if !strings.Contains(doc.Markdown, s) {
			t.Fatalf("markdown lacks %q:\n%s", s, doc.Markdown)
		}
	}
}

// A plain-text statement with rules drawn under its columns, as e-mails and PDF copies carry
// it: the rules belong to the table, and a blank line ends it.
func TestTextPlainWithRules(t *testing.T) {
	txt := "Statement of operations\n\n" +
		"                      2024        2023\n" +
		"Revenue              7,200       2,400\n" +
		"Cost of sales       (3,100)     (1,000)\n" +
		"                    -------     -------\n" +
		"Gross profit         4,600       1,400\n" +
		"                    =======     =======\n\n" +
		"Staff                   12          10\n" +
		"Sites                    3           2\n" +
		"Countries                2           2\n"
	doc, err := extract.Text([]byte(txt), extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Tables) != 2 {
		t.Fatalf("%d tables: %+v", len(doc.Tables), doc.Tables)
	}
	want := [][]string{{"", "2024", "2023"}, {"Revenue", "7,200", "2,400"}, {"Cost of sales", "(3,100)", "(1,000)"}, {"Gross profit", "4,600", "1,400"}}
	if !reflect.DeepEqual(doc.Tables[0].Rows, want) {
		t.Fatalf("rows %q", doc.Tables[0].Rows)
	}
	if len(doc.Tables[1].Rows) != 3 || doc.Tables[1].Rows[0][0] != "Staff" {
		t.Fatalf("second table %q", doc.Tables[1].Rows)
	}
}

// What is not UTF-8 text is refused as a format the server does not read; text beyond the cap
// is too large.
func TestTextRefuses(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
	}{
		{"empty", "", extract.ErrUnsupported},
		{"blank", " \n\t\n", extract.ErrUnsupported},
		{"Latin-1", "Revenue \xa37,200", extract.ErrUnsupported},
		{"binary", "Revenue\x00\x01\x02", extract.ErrUnsupported},
		{"too long", strings.Repeat("Revenue 7,200\n", 100), extract.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extract.Text([]byte(tt.data), extract.Limits{MaxTextBytes: 1000})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

// Long runs of lines that look like table rows but never make a table (no heading of periods,
// one amount a row; pipes without a leading one) are read in linear time: a quadratic reader
// takes minutes on these 1.5 MiB, well past the deadline.
func TestTextTablesReadInLinearTime(t *testing.T) {
	for name, line := range map[string]string{
		"aligned": "Ref  1\n",
		"pipes":   "a | 1 | 2\n",
	} {
		t.Run(name, func(t *testing.T) {
			data := []byte(strings.Repeat(line, (3<<19)/len(line)))
			start := time.Now()
			doc, err := extract.Text(data, extract.Limits{MaxTextBytes: 2 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Tables) != 0 {
				t.Fatalf("%d tables", len(doc.Tables))
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}
