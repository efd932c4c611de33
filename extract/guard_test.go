package extract_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// entry is one file of a hand-built zip.
type entry struct {
	name string
	body string
}

// zipOf builds a zip archive of entries, stored uncompressed.
func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// docxWithDocument is a minimal package whose word/document.xml is body.
func docxWithDocument(t testing.TB, document string) []byte {
	return zipOf(t,
		entry{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		entry{"word/document.xml", document})
}

// ole builds the start of an OLE compound file whose directory names the given streams.
func ole(streams ...string) []byte {
	data := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 504)...)
	for _, s := range streams {
		name := make([]byte, 128) // a directory entry: the name in UTF-16LE, then metadata
		for i, c := range s {
			name[2*i] = byte(c)
		}
		data = append(data, name...)
	}
	return data
}

// bomb is a docx whose word/document.xml is valid XML padded with size bytes of whitespace,
// which deflate compresses about a thousand times.
func bomb(t testing.TB, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	chunk := bytes.Repeat([]byte(" "), 64<<10)
	for written := 0; written < size; written += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	io.WriteString(w, `</w:body></w:document>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawEntry builds a zip with one deflated word/document.xml whose header declares size as its
// uncompressed size, whatever content really expands to.
func rawEntry(t testing.TB, content []byte, size uint64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "word/document.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(content), CompressedSize64: uint64(comp.Len()), UncompressedSize64: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDocxGuards(t *testing.T) {
	valid := docxgen.New().Heading(1, "Report").Paragraph("Text").Bytes()
	flipped := bytes.Clone(valid)
	// Damage the deflate stream of word/document.xml, just past its local header.
	at := bytes.Index(valid, []byte("word/document.xml")) + 40
	for i := at; i < at+20; i++ {
		flipped[i] ^= 0xFF
	}
	storedDoc := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Store})
		io.WriteString(w, `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>CHECKSUM</w:t></w:r></w:p></w:body></w:document>`)
		zw.Close()
		return buf.Bytes()
	}()
	badCRC := bytes.Replace(storedDoc, []byte("CHECKSUM"), []byte("CHECKSUN"), 2)
	deep := func(n int) string {
		return `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			strings.Repeat("<w:customXml>", n) + strings.Repeat("</w:customXml>", n) + `</w:body></w:document>`
	}
	manyEntries := func(n int) []byte {
		es := []entry{{"word/document.xml", deep(1)}}
		for i := range n {
			es = append(es, entry{name: "x/" + strings.Repeat("a", i%50) + string(rune('a'+i%26)) + ".xml"})
		}
		return zipOf(t, es...)
	}

	tests := []struct {
		name   string
		data   []byte
		lim    extract.Limits
		want   error
		detail string // a word the user-facing message must contain
	}{
		{"empty file", nil, extract.Limits{}, extract.ErrUnsupported, "empty"},
		{"plain text", []byte("Revenue 1,452.4"), extract.Limits{}, extract.ErrUnsupported, ".docx"},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), extract.Limits{}, extract.ErrUnsupported, "PDF"},
		{"xlsx-like zip", zipOf(t, entry{"[Content_Types].xml", "<Types/>"}, entry{"xl/workbook.xml", "<workbook/>"}), extract.Limits{}, extract.ErrUnsupported, "Excel"},
		{"odt", zipOf(t, entry{"mimetype", "application/vnd.oasis.opendocument.text"}, entry{"content.xml", "<office:document-content/>"}), extract.Limits{}, extract.ErrUnsupported, "OpenDocument"},
		{"plain zip", zipOf(t, entry{"readme.txt", "hello"}), extract.Limits{}, extract.ErrUnsupported, "zip"},
		{"empty zip", zipOf(t), extract.Limits{}, extract.ErrUnsupported, "zip"},
		{"OLE with EncryptedPackage", ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), extract.Limits{}, extract.ErrEncrypted, "password"},
		{"OLE legacy .doc", ole("Root Entry", "WordDocument", "1Table"), extract.Limits{}, extract.ErrUnsupported, ".doc"},
		{"OLE legacy .xls", ole("Root Entry", "Workbook"), extract.Limits{}, extract.ErrUnsupported, "97-2003"},
		{"truncated zip", valid[:len(valid)/2], extract.Limits{}, extract.ErrCorrupt, "zip"},
		{"damaged deflate stream", flipped, extract.Limits{}, extract.ErrCorrupt, "word/document.xml"},
		{"checksum mismatch", badCRC, extract.Limits{}, extract.ErrCorrupt, "word/document.xml"},
		{"malformed XML", docxgen.New().RawXML(`<w:p><w:r><w:t>unclosed</w:r></w:p>`).Bytes(), extract.Limits{}, extract.ErrCorrupt, "well-formed"},
		{"undeclared entity", docxgen.New().RawXML(`<w:p><w:r><w:t>&lol;</w:t></w:r></w:p>`).Bytes(), extract.Limits{}, extract.ErrCorrupt, "well-formed"},
		{"not a document root", docxWithDocument(t, `<html><body/></html>`), extract.Limits{}, extract.ErrCorrupt, "Word document body"},
		{"empty document part", docxWithDocument(t, ``), extract.Limits{}, extract.ErrCorrupt, "word/document.xml"},
		{"XML nested too deep", docxWithDocument(t, deep(300)), extract.Limits{}, extract.ErrCorrupt, "deep"},
		{"XML nested very deep", docxWithDocument(t, deep(200_000)), extract.Limits{}, extract.ErrCorrupt, "deep"},
		{"zip bomb stopped by ratio", bomb(t, 2<<20), extract.Limits{}, extract.ErrTooLarge, "zip bomb"},
		{"document over its size limit", bomb(t, 3<<19), extract.Limits{MaxDocumentBytes: 1 << 20, MaxRatio: 1 << 30}, extract.ErrTooLarge, "1 MiB"},
		{"package over the total limit", bomb(t, 1<<20), extract.Limits{MaxTotalBytes: 1 << 19, MaxRatio: 1 << 30}, extract.ErrTooLarge, "in total"},
		{"header declares a huge size", rawEntry(t, []byte(deep(1)), 1<<40), extract.Limits{}, extract.ErrTooLarge, "word/document.xml"},
		{"header understates the size", rawEntry(t, []byte(deep(1)+strings.Repeat(" ", 1<<20)), 100), extract.Limits{}, extract.ErrCorrupt, "word/document.xml"},
		{"too many entries", manyEntries(20), extract.Limits{MaxEntries: 10}, extract.ErrTooLarge, "entries"},
		{"too many entries, default limit", manyEntries(10_001), extract.Limits{}, extract.ErrTooLarge, "10000"},
		{"too many cells", docxgen.New().Table([][]string{{"a", "b"}, {"c", "d"}}).Bytes(), extract.Limits{MaxCells: 3}, extract.ErrTooLarge, "cells"},
		{"too many rows", docxgen.New().Table([][]string{{"a"}, {"b"}, {"c"}}).Bytes(), extract.Limits{MaxRows: 2}, extract.ErrTooLarge, "more than 2 rows"},
		{"too much text", docxgen.New().Paragraph(strings.Repeat("x", 600)).Bytes(), extract.Limits{MaxTextBytes: 512}, extract.ErrTooLarge, "more than 512 bytes of text"},
		{"too much text in cells", docxgen.New().Table([][]string{{strings.Repeat("x", 300)}, {strings.Repeat("y", 300)}}).Bytes(), extract.Limits{MaxTextBytes: 512}, extract.ErrTooLarge, "of text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := extract.Docx(tt.data, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Docx() = %v, %v; want %v", doc, err, tt.want)
			}
			if doc != nil {
				t.Errorf("Docx() returned a document with error %v", err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("message %q does not mention %q", err, tt.detail)
			}
		})
	}
}

func TestDocxLimitsLetRealDocumentsThrough(t *testing.T) {
	// A long, repetitive document compresses well; the ratio check must not mistake it for a bomb.
	d := docxgen.New()
	for i := range 1500 {
		d.Table([][]string{{"Item", "2024", "2023"}, {"Revenue", "1,452.4", "(346)"}})
		if i%10 == 0 {
			d.Heading(2, "Note")
		}
	}
	doc, err := extract.Docx(d.Bytes(), extract.Limits{})
	if err != nil {
		t.Fatalf("Docx: %v", err)
	}
	if len(doc.Tables) != 1500 {
		t.Errorf("got %d tables, want 1500", len(doc.Tables))
	}
}

func TestSniff(t *testing.T) {
	valid := docxgen.New().Paragraph("x").Bytes()
	tests := []struct {
		name string
		data []byte
		want extract.Format
	}{
		{"docx", valid, extract.FormatDocx},
		{"truncated docx", valid[:len(valid)-30], extract.FormatDocx},
		{"docx without content types", zipOf(t, entry{"word/document.xml", "<x/>"}), extract.FormatDocx},
		{"encrypted OOXML", ole("EncryptionInfo", "EncryptedPackage"), extract.FormatEncryptedOOXML},
		{"legacy OLE", ole("WordDocument"), extract.FormatOLE},
		{"xlsx", zipOf(t, entry{"[Content_Types].xml", "<Types/>"}, entry{"xl/workbook.xml", "<workbook/>"}), extract.FormatXLSX},
		{"pptx", zipOf(t, entry{"[Content_Types].xml", "<Types/>"}, entry{"ppt/presentation.xml", "<p/>"}), extract.FormatPPTX},
		{"odt", zipOf(t, entry{"mimetype", "application/vnd.oasis.opendocument.text"}), extract.FormatODF},
		{"zip", zipOf(t, entry{"a.txt", "a"}), extract.FormatZip},
		{"pdf", []byte("%PDF-1.4"), extract.FormatPDF},
		{"rtf", []byte(`{\rtf1\ansi`), extract.FormatRTF},
		{"text", []byte("hello"), extract.FormatUnknown},
		{"empty", nil, extract.FormatUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extract.Sniff(tt.data); got != tt.want {
				t.Errorf("Sniff() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDocxStopsAtTheRowCap: a 628 KB-class document holding a 100 000-row table is refused
// while it is read, once the cap is passed, instead of after the whole table was built: it
// allocates a fraction of what reading it whole does.
func TestDocxStopsAtTheRowCap(t *testing.T) {
	rows := make([][]string, 100_000)
	for i := range rows {
		rows[i] = []string{strconv.Itoa(i)}
	}
	data := docxgen.New().Heading(1, "Report").Table(rows).Bytes()
	allocated := func(lim extract.Limits) (uint64, error) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := extract.Docx(data, lim)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	whole, err := allocated(extract.Limits{MaxRows: 200_000, MaxCells: 200_000})
	if err != nil {
		t.Fatalf("under a cap of 200 000 rows: %v", err)
	}
	capped, err := allocated(extract.Limits{MaxRows: 1_000, MaxCells: 200_000})
	if !errors.Is(err, extract.ErrTooLarge) || !strings.Contains(err.Error(), "1000 rows") {
		t.Fatalf("over a cap of 1 000 rows: %v", err)
	}
	if capped*10 > whole {
		t.Fatalf("refusing at 1 000 rows allocated %d MB, reading all 100 000 %d MB: the cap does not stop the read", capped>>20, whole>>20)
	}
	t.Logf("file %d KB; read whole %d MB allocated, stopped at the cap %d MB", len(data)>>10, whole>>20, capped>>20)
}
