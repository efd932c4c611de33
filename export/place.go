package export

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// locator finds the paragraph or table cell a source reference names, in the words the agents
// write them (agents/numeric, logic, disclosure, external):
//
//	Table 9 '6. Staff costs', row 'Total staff costs', column '2024'
//	Table 3 'Statement of profit …', row 'Revenue', columns '2024' and '2023'
//	Table 4 'Statement of financial position as at 31 March 2024' title
//	Table 28 'Transactions with …', row 'Amounts owed to the parent'
//	Paragraph 6 'Revenue increased by 9.6% …'   Paragraph 12: "…"
//	Section '18. Related party transactions'    Opening text
//
// Table and paragraph numbers count as the extractor does (Document.Tables[i].Index,
// Document.Paragraphs), so they name the same elements they named to the agent. Quoted text cut
// with "…" matches by its beginning. A reference to anything else (a web page, a paragraph of
// a language-model review) names no place.
type locator struct {
	doc *extract.Document
	lay *extract.Layout
}

func newLocator(doc *extract.Document, lay *extract.Layout) *locator {
	return &locator{doc: doc, lay: lay}
}

var (
	tableRefRe     = regexp.MustCompile(`^Table (\d+)\b`)
	paragraphRefRe = regexp.MustCompile(`^Paragraph (\d+)(?:[ :;,]|$)`)
	sectionRefRe   = regexp.MustCompile(`^Section '(.*)'$`)
)

// first is the document's first paragraph of text, where findings that name no place go.
func (l *locator) first() (extract.Span, bool) {
	for _, sp := range l.lay.Paragraphs {
		if sp.End > 0 {
			return sp, true
		}
	}
	for _, t := range l.lay.Cells {
		if sp, ok := firstCell(t); ok {
			return sp, true
		}
	}
	return extract.Span{}, false
}

// place returns where the first of refs that names a place in the document is. figures are the
// amounts the finding quotes, best first: where a table has several rows of one label (the
// "Depreciation charge" of each year of a roll-forward), the row whose cell shows one of them
// is the one meant.
func (l *locator) place(refs []string, figures []float64) (extract.Span, bool) {
	for _, ref := range refs {
		if sp, ok := l.resolve(strings.TrimSpace(ref), figures); ok && sp.End > 0 {
			return sp, true
		}
	}
	return extract.Span{}, false
}

func (l *locator) resolve(ref string, figures []float64) (extract.Span, bool) {
	if m := paragraphRefRe.FindStringSubmatch(ref); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > len(l.lay.Paragraphs) {
			return extract.Span{}, false
		}
		return l.lay.Paragraphs[n-1], true
	}
	if m := tableRefRe.FindStringSubmatch(ref); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > len(l.doc.Tables) || n > len(l.lay.Cells) {
			return extract.Span{}, false
		}
		return l.cell(n-1, ref, figures)
	}
	if m := sectionRefRe.FindStringSubmatch(ref); m != nil {
		return l.heading(m[1])
	}
	if ref == "Opening text" {
		return l.first()
	}
	return extract.Span{}, false
}

// heading finds the heading (or, in a statement without heading styles, the first paragraph)
// whose text is title.
func (l *locator) heading(title string) (extract.Span, bool) {
	for _, pass := range []bool{true, false} {
		for i, p := range l.doc.Paragraphs {
			if (p.Heading > 0) == pass && sameText(title, p.Text) && i < len(l.lay.Paragraphs) {
				return l.lay.Paragraphs[i], true
			}
		}
	}
	return extract.Span{}, false
}

// cell finds the cell a table reference names: the row by its label, the column by its
// heading; a row without a column is its label cell, and a table without a row is its first
// cell (or its title paragraph, for "… title").
func (l *locator) cell(t int, ref string, figures []float64) (extract.Span, bool) {
	tab, spans := l.doc.Tables[t], l.lay.Cells[t]
	row, col, hasRow := rowAndColumn(ref)
	if !hasRow {
		if strings.HasSuffix(ref, "' title") {
			if sp, ok := l.paragraphBefore(tab); ok {
				return sp, true
			}
		}
		return firstCell(spans)
	}
	rows := findRows(tab, row)
	if len(rows) == 0 {
		return firstCell(spans)
	}
	at := func(r int) int {
		c := -1
		if col != "" {
			c = findColumn(tab, r, col)
		}
		if c < 0 {
			c = labelColumn(tab.Rows[r])
		}
		return c
	}
	r := rows[0]
	if len(rows) > 1 {
	pick:
		for _, want := range figures {
			for _, cand := range rows {
				if n, ok := amount.Parse(cellAt(tab.Rows[cand], at(cand))); ok && math.Abs(math.Abs(n.Value)-want) < 1e-9*math.Max(1, want) {
					r = cand
					break pick
				}
			}
		}
	}
	if r >= len(spans) {
		return firstCell(spans)
	}
	if c := at(r); c < len(spans[r]) && spans[r][c].End > 0 {
		return spans[r][c], true
	}
	return firstInRow(spans[r])
}

func cellAt(cells []string, c int) string {
	if c < 0 || c >= len(cells) {
		return ""
	}
	return cells[c]
}

// paragraphBefore is the paragraph the extractor took the table's title from.
func (l *locator) paragraphBefore(tab extract.Table) (extract.Span, bool) {
	if tab.Title == "" {
		return extract.Span{}, false
	}
	for i := len(l.doc.Paragraphs) - 1; i >= 0; i-- {
		if sameText(tab.Title, l.doc.Paragraphs[i].Text) && i < len(l.lay.Paragraphs) && l.before(l.lay.Paragraphs[i], tab) {
			return l.lay.Paragraphs[i], true
		}
	}
	return extract.Span{}, false
}

// before reports whether the paragraph at sp comes before the table tab in the part.
func (l *locator) before(sp extract.Span, tab extract.Table) bool {
	first, ok := firstCell(l.lay.Cells[tab.Index-1])
	return ok && sp.End <= first.Content
}

// rowAndColumn reads ", row 'R', column 'C'" (or "columns 'A' and 'B'": the first) from a
// table reference.
func rowAndColumn(ref string) (row, col string, ok bool) {
	i := strings.LastIndex(ref, ", row '")
	if i < 0 {
		return "", "", false
	}
	rest := ref[i+len(", row '"):]
	if j := strings.LastIndex(rest, "', column '"); j >= 0 && strings.HasSuffix(rest, "'") {
		return rest[:j], rest[j+len("', column '") : len(rest)-1], true
	}
	if j := strings.LastIndex(rest, "', columns '"); j >= 0 {
		cols := rest[j+len("', columns '"):]
		if k := strings.Index(cols, "'"); k >= 0 {
			cols = cols[:k]
		}
		return rest[:j], cols, true
	}
	if j := strings.Index(rest, "'"); j >= 0 {
		return rest[:j], "", true
	}
	return "", "", false
}

// How numeric_validation names a row without a label, and a column without a heading.
var (
	unlabelledRe = regexp.MustCompile(`^\(unlabelled row (\d+)\)$`)
	columnNRe    = regexp.MustCompile(`^column (\d+)$`)
)

// findRows are the rows whose label (the first cell, else any cell) is label, in order.
func findRows(tab extract.Table, label string) []int {
	if m := unlabelledRe.FindStringSubmatch(label); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n >= 1 && n <= len(tab.Rows) {
			return []int{n - 1}
		}
		return nil
	}
	for _, firstOnly := range []bool{true, false} {
		var out []int
		for r, cells := range tab.Rows {
			for c, text := range cells {
				if firstOnly && c > 0 {
					break
				}
				if text != "" && sameText(label, text) {
					out = append(out, r)
					break
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// findColumn is the column headed name above row r: a heading cell with that text, or, for a
// name built from stacked headings ("Cost Land"), the column whose lowest heading ends it.
func findColumn(tab extract.Table, r int, name string) int {
	if m := columnNRe.FindStringSubmatch(name); m != nil {
		if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= len(tab.Rows[r]) {
			return n - 1
		}
	}
	for _, above := range []int{r, len(tab.Rows)} {
		for i := above - 1; i >= 0; i-- {
			for c, text := range tab.Rows[i] {
				if c > 0 && text != "" && sameText(name, text) {
					return c
				}
			}
		}
	}
	best, bestLen := -1, 0
	norm := normText(name)
	for i := r - 1; i >= 0; i-- {
		for c, text := range tab.Rows[i] {
			if t := normText(text); c > 0 && t != "" && strings.HasSuffix(norm, t) && len(t) > bestLen {
				best, bestLen = c, len(t)
			}
		}
	}
	return best
}

// labelColumn is the column of a row's label: its first non-empty cell.
func labelColumn(cells []string) int {
	for c, t := range cells {
		if strings.TrimSpace(t) != "" {
			return c
		}
	}
	return 0
}

func firstCell(rows [][]extract.Span) (extract.Span, bool) {
	for _, r := range rows {
		if sp, ok := firstInRow(r); ok {
			return sp, true
		}
	}
	return extract.Span{}, false
}

func firstInRow(r []extract.Span) (extract.Span, bool) {
	for _, sp := range r {
		if sp.End > 0 {
			return sp, true
		}
	}
	return extract.Span{}, false
}

// sameText reports whether quoted, as an agent quoted it (spaces folded, perhaps cut short
// with "…"), is the text of a paragraph or cell.
func sameText(quoted, text string) bool {
	q, t := normText(quoted), normText(text)
	if q == "" {
		return false
	}
	if cut, ok := strings.CutSuffix(q, "…"); ok {
		return strings.HasPrefix(t, strings.TrimSpace(cut))
	}
	return q == t
}

// normText folds every run of white space (no-break and thin spaces included) into one space.
func normText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u2009' || r == '\u202f' || r == '\u2007'
	}), " ")
}

// figureRe finds the amounts a description prints: "(5,535)", "9.6%", "148,310".
var figureRe = regexp.MustCompile(`\(?-?\d[\d,]*(?:\.\d+)?\)?%?`)

// figures are the amounts a finding quotes, as magnitudes: raw_data's actual_value first (the
// figure the finding is about), then those its description prints.
func figures(rawData []byte, description string) []float64 {
	var out []float64
	var raw struct {
		Actual *float64 `json:"actual_value"`
	}
	if json.Unmarshal(rawData, &raw) == nil && raw.Actual != nil {
		out = append(out, math.Abs(*raw.Actual))
	}
	for _, m := range figureRe.FindAllString(description, 20) {
		if n, ok := amount.Parse(m); ok {
			out = append(out, math.Abs(n.Value))
		}
	}
	return out
}
