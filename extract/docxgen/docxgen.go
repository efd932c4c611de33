// Package docxgen builds small, valid .docx files in code, so tests and corpus measurements can
// describe a statement in a few lines instead of checking binary fixtures into the repository.
// The output opens in Word and LibreOffice.
package docxgen

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// List instances defined in the generated word/numbering.xml, for RawXML that needs a list:
// <w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>.
const (
	// BulletList is the w:numId of a bulleted list (all nine levels bullets).
	BulletList = 1
	// NumberedList is the w:numId of a numbered list: 1. / a. / i. and so on by level.
	NumberedList = 2
)

// Doc is a document being built. Its methods append to the body in call order and return the
// Doc, so a test reads like the document it describes.
type Doc struct {
	body      strings.Builder
	lastTable bool
}

// New starts an empty document.
func New() *Doc { return &Doc{} }

// Heading appends a heading of the given level, clamped to 1–6, styled Heading1..Heading6.
func (d *Doc) Heading(level int, text string) *Doc {
	level = min(max(level, 1), 6)
	d.para(fmt.Sprintf(`<w:pPr><w:pStyle w:val="Heading%d"/></w:pPr>`, level), text)
	return d
}

// Paragraph appends a body paragraph. A '\t' in text becomes a w:tab and a '\n' a w:br, so a
// test can write a line the way it expects to read it back.
func (d *Doc) Paragraph(text string) *Doc {
	d.para("", text)
	return d
}

// Bullet appends an item of the bulleted list at level 0–8.
func (d *Doc) Bullet(level int, text string) *Doc {
	d.para(numPr(BulletList, level), text)
	return d
}

// Numbered appends an item of the numbered list at level 0–8. Numbering continues through the
// whole document, as with one list in Word.
func (d *Doc) Numbered(level int, text string) *Doc {
	d.para(numPr(NumberedList, level), text)
	return d
}

// Table appends a plain grid table: one w:tc per cell, as wide as its widest row. Rows shorter
// than that are left short, as Word allows.
func (d *Doc) Table(rows [][]string) *Doc {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	b := &d.body
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	width := 9000 / max(cols, 1)
	for range cols {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, width)
	}
	b.WriteString(`</w:tblGrid>`)
	for _, r := range rows {
		b.WriteString(`<w:tr>`)
		for _, c := range r {
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, width)
			b.WriteString(paragraphXML("", c))
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
	d.lastTable = true
	return d
}

// RawXML appends bodyXML verbatim inside w:body, for constructs the other methods do not make
// (merged cells, revisions, content controls). The prefixes w, r, mc, wp, a, pic, wps, wpg, v,
// o, w10, w14 and m are declared.
func (d *Doc) RawXML(bodyXML string) *Doc {
	d.body.WriteString(bodyXML)
	d.lastTable = false
	return d
}

// Bytes returns the document as a .docx file. It is deterministic: the same calls give the
// same bytes.
func (d *Doc) Bytes() []byte {
	body := d.body.String()
	if d.lastTable { // Word wants a paragraph between a table and the section properties
		body += `<w:p/>`
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, part := range []struct{ name, content string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"word/document.xml", documentStart + body + documentEnd},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", stylesXML()},
		{"word/numbering.xml", numberingXML()},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{
			Name:     part.name,
			Method:   zip.Deflate,
			Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			panic(err) // writing to a bytes.Buffer cannot fail
		}
		if _, err := w.Write([]byte(part.content)); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// para appends one paragraph with the given w:pPr XML.
func (d *Doc) para(pPr, text string) {
	d.body.WriteString(paragraphXML(pPr, text))
	d.lastTable = false
}

// numPr is the w:pPr of a list item.
func numPr(numID, level int) string {
	return fmt.Sprintf(`<w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr></w:pPr>`,
		min(max(level, 0), 8), numID)
}

// paragraphXML renders a paragraph, text escaped, tabs and newlines as w:tab and w:br.
func paragraphXML(pPr, text string) string {
	var b strings.Builder
	b.WriteString(`<w:p>`)
	b.WriteString(pPr)
	if text != "" {
		b.WriteString(`<w:r>`)
		for i, line := range strings.Split(text, "\n") {
			if i > 0 {
				b.WriteString(`<w:br/>`)
			}
			for j, part := range strings.Split(line, "\t") {
				if j > 0 {
					b.WriteString(`<w:tab/>`)
				}
				if part != "" {
					b.WriteString(`<w:t xml:space="preserve">`)
					_ = xml.EscapeText(&b, []byte(part)) // a strings.Builder does not fail
					b.WriteString(`</w:t>`)
				}
			}
		}
		b.WriteString(`</w:r>`)
	}
	b.WriteString(`</w:p>`)
	return b.String()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>`

const packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

const documentRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`

const documentStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w10="urn:schemas-microsoft-com:office:word" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" mc:Ignorable="w14"><w:body>`

const documentEnd = `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>`

// stylesXML is word/styles.xml: Normal, Title, Heading1..6, List Paragraph and Table Grid.
func stylesXML() string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-US"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
		`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:rPr><w:sz w:val="56"/></w:rPr></w:style>` +
		headingStyle(1, 32) + headingStyle(2, 26) + headingStyle(3, 24) + headingStyle(4, 22) + headingStyle(5, 22) + headingStyle(6, 22) +
		`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:left="720"/><w:contextualSpacing/></w:pPr></w:style>` +
		`<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>` +
		`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders></w:tblPr></w:style>` +
		`</w:styles>`
}

// headingStyle is the style "heading n", at size halfPoints.
func headingStyle(n, halfPoints int) string {
	return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="Heading%d"><w:name w:val="heading %d"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="60"/><w:outlineLvl w:val="%d"/></w:pPr><w:rPr><w:b/><w:sz w:val="%d"/></w:rPr></w:style>`,
		n, n, n-1, halfPoints)
}

// numberingXML is word/numbering.xml with the BulletList and NumberedList lists.
func numberingXML() string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
		abstractNum(0, func(int) (string, string) { return "bullet", "\u2022" }) +
		abstractNum(1, func(lvl int) (string, string) {
			return [...]string{"decimal", "lowerLetter", "lowerRoman"}[lvl%3], fmt.Sprintf("%%%d.", lvl+1)
		}) +
		fmt.Sprintf(`<w:num w:numId="%d"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="%d"><w:abstractNumId w:val="1"/></w:num>`, BulletList, NumberedList) +
		`</w:numbering>`
}

// abstractNum is a nine-level list definition whose level format and text come from level.
func abstractNum(id int, level func(int) (format, text string)) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<w:abstractNum w:abstractNumId="%d"><w:multiLevelType w:val="hybridMultilevel"/>`, id)
	for lvl := range 9 {
		format, text := level(lvl)
		fmt.Fprintf(&b, `<w:lvl w:ilvl="%d"><w:start w:val="1"/><w:numFmt w:val="%s"/><w:lvlText w:val="%s"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="%d" w:hanging="360"/></w:pPr></w:lvl>`,
			lvl, format, text, 720*(lvl+1))
	}
	b.WriteString(`</w:abstractNum>`)
	return b.String()
}

// Parts reads a .docx (or any zip archive) back: each entry's uncompressed bytes, by name. Tests
// use it to look inside what they built or what the service returned.
func Parts(data []byte) (map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(zr.File))
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out[f.Name] = b
	}
	return out, nil
}
