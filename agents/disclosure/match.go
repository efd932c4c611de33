package disclosure

import (
	"regexp"
	"strings"
)

// hit is where a group was found: the piece its first term is in, and the words quoted from it.
type hit struct {
	ref   string
	quote string
}

// find looks for the group in the view and returns the first place, in reading order, where
// all its terms are found together. Terms may be found in the headings above a place, but at
// least one must be in the place itself, so a heading alone does not make every paragraph
// under it evidence.
func (g *Group) find(v *view) (hit, bool) {
	return g.search(v, false)
}

// findAffirmed is find for applicability signals: a mention under a negation ("the Company
// has no supplier finance arrangements", "does not use derivatives") is not a sign that the
// subject exists, so the group's first term must occur at least once un-negated.
func (g *Group) findAffirmed(v *view) (hit, bool) {
	return g.search(v, true)
}

func (g *Group) search(v *view, affirmed bool) (hit, bool) {
	key := foundKey{g.key, affirmed}
	if r, ok := v.found[key]; ok {
		return r.h, r.ok
	}
	r := foundResult{}
	for _, u := range v.units[g.Scope] {
		if h, ok := g.matchUnit(v, u, affirmed); ok {
			r = foundResult{h, true}
			break
		}
	}
	v.found[key] = r
	return r.h, r.ok
}

func (g *Group) matchUnit(v *view, u unit, affirmed bool) (hit, bool) {
	if g.Figures && !u.figure || g.TimeBands && !u.timeBands {
		return hit{}, false
	}
	if !g.termsInUnit(v, u) {
		return hit{}, false // blanking can only remove matches: no need to blank
	}
	text, ctx := blank(u.norm, g.except), blank(u.context, g.except)
	if g.title != nil && !g.title.MatchString(ctx) {
		return hit{}, false
	}
	if affirmed {
		text = blankNegated(text, g.all[0])
	}
	if !g.termsIn(text, ctx) {
		return hit{}, false
	}
	return g.quote(u), true
}

// termsInUnit is termsIn on a unit as it stands, through the view's cache.
func (g *Group) termsInUnit(v *view, u unit) bool {
	inText := false
	for _, re := range g.all {
		switch {
		case v.match(re, u.normID, u.norm):
			inText = true
		case v.match(re, u.contextID, u.context):
		default:
			return false
		}
	}
	return inText
}

// termsIn tells whether every term occurs in text or ctx, at least one in text.
func (g *Group) termsIn(text, ctx string) bool {
	inText := false
	for _, re := range g.all {
		switch {
		case re.MatchString(text):
			inText = true
		case re.MatchString(ctx):
		default:
			return false
		}
	}
	return inText
}

// negation is a word that denies what follows it in the same clause.
var negation = regexp.MustCompile(`\b(?:no|not|none|without|nor|neither|never)\b`)

// blankNegated blanks the matches of re that a negation precedes in the same sentence, within
// a few words: "no supplier finance", "does not use derivative", "no final dividend is".
func blankNegated(s string, re *regexp.Regexp) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	b := []byte(s)
	for _, l := range locs {
		start := max(l[0]-negationWindow, 0)
		before := s[start:l[0]]
		if i := strings.LastIndexAny(before, ".;:\n"); i >= 0 {
			before = before[i+1:]
		}
		if negation.MatchString(before) {
			for i := l[0]; i < l[1]; i++ {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

// negationWindow is how many bytes before a mention a negation is looked for.
const negationWindow = 40

// quote finds the piece of u that holds the group's first term (or, failing that, any term)
// and the sentence or cell of it that does.
func (g *Group) quote(u unit) hit {
	for _, re := range g.all {
		for _, p := range u.pieces {
			if !re.MatchString(blank(p.norm, g.except)) {
				continue
			}
			return hit{ref: p.ref, quote: quoteIn(p, re, g.except)}
		}
	}
	p := u.pieces[0]
	return hit{ref: p.ref, quote: clip(p.text, 160)}
}

// quoteIn returns the cell or sentence of p in which re matches.
func quoteIn(p piece, re *regexp.Regexp, except []*regexp.Regexp) string {
	if p.cells != nil {
		for _, c := range p.cells {
			if re.MatchString(blank(normalize(c), except)) {
				return clip(c, 160)
			}
		}
		return clip(p.text, 160)
	}
	for _, s := range sentences(p.text) {
		if re.MatchString(blank(normalize(s), except)) {
			return clip(s, 160)
		}
	}
	return clip(p.text, 160)
}

// blank replaces what the except patterns match with spaces.
func blank(s string, except []*regexp.Regexp) string {
	for _, re := range except {
		s = re.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat(" ", len(m)) })
	}
	return s
}

// findAny returns the first group of groups that is found, in the order the checklist lists
// them.
func findAny(groups []Group, v *view) (hit, bool) {
	for i := range groups {
		if h, ok := groups[i].find(v); ok {
			return h, true
		}
	}
	return hit{}, false
}

// findSignal returns the first signal of groups found un-negated.
func findSignal(groups []Group, v *view) (hit, bool) {
	for i := range groups {
		if h, ok := groups[i].findAffirmed(v); ok {
			return h, true
		}
	}
	return hit{}, false
}
