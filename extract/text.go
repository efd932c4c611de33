package extract

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text reads a statement written as Markdown or plain text (a .md or .txt file, as tools that
// export Markdown and e-mails give it) into the same Document as Docx: "#" headings, paragraphs
// separated by blank lines, list items, and tables typed as text (pipe tables, columns aligned
// with tabs or spaces) as tables. Only UTF-8 text is read: a file with bytes that are not UTF-8,
// or with control characters a text never holds (NUL, say), is ErrUnsupported, and text beyond
// MaxTextBytes or tables beyond MaxCells is ErrTooLarge. Safe for concurrent use.
func Text(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte order mark is no text
	if int64(len(data)) > lim.MaxTextBytes {
		return nil, fail(ErrTooLarge, "the document holds more than %s of text", mib(lim.MaxTextBytes))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(ErrUnsupported, "the file is empty")
	}
	if !utf8.Valid(data) {
		return nil, fail(ErrUnsupported, "the file is not UTF-8 text; save it as UTF-8 (or as a Word .docx document) and upload that")
	}
	if i := bytes.IndexFunc(data, binaryRune); i >= 0 {
		return nil, fail(ErrUnsupported, "the file holds binary data (a control character at byte %d), not text", i)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	return render(textTables(textBlocks(text)), lim.MaxCells, nil)
}

// binaryRune reports whether r never occurs in a text file: control characters other than tab,
// line feed, carriage return and form feed.
func binaryRune(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' && r != '\f'
}

// textBlocks splits Markdown into blocks: an ATX heading ("## Revenue") or a list item is a block
// of its own, and other lines run into one paragraph until a blank line, keeping their line
// breaks so the lines of a text table stay lines. Code fences are dropped and their lines read
// as a paragraph, since a table aligned with spaces is often put in one to keep it aligned.
func textBlocks(text string) []block {
	var out []block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{text: strings.Join(para, "\n")})
			para = nil
		}
	}
	n := map[int]int{} // the number of the last item of each ordered list level
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") || thematicBreak(line) {
			// A blank line ends a paragraph and a table: an empty block keeps the next lines
			// from running into them.
			flush()
			out = append(out, block{})
			continue
		}
		if level, title, ok := atxHeading(t); ok {
			flush()
			out = append(out, block{text: title, heading: level})
			clear(n)
			continue
		}
		if item, rest, ok := listMarker(line); ok {
			flush()
			if item.ordered {
				n[item.level]++
				item.n = n[item.level]
			}
			out = append(out, block{text: rest, list: &item})
			continue
		}
		para = append(para, line)
	}
	flush()
	return out
}

// thematicBreak reports whether a line is a Markdown rule on its own: "---", "***", "___", or
// spaced out ("- - -"). A rule under a column of figures is indented or has gaps in it, and
// stays a line of the table.
func thematicBreak(line string) bool {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
		return false
	}
	c := strings.ReplaceAll(t, " ", "")
	return len(c) >= 3 && (strings.Trim(c, "-") == "" || strings.Trim(c, "*") == "" || strings.Trim(c, "_") == "") &&
		!strings.Contains(t, "  ")
}

// atxHeading reads "# Title" to "###### Title", without a closing run of "#".
func atxHeading(t string) (int, string, bool) {
	level := len(t) - len(strings.TrimLeft(t, "#"))
	if level < 1 || level > 6 || (len(t) > level && t[level] != ' ' && t[level] != '\t') {
		return 0, "", false
	}
	title := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(t[level:]), "#"))
	return level, title, title != ""
}

// listMarker reads a list item's marker: "- ", "* ", "+ " or "1. ", "1) ", indented by two
// spaces a level. A dash before a figure ("-1,000") is a minus sign, not a marker.
func listMarker(line string) (listItem, string, bool) {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	t := line[indent:]
	item := listItem{level: min(indent/2, levels-1)}
	if len(t) > 2 && strings.ContainsRune("-*+", rune(t[0])) && t[1] == ' ' {
		rest := strings.TrimSpace(t[2:])
		if rest == "" || strings.Trim(t, "-*_ ") == "" {
			return listItem{}, "", false // a thematic break ("- - -", "* * *")
		}
		return item, rest, true
	}
	digits := len(t) - len(strings.TrimLeft(t, "0123456789"))
	if digits == 0 || digits > 3 || len(t) < digits+2 || (t[digits] != '.' && t[digits] != ')') || t[digits+1] != ' ' {
		return listItem{}, "", false
	}
	if _, err := strconv.Atoi(t[:digits]); err != nil {
		return listItem{}, "", false
	}
	rest := strings.TrimSpace(t[digits+2:])
	if rest == "" {
		return listItem{}, "", false
	}
	item.ordered = true
	return item, rest, true
}
