package extract_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// read extracts d with the default limits and fails the test on error.
func read(t testing.TB, d *docxgen.Doc) *extract.Document {
	t.Helper()
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatalf("Docx: %v", err)
	}
	return doc
}

// p is a paragraph of raw runs.
func p(runs string) string { return `<w:p>` + runs + `</w:p>` }

// r is a run of plain text.
func r(text string) string { return `<w:r><w:t xml:space="preserve">` + text + `</w:t></w:r>` }

// tc is a table cell with raw properties and one paragraph of text.
func tc(props, text string) string {
	return `<w:tc><w:tcPr>` + props + `</w:tcPr>` + p(r(text)) + `</w:tc>`
}

// tbl is a table with n grid columns and raw rows.
func tbl(n int, rows ...string) string {
	return `<w:tbl><w:tblPr/><w:tblGrid>` + strings.Repeat(`<w:gridCol w:w="1000"/>`, n) + `</w:tblGrid>` +
		strings.Join(rows, "") + `</w:tbl>`
}

// tr is a table row of raw cells.
func tr(cells ...string) string { return `<w:tr>` + strings.Join(cells, "") + `</w:tr>` }

func TestDocxMarkdown(t *testing.T) {
	textBox := func(text string) string {
		return `<w:txbxContent>` + p(r(text)) + `</w:txbxContent>`
	}
	tests := []struct {
		name string
		doc  *docxgen.Doc
		want string
	}{
		{
			name: "headings by style, title and outline level",
			doc: docxgen.New().
				RawXML(p(`<w:pPr><w:pStyle w:val="Title"/></w:pPr>`+r("Annual report 2024"))).
				Heading(1, "Financial statements").
				Heading(2, "Revenue").
				Heading(6, "Detail").
				RawXML(p(`<w:pPr><w:outlineLvl w:val="2"/></w:pPr>` + r("Outlined"))).
				RawXML(p(`<w:pPr><w:pStyle w:val="Heading2"/><w:outlineLvl w:val="9"/></w:pPr>` + r("Demoted"))).
				Paragraph("Body text."),
			want: "# Annual report 2024\n\n# Financial statements\n\n## Revenue\n\n###### Detail\n\n### Outlined\n\nDemoted\n\nBody text.\n",
		},
		{
			name: "text split across runs is joined",
			doc:  docxgen.New().RawXML(p(r("Reve") + `<w:r><w:rPr><w:b/></w:rPr><w:t>nue</w:t></w:r>` + r(" 2024: ") + r("$ 1,4") + r("52.4"))),
			want: "Revenue 2024: $ 1,452.4\n",
		},
		{
			name: "escaped characters",
			doc:  docxgen.New().Paragraph(`Profit & loss <unaudited> "FY"`),
			want: "Profit & loss <unaudited> \"FY\"\n",
		},
		{
			name: "hyperlink text kept",
			doc:  docxgen.New().RawXML(p(r("See ") + `<w:hyperlink w:anchor="note1" w:history="1">` + r("Note 1") + `</w:hyperlink>` + r("."))),
			want: "See Note 1.\n",
		},
		{
			name: "tracked insertion kept, deletion skipped",
			doc: docxgen.New().RawXML(p(r("Net profit was ") +
				`<w:del w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>1,000</w:delText></w:r></w:del>` +
				`<w:ins w:id="2" w:author="A" w:date="2024-01-01T00:00:00Z">` + r("1,200") + `</w:ins>` + r("."))),
			want: "Net profit was 1,200.\n",
		},
		{
			name: "moved text kept once",
			doc: docxgen.New().RawXML(p(`<w:moveFrom w:id="1" w:author="A">`+r("Moved")+`</w:moveFrom>`+r("Stay")) +
				p(`<w:moveTo w:id="2" w:author="A">`+r("Moved")+`</w:moveTo>`)),
			want: "Stay\n\nMoved\n",
		},
		{
			name: "content controls, block and inline",
			doc: docxgen.New().RawXML(`<w:sdt><w:sdtPr><w:alias w:val="Company"/><w:placeholder><w:docPart w:val="X"/></w:placeholder></w:sdtPr><w:sdtContent>` +
				p(r("Acme ")+`<w:sdt><w:sdtPr><w:text/></w:sdtPr><w:sdtContent>`+r("Holdings")+`</w:sdtContent></w:sdt>`) +
				`</w:sdtContent></w:sdt>`),
			want: "Acme Holdings\n",
		},
		{
			name: "smart tags, custom XML and simple fields kept",
			doc: docxgen.New().RawXML(p(`<w:smartTag w:uri="urn:x" w:element="place"><w:smartTagPr><w:attr w:name="n" w:val="v"/></w:smartTagPr>` + r("London") + `</w:smartTag>` +
				`<w:customXml w:element="x">` + r(", page ") + `</w:customXml>` +
				`<w:fldSimple w:instr=" PAGE ">` + r("7") + `</w:fldSimple>`)),
			want: "London, page 7\n",
		},
		{
			name: "complex field: instruction skipped, result kept",
			doc: docxgen.New().RawXML(p(r("Page ") + `<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE \* MERGEFORMAT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>` +
				r("7") + `<w:r><w:fldChar w:fldCharType="end"/></w:r>`)),
			want: "Page 7\n",
		},
		{
			name: "alternate content: choice kept, fallback skipped, text box once",
			doc: docxgen.New().RawXML(p(r("Anchor") + `<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="1" name="Box"/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>` +
				textBox("Boxed note") + `</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>` +
				textBox("Boxed note") + `</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>`)),
			want: "Boxed note\n\nAnchor\n",
		},
		{
			name: "tabs, breaks and hyphens",
			doc: docxgen.New().
				Paragraph("Revenue\t1,452.4").
				RawXML(p(`<w:r><w:t>First line</w:t><w:br/><w:t>second</w:t><w:cr/><w:t>third</w:t></w:r>`)).
				RawXML(p(`<w:r><w:t>non</w:t><w:noBreakHyphen/><w:t xml:space="preserve">current </w:t><w:t>ac</w:t><w:softHyphen/><w:t>counts</w:t><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>`)),
			want: "Revenue 1,452.4\n\nFirst line\nsecond\nthird\n\nnon-current accounts\n",
		},
		{
			name: "hidden text skipped",
			doc:  docxgen.New().RawXML(p(r("Shown") + `<w:r><w:rPr><w:vanish/></w:rPr><w:t> hidden</w:t></w:r>` + `<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t> too</w:t></w:r>`)),
			want: "Shown too\n",
		},
		{
			name: "paragraph starting with # is not a heading",
			doc:  docxgen.New().Paragraph("# of shares: 1,000"),
			want: "\\# of shares: 1,000\n",
		},
		{
			name: "bulleted list, nested",
			doc:  docxgen.New().Paragraph("Risks:").Bullet(0, "Credit").Bullet(1, "Retail").Bullet(1, "Corporate").Bullet(0, "Market").Paragraph("End."),
			want: "Risks:\n\n- Credit\n  - Retail\n  - Corporate\n- Market\n\nEnd.\n",
		},
		{
			name: "numbered list, nested counters restart",
			doc:  docxgen.New().Numbered(0, "Revenue").Numbered(1, "Goods").Numbered(1, "Services").Numbered(0, "Costs").Numbered(1, "Staff"),
			want: "1. Revenue\n   1. Goods\n   2. Services\n2. Costs\n   1. Staff\n",
		},
		{
			name: "list starting below level 0 is not indented into code",
			doc:  docxgen.New().Paragraph("Intro").Bullet(2, "Deep").Bullet(3, "Deeper").Bullet(2, "Deep again"),
			want: "Intro\n\n- Deep\n  - Deeper\n- Deep again\n",
		},
		{
			name: "numbered heading carries its number",
			doc: docxgen.New().
				RawXML(p(`<w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr>` + r("Revenue"))).
				RawXML(p(`<w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr>` + r("Costs"))),
			want: "# 1. Revenue\n\n# 2. Costs\n",
		},
		{
			name: "numId 0 and unknown lists are plain paragraphs",
			doc: docxgen.New().
				RawXML(p(`<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr></w:pPr>` + r("Off"))).
				RawXML(p(`<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="99"/></w:numPr></w:pPr>` + r("Unknown"))),
			want: "Off\n\nUnknown\n",
		},
		{
			name: "table: numbers as printed, pipes escaped, first row header",
			doc: docxgen.New().Table([][]string{
				{"Item", "2024", "2023"},
				{"Revenue", "$ 1,452.4", "(346)"},
				{"Margin", "- - %", "A|B"},
			}),
			want: "| Item | 2024 | 2023 |\n| --- | --- | --- |\n| Revenue | $ 1,452.4 | (346) |\n| Margin | - - % | A\\|B |\n",
		},
		{
			name: "cell with several paragraphs and a tab",
			doc:  docxgen.New().RawXML(tbl(2, tr(tc("", "Cash"), `<w:tc>`+p(r("$\t12"))+p("")+p(r("restricted"))+`</w:tc>`))),
			want: "| Cash | $ 12<br>restricted |\n| --- | --- |\n",
		},
		{
			name: "nested table flattened into its cell",
			doc: docxgen.New().RawXML(tbl(2,
				tr(tc("", "Segment"), tc("", "Detail")),
				tr(tc("", "Retail"), `<w:tc>`+p(r("Split:"))+tbl(2, tr(tc("", "EU"), tc("", "1,200")), tr(tc("", "US"), tc("", "")))+p("")+`</w:tc>`),
			)),
			want: "| Segment | Detail |\n| --- | --- |\n| Retail | Split:<br>EU; 1,200<br>US |\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := read(t, tt.doc).Markdown; got != tt.want {
				t.Errorf("markdown\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestDocxTableRows(t *testing.T) {
	tests := []struct {
		name string
		doc  *docxgen.Doc
		want [][]string
	}{
		{
			name: "plain grid, cell text trimmed",
			doc:  docxgen.New().Table([][]string{{" Item ", "2024"}, {"Revenue", " 1,452.4 "}}),
			want: [][]string{{"Item", "2024"}, {"Revenue", "1,452.4"}},
		},
		{
			name: "ragged rows padded to the widest row",
			doc:  docxgen.New().Table([][]string{{"Title"}, {"a", "b", "c"}}),
			want: [][]string{{"Title", "", ""}, {"a", "b", "c"}},
		},
		{
			name: "gridSpan keeps text in the first column",
			doc: docxgen.New().RawXML(tbl(3,
				tr(tc("", ""), tc(`<w:gridSpan w:val="2"/>`, "Group")),
				tr(tc("", "Item"), tc("", "2024"), tc("", "2023")),
			)),
			want: [][]string{{"", "Group", ""}, {"Item", "2024", "2023"}},
		},
		{
			name: "rows padded to the tblGrid width",
			doc:  docxgen.New().RawXML(tbl(4, tr(tc("", "a"), tc("", "b")))),
			want: [][]string{{"a", "b", "", ""}},
		},
		{
			name: "vMerge continuation cells are empty",
			doc: docxgen.New().RawXML(tbl(2,
				tr(tc(`<w:vMerge w:val="restart"/>`, "Revenue"), tc("", "100")),
				tr(tc(`<w:vMerge/>`, "stale"), tc("", "200")),
				tr(tc(`<w:vMerge w:val="continue"/>`, ""), tc("", "300")),
			)),
			want: [][]string{{"Revenue", "100"}, {"", "200"}, {"", "300"}},
		},
		{
			name: "gridBefore and gridAfter leave empty cells",
			doc: docxgen.New().RawXML(tbl(3,
				tr(tc("", "a"), tc("", "b"), tc("", "c")),
				`<w:tr><w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>`+tc("", "mid")+`</w:tr>`,
				`<w:tr><w:trPr><w:gridBefore w:val="2"/></w:trPr>`+tc("", "last")+`</w:tr>`,
			)),
			want: [][]string{{"a", "b", "c"}, {"", "mid", ""}, {"", "", "last"}},
		},
		{
			name: "rows in a content control and a deleted row",
			doc: docxgen.New().RawXML(tbl(1,
				tr(tc("", "kept")),
				`<w:sdt><w:sdtPr/><w:sdtContent>`+tr(tc("", "in control"))+`</w:sdtContent></w:sdt>`,
				`<w:tr><w:trPr><w:del w:id="1" w:author="A"/></w:trPr>`+tc("", "deleted")+`</w:tr>`,
			)),
			want: [][]string{{"kept"}, {"in control"}},
		},
		{
			name: "hostile gridSpan is clamped",
			doc:  docxgen.New().RawXML(tbl(1, tr(tc(`<w:gridSpan w:val="2000000000"/>`, "x")))),
			want: append([][]string{}, append([]string{"x"}, make([]string, 1023)...)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := read(t, tt.doc)
			if len(doc.Tables) != 1 {
				t.Fatalf("got %d tables, want 1", len(doc.Tables))
			}
			if got := doc.Tables[0].Rows; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestDocxTablesTitleAndIndex(t *testing.T) {
	long := strings.Repeat("é", 119) + "€€€ tail"
	d := docxgen.New().
		Table([][]string{{"untitled"}}).
		Heading(1, "Balance sheet").
		Paragraph("").
		Table([][]string{{"Assets", "2024"}}).
		Table([][]string{{"Liabilities", "2024"}}).
		Paragraph(long).
		Table([][]string{{"Equity", "2024"}, {"Nested:", ""}}).
		RawXML(tbl(1, tr(`<w:tc>`+tbl(1, tr(tc("", "inner")))+p("")+`</w:tc>`)))
	doc := read(t, d)
	wantTitles := []string{"", "Balance sheet", "Balance sheet", strings.Repeat("é", 119) + "€", strings.Repeat("é", 119) + "€"}
	if len(doc.Tables) != len(wantTitles) {
		t.Fatalf("got %d tables, want %d (nested tables must not count)", len(doc.Tables), len(wantTitles))
	}
	for i, tb := range doc.Tables {
		if tb.Index != i+1 {
			t.Errorf("table %d: Index = %d", i, tb.Index)
		}
		if tb.Title != wantTitles[i] {
			t.Errorf("table %d: Title = %q, want %q", i+1, tb.Title, wantTitles[i])
		}
		if n := utf8.RuneCountInString(tb.Title); n > 120 || !utf8.ValidString(tb.Title) {
			t.Errorf("table %d: Title has %d runes or invalid UTF-8", i+1, n)
		}
	}
	if got := doc.Tables[4].Rows; !reflect.DeepEqual(got, [][]string{{"inner"}}) {
		t.Errorf("outer table rows = %q", got)
	}
}

func TestDocxParagraphs(t *testing.T) {
	d := docxgen.New().
		Heading(1, "Notes").
		Paragraph("Revenue\tis recognised\nover time.").
		Bullet(0, "Item one").
		Table([][]string{{"in a table"}}).
		Paragraph("   ").
		RawXML(p(r("Anchor") + `<w:r><w:drawing><wps:txbx><w:txbxContent>` + p(r("In a box")) + `</w:txbxContent></wps:txbx></w:drawing></w:r>`))
	want := []extract.Paragraph{
		{Text: "Notes", Heading: 1},
		{Text: "Revenue is recognised\nover time."},
		{Text: "Item one"},
		{Text: "In a box"},
		{Text: "Anchor"},
	}
	if got := read(t, d).Paragraphs; !reflect.DeepEqual(got, want) {
		t.Errorf("paragraphs\n got: %+v\nwant: %+v", got, want)
	}
}

func TestDocxStrictNamespace(t *testing.T) {
	// ISO 29500 Strict documents use another namespace URI and any prefix.
	body := `<x:p><x:pPr><x:pStyle x:val="Heading1"/></x:pPr><x:r><x:t>Strict</x:t></x:r></x:p>`
	d := docxgen.New().RawXML(`<w:customXml xmlns:x="http://purl.oclc.org/ooxml/wordprocessingml/main">` + body + `</w:customXml>`)
	if got, want := read(t, d).Markdown, "# Strict\n"; got != want {
		t.Errorf("markdown = %q, want %q", got, want)
	}
}

func TestDocxErrorsAreSentinels(t *testing.T) {
	// Every error must match exactly one sentinel, so the handler's status mapping is total.
	sentinels := []error{extract.ErrUnsupported, extract.ErrEncrypted, extract.ErrCorrupt, extract.ErrTooLarge}
	for _, data := range [][]byte{nil, []byte("plain text"), docxgen.New().Paragraph("x").Bytes()[:100]} {
		_, err := extract.Docx(data, extract.Limits{})
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("error %v matches %d sentinels", err, n)
		}
	}
}

func BenchmarkDocx(b *testing.B) {
	d := docxgen.New().Heading(1, "Consolidated financial statements")
	for i := range 10 {
		d.Heading(2, "Note "+string(rune('1'+i))).Paragraph("The table below shows the figures for the year.")
		rows := [][]string{{"Item", "2024", "2023", "Change"}}
		for j := range 30 {
			rows = append(rows, []string{"Line item " + strings.Repeat("x", j%7), "$ 1,452.4", "(346)", "- - %"})
		}
		d.Table(rows)
	}
	data := d.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := extract.Docx(data, extract.DefaultLimits())
		if err != nil || len(doc.Tables) != 10 {
			b.Fatalf("Docx: %v, %d tables", err, len(doc.Tables))
		}
	}
}
