package disclosure

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// piece is the smallest thing a finding can point at: a heading, a paragraph or one table row.
type piece struct {
	text string // as printed
	norm string // normalize(text)
	ref  string // where it is, for source_refs: "Section '12 Leases'", "Table 4 'Leases', row 'Additions'"
	// cells holds a table row's cells as printed, so a quote can name the cell that matched.
	cells []string
	// figure is set for a table row with an amount in it and for a paragraph that states one.
	figure bool
	// title is set for headings, table titles and short title-like paragraphs, where a
	// statement names itself.
	title bool
}

// unit is one place a group of terms must be found together: a paragraph, a table row, a
// table, a note section.
type unit struct {
	pieces []piece
	norm   string // the pieces' normalised text joined
	// context is the normalised headings above the unit (and a table's title), which count for
	// a term ("Maturity analysis" under "12 Leases") but are not quoted. A group's Title
	// constraint is checked against it alone.
	context string
	// timeBands is set for a table whose header or first column has two or more maturity time
	// bands, and for a paragraph that states one.
	timeBands bool
	figure    bool
	// normID and contextID name norm and context in the view's match cache: the same
	// context stands above every paragraph of a note, and the same terms are sought by many
	// items.
	normID, contextID int
}

// view is a document laid out for the checklist: every scope's units, built once per run,
// with what has been searched already.
type view struct {
	units map[string][]unit
	// found caches each group's result, since many items share a signal ("right of use|lease
	// liabilit").
	found map[foundKey]foundResult
	// texts interns unit contexts; matched caches a term's result on a text by their ids.
	texts   map[string]int
	nextID  int
	matched map[termKey]bool
}

// termKey is one term sought in one text of the view.
type termKey struct {
	pattern string
	text    int
}

// match tells whether re matches the text with the given id, remembering the answer.
func (v *view) match(re *regexp.Regexp, id int, text string) bool {
	k := termKey{re.String(), id}
	m, ok := v.matched[k]
	if !ok {
		m = re.MatchString(text)
		v.matched[k] = m
	}
	return m
}

// textID returns the id of a text, the same for equal texts.
func (v *view) textID(s string) int {
	id, ok := v.texts[s]
	if !ok {
		v.nextID++
		id = v.nextID
		v.texts[s] = id
	}
	return id
}

// foundKey identifies one search of a group.
type foundKey struct {
	group    string
	affirmed bool
}

type foundResult struct {
	h  hit
	ok bool
}

// block is a heading, paragraph or table of the document in reading order.
type block struct {
	level int            // heading level, 0 for body text and tables
	text  string         // heading or paragraph text
	table *extract.Table // set for a table
}

// section is a heading with the blocks under it up to the next heading.
type section struct {
	path   []string // heading titles from the top down to this section's own heading
	level  int      // this section's heading level (0 for the text before the first heading)
	blocks []block
}

// newView lays doc out into the units every scope searches.
func newView(doc *extract.Document) *view {
	secs := sections(blocksOf(doc))
	v := &view{units: map[string][]unit{}, found: map[foundKey]foundResult{},
		texts: map[string]int{}, matched: map[termKey]bool{}}
	for i, s := range secs {
		ctx := normalize(strings.Join(s.path, " \n "))
		ref := sectionRef(s)
		var all []piece
		var caps captions
		for _, b := range s.blocks {
			switch {
			case b.table != nil:
				t := b.table
				tp := tablePieces(t)
				tctx := caps.context(ctx) + " \n " + normalize(t.Title)
				whole := tp
				if t.Title != "" {
					whole = append([]piece{textPiece(t.Title, tableRef(t), true)}, tp...)
				}
				v.add("table", unit{pieces: whole, context: tctx, timeBands: timeBanded(t), figure: anyFigure(tp)})
				for _, p := range tp {
					v.add("row", unit{pieces: []piece{p}, context: tctx, figure: p.figure,
						timeBands: timeBand.MatchString(p.norm)})
					v.add("paragraph", unit{pieces: []piece{p}, context: tctx, figure: p.figure,
						timeBands: timeBand.MatchString(p.norm)})
					v.add("line", unit{pieces: []piece{p}, context: tctx, figure: p.figure,
						timeBands: timeBand.MatchString(p.norm)})
				}
				caps.add(tp...)
				if t.Title != "" {
					v.add("title", unit{pieces: []piece{textPiece(t.Title, tableRef(t), true)}})
				}
				all = append(all, tp...)
			case b.level > 0:
				// A heading names a topic but discloses nothing by itself: it is searched as a
				// heading or title, and counts as context for the text under it, but it is not
				// a paragraph. A note left with its heading and without its content still
				// misses the content.
				p := textPiece(b.text, ref, true)
				v.add("heading", unit{pieces: []piece{p}})
				v.add("title", unit{pieces: []piece{p}})
				all = append(all, p)
			default:
				p := textPiece(b.text, ref, titleLike(b.text))
				if p.title {
					v.add("title", unit{pieces: []piece{p}})
				}
				if numbered, ok := captionLike(b.text); ok {
					caps.start(v, ctx, p.norm, numbered)
				}
				caps.add(p)
				pctx := caps.context(ctx)
				para := unit{pieces: []piece{p}, context: pctx, figure: p.figure, timeBands: timeBand.MatchString(p.norm)}
				v.add("paragraph", para)
				v.add("text", para)
				for _, sen := range sentences(b.text) {
					sp := textPiece(sen, ref, false)
					su := unit{pieces: []piece{sp}, context: pctx, figure: sp.figure, timeBands: timeBand.MatchString(sp.norm)}
					v.add("sentence", su)
					v.add("line", su)
				}
				all = append(all, p)
			}
		}
		caps.end(v)
		v.add("leaf", unit{pieces: all, context: ctx, figure: anyFigure(all)})
		// A section with its subsections is one note as long as it is note-sized; the
		// "Notes to the financial statements" heading over twenty notes is not.
		sub := all
		n := 0
		for j := i + 1; j < len(secs) && secs[j].level > s.level && s.level > 0; j++ {
			n++
			for _, b := range secs[j].blocks {
				if b.table != nil {
					sub = append(sub, tablePieces(b.table)...)
				} else {
					sub = append(sub, textPiece(b.text, sectionRef(secs[j]), false))
				}
			}
		}
		if n <= maxSubsections {
			v.add("section", unit{pieces: sub, context: ctx, figure: anyFigure(sub)})
		}
	}
	var all []piece
	for _, u := range v.units["leaf"] {
		all = append(all, u.pieces...)
	}
	v.add("document", unit{pieces: all, figure: anyFigure(all)})
	return v
}

// captions are the caption-like paragraphs of a heading's section ("19. Related party
// transactions", "Compensation of key management personnel" set as plain paragraphs rather
// than headings), which stand in for headings below the heading's own section: they count as
// context for the paragraphs and tables after them (terms and a group's Title alike), and each
// opens a stretch, to the next numbered caption or the section's end, that is a leaf and a
// section unit of its own. A note titled by a plain paragraph is thus still a note. The
// stretches lie inside their section's leaf.
type captions struct {
	// titles are the normalised captions in force: the last numbered one and those after it,
	// at most maxCaptions.
	titles []string
	runs   []captionRun
}

type captionRun struct {
	context string
	pieces  []piece
}

// maxCaptions bounds the captions in force and the stretches open at once.
const maxCaptions = 3

// context is the heading context ctx with the captions in force.
func (c *captions) context(ctx string) string {
	if len(c.titles) == 0 {
		return ctx
	}
	return ctx + " \n " + strings.Join(c.titles, " \n ")
}

// start takes the caption title, normalised, into force and opens its stretch. A numbered
// caption starts a new note: it ends the captions and stretches before it.
func (c *captions) start(v *view, ctx, title string, numbered bool) {
	if numbered {
		c.end(v)
		c.titles = nil
	}
	c.titles = append(c.titles, title)
	if len(c.titles) > maxCaptions {
		c.titles = c.titles[1:]
	}
	if len(c.runs) == maxCaptions {
		c.close(v, c.runs[0])
		c.runs = c.runs[1:]
	}
	c.runs = append(c.runs, captionRun{context: c.context(ctx)})
}

// add puts pieces into every open stretch.
func (c *captions) add(ps ...piece) {
	for i := range c.runs {
		c.runs[i].pieces = append(c.runs[i].pieces, ps...)
	}
}

// end closes every open stretch.
func (c *captions) end(v *view) {
	for _, r := range c.runs {
		c.close(v, r)
	}
	c.runs = nil
}

func (c *captions) close(v *view, r captionRun) {
	for _, scope := range []string{"leaf", "section"} {
		v.add(scope, unit{pieces: r.pieces, context: r.context, figure: anyFigure(r.pieces)})
	}
}

// maxSubsections is the most subsections a heading may have for its whole text to count as one
// note section.
const maxSubsections = 5

func (v *view) add(scope string, u unit) {
	norms := make([]string, len(u.pieces))
	for i, p := range u.pieces {
		norms[i] = p.norm
	}
	u.norm = strings.Join(norms, " \n ")
	u.normID, u.contextID = v.textID(u.norm), v.textID(u.context)
	v.units[scope] = append(v.units[scope], u)
}

// textPiece makes the piece of a heading or paragraph.
func textPiece(text, ref string, title bool) piece {
	n := normalize(text)
	return piece{text: text, norm: n, ref: ref, title: title, figure: amountInText.MatchString(n) || groupedAmount.MatchString(text)}
}

// tablePieces makes one piece per table row. A row is labelled by its first non-empty cell.
func tablePieces(t *extract.Table) []piece {
	out := make([]piece, 0, len(t.Rows))
	notes := noteColumns(t)
	for _, r := range t.Rows {
		label := ""
		figure := false
		for j, c := range r {
			c = strings.TrimSpace(c)
			if label == "" && c != "" {
				label = c
			}
			if !notes[j] && isAmount(c) {
				figure = true
			}
		}
		if label == "" {
			continue
		}
		text := strings.Join(nonEmpty(r), " | ")
		out = append(out, piece{
			text: text, norm: normalize(text), cells: r, figure: figure,
			ref: fmt.Sprintf("%s, row '%s'", tableRef(t), clip(label, 80)),
		})
	}
	return out
}

func nonEmpty(cells []string) []string {
	var out []string
	for _, c := range cells {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// isAmount tells whether a cell holds an amount: a figure that is not a year.
func isAmount(cell string) bool {
	n, ok := amount.Parse(cell)
	if !ok || n.Dash || n.Percent {
		return false
	}
	v := n.Value
	if n.Decimals == 0 && n.Currency == "" && v >= 1900 && v <= 2100 && !strings.ContainsAny(strings.TrimSpace(cell), ",( '’\u00a0\u2009\u202f\u2007") {
		return false // a year heading
	}
	return true
}

// noteColumns finds the columns headed "Note" or "Notes" in a table's first two rows: their
// figures are references, not amounts.
func noteColumns(t *extract.Table) map[int]bool {
	cols := map[int]bool{}
	for i, r := range t.Rows {
		if i > 1 {
			break
		}
		for j, c := range r {
			if n := normalize(c); n == "note" || n == "note no." || n == "note no" {
				cols[j] = true
			}
		}
	}
	return cols
}

func anyFigure(ps []piece) bool {
	for _, p := range ps {
		if p.figure {
			return true
		}
	}
	return false
}

// amountInText finds an amount stated in prose (normalised): "€4.2 million", "$ 12,300",
// "1,234", "8 555" (thousands set off by a space, no-break or thin space), "chf 450", "3.1m".
var amountInText = regexp.MustCompile(`(?:[$€£¥]|\b(?:usd|eur|gbp|chf|aud|cad|jpy|cu|a\$|r)\b) ?\d|\b\d{1,3}(?:,\d{3})+\b|\b\d{1,3}(?: \d{3})+\b|\b\d+(?:\.\d+)? ?(?:m|bn|k|million|billion|thousand|000)\b`)

// groupedAmount finds an amount with apostrophes or Unicode spaces between its thousands in
// the printed text ("8'555", "8 555"), which normalize folds away.
var groupedAmount = regexp.MustCompile(`(?:^|[^\d'’.,])\d{1,3}(?:['’\x{00a0}\x{2009}\x{202f}\x{2007}]\d{3})+(?:$|[^\d'’])`)

// timeBand finds a maturity time band: "within one year", "1 5 year" (from "1-5 years"), "more
// than five year", "later than 5 year", "on demand", "thereafter", "year 2".
var timeBand = regexp.MustCompile(`\b(?:within|less than|not later than|no later than|not more than|up to|under|after|later than|more than|over|between|greater than|beyond|in)? ?(?:\d+|one|two|three|four|five|six|ten|twelve)(?: (?:to|and|or))? ?(?:\d+|one|two|three|four|five|ten)? (?:year|month|yr)\b|\byear [1-9]\b|\bon demand\b|\bthereafter\b|\band (?:later|after|beyond)\b|[<>] ?\d`)

// timeBanded tells whether a table is laid out by maturity: two or more time bands across its
// first two rows or down its first column.
func timeBanded(t *extract.Table) bool {
	seen := map[string]bool{}
	for i, r := range t.Rows {
		for j, c := range r {
			if i > 1 && j > 0 {
				break
			}
			if n := normalize(c); n != "" && timeBand.MatchString(n) && !isAmount(c) {
				seen[n] = true
			}
		}
	}
	return len(seen) >= 2
}

// captionLike tells whether a body paragraph reads as a caption that titles what follows it: a
// note title ("21. Related party transactions", "Note 21 Related parties"), or a short line of
// a few words without a sentence end ("Related party transactions"). numbered is set for a
// note title.
func captionLike(s string) (numbered, ok bool) {
	s = strings.TrimSpace(s)
	if noteTitle.MatchString(s) {
		return true, true
	}
	if !titleLike(s) || len([]rune(s)) > 80 || len(strings.Fields(s)) > 10 {
		return false, false
	}
	r := []rune(s)[0]
	return false, unicode.IsUpper(r) || unicode.IsDigit(r)
}

// titleLike tells whether a body paragraph reads as a title: short, no sentence end. Statements
// set in plain bold paragraphs name their statements and notes this way.
func titleLike(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && len([]rune(s)) <= 120 && !strings.HasSuffix(s, ".") && !strings.Contains(s, ". ")
}

// noteTitle is a body paragraph that opens a note in a statement without heading styles:
// "12. Leases", "Note 12 Leases", "12 Leases".
var noteTitle = regexp.MustCompile(`^(?i:note\s+)?\d{1,2}(?:\.\d{1,2})?[.)]?\s+\p{Lu}[^.]{2,80}$`)

func tableRef(t *extract.Table) string {
	if t.Title == "" {
		return fmt.Sprintf("Table %d", t.Index)
	}
	return fmt.Sprintf("Table %d '%s'", t.Index, clip(t.Title, 80))
}

func sectionRef(s section) string {
	if len(s.path) == 0 {
		return "Opening text"
	}
	return fmt.Sprintf("Section '%s'", clip(s.path[len(s.path)-1], 80))
}

// blocksOf lays the document out in reading order. The markdown holds the order; tables are
// taken from doc.Tables by position, so their cells are exact. A document built without
// markdown is read as its paragraphs followed by its tables.
func blocksOf(doc *extract.Document) []block {
	var out []block
	if strings.TrimSpace(doc.Markdown) == "" {
		for _, p := range doc.Paragraphs {
			out = append(out, block{level: p.Heading, text: p.Text})
		}
		for i := range doc.Tables {
			out = append(out, block{table: &doc.Tables[i]})
		}
		return withNoteTitles(out)
	}
	lines := strings.Split(doc.Markdown, "\n")
	tables := 0
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{text: strings.Join(para, "\n")})
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "|") && i+1 < len(lines) && separatorRow(lines[i+1]):
			flush()
			j := i + 2
			for j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|") {
				j++
			}
			if tables < len(doc.Tables) {
				out = append(out, block{table: &doc.Tables[tables]})
			} else {
				out = append(out, block{table: pipeTable(lines[i:j], tables+1)})
			}
			tables++
			i = j - 1
		case headingLine.MatchString(l):
			flush()
			m := headingLine.FindStringSubmatch(l)
			out = append(out, block{level: len(m[1]), text: strings.TrimSpace(m[2])})
		case listItem.MatchString(l):
			flush()
			para = append(para, listItem.ReplaceAllString(l, ""))
		default:
			para = append(para, strings.TrimPrefix(t, `\`))
		}
	}
	flush()
	return withNoteTitles(out)
}

var (
	headingLine = regexp.MustCompile(`^(#{1,6}) (.*)$`)
	listItem    = regexp.MustCompile(`^\s*(?:[-*+]|\d+\.) `)
)

// withNoteTitles promotes note-title paragraphs ("12. Leases") to headings when the document
// has almost no heading styles, so that a note is still a section.
func withNoteTitles(bs []block) []block {
	headings := 0
	for _, b := range bs {
		if b.level > 0 {
			headings++
		}
	}
	if headings >= 3 {
		return bs
	}
	for i, b := range bs {
		if b.table == nil && b.level == 0 && noteTitle.MatchString(strings.TrimSpace(b.text)) {
			bs[i].level = 2
		}
	}
	return bs
}

func separatorRow(l string) bool {
	l = strings.TrimSpace(l)
	if !strings.HasPrefix(l, "|") {
		return false
	}
	return strings.Trim(l, "|-: ") == ""
}

// pipeTable reads a markdown pipe table, for a document whose Tables were not kept.
func pipeTable(lines []string, index int) *extract.Table {
	t := &extract.Table{Index: index}
	for i, l := range lines {
		if i == 1 {
			continue
		}
		l = strings.TrimSpace(l)
		l = strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|")
		cells := strings.Split(strings.ReplaceAll(l, `\|`, "\x00"), "|")
		for j, c := range cells {
			cells[j] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// sections groups blocks under their headings. A document title (a first heading above every
// other) is left out of the paths below it: the entity's name ("Kestrel Drilling Services") is
// no context for its notes.
func sections(bs []block) []section {
	var out []section
	cur := section{}
	var path []string
	var levels []int
	root := documentTitle(bs)
	for i, b := range bs {
		if b.level == 0 {
			cur.blocks = append(cur.blocks, b)
			continue
		}
		if len(cur.blocks) > 0 || cur.level > 0 {
			out = append(out, cur)
		}
		if i == root {
			cur = section{path: []string{b.text}, level: b.level, blocks: []block{b}}
			continue
		}
		for len(levels) > 0 && levels[len(levels)-1] >= b.level {
			levels, path = levels[:len(levels)-1], path[:len(path)-1]
		}
		levels, path = append(levels, b.level), append(path, b.text)
		cur = section{path: append([]string(nil), path...), level: b.level, blocks: []block{b}}
	}
	if len(cur.blocks) > 0 {
		out = append(out, cur)
	}
	return out
}

// documentTitle returns the index of the document's title heading, the first heading when it
// is shallower than every other, or -1.
func documentTitle(bs []block) int {
	first := -1
	for i, b := range bs {
		if b.level == 0 {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		if b.level <= bs[first].level {
			return -1
		}
	}
	return first
}
