package logic

import (
	"strings"
)

// This file finds the metric a claim is about: the phrase before its verb ("the Group's
// revenue rose"), after a movement noun ("an increase in revenue") or after a transitive verb
// ("we reduced net debt"), with the levels and years the phrase carries.

// prepositions among the hard stops: a metric phrase right after one of them belongs to a
// longer phrase ("related to revenue", "driven by sales").
var prepositions = map[string]bool{
	"to": true, "by": true, "from": true, "with": true, "than": true, "compared": true, "versus": true,
	"vs": true, "after": true, "despite": true, "following": true, "including": true, "reflecting": true,
	"resulting": true, "due": true, "driven": true, "offset": true, "attributable": true, "thanks": true,
	"led": true, "owing": true, "representing": true, "bringing": true, "as": true, "that": true,
}

// scopeWords after a metric narrow it to a part: "revenue from new customers", "costs related
// to the acquisition".
var scopeWords = map[string]bool{
	"from": true, "related": true, "relating": true, "attributable": true, "associated": true,
	"generated": true, "derived": true, "arising": true, "at": true, "on": true, "per": true,
	"excluding": true, "under": true, "within": true, "across": true, "outside": true,
}

// stripWords are words before a metric that do not change which figure it is.
var stripWords = map[string]bool{
	"the": true, "our": true, "its": true, "their": true, "group": true, "group's": true,
	"company": true, "company's": true, "consolidated": true, "overall": true, "reported": true,
	"statutory": true, "full-year": true, "annual": true, "we": true, "both": true, "also": true,
	"a": true, "an": true, "and": true, "total": true, "in": true, "for": true, "during": true, "over": true,
	"year": true, "fiscal": true, "financial": true, "this": true,
}

// auxiliaries sit between a metric and its verb without changing the claim.
var auxiliaries = map[string]bool{
	"has": true, "have": true, "had": true, "was": true, "were": true, "is": true, "are": true,
	"been": true, "be": true, "also": true, "further": true, "significantly": true, "slightly": true,
	"strongly": true, "sharply": true, "substantially": true, "modestly": true, "marginally": true,
	"materially": true, "considerably": true, "steadily": true, "broadly": true, "only": true,
	"again": true, "both": true, "therefore": true, "accordingly": true, "consequently": true,
	"overall": true, "all": true, "essentially": true, "largely": true, "virtually": true,
	"remained": true, "remains": true, "stayed": true, "held": true, "year-on-year": true,
	"year-over-year": true, "dramatically": true, "notably": true, "markedly": true,
	"moderately": true, "meaningfully": true, "well": true, "a": true, "little": true, "roughly": true,
	"more": true, "than": true, "nearly": true, "almost": true,
}

// copulas link a metric to "higher", "up" or a level.
var copulas = map[string]bool{"was": true, "were": true, "is": true, "are": true, "remained": true, "remains": true, "stood": true, "came": true, "stayed": true, "ended": true, "closed": true, "finished": true}

// subject is the metric a claim is about, with what its phrase says besides the name.
type subject struct {
	ref       metricRef
	text      string
	from, to  int
	level     *quantity
	year      int
	compYear  int
	dates     []quantity // balance dates the phrase names ("net debt at 31 December 2024")
	qualified bool
	lead      int // the index where the metric's name starts, after leading periods and articles
}

// subjectBefore finds the metric named just before token end: back past auxiliaries (and,
// when sizeBefore is set, a size as in "was 12% higher") and a
// "…, up 12%" level, then the longest phrase that names a metric the tables hold, starting
// after a separator so that "services revenue" is never read as "revenue".
func (p *parser) subjectBefore(toks []token, end int, c *claim, sizeBefore bool) (subject, bool) {
	k := end - 1
	// "was 12% higher": the size between copula and trigger.
	if q, ok := quantityEndingAt(toks, end); ok && q.kind != qPlain && sizeBefore {
		c.sizes = append(c.sizes, q)
		k = q.from - 1
	}
	for k >= 0 && toks[k].kind == tokWord && auxiliaries[toks[k].low] {
		k--
	}
	// "Revenue of €12.5m (2023: €11.1m) was 12% ahead": the comparative before the verb.
	if punct(toks, k, ")") {
		for o := k - 1; o >= max(0, k-12); o-- {
			if punct(toks, o, "(") {
				if q, y, e, ok := comparativeParen(toks, o); ok && e == k+1 {
					c.prior, c.compYear = &q, y
					k = o - 1
				}
				break
			}
		}
	}
	// "Net debt, defined as borrowings less cash, rose": an appositive between the metric
	// and its verb.
	if punct(toks, k, ",") {
		if _, ok := quantityEndingAt(toks, k); !ok {
			for c := k - 1; c >= max(0, k-25); c-- {
				if punct(toks, c, ";", ":", "(", ")") {
					break
				}
				if punct(toks, c, ",") {
					if word(toks, c+1, "defined", "which", "being", "i.e", "namely") || word(toks, c+1, "as") && word(toks, c+2, "defined") {
						k = c - 1
					}
					break
				}
			}
		}
	}
	// "Revenue was €1.2m, up 12%": a level before a comma.
	var level *quantity
	if punct(toks, k, ",") {
		q, ok := quantityEndingAt(toks, k)
		if !ok {
			return subject{}, false
		}
		level = &q
		k = q.from - 1
		if word(toks, k, "of", "was", "were", "is", "are", "at", "to", "reached", "totalled", "totaled") || punct(toks, k, ":") {
			k--
		}
		for k >= 0 && toks[k].kind == tokWord && auxiliaries[toks[k].low] {
			k--
		}
	}
	last := k + 1
	// A line item's own name may hold a stop word: "net cash generated from operating
	// activities". Such a name is taken whole, and the scan goes on before it.
	scanFrom := k
	if n := p.nameEndingAt(toks, last); n > 0 {
		scanFrom = last - n - 1
	}
	first := scanFrom + 1
	stop := -1 // the word the scan stopped at
	for j := scanFrom; j >= 0 && last-j <= 30; j-- {
		t := toks[j]
		if t.kind == tokPunct && t.text != "," && t.text != "&" && t.text != "'" && t.text != "’" && t.text != "/" && t.text != "-" && t.text != "." && t.text != "%" && currencySymbols[t.text] == "" {
			break
		}
		// A word that states a movement only with a figure after it does not end the phrase:
		// before a name it is part of another one ("contracted revenue" is not revenue).
		if t.kind == tokWord && (hardStops[t.low] && t.low != "and" || triggers[t.low].dir != dirNone && triggers[t.low].pos != posAdv && !figureOnly[t.low] && j < last-1) {
			stop = j
			break
		}
		first = j
	}
	if first >= last {
		return subject{}, false
	}
	// Qualifiers before the metric's own name: "on an underlying basis, operating profit".
	qualifiedBefore := func(s int) bool {
		for j := 0; j < s; j++ {
			if toks[j].kind == tokWord && qualifiers[toks[j].low] && !(toks[j].low == "before" || toks[j].low == "per") {
				return true
			}
		}
		return false
	}
	for s := first; s < last; s++ {
		if s > first && !separator(toks, s-1) {
			continue
		}
		// "Research and development expenses" is one name: a phrase may start after "and"
		// only when no word of another name stands before it.
		if s > first+1 && word(toks, s-1, "and") && toks[s-2].kind == tokWord && !stripWords[toks[s-2].low] {
			continue
		}
		// "Costs related to revenue increased": a phrase cut off by a preposition is part of
		// a longer subject, not the metric.
		if stop >= 0 && prepositions[toks[stop].low] && !(s > first && punct(toks, s-1, ",")) {
			continue
		}
		sj, ok := p.clean(toks, s, last)
		if !ok {
			continue
		}
		// "At 30 June 2024, half-way through the year, cash …": a phrase that starts inside
		// an aside and strips its tail ("year,") as a period is not the metric's phrase; the
		// metric starts after the aside's comma, and the claim keeps the date before it.
		if s > first && !punct(toks, s-1, ",") && hasComma(toks, s, sj.lead) {
			continue
		}
		if s > first && punct(toks, s-1, ",") {
			for k := first; k < s-1; k++ {
				if d, e, ok := balanceDate(toks, k); ok && e <= s-1 {
					sj.dates = append(sj.dates, d)
					if sj.year == 0 {
						sj.year = d.year
					}
					break
				}
			}
		}
		if level != nil && sj.level == nil {
			sj.level = level
		}
		sj.qualified = sj.qualified || qualifiedBefore(s)
		return sj, true
	}
	return subject{}, false
}

// hasComma reports whether a comma stands in toks[from:to].
func hasComma(toks []token, from, to int) bool {
	for k := from; k < to; k++ {
		if punct(toks, k, ",") {
			return true
		}
	}
	return false
}

// nameEndingAt returns the length in tokens of the longest line-item name (canonical, or a
// row label of the tables) that ends just before token end, or 0.
func (p *parser) nameEndingAt(toks []token, end int) int {
	best := 0
	for _, name := range p.names {
		n := len(name)
		if n <= best || n > end {
			continue
		}
		ok := true
		for i, w := range name {
			t := toks[end-n+i]
			if t.kind != tokWord || singular(strings.ReplaceAll(t.low, "'", "")) != w {
				ok = false
				break
			}
		}
		if ok {
			best = n
		}
	}
	return best
}

// nameStartingAt returns the length in tokens of the longest line-item name holding a stop word
// (canonical, or a row label of the tables) that starts at token i, or 0. Commas inside the
// name ("property, plant and equipment") are part of it.
func (p *parser) nameStartingAt(toks []token, i int) int {
	best := 0
	for _, name := range p.afterNames {
		k, ok := i, true
		for _, w := range name {
			if k > i && punct(toks, k, ",") {
				k++
			}
			t := tokAt(toks, k)
			if t.kind != tokWord || singular(strings.ReplaceAll(t.low, "'", "")) != w {
				ok = false
				break
			}
			k++
		}
		if ok && k-i > best {
			best = k - i
		}
	}
	return best
}

// subjectAfter finds the metric named after "in" following a movement noun: "an increase in
// revenue of 12%".
func (p *parser) subjectAfter(toks []token, i int) (subject, bool) {
	end := i
	for end < len(toks) && end-i < 12 {
		// A line item's own name may hold a word that would end the phrase: "net cash from
		// operating activities", "purchases of property, plant and equipment".
		if n := p.nameStartingAt(toks, end); n > 0 && end+n-i <= 16 {
			end += n
			continue
		}
		t := toks[end]
		if t.kind != tokWord || hardStops[t.low] && t.low != "and" || afterStops[t.low] {
			break
		}
		end++
	}
	// The whole phrase, or a part of it that ends before "and" or a comma ("an increase in
	// revenue and operating profit"), always from its start: "net debt", never "debt".
	for e := end; e > i; e-- {
		if e < end && !word(toks, e, "and") && !punct(toks, e, ",") {
			continue
		}
		sj, ok := p.clean(toks, i, e)
		if !ok {
			continue
		}
		if scoped(toks, e) {
			return subject{}, false
		}
		sj.to = e
		return sj, true
	}
	return subject{}, false
}

// scoped reports whether the words at k narrow the metric just before them to a part of it:
// "from new customers", "in Europe", "of our cloud business".
func scoped(toks []token, k int) bool {
	t := tokAt(toks, k)
	if t.kind != tokWord {
		return false
	}
	if scopeWords[t.low] {
		if _, _, _, ok := periodPhrase(toks, k+1); ok {
			return false // "at 31 December 2024", "at year end"
		}
		return true
	}
	if t.low == "in" || t.low == "for" {
		if _, _, _, ok := periodPhrase(toks, k+1); ok {
			return false
		}
		return !word(toks, k+1, "all", "each", "every", "both", "most", "line", "the") || word(toks, k+1, "the") && !word(toks, k+2, "year", "period", "prior", "previous", "current", "last", "same", "financial", "fiscal", "reporting")
	}
	if t.low == "of" {
		_, ok := readQuantity(toks, k+1)
		return !ok && !word(toks, k+1, "approximately", "about", "around", "some", "nearly", "almost", "over", "more", "less", "just", "c")
	}
	return false
}

// separator reports whether token k may come just before a metric's name.
func separator(toks []token, k int) bool {
	t := toks[k]
	if t.kind == tokPunct {
		return t.text == ","
	}
	if t.kind == tokNum {
		_, ok := isYear(t)
		return ok
	}
	return stripWords[t.low] || strings.HasSuffix(t.low, "'s") || t.low == "and" || t.low == "while" || yearWord(t.low)
}

// yearWord reports whether a word is a fiscal year ("FY24").
func yearWord(w string) bool {
	_, ok := yearOf(w)
	return ok
}

// clean reads toks[from:to] as a metric phrase: leading articles, possessives and periods
// ("In 2024, the Group's revenue"), a level ("of €1.2m") and a trailing period ("for the
// year ended 31 December 2024") are taken off, and what remains must name a metric.
func (p *parser) clean(toks []token, from, to int) (subject, bool) {
	sj := subject{from: from, to: to}
	i := from
	// Leading words and periods.
	for i < to {
		if punct(toks, i, ",") {
			i++
			continue
		}
		if d, e, ok := balanceDate(toks, i); ok && e <= to {
			sj.dates = append(sj.dates, d) // "At 31 March 2024, net debt …"
			sj.year = d.year
			i = e
			continue
		}
		if y, _, e, ok := periodPhrase(toks, i); ok && e <= to {
			if y != 0 {
				sj.year = y
			}
			i = e
			continue
		}
		t := toks[i]
		if t.kind == tokWord && (stripWords[t.low] && t.low != "year") {
			i++
			continue
		}
		if t.kind == tokWord && strings.HasSuffix(t.low, "'s") && i+1 < to {
			i++ // "Acme's revenue"
			continue
		}
		break
	}
	sj.lead = i
	// A level and the end of the name.
	e := i
	for e < to {
		t := toks[e]
		if word(toks, e, "of") {
			if q, ok := readQuantity(toks, e+1); ok && q.kind != qPlain && q.kind != qPercent {
				sj.level = &q
				k := q.to
				if d, _, ok := balanceDate(toks, k); ok {
					sj.dates = append(sj.dates, d)
				}
				if word(toks, k, "in", "for", "during", "at") {
					k++
				}
				if y, _, _, ok := periodPhrase(toks, k); ok && y != 0 {
					sj.year = y
				}
				break
			}
		}
		if d, de, ok := balanceDate(toks, e); ok && (de >= to || punct(toks, de, ",")) {
			sj.dates = append(sj.dates, d) // "Net assets at 31 March 2024"
			sj.year = d.year
			break
		}
		if word(toks, e, "in", "for", "during", "at", "as", "over") {
			if y, _, pe, ok := periodPhrase(toks, e+1); ok && (pe >= to || punct(toks, pe, ",")) {
				if y != 0 {
					sj.year = y
				}
				// "profit for the year" and "loss for the period" are names, not periods.
				if word(toks, e, "for") && word(toks, e+1, "the") && word(toks, e+2, "year", "period") {
					if ref, ok := p.lx.resolve(joinTokens(toks, i, e+3)); ok && ref.m != nil {
						e += 3
					}
				}
				break
			}
			if word(toks, e, "for") && word(toks, e+1, "the") && word(toks, e+2, "group", "company") {
				break
			}
		}
		if t.kind == tokNum {
			return sj, false
		}
		e++
	}
	for e > i && punct(toks, e-1, ",") {
		e--
	}
	if e <= i {
		return sj, false
	}
	var words []string
	for k := i; k < e; k++ {
		t := toks[k]
		if t.kind == tokNum {
			return sj, false
		}
		if t.kind == tokWord {
			if t.low == "it" || t.low == "this" || t.low == "they" || t.low == "which" {
				return sj, false
			}
			if qualifiers[t.low] && t.low != "before" && t.low != "per" && t.low != "adjusted" && t.low != "underlying" && t.low != "core" && t.low != "headline" {
				sj.qualified = true
			}
		}
	}
	phrase := joinTokens(toks, i, e)
	for _, w := range strings.Fields(strings.ToLower(phrase)) {
		words = append(words, w)
	}
	if len(words) == 0 || len(words) > 10 {
		return sj, false
	}
	ref, ok := p.lx.resolve(phrase)
	if !ok {
		return sj, false
	}
	if ref.m == nil && !p.known(ref.key) {
		return sj, false
	}
	if ref.m != nil && !p.known(ref.key) && !ref.negated {
		// A canonical metric the tables do not print is still a metric: the check finds
		// nothing to compare and stays quiet.
	}
	sj.ref = ref
	sj.text = phrase
	return sj, true
}

// balanceDate reads "at 31 December 2024", "as at 31 March 2024" or "as of June 30, 2019" at
// token i: a balance date, which must be the document's year end. It returns the date and the
// index after it.
func balanceDate(toks []token, i int) (quantity, int, bool) {
	k := i
	switch {
	case word(toks, k, "as") && word(toks, k+1, "at", "of"):
		k += 2
	case word(toks, k, "at"):
		k++
	default:
		return quantity{}, i, false
	}
	d, ok := readDate(toks, k, false)
	if !ok {
		return quantity{}, i, false
	}
	return d, d.to, true
}

// periodPhrase reads a period at token i: "2024", "FY24", "fiscal 2019", "31 December 2024",
// "the year", "the year ended 31 December 2024", "the prior year", "this year". It returns the
// year (0 for the current year unnamed), whether it is the comparative, and the index after it.
func periodPhrase(toks []token, i int) (year int, comparative bool, end int, ok bool) {
	j := i
	if word(toks, j, "the", "this") {
		j++
	}
	switch {
	case word(toks, j, "year-end"):
		return 0, false, j + 1, true
	case word(toks, j, "year") && word(toks, j+1, "end"):
		return 0, false, j + 2, true
	case word(toks, j, "end") && word(toks, j+1, "of") && j > i:
		if y, comp, e, ok := periodPhrase(toks, j+2); ok {
			return y, comp, e, true
		}
	case word(toks, j, "last", "prior", "previous", "preceding", "comparative"):
		k := j + 1
		for word(toks, k, "financial", "fiscal") {
			k++
		}
		if word(toks, k, "year", "period") {
			return 0, true, k + 1, true
		}
	case word(toks, j, "current"):
		if word(toks, j+1, "year", "period") {
			return 0, false, j + 2, true
		}
	}
	for word(toks, j, "full", "financial", "fiscal", "twelve", "reporting") {
		j++
	}
	if tokAt(toks, j).kind == tokNum && toks[j].text == "12" && word(toks, j+1, "months") {
		j++
	}
	if word(toks, j, "year", "years", "period", "months") {
		j++
		if word(toks, j, "ended", "ending", "to") {
			if d, ok := readDate(toks, j+1, false); ok {
				return d.year, false, d.to, true
			}
			if y, ok := readYear(toks, j+1); ok {
				return y.year, false, y.to, true
			}
			return 0, false, j, false
		}
		if y, ok := readYear(toks, j); ok {
			return y.year, false, y.to, true
		}
		if word(toks, j, "under") && word(toks, j+1, "review") {
			return 0, false, j + 2, true
		}
		return 0, false, j, j > i && (word(toks, i, "the", "this") || word(toks, j-1, "year"))
	}
	if d, ok := readDate(toks, i, false); ok {
		return d.year, false, d.to, true
	}
	if y, ok := readYear(toks, i); ok {
		return y.year, false, y.to, true
	}
	return 0, false, i, false
}
