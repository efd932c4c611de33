package statements

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/internal/amount"
)

// blockKind is what a block of the document is.
type blockKind uint8

const (
	blockHeading blockKind = iota
	blockParagraph
	blockBullet
	blockTable
)

// block is one heading, paragraph, bullet or table of a statement before it becomes .docx.
// Plants edit blocks, so a planted variant is the clean statement with a few precise changes.
type block struct {
	kind  blockKind
	level int
	text  string
	rows  [][]string
	// key names a table or paragraph that plants and the manifest refer to.
	key string
	// tag groups the blocks of one disclosure, so an omission removes exactly that disclosure.
	tag string
}

// document is a statement as blocks, with the number format its figures are printed in.
type document struct {
	blocks   []block
	decimals int
	tag      string // tag given to blocks added from now on
}

// heading, para, bullet and table append blocks; key may be empty.
func (d *document) heading(level int, text string) {
	d.blocks = append(d.blocks, block{kind: blockHeading, level: level, text: text, tag: d.tag})
}

func (d *document) para(key, text string) {
	d.blocks = append(d.blocks, block{kind: blockParagraph, text: text, key: key, tag: d.tag})
}

func (d *document) bullet(text string) {
	d.blocks = append(d.blocks, block{kind: blockBullet, text: text, tag: d.tag})
}

func (d *document) table(key string, rows [][]string) {
	d.blocks = append(d.blocks, block{kind: blockTable, rows: rows, key: key, tag: d.tag})
}

// disclosure runs add with every block it appends tagged as one disclosure.
func (d *document) disclosure(tag string, add func()) {
	prev := d.tag
	d.tag = tag
	add()
	d.tag = prev
}

// docx renders the document with docxgen.
func (d *document) docx() []byte {
	g := docxgen.New()
	for _, b := range d.blocks {
		switch b.kind {
		case blockHeading:
			g.Heading(b.level, b.text)
		case blockParagraph:
			g.Paragraph(b.text)
		case blockBullet:
			g.Bullet(0, b.text)
		case blockTable:
			g.Table(b.rows)
		}
	}
	return g.Bytes()
}

// tableIndex is the 1-based position of the table with key among the document's tables, as
// extract numbers them; 0 when there is no such table.
func (d *document) tableIndex(key string) int {
	n := 0
	for _, b := range d.blocks {
		if b.kind != blockTable {
			continue
		}
		n++
		if b.key == key {
			return n
		}
	}
	return 0
}

// find returns the block with key.
func (d *document) find(key string) (*block, error) {
	for i := range d.blocks {
		if d.blocks[i].key == key {
			return &d.blocks[i], nil
		}
	}
	return nil, fmt.Errorf("no block %q", key)
}

// cell returns the cell of table key in the nth (0-based) row labelled row, under the column
// headed col in the table's first row.
func (d *document) cell(key, row string, nth int, col string) (*string, error) {
	b, err := d.find(key)
	if err != nil {
		return nil, err
	}
	ci := -1
	for j, h := range b.rows[0] {
		if h == col {
			ci = j
		}
	}
	if ci < 0 {
		return nil, fmt.Errorf("table %q has no column %q", key, col)
	}
	seen := 0
	for i, r := range b.rows {
		if len(r) > 0 && r[0] == row {
			if seen == nth {
				return &b.rows[i][ci], nil
			}
			seen++
		}
	}
	return nil, fmt.Errorf("table %q has no row %q (occurrence %d)", key, row, nth)
}

// add changes a printed amount by delta units, keeping the statement's number format.
func (d *document) add(key, row string, nth int, col string, delta int64) error {
	c, err := d.cell(key, row, nth, col)
	if err != nil {
		return err
	}
	n, ok := amount.Parse(*c)
	if !ok {
		return fmt.Errorf("table %q row %q column %q: %q is not a figure", key, row, col, *c)
	}
	v := int64(math.Round(n.Value*math.Pow10(d.decimals))) + delta
	*c = d.amount(v)
	return nil
}

// set replaces a cell's text.
func (d *document) set(key, row string, nth int, col, text string) error {
	c, err := d.cell(key, row, nth, col)
	if err != nil {
		return err
	}
	*c = text
	return nil
}

// replace changes old to new in the paragraph or heading with key; old must occur exactly once,
// so a plant never edits text it did not mean to.
func (d *document) replace(key, old, new string) error {
	b, err := d.find(key)
	if err != nil {
		return err
	}
	if n := strings.Count(b.text, old); n != 1 {
		return fmt.Errorf("block %q contains %q %d times, want once", key, old, n)
	}
	b.text = strings.Replace(b.text, old, new, 1)
	return nil
}

// omit removes every block of a disclosure.
func (d *document) omit(tag string) error {
	kept := d.blocks[:0]
	removed := 0
	for _, b := range d.blocks {
		if b.tag == tag {
			removed++
			continue
		}
		kept = append(kept, b)
	}
	d.blocks = kept
	if removed == 0 {
		return fmt.Errorf("no disclosure %q to omit", tag)
	}
	return nil
}

// amount prints v (in printed units) as the statements do: thousands separators, the
// profile's decimals, negatives in parentheses and nil as a dash.
func (d *document) amount(v int64) string {
	if v == 0 {
		return "–"
	}
	s := group(absInt(v), d.decimals)
	if v < 0 {
		return "(" + s + ")"
	}
	return s
}

// group formats |v| with thousands separators and decimals implied in its last digits.
func group(v int64, decimals int) string {
	s := strconv.FormatInt(v, 10)
	frac := ""
	if decimals > 0 {
		for len(s) <= decimals {
			s = "0" + s
		}
		frac = "." + s[len(s)-decimals:]
		s = s[:len(s)-decimals]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + frac
}

// percent prints part/whole as a percentage with one decimal, "34.1%", or "(2.3)%" when
// negative; the ratio is taken from the printed figures, so it agrees with them.
func percent(part, whole int64) string {
	if whole == 0 {
		return "n/a"
	}
	tenths := div(part*1000, whole)
	s := group(absInt(tenths), 1) + "%"
	if tenths < 0 {
		return "(" + strings.TrimSuffix(s, "%") + ")%"
	}
	return s
}

// pctValue is part/whole in tenths of a per cent, rounded.
func pctValue(part, whole int64) int64 { return div(part*1000, whole) }
