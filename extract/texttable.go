package extract

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file finds tables typed as text in the body paragraphs: Markdown pipe tables, and columns
// lined up with tabs or runs of spaces, as statements pasted from a PDF or an e-mail arrive (one
// paragraph per line, or lines broken inside one paragraph). Such a table becomes a table block,
// exactly like a Word table, so every agent reads it the same way.
//
// A run of lines is only a table when its rows read as a statement's rows: a label followed by
// amounts, under an optional heading row of periods. Prose that happens to hold a pipe, two
// spaces after a full stop or an address laid out in columns has no such rows and stays prose.

// minAlignedLines is how many consecutive lines tab- or space-aligned columns must run over.
const minAlignedLines = 3

// maxHeadings is how many heading rows may stand over the figures: a span ("Fiscal years
// ended July 31,"), the periods, the column names and the unit.
const maxHeadings = 4

// maxTextCell bounds the characters of one cell of a text table: longer runs are sentences.
const maxTextCell = 120

// textLine is one line of a body paragraph, with the block it came from.
type textLine struct {
	text string
	src  int // index of the paragraph block
}

// textTables replaces the lines of body paragraphs that form text tables with table blocks. A
// paragraph whose lines are only partly a table keeps the rest as paragraphs before and after.
// Headings, list items and Word tables are left as they are, and end a run of lines.
func textTables(blocks []block) []block {
	var out []block
	for i := 0; i < len(blocks); {
		if !plainBlock(blocks[i]) {
			out = append(out, blocks[i])
			i++
			continue
		}
		j := i
		var lines []textLine
		for ; j < len(blocks) && plainBlock(blocks[j]); j++ {
			for _, l := range strings.Split(blocks[j].text, "\n") {
				lines = append(lines, textLine{text: strings.TrimRight(l, "\r"), src: j})
			}
		}
		out = append(out, splitLines(blocks, lines)...)
		i = j
	}
	return out
}

// rowSpans places a text table's rows for a layout: each row at the paragraph its line came
// from, found by the row's first non-empty cell among the table's lines, in order (a row whose
// label is not found stays with the line before it).
func rowSpans(blocks []block, lines []textLine, rows [][]string) [][]Span {
	at := make([][]Span, len(rows))
	k := 0
	for r, row := range rows {
		for _, cell := range row {
			if cell == "" {
				continue
			}
			for j := k; j < len(lines); j++ {
				if strings.Contains(lines[j].text, cell) {
					k = j
					break
				}
			}
			break
		}
		at[r] = make([]Span, len(row))
		for c := range at[r] {
			at[r][c] = blocks[lines[k].src].at
		}
	}
	return at
}

// plainBlock reports whether b is a body paragraph that may hold lines of a text table.
func plainBlock(b block) bool {
	return b.table == nil && b.heading == 0 && b.list == nil
}

// splitLines turns a run of paragraph lines into paragraphs and text tables. Lines that are not
// part of a table are joined back into the paragraphs they came from.
func splitLines(blocks []block, lines []textLine) []block {
	var out []block
	var pending []string
	src := -1
	flush := func() {
		if src >= 0 {
			b := blocks[src]
			b.text = strings.Join(pending, "\n")
			out = append(out, b)
		}
		pending, src = nil, -1
	}
	// A reader that found no table from line i, having read its rows up to line j, finds none
	// from the lines between either (they start a part of the same rows): it is tried again
	// from j only, so a long run of lines is read in linear time.
	pipeFrom, alignedFrom := 0, 0
	for i := 0; i < len(lines); {
		var rows [][]string
		n, scanned := 0, 0
		if i >= pipeFrom {
			if rows, n, scanned = pipeTable(lines[i:]); n == 0 {
				pipeFrom = i + max(scanned, 1)
			}
		}
		if n == 0 && i >= alignedFrom {
			if rows, n, scanned = alignedTable(lines[i:]); n == 0 {
				alignedFrom = i + max(scanned, 1)
			}
		}
		if n > 0 {
			flush()
			out = append(out, block{table: &table{rows: rows, at: rowSpans(blocks, lines[i:i+n], rows)}})
			i += n
			continue
		}
		if lines[i].src != src {
			flush()
			src = lines[i].src
		}
		pending = append(pending, lines[i].text)
		i++
	}
	flush()
	return out
}

// pipeTable reads a Markdown pipe table: two or more rows of cells between pipes, with or
// without the |---| row under the heading. Lines must start with a pipe unless the separator
// row is there, and some row must hold an amount beside its label. It returns the rows, the
// lines they take (0 for no table) and the lines it read as rows either way.
func pipeTable(lines []textLine) ([][]string, int, int) {
	var rows [][]string
	sep := len(lines) > 1 && hasPipe(lines[1].text) && separatorRow(pipeCells(strings.TrimSpace(lines[1].text)))
	n := 0
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if !hasPipe(t) || !sep && !strings.HasPrefix(t, "|") {
			break
		}
		cells := pipeCells(t)
		if separatorRow(cells) {
			if n != 1 { // the separator belongs under the heading row, once
				break
			}
			n++
			continue
		}
		if len(cells) < 2 || tooLong(cells) {
			break
		}
		rows = append(rows, cells)
		n++
	}
	if len(rows) < 2 || !holdsAmounts(rows, 1) {
		return nil, 0, n
	}
	return padRows(rows), n, n
}

// padRows gives every row of a pipe table the same number of cells. A heading row shorter
// than the rows below it that names only periods stands over the figure columns, on the right
// ("| FY 2024 | 2023" over "Revenue | 7,200 | 2,400"); other short rows are padded on the right.
func padRows(rows [][]string) [][]string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	for i, r := range rows {
		if len(r) == width {
			continue
		}
		row := make([]string, width)
		if i == 0 && slices.ContainsFunc(r, isPeriod) && !slices.ContainsFunc(r, func(c string) bool {
			return c != "" && !isPeriod(c) && !isUnitHeading(c)
		}) {
			copy(row[width-len(r):], r)
		} else {
			copy(row, r)
		}
		rows[i] = row
	}
	return rows
}

// hasPipe reports whether a line holds a pipe that is not escaped.
func hasPipe(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			return true
		}
	}
	return false
}

// pipeCells splits a pipe table row into its cells, without the outer pipes, each trimmed, and
// an escaped pipe ("\|") read as a pipe.
func pipeCells(s string) []string {
	s = strings.TrimPrefix(s, "|")
	if strings.HasSuffix(s, "|") && !strings.HasSuffix(s, `\|`) {
		s = s[:len(s)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '|':
			cur.WriteByte('|')
			i++
		case s[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	cells = append(cells, strings.TrimSpace(cur.String()))
	for i, c := range cells {
		cells[i] = unemphasize(c)
	}
	return cells
}

// unemphasize drops the Markdown emphasis around a whole cell, as exports print totals:
// "**4,600**", "__Total__", "*2023*".
func unemphasize(c string) string {
	for _, m := range []string{"**", "__", "*", "_"} {
		if len(c) > 2*len(m) && strings.HasPrefix(c, m) && strings.HasSuffix(c, m) {
			return strings.TrimSpace(c[len(m) : len(c)-len(m)])
		}
	}
	return c
}

// separatorRow reports whether cells are a pipe table's rule: "---", ":--", "--:", ":-:".
func separatorRow(cells []string) bool {
	for _, c := range cells {
		c = strings.TrimSuffix(strings.TrimPrefix(c, ":"), ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return len(cells) > 0
}

// rowKind says what a line of aligned columns reads as.
type lineKind int

const (
	lineOther   lineKind = iota // not a row of a statement table
	lineHeading                 // periods (and a unit or a label over the first column)
	lineFigures                 // a label (or none) followed by amounts
	lineSection                 // one short label over the rows below it
	lineDashes                  // a label and dashes only: a line item without figures
)

// alignedTable reads columns lined up with tabs or runs of two or more spaces over three or
// more lines: up to maxHeadings heading rows (periods, units, column names), then rows of a label
// and figures, with section labels, rows of dashes and rules between them. It needs two rows of
// figures, and either a heading of periods or a row of two or more amounts, so a list of
// addresses or reference numbers is not read as one. The grid comes from the tabs when every
// line has as many, else from where the figures end on lines aligned with spaces, else the
// figures are lined up on the right. It returns the rows, the lines they take (0 for no table)
// and the lines it read before it stopped.
func alignedTable(lines []textLine) ([][]string, int, int) {
	var rows [][]string
	var kinds []lineKind
	figures, headings, wide, periods := 0, 0, false, false
	var used []int // the lines taken up to each row, rules included
	scanned := 0
	tabs := -1 // the tabs every row has when they all have the same (0: aligned with spaces); -2 when they differ
	var ends [][]int
	for n, l := range lines {
		scanned = n
		cells, e, t, ok := alignedCells(l.text)
		if !ok {
			break
		}
		if ruleLine(cells) {
			if len(rows) == 0 {
				break
			}
			continue // the rule under a column before its total: part of the table, not a row
		}
		k := classifyLine(cells)
		switch k {
		case lineHeading:
			// Headings open the table; a heading row further down starts another one.
			if headings++; headings > maxHeadings || len(rows) > headings-1 {
				k = lineOther
			}
			periods = periods || slices.ContainsFunc(cells, isPeriod)
		case lineFigures:
			figures++
			wide = wide || amounts(cells[1:]) >= 2
		case lineSection, lineDashes:
			if len(rows) == 0 {
				k = lineOther // a caption above the table is its title, not a row
			}
		}
		if k == lineOther {
			break
		}
		rows, kinds, used = append(rows, cells), append(kinds, k), append(used, n+1)
		ends = append(ends, e)
		scanned = n + 1
		switch {
		case tabs == -1:
			tabs = t
		case tabs != t:
			tabs = -2
		}
	}
	for len(kinds) > 0 && kinds[len(kinds)-1] != lineFigures {
		rows, kinds, used = rows[:len(rows)-1], kinds[:len(kinds)-1], used[:len(used)-1]
	}
	if len(rows) < minAlignedLines || figures < 2 || !(wide || periods) {
		return nil, 0, scanned
	}
	if tabs > 0 {
		// One tab between every two cells on every line, as a table copied from a sheet or a
		// Word table arrives: the tabs are the grid, and an empty cell keeps its column.
		for i, r := range rows {
			rows[i] = append(r, make([]string, tabs+1-len(r))...)
		}
		return rows, used[len(used)-1], scanned
	}
	if tabs == 0 {
		if grid, ok := columnsByPosition(rows, ends[:len(rows)], kinds); ok {
			return grid, used[len(used)-1], scanned
		}
	}
	for i, r := range rows {
		rows[i] = append(r[:1:1], slices.DeleteFunc(slices.Clone(r[1:]), func(c string) bool { return c == "" })...)
	}
	return alignRight(rows), used[len(used)-1], scanned
}

// columnsByPosition lays out a table aligned with spaces by where its figures end: figures are
// printed flush right, so every figure of a column ends at the same character (or one or two
// further, past a closing parenthesis). A heading cell goes to the column whose figures end
// nearest its own end. ok is false when two cells of a row fall in one column, or a heading is
// far from every column: then the caller lines the figures up on the right.
func columnsByPosition(rows [][]string, ends [][]int, kinds []lineKind) ([][]string, bool) {
	var edges []int
	for i, r := range rows {
		if kinds[i] != lineFigures && kinds[i] != lineDashes {
			continue
		}
		for j := 1; j < len(r); j++ {
			if r[j] != "" {
				edges = append(edges, ends[i][j])
			}
		}
	}
	slices.Sort(edges)
	var cols []int // the rightmost end of each column
	for _, e := range edges {
		if n := len(cols); n > 0 && e-cols[n-1] <= 2 {
			cols[n-1] = e
			continue
		}
		cols = append(cols, e)
	}
	if len(cols) == 0 {
		return nil, false
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		row := make([]string, len(cols)+1)
		row[0] = r[0]
		for j := 1; j < len(r); j++ {
			if r[j] == "" {
				continue
			}
			k, dist := 0, -1
			for c, e := range cols {
				if d := abs(e - ends[i][j]); dist < 0 || d < dist {
					k, dist = c, d
				}
			}
			if dist > maxHeadingOffset || row[k+1] != "" {
				return nil, false
			}
			row[k+1] = r[j]
		}
		out[i] = row
	}
	return out, true
}

// maxHeadingOffset is how far, in characters, a heading may end from the end of its column's
// figures (a heading centred over wider figures).
const maxHeadingOffset = 8

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ruleLine reports whether every cell is a rule drawn with dashes, equals signs or underscores
// ("-------", "=======") and some cell is not empty.
func ruleLine(cells []string) bool {
	some := false
	for _, c := range cells {
		if c == "" {
			continue
		}
		if len(c) < 2 || strings.Trim(c, "-=_") != "" {
			return false
		}
		some = true
	}
	return some
}

// alignedCells splits a line into cells: at each tab when it holds any (an empty cell between
// two tabs, and spaces inside a cell as in "$  5,228", are kept), else at runs of two or more
// spaces, where a currency sign standing alone ("$      5,228") joins the figure after it. A
// line that starts with a gap has an empty first cell (a heading row over the figure columns);
// empty cells at the end are dropped. It returns the cells, the line's tabs, and ok false for a
// blank line and for cells too long to be a table's.
func alignedCells(line string) ([]string, []int, int, bool) {
	if strings.TrimSpace(line) == "" {
		return nil, nil, 0, false
	}
	var cells []string
	var ends []int // for a line aligned with spaces, the character each cell ends before
	tabs := strings.Count(line, "\t")
	if tabs > 0 {
		for _, c := range strings.Split(line, "\t") {
			cells = append(cells, strings.TrimSpace(c))
		}
	} else {
		cell, col, cellEnd := 0, 0, 0 // byte offset where the cell starts; rune column; its end
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			if !unicode.IsSpace(r) {
				i, col = i+size, col+1
				cellEnd = col
				continue
			}
			j, n := i, 0 // the run of white space from i to j
			for j < len(line) {
				r, size := utf8.DecodeRuneInString(line[j:])
				if !unicode.IsSpace(r) {
					break
				}
				n, j = n+1, j+size
			}
			if n >= 2 {
				cells, ends = append(cells, strings.TrimSpace(line[cell:i])), append(ends, cellEnd) // "" for a leading gap
				cell = j
			}
			i, col = j, col+n
		}
		cells, ends = joinCurrency(append(cells, strings.TrimSpace(line[cell:])), append(ends, cellEnd))
	}
	for len(cells) > 1 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
		if ends != nil {
			ends = ends[:len(ends)-1]
		}
	}
	return cells, ends, tabs, !tooLong(cells)
}

// joinCurrency joins a cell that is only a currency sign or code to the figure after it, which
// keeps its end.
func joinCurrency(cells []string, ends []int) ([]string, []int) {
	out, outEnds := cells[:0:0], ends[:0:0]
	for i := 0; i < len(cells); i++ {
		if cur, rest, ok := amount.CutCurrency(cells[i]); ok && rest == "" && cur != "" && i+1 < len(cells) && isAmount(cells[i+1]) && i > 0 {
			out, outEnds = append(out, cells[i]+" "+cells[i+1]), append(outEnds, ends[i+1])
			i++
			continue
		}
		out, outEnds = append(out, cells[i]), append(outEnds, ends[i])
	}
	return out, outEnds
}

// classifyLine decides what a line of aligned cells is.
func classifyLine(cells []string) lineKind {
	if len(cells) == 1 {
		c := cells[0]
		if c != "" && utf8.RuneCountInString(c) <= 60 && !isAmount(c) && !strings.ContainsAny(c, ".;") {
			return lineSection
		}
		return lineOther
	}
	label := cells[0]
	if (label == "" || !isAmount(label) || isPeriod(label)) && headingCells(cells[1:]) {
		return lineHeading // years read as amounts too: a row of them heads the columns
	}
	switch figureCells(cells[1:]) {
	case figAmounts:
		// A label, a year (a maturity table's "2025"), or none (a total's line).
		if label == "" || !isAmount(label) || yearWord(label) {
			return lineFigures
		}
		return lineOther // figures without a label: a row of a list, not of a statement
	case figDashes:
		if label != "" && !isAmount(label) {
			return lineDashes
		}
		return lineOther
	}
	return lineOther
}

// headingCells reports whether cells can head columns of figures: periods ("2024", "FY 2024",
// "Dec 29, 2018"), units ("$000", "(in millions)") or short names ("Acquisitions",
// "Operating Leases"), and no amount or sentence among them.
func headingCells(cells []string) bool {
	some := false
	for _, c := range cells {
		switch {
		case c == "":
		case isPeriod(c) || isUnitHeading(c):
			some = true
		case isAmount(c) || utf8.RuneCountInString(c) > 40 || strings.ContainsAny(c, ".;!?"):
			return false
		default:
			some = true
		}
	}
	return some
}

// figures says what the cells after a row's label hold.
type figures int

const (
	figNone    figures = iota // something that is not a figure
	figAmounts                // amounts, some not a dash
	figDashes                 // dashes only: a line item with nothing this year
)

// figureCells reads the cells after a row's label: amounts, dashes and blanks, and short
// figures with a unit the parser leaves alone ("(16) bps", "8 years").
func figureCells(cells []string) figures {
	some, dash := false, false
	for _, c := range cells {
		if c == "" {
			continue
		}
		n, ok := amount.Parse(c)
		switch {
		case ok && n.Dash:
			dash = true
		case ok:
			some = true
		case utf8.RuneCountInString(c) <= 15 && strings.ContainsAny(c, "0123456789") && !strings.ContainsAny(c, ".;") && !yearWord(c):
			// a figure with a unit: counts as a cell of the row, not as an amount
		default:
			return figNone
		}
	}
	switch {
	case some:
		return figAmounts
	case dash:
		return figDashes
	}
	return figNone
}

// amounts counts the cells that hold an amount (not a dash).
func amounts(cells []string) int {
	k := 0
	for _, c := range cells {
		if n, ok := amount.Parse(c); ok && !n.Dash {
			k++
		}
	}
	return k
}

// isAmount reports whether a cell reads as an amount or a dash.
func isAmount(c string) bool {
	_, ok := amount.Parse(c)
	return ok
}

// holdsAmounts reports whether some row holds an amount (not a dash) at column from or after.
func holdsAmounts(rows [][]string, from int) bool {
	for _, r := range rows {
		if len(r) > from && amounts(r[from:]) > 0 {
			return true
		}
	}
	return false
}

// tooLong reports whether a cell is longer than a table's cells are.
func tooLong(cells []string) bool {
	for _, c := range cells {
		if utf8.RuneCountInString(c) > maxTextCell {
			return true
		}
	}
	return false
}

// periodWords may stand in a heading cell beside the year: "FY 2024", "31 December 2024",
// "Year ended 30 June 2024", "2024 restated", "2024 $000".
var periodWords = map[string]bool{
	"fy": true, "year": true, "years": true, "ended": true, "ending": true, "to": true, "at": true,
	"as": true, "of": true, "restated": true, "actual": true, "budget": true, "audited": true,
	"unaudited": true, "h1": true, "h2": true, "q1": true, "q2": true, "q3": true, "q4": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"january": true, "february": true, "march": true, "april": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
}

// isPeriod reports whether a heading cell names a period: a year (1900–2100), "FY24", "FY 2024",
// "31 December 2024", "2024 $000".
func isPeriod(c string) bool {
	year := false
	for _, w := range strings.FieldsFunc(strings.ToLower(c), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '/' || r == '(' || r == ')'
	}) {
		switch {
		case yearWord(w):
			year = true
		case strings.HasPrefix(w, "fy") && len(w) > 2 && yearDigits(w[2:]),
			strings.HasPrefix(w, "f") && len(w) > 1 && yearDigits(w[1:]):
			year = true
		case periodWords[w] || isUnitHeading(w):
		case len(w) <= 2 && allDigits(w): // the day of a date
		default:
			return false
		}
	}
	return year
}

// yearWord reports whether w is a year between 1900 and 2100.
func yearWord(w string) bool {
	if len(w) != 4 || !allDigits(w) {
		return false
	}
	return w >= "1900" && w <= "2100"
}

// yearDigits reports whether w is a two- or four-digit year ("24", "2024").
func yearDigits(w string) bool {
	return len(w) == 2 && allDigits(w) || yearWord(w)
}

func allDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// isUnitHeading reports whether a heading cell only states the unit or a note column: "$",
// "$000", "€m", "£'000", "US$ thousands", "Note", "%".
func isUnitHeading(c string) bool {
	c = strings.ToLower(strings.TrimSpace(c))
	c = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(c, "("), ")"))
	c = strings.TrimPrefix(c, "in ")
	if unitWords[c] {
		return true
	}
	cur, rest, ok := amount.CutCurrency(c)
	if !ok || cur == "" {
		return false
	}
	rest = strings.TrimPrefix(strings.TrimSpace(rest), "in ")
	return rest == "" || unitWords[rest]
}

// unitWords name the unit of a column: "000", "millions", "m", "%".
var unitWords = map[string]bool{
	"note": true, "notes": true, "%": true, "000": true, "'000": true, "’000": true, "000s": true,
	"m": true, "mn": true, "bn": true, "k": true, "thousand": true, "thousands": true,
	"million": true, "millions": true, "billion": true, "billions": true,
}

// alignRight lays rows of aligned cells on one grid. The label stays in the first column and
// the figures go to the rightmost columns, as a statement prints them: a row with fewer cells
// has left an amount column empty, and a heading row over the figures lacks the label column.
func alignRight(rows [][]string) [][]string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		row := make([]string, width)
		row[0] = r[0]
		from := 1
		if len(r) < width && (isPeriod(r[0]) || r[0] == "") && len(r) > 1 {
			from = 0 // a heading row of periods only: every cell is over a figure column
		}
		if from == 0 {
			row[0] = ""
		}
		copy(row[width-(len(r)-from):], r[from:])
		out[i] = row
	}
	return out
}
