package extract

import (
	"encoding/xml"
	"errors"
	"strings"
)

// errNotDocument is returned when the main part's root is not w:document.
var errNotDocument = errors.New("root element is not w:document")

// maxColumns bounds a table row, whatever its gridSpan or gridBefore claim (Word itself allows
// 63 columns).
const maxColumns = 1024

// block is one paragraph or table of the document body, a table cell or a text box.
type block struct {
	text    string // runs joined; tabs as '\t', breaks as '\n'
	heading int
	list    *listItem
	table   *table
	at      Span // where the paragraph is in the part, when the walker records a layout
}

// table is a table as read: rows of cell text, merged cells already laid out on the grid.
type table struct {
	grid int // columns declared by w:tblGrid
	rows [][]string
	at   [][]Span // with a layout: the paragraph of each cell, parallel to rows
}

// walker turns the token stream of the main document into blocks, in reading order.
type walker struct {
	*tokens
	styles   styles
	lists    *listState
	cells    int // table cells read so far
	maxCells int
	rows     int // table rows read so far
	maxRows  int
	textRead int64 // bytes of text read so far
	maxText  int64
	layout   bool // record where each paragraph and cell is (block.at, table.at)
}

// addText counts n bytes of text against the document's text budget, as they are read, so a
// document over the cap stops there instead of being read whole first.
func (w *walker) addText(n int) error {
	w.textRead += int64(n)
	if w.textRead > w.maxText {
		return fail(ErrTooLarge, "the document holds more than %s of text", mib(w.maxText))
	}
	return nil
}

// document reads the w:document root and its body into dst.
func (w *walker) document(dst *[]block) error {
	root, err := w.root()
	if err != nil {
		return err
	}
	if !isW(root, "document") {
		return errNotDocument
	}
	return w.each(func(se xml.StartElement) error {
		if isW(se, "body") {
			return w.blocks(dst)
		}
		return w.skip()
	})
}

// skipped reports whether the element se and everything in it is left out of the text: deleted
// revisions, field instructions, the fallback of alternate content (it repeats the chosen
// branch, e.g. a text box as VML), properties, and ruby pronunciation guides.
func skipped(se xml.StartElement) bool {
	if isMC(se, "Fallback") {
		return true
	}
	if !inW(se) {
		return false
	}
	switch se.Name.Local {
	case "del", "moveFrom", "delText", "delInstrText", "instrText", "fldData", "ffData",
		"sdtPr", "sdtEndPr", "customXmlPr", "smartTagPr",
		"pPr", "rPr", "tblPr", "tblPrEx", "trPr", "tcPr", "sectPr", "tblGrid",
		"pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange",
		"rt", "background", "sym", "softHyphen":
		return true
	}
	return false
}

// alternate reads mc:AlternateContent: the first mc:Choice through descend, the rest skipped.
func (w *walker) alternate(descend func() error) error {
	chosen := false
	return w.each(func(se xml.StartElement) error {
		if isMC(se, "Choice") && !chosen {
			chosen = true
			return descend()
		}
		return w.skip()
	})
}

// blocks reads block-level content (paragraphs and tables, possibly wrapped in content
// controls, custom XML or revisions) up to the end of the current element.
func (w *walker) blocks(dst *[]block) error {
	return w.each(func(se xml.StartElement) error { return w.block(se, dst) })
}

// block reads one block-level element into dst.
func (w *walker) block(se xml.StartElement, dst *[]block) error {
	switch {
	case isW(se, "p"):
		return w.paragraph(dst)
	case isW(se, "tbl"):
		return w.table(dst)
	case skipped(se):
		return w.skip()
	case isMC(se, "AlternateContent"):
		return w.alternate(func() error { return w.blocks(dst) })
	default:
		return w.blocks(dst)
	}
}

// para collects one paragraph while it is read.
type para struct {
	text    strings.Builder
	style   string
	numID   int // direct w:numPr, -1 when unset
	ilvl    int
	outline int // direct w:outlineLvl, -1 when unset
	content int64
}

// paragraph reads a w:p. Paragraphs and tables inside it (text boxes) are appended to dst
// before it, as they end first.
func (w *walker) paragraph(dst *[]block) error {
	p := &para{numID: -1, ilvl: -1, outline: -1, content: w.offset()}
	err := w.each(func(se xml.StartElement) error { return w.inline(se, p, dst, false) })
	if err != nil {
		return err
	}
	b := w.finish(p)
	if w.layout {
		b.at = Span{Content: p.content, End: w.offset()}
	}
	*dst = append(*dst, b)
	return nil
}

// offset is where the token just read ends in the part's uncompressed XML.
func (w *walker) offset() int64 { return w.dec.InputOffset() }

// inline reads one element inside a paragraph. hidden is set inside a run marked w:vanish, whose
// text Word does not show or print.
func (w *walker) inline(se xml.StartElement, p *para, dst *[]block, hidden bool) error {
	child := func(c xml.StartElement) error { return w.inline(c, p, dst, hidden) }
	if !inW(se) {
		switch {
		case isMC(se, "AlternateContent"):
			return w.alternate(func() error { return w.each(child) })
		case skipped(se):
			return w.skip()
		}
		return w.each(child) // drawings, VML shapes and the like may hold text boxes
	}
	switch se.Name.Local {
	case "pPr":
		if err := w.paragraphProps(p); err != nil {
			return err
		}
		p.content = w.offset() // the paragraph's content starts after its properties
		return nil
	case "r":
		return w.run(p, dst)
	case "t":
		return w.text(p, hidden)
	case "tab", "ptab":
		return w.char(p, '\t', hidden)
	case "br", "cr":
		return w.char(p, '\n', hidden)
	case "noBreakHyphen":
		return w.char(p, '-', hidden)
	case "p":
		return w.paragraph(dst)
	case "tbl":
		return w.table(dst)
	case "txbxContent":
		return w.blocks(dst)
	}
	if skipped(se) {
		return w.skip()
	}
	// Hyperlinks, insertions, content controls, smart tags, simple fields, custom XML: their
	// text is part of the paragraph.
	return w.each(child)
}

// char writes a character standing for an empty element such as w:tab.
func (w *walker) char(p *para, c byte, hidden bool) error {
	if !hidden {
		if err := w.addText(1); err != nil {
			return err
		}
		p.text.WriteByte(c)
	}
	return w.skip()
}

// text reads the character data of a w:t.
func (w *walker) text(p *para, hidden bool) error {
	for {
		tok, err := w.next()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			if !hidden {
				if err := w.addText(len(tok)); err != nil {
					return err
				}
				p.text.Write(tok)
			}
		case xml.StartElement:
			if err := w.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// run reads a w:r, whose w:rPr comes first and may hide it.
func (w *walker) run(p *para, dst *[]block) error {
	hidden := false
	return w.each(func(se xml.StartElement) error {
		if isW(se, "rPr") {
			return w.each(func(c xml.StartElement) error {
				if isW(c, "vanish") {
					hidden = onOff(c)
				}
				return w.skip()
			})
		}
		return w.inline(se, p, dst, hidden)
	})
}

// paragraphProps reads the w:pPr of a paragraph: its style, outline level and list.
func (w *walker) paragraphProps(p *para) error {
	return w.each(func(se xml.StartElement) error {
		switch {
		case isW(se, "pStyle"):
			p.style, _ = attr(se, "val")
		case isW(se, "outlineLvl"):
			p.outline = intAttr(se, "val", -1)
		case isW(se, "numPr"):
			return readNumPr(w.tokens, &p.numID, &p.ilvl)
		}
		return w.skip()
	})
}

// finish resolves a paragraph's heading level and list marker. A numbered heading carries its
// number in its text ("3. Revenue"), as readers cite it; a list item gets a markdown marker.
func (w *walker) finish(p *para) block {
	b := block{text: p.text.String(), heading: w.styles.headingLevel(p.style)}
	if p.outline >= 0 {
		b.heading = outlineHeading(p.outline)
	}
	numID, ilvl := p.numID, p.ilvl
	if numID < 0 || ilvl < 0 {
		sNum, sLvl := w.styles.numbering(p.style)
		if numID < 0 {
			numID = sNum
		}
		if ilvl < 0 {
			ilvl = sLvl
		}
	}
	if numID <= 0 || ilvl >= levels { // numId 0 switches numbering off
		return b
	}
	item, ok := w.lists.item(numID, max(ilvl, 0))
	switch {
	case !ok:
	case b.heading > 0:
		if item.label != "" {
			b.text = item.label + " " + b.text
		}
	default:
		b.list = &item
	}
	return b
}

// table reads a w:tbl.
func (w *walker) table(dst *[]block) error {
	t := &table{}
	if err := w.tableContent(t); err != nil {
		return err
	}
	*dst = append(*dst, block{table: t})
	return nil
}

// tableContent reads the children of a table, or of a content control wrapping its rows.
func (w *walker) tableContent(t *table) error {
	return w.each(func(se xml.StartElement) error {
		switch {
		case isW(se, "tblGrid"):
			return w.each(func(c xml.StartElement) error {
				if isW(c, "gridCol") {
					t.grid++
				}
				return w.skip()
			})
		case isW(se, "tr"):
			return w.row(t)
		case skipped(se):
			return w.skip()
		case isMC(se, "AlternateContent"):
			return w.alternate(func() error { return w.tableContent(t) })
		default:
			return w.tableContent(t)
		}
	})
}

// row collects one table row while it is read.
type row struct {
	cells   []string
	at      []Span // with a layout: each cell's first paragraph, parallel to cells
	after   int    // w:gridAfter
	deleted bool
}

// row reads a w:tr. A row deleted as a tracked change is dropped.
func (w *walker) row(t *table) error {
	r := &row{}
	if err := w.rowContent(r); err != nil {
		return err
	}
	if r.deleted {
		return nil
	}
	if w.rows++; w.rows > w.maxRows {
		return fail(ErrTooLarge, "the tables hold more than %d rows", w.maxRows)
	}
	if err := w.empty(r, r.after); err != nil {
		return err
	}
	t.rows = append(t.rows, r.cells)
	if w.layout {
		t.at = append(t.at, r.at)
	}
	return nil
}

// rowContent reads the children of a row, or of a content control wrapping its cells.
func (w *walker) rowContent(r *row) error {
	return w.each(func(se xml.StartElement) error {
		switch {
		case isW(se, "trPr"):
			return w.each(func(c xml.StartElement) error {
				var err error
				switch {
				case isW(c, "gridBefore"):
					err = w.empty(r, intAttr(c, "val", 0))
				case isW(c, "gridAfter"):
					r.after = intAttr(c, "val", 0)
				case isW(c, "del"):
					r.deleted = true
				}
				if err != nil {
					return err
				}
				return w.skip()
			})
		case isW(se, "tc"):
			return w.cell(r)
		case skipped(se):
			return w.skip()
		case isMC(se, "AlternateContent"):
			return w.alternate(func() error { return w.rowContent(r) })
		default:
			return w.rowContent(r)
		}
	})
}

// cell reads a w:tc. A cell spanning n grid columns keeps its text in the first and leaves n-1
// empty cells; a vertically (or, in old files, horizontally) merged continuation is empty.
func (w *walker) cell(r *row) error {
	span, merged := 1, false
	var content []block
	var first Span // the cell's first paragraph
	err := w.each(func(se xml.StartElement) error {
		if !isW(se, "tcPr") {
			if err := w.block(se, &content); err != nil {
				return err
			}
			// A paragraph's own block comes after those of its text boxes.
			if isW(se, "p") && first == (Span{}) {
				first = content[len(content)-1].at
			}
			return nil
		}
		return w.each(func(c xml.StartElement) error {
			switch {
			case isW(c, "gridSpan"):
				span = intAttr(c, "val", 1)
			case isW(c, "vMerge"), isW(c, "hMerge"):
				v, _ := attr(c, "val")
				merged = merged || !strings.EqualFold(v, "restart")
			}
			return w.skip()
		})
	})
	if err != nil {
		return err
	}
	text := ""
	if !merged {
		text = cellText(content)
	}
	if err := w.empty(r, 1); err != nil {
		return err
	}
	at := len(r.cells) - 1
	r.cells[at] = text
	if err := w.empty(r, span-1); err != nil {
		return err
	}
	if w.layout {
		for i := at; i < len(r.at); i++ { // every grid column the cell spans
			r.at[i] = first
		}
	}
	return nil
}

// empty appends n empty cells to r, within maxColumns and the document's cell budget.
func (w *walker) empty(r *row, n int) error {
	n = min(max(n, 0), maxColumns-len(r.cells))
	w.cells += n
	if w.cells > w.maxCells {
		return fail(ErrTooLarge, "the tables hold more than %d cells", w.maxCells)
	}
	for range n {
		r.cells = append(r.cells, "")
		if w.layout {
			r.at = append(r.at, Span{})
		}
	}
	return nil
}

// cellText flattens a cell's content: its non-empty paragraphs one per line, and a nested
// table one row per line with its non-empty cells joined by "; ".
func cellText(content []block) string {
	var lines []string
	for _, b := range content {
		if b.table == nil {
			if s := plain(b.text); s != "" {
				lines = append(lines, s)
			}
			continue
		}
		for _, r := range b.table.rows {
			var cells []string
			for _, c := range r {
				if c != "" {
					cells = append(cells, c)
				}
			}
			if len(cells) > 0 {
				lines = append(lines, strings.Join(cells, "; "))
			}
		}
	}
	return strings.Join(lines, "\n")
}

// plain turns collected paragraph text into the text a reader sees: tabs as spaces, each line
// trimmed, leading and trailing blank lines dropped. Characters are otherwise untouched, so
// figures stay exactly as printed.
func plain(s string) string {
	if !strings.ContainsAny(s, "\t\n\r ") {
		return s
	}
	s = strings.ReplaceAll(s, "\t", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
