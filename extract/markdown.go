package extract

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTitle is the length, in characters, a table title is cut to.
const maxTitle = 120

// render lays out the body's blocks as the Document: markdown in reading order, the top-level
// tables padded to their grid, and the paragraphs outside tables.
func render(blocks []block, maxCells int, layout *Layout) (*Document, error) {
	doc := &Document{}
	var (
		md     strings.Builder
		title  string
		cells  int
		inList bool
		levels []int // w:ilvl of each open list level
		widths []int // marker width of the last item at each open level
	)
	sep := func(list bool) {
		switch {
		case md.Len() == 0:
		case list && inList:
			md.WriteByte('\n')
		default:
			md.WriteString("\n\n")
		}
		inList = list
		if !list {
			levels, widths = levels[:0], widths[:0]
		}
	}
	for _, b := range blocks {
		if b.table != nil {
			rows, width := pad(b.table)
			if width == 0 {
				continue
			}
			if cells += len(rows) * width; cells > maxCells {
				return nil, fail(ErrTooLarge, "the tables hold more than %d cells", maxCells)
			}
			doc.Tables = append(doc.Tables, Table{Index: len(doc.Tables) + 1, Title: title, Rows: rows})
			if layout != nil {
				layout.Cells = append(layout.Cells, padSpans(b.table, width))
			}
			sep(false)
			writeTable(&md, rows)
			continue
		}
		text := plain(b.text)
		if text == "" {
			continue
		}
		doc.Paragraphs = append(doc.Paragraphs, Paragraph{Text: text, Heading: b.heading})
		if layout != nil {
			layout.Paragraphs = append(layout.Paragraphs, b.at)
		}
		title = cut(strings.ReplaceAll(text, "\n", " "), maxTitle)
		switch {
		case b.heading > 0:
			sep(false)
			md.WriteString(strings.Repeat("#", b.heading))
			md.WriteByte(' ')
			md.WriteString(strings.ReplaceAll(text, "\n", " "))
		case b.list != nil:
			sep(true)
			// Nest by the list levels actually open, so a list that starts at level 2 is not
			// indented into a code block, and indent by the parent markers' widths.
			for len(levels) > 0 && levels[len(levels)-1] > b.list.level {
				levels, widths = levels[:len(levels)-1], widths[:len(widths)-1]
			}
			if len(levels) == 0 || levels[len(levels)-1] < b.list.level {
				levels, widths = append(levels, b.list.level), append(widths, 0)
			}
			indent := 0
			for _, wd := range widths[:len(widths)-1] {
				indent += wd
			}
			marker := "- "
			if b.list.ordered {
				marker = strconv.Itoa(max(b.list.n, 0)) + ". "
			}
			widths[len(widths)-1] = len(marker)
			for i, line := range strings.Split(text, "\n") {
				if i == 0 {
					md.WriteString(strings.Repeat(" ", indent))
					md.WriteString(marker)
				} else {
					md.WriteByte('\n')
					md.WriteString(strings.Repeat(" ", indent+len(marker)))
				}
				md.WriteString(line)
			}
		default:
			sep(false)
			for i, line := range strings.Split(text, "\n") {
				if i > 0 {
					md.WriteByte('\n')
				}
				if strings.HasPrefix(line, "#") { // not a heading: keep it from reading as one
					md.WriteByte('\\')
				}
				md.WriteString(line)
			}
		}
	}
	if md.Len() > 0 {
		md.WriteByte('\n')
	}
	doc.Markdown = md.String()
	return doc, nil
}

// pad lays a table's rows out on one grid: as wide as its w:tblGrid or its widest row,
// whichever is wider, every row padded with empty cells.
func pad(t *table) ([][]string, int) {
	width := min(t.grid, maxColumns)
	for _, r := range t.rows {
		width = max(width, len(r))
	}
	if width == 0 {
		return nil, 0
	}
	rows := make([][]string, len(t.rows))
	for i, r := range t.rows {
		if len(r) < width {
			r = append(r, make([]string, width-len(r))...)
		}
		rows[i] = r
	}
	return rows, width
}

// padSpans lays a table's cell positions out on the grid pad gives its text.
func padSpans(t *table, width int) [][]Span {
	out := make([][]Span, len(t.at))
	for i, r := range t.at {
		if len(r) < width {
			r = append(r, make([]Span, width-len(r))...)
		}
		out[i] = r
	}
	return out
}

// writeTable writes rows as a markdown pipe table, the first row as its header.
func writeTable(md *strings.Builder, rows [][]string) {
	cell := strings.NewReplacer("|", `\|`, "\n", "<br>")
	line := func(cells []string) {
		md.WriteByte('|')
		for _, c := range cells {
			md.WriteByte(' ')
			cell.WriteString(md, c)
			md.WriteString(" |")
		}
	}
	for i, r := range rows {
		if i > 0 {
			md.WriteByte('\n')
		}
		line(r)
		if i == 0 {
			md.WriteString("\n|")
			for range r {
				md.WriteString(" --- |")
			}
		}
	}
}

// cut shortens s to at most n characters, never splitting one.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return strings.TrimSpace(s[:i])
}
