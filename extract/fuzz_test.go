package extract_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// fuzzLimits keeps each fuzz input cheap while still exercising every limit.
func fuzzLimits() extract.Limits {
	return extract.Limits{MaxTotalBytes: 4 << 20, MaxDocumentBytes: 2 << 20, MaxEntries: 64, MaxDepth: 64, MaxCells: 10_000}
}

// stored re-packs a zip with every entry stored uncompressed, so the fuzzer's byte mutations
// reach the XML instead of breaking the deflate stream.
func stored(t testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// seedDocs are documents covering the constructs the extractor handles.
func seedDocs() []*docxgen.Doc {
	return []*docxgen.Doc{
		docxgen.New().Heading(1, "Report").Paragraph("Revenue\t1,452.4\nline").Table([][]string{{"Item", "2024"}, {"Revenue", "(346)"}}),
		docxgen.New().Bullet(0, "a").Bullet(1, "b").Numbered(0, "c").Numbered(2, "d").Heading(2, "Notes"),
		docxgen.New().RawXML(tbl(3,
			tr(tc(`<w:gridSpan w:val="2"/>`, "span"), tc(`<w:vMerge w:val="restart"/>`, "v")),
			`<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>`+tc("", "x")+tc(`<w:vMerge/>`, "")+`</w:tr>`,
			tr(`<w:tc>`+tbl(1, tr(tc("", "nested")))+p("")+`</w:tc>`),
		)),
		docxgen.New().RawXML(p(`<w:ins w:id="1" w:author="a">` + r("in") + `</w:ins><w:del w:id="2" w:author="a"><w:r><w:delText>out</w:delText></w:r></w:del>` +
			`<w:hyperlink w:anchor="x">` + r("link") + `</w:hyperlink><w:sdt><w:sdtPr/><w:sdtContent>` + r("sdt") + `</w:sdtContent></w:sdt>` +
			`<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>` + p(r("box")) +
			`</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict/></mc:Fallback></mc:AlternateContent></w:r>`)),
		lines("Statement of operations", "| | FY 2024 | 2023 |", "|---|---:|---:|", "| Revenue | $7,200 | $2,400 |",
			"| Cost of sales | ($3,100) | ($1,000) |", "| Gross profit | $4,600 | $1,400 |"),
		lines("\tFY 2024\t2023", "Revenue\t7,200k\t2,400k", "Costs\t(900)\t-1,000", "Profit\t€1.2m\t€0.9m"),
		lines("            31 December 2024   2023\nCash          7,200       2,400\nDebt         (3,100)     (1,000)\nNet           4,100       1,400"),
	}
}

// checkResult asserts what every input must give: a document or an error, never both, the error
// one of the sentinels, the document internally consistent.
func checkResult(t *testing.T, doc *extract.Document, err error) {
	t.Helper()
	if (doc == nil) == (err == nil) {
		t.Fatalf("Docx returned document %v and error %v", doc != nil, err)
	}
	if err != nil {
		n := 0
		for _, s := range []error{extract.ErrUnsupported, extract.ErrEncrypted, extract.ErrCorrupt, extract.ErrTooLarge} {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %q matches %d sentinels, want 1", err, n)
		}
		return
	}
	if !utf8.ValidString(doc.Markdown) {
		t.Fatalf("markdown is not valid UTF-8")
	}
	for i, tb := range doc.Tables {
		if tb.Index != i+1 {
			t.Fatalf("table %d has Index %d", i+1, tb.Index)
		}
		if utf8.RuneCountInString(tb.Title) > 120 || !utf8.ValidString(tb.Title) {
			t.Fatalf("table %d title %q too long or invalid", tb.Index, tb.Title)
		}
		if len(tb.Rows) == 0 {
			t.Fatalf("table %d has no rows", tb.Index)
		}
		for _, row := range tb.Rows {
			if len(row) != len(tb.Rows[0]) || len(row) == 0 {
				t.Fatalf("table %d is ragged: %q", tb.Index, tb.Rows)
			}
		}
	}
	for _, p := range doc.Paragraphs {
		if p.Text == "" || p.Heading < 0 || p.Heading > 6 {
			t.Fatalf("bad paragraph %+v", p)
		}
	}
}

// fixtures are the statements committed in the repository's testdata: real documents with every
// construct the agents read (headings, notes, numbered lists, multi-period tables).
func fixtures(t testing.TB) [][]byte {
	paths, err := filepath.Glob("../testdata/statements/*.docx")
	if err != nil || len(paths) < 10 {
		t.Fatalf("the committed statements: %d found, %v", len(paths), err)
	}
	var out [][]byte // the smallest, acme-fy2024.docx, last
	for _, p := range append(paths, "../testdata/acme-fy2024.docx") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzExtractDocx feeds arbitrary bytes to the extractor, starting from the committed
// statements (as they are, and one re-packed uncompressed so that mutations reach its XML) and
// generated documents. Besides checkResult: the upload sniffs a file before it extracts it, so
// a file the extractor reads must sniff as a .docx; and extracting the same bytes twice gives
// the same document.
func FuzzExtractDocx(f *testing.F) {
	all := fixtures(f)
	for _, data := range all {
		f.Add(data)
	}
	// The smallest one uncompressed too: a re-packed statement is ~150 KB, which slows every
	// execution and minimisation; the generated documents below are uncompressed as well.
	f.Add(stored(f, all[len(all)-1]))
	for _, d := range seedDocs() {
		data := d.Bytes()
		f.Add(data)
		f.Add(stored(f, data))
		f.Add(data[:len(data)/2])
		flipped := bytes.Clone(data)
		flipped[len(flipped)/3] ^= 0x55
		f.Add(flipped)
	}
	f.Add(ole("EncryptionInfo", "EncryptedPackage"))
	f.Add(ole("WordDocument"))
	f.Add([]byte("%PDF-1.7"))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		format := extract.Sniff(data)
		doc, err := extract.Docx(data, fuzzLimits())
		checkResult(t, doc, err)
		if err != nil {
			return
		}
		if format != extract.FormatDocx {
			t.Fatalf("extracted a document the upload would refuse: it sniffs as %v", format)
		}
		again, err := extract.Docx(data, fuzzLimits())
		if err != nil || !reflect.DeepEqual(again, doc) {
			t.Fatalf("a second extraction differs: %v", err)
		}
	})
}

// FuzzTextTables types arbitrary text into body paragraphs (one paragraph per line, '\t' as a
// Word tab, and line breaks inside a paragraph), to reach the reader of tables typed as text.
// Besides checkResult: nothing typed is lost or invented, since every cell of a table and every
// paragraph comes from the text typed, and a text table has two or more rows and columns.
func FuzzTextTables(f *testing.F) {
	for _, seed := range []string{
		"| | FY 2024 | 2023 |\n|---|---:|---:|\n| Revenue | $7,200 | $2,400 |\n| Cost of sales | ($3,100) | ($1,000) |",
		"\tFY 2024\t2023\nRevenue\t7,200k\t2,400k\nCosts\t(900)\t-1,000\nProfit\t€1.2m\t€0.9m",
		"                31 December 2024   2023\n                $000   $000\nAssets\nCash   7,200   2,400\nDebt   (3,100)   (1,000)",
		"Revenue | profit | cash rose.\n|x| = 5\n|y| = 7\nRegistered office      Auditors\nPO Box    1234",
		"| a \\| b | 1 |\n| c | 2 |\n| d | 3 |",
	} {
		f.Add(seed, uint8(2))
	}
	f.Fuzz(func(t *testing.T, text string, split uint8) {
		if len(text) > 4096 || !utf8.ValidString(text) || strings.ContainsFunc(text, func(r rune) bool {
			return unicode.IsControl(r) && r != '\t' && r != '\n' || r == utf8.RuneError
		}) {
			return // XML cannot carry it: the document would not hold what was typed
		}
		// Every split-th line break ends a paragraph; the others are breaks inside one.
		d := docxgen.New()
		var para []string
		for i, l := range strings.Split(text, "\n") {
			para = append(para, l)
			if split == 0 || i%int(split) == 0 {
				d.Paragraph(strings.Join(para, "\n"))
				para = nil
			}
		}
		if len(para) > 0 {
			d.Paragraph(strings.Join(para, "\n"))
		}
		doc, err := extract.Docx(d.Bytes(), fuzzLimits())
		checkResult(t, doc, err)
		if err != nil {
			return
		}
		typed := strings.ReplaceAll(text, "\t", " ")
		for _, tb := range doc.Tables {
			if len(tb.Rows) < 2 || len(tb.Rows[0]) < 2 {
				t.Fatalf("table %d is too small to be a text table: %q", tb.Index, tb.Rows)
			}
			for _, row := range tb.Rows {
				for _, c := range row {
					if !typedCell(text, c) {
						t.Fatalf("cell %q of table %d was not typed", c, tb.Index)
					}
				}
			}
		}
		for _, p := range doc.Paragraphs {
			for _, l := range strings.Split(p.Text, "\n") {
				if !strings.Contains(typed, l) {
					t.Fatalf("paragraph line %q was not typed", l)
				}
			}
		}
	})
}

// typedCell reports whether a cell of a text table was typed in text: as it is, with its pipes
// escaped, or with a currency sign the reader joined to the figure across a wider gap.
func typedCell(text, c string) bool {
	fold := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return strings.Contains(text, c) || strings.Contains(text, strings.ReplaceAll(c, "|", `\|`)) ||
		strings.Contains(fold(text), fold(c))
}

// FuzzText feeds arbitrary bytes to the Markdown and plain-text reader: checkResult holds, and
// every table cell was typed in the file.
func FuzzText(f *testing.F) {
	for _, seed := range []string{
		"# Report\n\n| | FY 2024 | 2023 |\n|---|---:|---:|\n| Revenue | $7,200 | $2,400 |\n| **Total** | **1** | 2 |\n",
		"              2024     2023\nRevenue      7,200    2,400\nCosts       (3,100)  (1,000)\n             -----    -----\nProfit       4,100    1,400\n",
		"- a\n  - b\n1. c\n---\n```\ncode | x\n```\n\xef\xbb\xbfx\r\n",
		"\x00", "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := extract.Text(data, fuzzLimits())
		checkResult(t, doc, err)
		if err != nil {
			return
		}
		for _, tb := range doc.Tables {
			for _, row := range tb.Rows {
				for _, c := range row {
					if !typedCell(string(data), c) {
						t.Fatalf("cell %q of table %d was not typed", c, tb.Index)
					}
				}
			}
		}
	})
}

// FuzzDocumentXML puts arbitrary markup inside w:body, to reach the WordprocessingML walker
// more directly than byte mutations of a zip can.
func FuzzDocumentXML(f *testing.F) {
	f.Add(p(r("text")))
	f.Add(tbl(2, tr(tc(`<w:gridSpan w:val="3"/>`, "a")), tr(tc(`<w:vMerge/>`, "b"), tc("", "c"))))
	f.Add(p(`<w:pPr><w:numPr><w:ilvl w:val="8"/><w:numId w:val="2"/></w:numPr></w:pPr>` + r("item")))
	f.Add(p(`<w:pPr><w:pStyle w:val="Heading3"/><w:outlineLvl w:val="12"/></w:pPr>` + r("h")))
	f.Add(`<mc:AlternateContent><mc:Choice>` + p(r("c")) + `</mc:Choice><mc:Fallback>` + p(r("f")) + `</mc:Fallback></mc:AlternateContent>`)
	f.Add(p(`<w:r><w:drawing><w:txbxContent>` + tbl(1, tr(tc("", "in box"))) + `</w:txbxContent></w:drawing></w:r>`))
	// Deflating six parts per input would dominate the run: unpack a generated document once and
	// store its parts uncompressed around each input.
	const marker = "<!--BODY-->"
	var names, contents []string
	tmpl := docxgen.New().RawXML(marker).Bytes()
	zr, err := zip.NewReader(bytes.NewReader(tmpl), int64(len(tmpl)))
	if err != nil {
		f.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			f.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
		names, contents = append(names, zf.Name), append(contents, string(b))
	}
	f.Fuzz(func(t *testing.T, body string) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i, name := range names {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, strings.Replace(contents[i], marker, body, 1))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		doc, err := extract.Docx(buf.Bytes(), fuzzLimits())
		checkResult(t, doc, err)
		if errors.Is(err, extract.ErrUnsupported) || errors.Is(err, extract.ErrEncrypted) {
			t.Fatalf("a docx with a broken body must be corrupt or too large, got %v", err)
		}
	})
}
