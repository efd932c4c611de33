package extract

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// style is what the extractor needs from one paragraph or numbering style of word/styles.xml.
type style struct {
	name    string
	basedOn string
	outline int // w:outlineLvl, -1 when unset
	numID   int // w:numPr/w:numId, -1 when unset
	ilvl    int // w:numPr/w:ilvl, -1 when unset
}

// styles maps a style id to its definition. Heading levels and list numbering are often set on
// the style rather than on the paragraph, so both are resolved through the basedOn chain.
type styles map[string]*style

// maxStyleChain bounds a basedOn chain, which a hostile file can make circular.
const maxStyleChain = 16

// read fills s from word/styles.xml.
func (s styles) read(t *tokens) error {
	if _, err := t.root(); err != nil {
		return err
	}
	return t.each(func(se xml.StartElement) error {
		if !isW(se, "style") {
			return t.skip()
		}
		typ, _ := attr(se, "type")
		id, _ := attr(se, "styleId")
		st := &style{outline: -1, numID: -1, ilvl: -1}
		err := t.each(func(c xml.StartElement) error {
			switch {
			case isW(c, "name"):
				st.name, _ = attr(c, "val")
			case isW(c, "basedOn"):
				st.basedOn, _ = attr(c, "val")
			case isW(c, "pPr"):
				return t.each(func(pp xml.StartElement) error {
					switch {
					case isW(pp, "outlineLvl"):
						st.outline = intAttr(pp, "val", -1)
					case isW(pp, "numPr"):
						return readNumPr(t, &st.numID, &st.ilvl)
					}
					return t.skip()
				})
			}
			return t.skip()
		})
		if err != nil {
			return err
		}
		if id != "" && (typ == "" || typ == "paragraph" || typ == "numbering") {
			if _, dup := s[id]; !dup {
				s[id] = st
			}
		}
		return nil
	})
}

// readNumPr reads the w:numId and w:ilvl children of a w:numPr whose start tag was just read.
// Values already set are overwritten only by values present.
func readNumPr(t *tokens, numID, ilvl *int) error {
	return t.each(func(c xml.StartElement) error {
		switch {
		case isW(c, "numId"):
			*numID = intAttr(c, "val", *numID)
		case isW(c, "ilvl"):
			*ilvl = intAttr(c, "val", *ilvl)
		}
		return t.skip()
	})
}

// headingLevel returns the heading level (1–6) of paragraphs with style id, or 0 for body text.
// A style is a heading by its outline level, by its name ("heading 1", "Title"), or by the
// style it is based on; without styles.xml the conventional ids ("Heading1", "Title") count.
func (s styles) headingLevel(id string) int {
	if id == "" {
		return 0
	}
	if _, ok := s[id]; !ok {
		return headingByName(id)
	}
	for i := 0; i < maxStyleChain; i++ {
		st, ok := s[id]
		if !ok {
			return 0
		}
		if st.outline >= 0 {
			return outlineHeading(st.outline)
		}
		if lvl := headingByName(st.name); lvl > 0 {
			return lvl
		}
		id = st.basedOn
	}
	return 0
}

// numbering returns the list a style puts its paragraphs in, following basedOn.
func (s styles) numbering(id string) (numID, ilvl int) {
	numID, ilvl = -1, -1
	for i := 0; i < maxStyleChain && id != ""; i++ {
		st, ok := s[id]
		if !ok {
			break
		}
		if ilvl < 0 && st.ilvl >= 0 {
			ilvl = st.ilvl
		}
		if st.numID >= 0 {
			return st.numID, ilvl
		}
		id = st.basedOn
	}
	return -1, ilvl
}

// headingByName reads a heading level from a style name or id such as "heading 2", "Heading2"
// or "Title".
func headingByName(name string) int {
	n := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	if n == "title" {
		return 1
	}
	if rest, ok := strings.CutPrefix(n, "heading"); ok && len(rest) == 1 {
		if lvl, err := strconv.Atoi(rest); err == nil && lvl >= 1 {
			return min(lvl, 6)
		}
	}
	return 0
}

// outlineHeading turns a w:outlineLvl (0 = level 1, 9 = body text) into a heading level, capped
// at 6 as markdown has no deeper headings.
func outlineHeading(lvl int) int {
	if lvl < 0 || lvl >= 9 {
		return 0
	}
	return min(lvl+1, 6)
}
