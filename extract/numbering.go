package extract

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// levels is the number of list levels WordprocessingML defines (w:ilvl 0–8).
const levels = 9

// lvlDef is one level of a list definition.
type lvlDef struct {
	set   bool
	start int
	fmt   string // w:numFmt: "bullet", "decimal", "lowerLetter", "none", ...
	text  string // w:lvlText, e.g. "%1.%2."
}

// abstractNum is a list definition (w:abstractNum).
type abstractNum struct {
	lvls      [levels]lvlDef
	styleLink string // w:numStyleLink: the definition lives in a numbering style
}

// numDef is a list instance (w:num): a definition plus per-level overrides.
type numDef struct {
	abstract int
	lvls     [levels]lvlDef // w:lvlOverride/w:lvl
	startSet [levels]bool
	start    [levels]int // w:lvlOverride/w:startOverride
}

// numbering holds word/numbering.xml: which list each w:numId is and how it numbers.
type numbering struct {
	abstracts map[int]*abstractNum
	nums      map[int]*numDef
}

func newNumbering() *numbering {
	return &numbering{abstracts: map[int]*abstractNum{}, nums: map[int]*numDef{}}
}

// read fills n from word/numbering.xml.
func (n *numbering) read(t *tokens) error {
	if _, err := t.root(); err != nil {
		return err
	}
	return t.each(func(se xml.StartElement) error {
		switch {
		case isW(se, "abstractNum"):
			a := &abstractNum{}
			if _, dup := n.abstracts[intAttr(se, "abstractNumId", -1)]; !dup {
				n.abstracts[intAttr(se, "abstractNumId", -1)] = a
			}
			return t.each(func(c xml.StartElement) error {
				switch {
				case isW(c, "lvl"):
					if i := intAttr(c, "ilvl", -1); i >= 0 && i < levels {
						return readLvl(t, &a.lvls[i])
					}
				case isW(c, "numStyleLink"):
					a.styleLink, _ = attr(c, "val")
				}
				return t.skip()
			})
		case isW(se, "num"):
			d := &numDef{abstract: -1}
			if _, dup := n.nums[intAttr(se, "numId", -1)]; !dup {
				n.nums[intAttr(se, "numId", -1)] = d
			}
			return t.each(func(c xml.StartElement) error {
				switch {
				case isW(c, "abstractNumId"):
					d.abstract = intAttr(c, "val", -1)
				case isW(c, "lvlOverride"):
					i := intAttr(c, "ilvl", -1)
					if i < 0 || i >= levels {
						return t.skip()
					}
					return t.each(func(o xml.StartElement) error {
						switch {
						case isW(o, "startOverride"):
							d.start[i], d.startSet[i] = intAttr(o, "val", 1), true
						case isW(o, "lvl"):
							return readLvl(t, &d.lvls[i])
						}
						return t.skip()
					})
				}
				return t.skip()
			})
		}
		return t.skip()
	})
}

// readLvl reads a w:lvl whose start tag was just read. Its w:numFmt may sit inside
// mc:AlternateContent; any branch will do, since every format but bullet numbers alike here.
func readLvl(t *tokens, l *lvlDef) error {
	*l = lvlDef{set: true, start: 1, fmt: "decimal"}
	var walk func(xml.StartElement) error
	walk = func(se xml.StartElement) error {
		switch {
		case isW(se, "start"):
			l.start = intAttr(se, "val", 1)
		case isW(se, "numFmt"):
			l.fmt, _ = attr(se, "val")
		case isW(se, "lvlText"):
			l.text, _ = attr(se, "val")
		case isMC(se, "AlternateContent"), isMC(se, "Choice"), isMC(se, "Fallback"):
			return t.each(walk)
		}
		return t.skip()
	}
	return t.each(walk)
}

// level resolves how list numID numbers level ilvl, following a numbering-style link.
func (n *numbering) level(st styles, numID, ilvl int) (lvlDef, bool) {
	for hop := 0; hop < 4; hop++ {
		d, ok := n.nums[numID]
		if !ok {
			return lvlDef{}, false
		}
		l := d.lvls[ilvl]
		if !l.set {
			a, ok := n.abstracts[d.abstract]
			if !ok {
				return lvlDef{}, false
			}
			l = a.lvls[ilvl]
			if !l.set && a.styleLink != "" {
				if linked, _ := st.numbering(a.styleLink); linked >= 0 && linked != numID {
					numID = linked
					continue
				}
			}
		}
		if !l.set {
			return lvlDef{}, false
		}
		if d.startSet[ilvl] {
			l.start = d.start[ilvl]
		}
		return l, true
	}
	return lvlDef{}, false
}

// listItem is a paragraph's place in a list, for rendering its marker.
type listItem struct {
	ordered bool
	n       int    // this item's number, for ordered lists
	level   int    // w:ilvl
	label   string // the number as Word prints it, from w:lvlText (e.g. "2.1", "Note 3")
}

// listState numbers list paragraphs in document order: one counter per list instance and level,
// deeper levels restarting when a shallower one advances, as Word does by default.
type listState struct {
	num      *numbering
	styles   styles
	counters map[int]*[levels]int
	started  map[int]*[levels]bool
}

func newListState(num *numbering, st styles) *listState {
	return &listState{num: num, styles: st, counters: map[int]*[levels]int{}, started: map[int]*[levels]bool{}}
}

// item advances list numID at level ilvl and returns the new item; ok is false when the
// paragraph shows no marker (no such list, or numFmt "none").
func (l *listState) item(numID, ilvl int) (listItem, bool) {
	def, ok := l.num.level(l.styles, numID, ilvl)
	if !ok || def.fmt == "none" {
		return listItem{}, false
	}
	c, s := l.counters[numID], l.started[numID]
	if c == nil {
		c, s = new([levels]int), new([levels]bool)
		l.counters[numID], l.started[numID] = c, s
	}
	if s[ilvl] {
		c[ilvl]++
	} else {
		c[ilvl], s[ilvl] = def.start, true
	}
	for i := ilvl + 1; i < levels; i++ {
		s[i] = false
	}
	it := listItem{ordered: def.fmt != "bullet", n: c[ilvl], level: ilvl}
	if it.ordered {
		it.label = l.label(numID, def.text, c, s)
	}
	return it, true
}

// label renders a w:lvlText such as "%1.%2." with the current counters of list numID.
func (l *listState) label(numID int, text string, c *[levels]int, s *[levels]bool) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '%' || i+1 == len(text) || text[i+1] < '1' || text[i+1] > '9' {
			b.WriteByte(text[i])
			continue
		}
		k := int(text[i+1] - '1')
		i++
		def, ok := l.num.level(l.styles, numID, k)
		if !ok {
			continue
		}
		v := def.start
		if s[k] {
			v = c[k]
		}
		b.WriteString(formatNumber(v, def.fmt))
	}
	return strings.TrimSpace(b.String())
}

// formatNumber writes n in a w:numFmt; formats it does not know come out as decimal.
func formatNumber(n int, format string) string {
	switch format {
	case "lowerLetter", "upperLetter":
		s := letters(n)
		if format == "upperLetter" {
			s = strings.ToUpper(s)
		}
		return s
	case "lowerRoman", "upperRoman":
		s := roman(n)
		if format == "lowerRoman" {
			s = strings.ToLower(s)
		}
		return s
	case "decimalZero":
		if n >= 0 && n < 10 {
			return "0" + strconv.Itoa(n)
		}
	case "bullet", "none":
		return ""
	}
	return strconv.Itoa(n)
}

// letters numbers the way Word does: a..z, then aa..zz, then aaa...
func letters(n int) string {
	if n < 1 || n > 780 {
		return strconv.Itoa(n)
	}
	return strings.Repeat(string(rune('a'+(n-1)%26)), (n-1)/26+1)
}

// roman writes n in roman numerals (1–3999).
func roman(n int) string {
	if n < 1 || n > 3999 {
		return strconv.Itoa(n)
	}
	vals := [...]int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := [...]string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}
