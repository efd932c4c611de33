package logic

import (
	"strings"
)

// This file turns narrative sentences into claims the tables can confirm or contradict:
// a metric, the direction it moved, by how much, to what level, and over which years. It is
// deliberately narrow: a sentence it cannot tie to one metric, or that speaks of forecasts,
// adjusted measures or conditions, yields no claim.

// direction is the movement a claim states.
type direction uint8

const (
	dirNone   direction = iota
	dirUp               // increased, rose, grew, up, higher
	dirDown             // decreased, fell, declined, down, lower
	dirFlat             // unchanged, flat, stable
	dirBetter           // improved: up for a profit, down for a cost
	dirWorse            // deteriorated
)

// state is a claim about the sign of a figure rather than its movement.
type state uint8

const (
	stateNone           state = iota
	stateProfit               // "made a profit", "was profitable"
	stateLoss                 // "made a loss", "loss-making"
	stateReturnedProfit       // "returned to profit"
	stateSwungLoss            // "swung to a loss"
	stateCashPositive         // "turned cash positive"
)

// claim is one checkable statement of the narrative.
type claim struct {
	text    string // the words of the claim, subject to complement
	subject string // the metric as written
	ref     metricRef
	dir     direction
	verb    string // the word that states the movement or the state
	verbAt  int    // byte offset of the verb in the sentence
	state   state
	// multiple is the factor a verb states ("doubled" 2, "halved" 0.5), 0 when none.
	multiple float64
	multHdg  hedge
	sizes    []quantity
	level    *quantity // the figure for the claim's year
	prior    *quantity // the figure for the comparative year
	year     int       // the year the claim is about, 0 when it does not say
	compYear int       // the year it compares with, 0 when it does not say
	relative bool      // compares with "last year", "the prior year"
	// past is set when the claim is about the comparative period ("in the previous year
	// revenue increased…"): it is checked against the year before the latest, never the latest.
	past bool
	// multi is set when the claim spans several years ("since 2020"): compYear is the start,
	// and a one-year change is never the right comparison.
	multi  bool
	scoped bool // the movement is said of a part ("in Europe"), not the whole
	// dates are the balance dates the claim names ("to €44.0m at 30 September 2024").
	dates []quantity
	// at is the date that opens the sentence when the metric's phrase does not hold it ("At
	// 30 June 2024, after a strong start, revenue…").
	at    *quantity
	start int // byte offsets of the claim in its sentence
	end   int
}

// sentenceResult is what one sentence yields.
type sentenceResult struct {
	text   string
	start  int // byte offset in the paragraph
	claims []claim
	// open is set when the sentence speaks of figures or changes but yielded no claim: a
	// candidate for the language-model review.
	open bool
	// year and compYear are the years the sentence names, for the sentences after it.
	year, compYear int
	// noCarry is set when the sentence's years are not the current comparison (a sentence
	// about the prior year, or since some year), so the sentences after it do not inherit them.
	noCarry bool
}

// pos is the part of speech of a trigger word, which decides where its metric is.
type pos uint8

const (
	posVerb pos = iota // "revenue increased"
	posNoun            // "an increase in revenue", "revenue growth"
	posAdj             // "revenue was higher"
	posAdv             // "revenue was up 12%"
	posFlat            // "revenue was unchanged"
)

// trigger is a word that states a movement.
type trigger struct {
	dir  direction
	pos  pos
	mult float64
}

// triggers are the words that state a movement, with the part of speech that says where the
// metric stands ("revenue increased" against "an increase in revenue"). Words whose usual sense
// in a report is no movement are left out: "recovered" (costs recovered from customers),
// "expansion" (a network or sales-force expansion), "shrinkage" (stock lost), "advances" and
// "contracts" (balances and agreements), "slip" (a payslip), "moderated" (growth that slowed:
// "revenue growth moderated to 3%" is a rise), "firms" and "retreat" (nouns).
var triggers = map[string]trigger{
	"increased": {dirUp, posVerb, 0}, "increases": {dirUp, posVerb, 0}, "increase": {dirUp, posNoun, 0},
	"rose": {dirUp, posVerb, 0}, "risen": {dirUp, posVerb, 0}, "rises": {dirUp, posVerb, 0}, "rise": {dirUp, posNoun, 0},
	"grew": {dirUp, posVerb, 0}, "grown": {dirUp, posVerb, 0}, "grows": {dirUp, posVerb, 0}, "growth": {dirUp, posNoun, 0},
	"climbed": {dirUp, posVerb, 0}, "climbs": {dirUp, posVerb, 0}, "climb": {dirUp, posNoun, 0},
	"jumped": {dirUp, posVerb, 0}, "jumps": {dirUp, posVerb, 0}, "jump": {dirUp, posNoun, 0},
	"surged": {dirUp, posVerb, 0}, "surges": {dirUp, posVerb, 0}, "surge": {dirUp, posNoun, 0},
	"soared": {dirUp, posVerb, 0}, "soars": {dirUp, posVerb, 0},
	"rebounded": {dirUp, posVerb, 0}, "rebounds": {dirUp, posVerb, 0}, "rebound": {dirUp, posNoun, 0},
	"advanced": {dirUp, posVerb, 0}, "expanded": {dirUp, posVerb, 0}, "expands": {dirUp, posVerb, 0},
	"widened": {dirUp, posVerb, 0}, "widens": {dirUp, posVerb, 0}, "firmed": {dirUp, posVerb, 0},
	"doubled": {dirUp, posVerb, 2}, "tripled": {dirUp, posVerb, 3}, "trebled": {dirUp, posVerb, 3},
	"halved":    {dirDown, posVerb, 0.5},
	"decreased": {dirDown, posVerb, 0}, "decreases": {dirDown, posVerb, 0}, "decrease": {dirDown, posNoun, 0},
	"fell": {dirDown, posVerb, 0}, "fallen": {dirDown, posVerb, 0}, "falls": {dirDown, posVerb, 0}, "fall": {dirDown, posNoun, 0},
	"declined": {dirDown, posVerb, 0}, "declines": {dirDown, posVerb, 0}, "decline": {dirDown, posNoun, 0},
	"dropped": {dirDown, posVerb, 0}, "drops": {dirDown, posVerb, 0}, "drop": {dirDown, posNoun, 0},
	"dipped": {dirDown, posVerb, 0}, "dips": {dirDown, posVerb, 0}, "dip": {dirDown, posNoun, 0},
	"plunged": {dirDown, posVerb, 0}, "plunges": {dirDown, posVerb, 0}, "plunge": {dirDown, posNoun, 0},
	"slumped": {dirDown, posVerb, 0}, "slumps": {dirDown, posVerb, 0}, "slump": {dirDown, posNoun, 0},
	"tumbled": {dirDown, posVerb, 0}, "tumbles": {dirDown, posVerb, 0}, "tumble": {dirDown, posNoun, 0},
	"reduced": {dirDown, posVerb, 0}, "reduction": {dirDown, posNoun, 0},
	"shrank": {dirDown, posVerb, 0}, "shrunk": {dirDown, posVerb, 0}, "shrinks": {dirDown, posVerb, 0},
	"contracted": {dirDown, posVerb, 0}, "contraction": {dirDown, posNoun, 0},
	"slipped": {dirDown, posVerb, 0}, "slips": {dirDown, posVerb, 0}, "retreated": {dirDown, posVerb, 0},
	"eased": {dirDown, posVerb, 0}, "eases": {dirDown, posVerb, 0},
	"softened": {dirDown, posVerb, 0}, "softens": {dirDown, posVerb, 0},
	"narrowed": {dirDown, posVerb, 0}, "narrows": {dirDown, posVerb, 0},
	"improved": {dirBetter, posVerb, 0}, "improves": {dirBetter, posVerb, 0}, "improvement": {dirBetter, posNoun, 0},
	"strengthened": {dirBetter, posVerb, 0}, "strengthens": {dirBetter, posVerb, 0},
	"deteriorated": {dirWorse, posVerb, 0}, "deteriorates": {dirWorse, posVerb, 0}, "deterioration": {dirWorse, posNoun, 0},
	"worsened": {dirWorse, posVerb, 0}, "worsens": {dirWorse, posVerb, 0},
	"weakened": {dirWorse, posVerb, 0}, "weakens": {dirWorse, posVerb, 0},
	"higher": {dirUp, posAdj, 0}, "lower": {dirDown, posAdj, 0}, "ahead": {dirUp, posAdj, 0}, "behind": {dirDown, posAdj, 0},
	"up": {dirUp, posAdv, 0}, "down": {dirDown, posAdv, 0},
	"unchanged": {dirFlat, posFlat, 0}, "flat": {dirFlat, posFlat, 0}, "stable": {dirFlat, posFlat, 0},
	"steady": {dirFlat, posFlat, 0},
}

// figureOnly are triggers with a common sense that is no movement: "advanced manufacturing",
// "loans advanced to customers", "the Group contracted a loan", "capital expenditure contracted
// but not provided for". They state a movement only as the verb of a metric with its size or
// level right after: "revenue advanced 5%", "gross margin contracted by 120 bps".
var figureOnly = map[string]bool{"advanced": true, "contracted": true}

// phrasals are verbs whose direction is in the particle after them: "edged up", "ticked down",
// "inched slightly higher", "crept up", "drifted lower". Alone ("errors crept in", "the
// discussion drifted") they state no movement.
var phrasals = map[string]bool{
	"edged": true, "edges": true, "ticked": true, "ticks": true, "inched": true, "inches": true,
	"crept": true, "creeps": true, "drifted": true, "drifts": true,
}

// particles give a phrasal verb its direction.
var particles = map[string]direction{"up": dirUp, "higher": dirUp, "down": dirDown, "lower": dirDown}

// upOnly are phrasal verbs that state a movement only with "up": "revenue picked up", never
// "picked" alone ("picked the supplier") or "picked down".
var upOnly = map[string]bool{"picked": true, "picks": true}

// tails are particles a movement verb may take without changing its direction, which belong to
// the verb rather than start a clause: "firmed up", "fell back to €12.9m".
var tails = map[string]string{
	"firmed": "up", "fell": "back", "falls": "back", "dropped": "back", "drops": "back",
	"slipped": "back", "slips": "back", "eased": "back", "eases": "back",
}

// intransitive are movement verbs that take no metric as their object: "the Group firmed up
// its facilities", "we picked up borrowings of €5m" say nothing of how borrowings moved.
// Phrasal verbs and verbs with a tail ("picked up", "edged down", "fell back") are never read
// with an object either.
var intransitive = map[string]bool{"firmed": true, "retreated": true}

// triggerAt reads the movement word at token i and how many tokens it takes: a phrasal verb
// runs to its particle, past one adverb ("edged slightly lower").
func triggerAt(toks []token, i int) (trigger, int, bool) {
	t := tokAt(toks, i)
	if t.kind != tokWord {
		return trigger{}, 0, false
	}
	if phrasals[t.low] || upOnly[t.low] {
		k := i + 1
		if a := tokAt(toks, k).low; auxiliaries[a] && strings.HasSuffix(a, "ly") {
			k++
		}
		p := tokAt(toks, k)
		if p.kind != tokWord || particles[p.low] == dirNone {
			return trigger{}, 0, false
		}
		if upOnly[t.low] {
			// "Costs were picked up by the customer": a passive is no movement, nor is "picked
			// up by" without a figure ("sales picked up by new customers").
			if p.low != "up" || word(toks, i-1, "was", "were", "be", "been", "being", "is", "are") ||
				word(toks, k+1, "by") && !startsQuantity(toks, k+2) {
				return trigger{}, 0, false
			}
		}
		return trigger{particles[p.low], posVerb, 0}, k + 1 - i, true
	}
	tr, ok := triggers[t.low]
	if ok && tails[t.low] != "" && word(toks, i+1, tails[t.low]) {
		return tr, 2, true
	}
	return tr, 1, ok
}

// blockers make a whole sentence unfit for checking against reported figures: forecasts,
// conditions, sensitivities and comparisons with plans rather than with the prior year.
var blockers = map[string]bool{
	"will": true, "would": true, "could": true, "might": true, "should": true, "shall": true, "if": true,
	"expect": true, "expects": true, "expected": true, "expecting": true, "expectation": true, "expectations": true,
	"anticipate": true, "anticipates": true, "anticipated": true, "forecast": true, "forecasts": true,
	"forecasted": true, "guidance": true, "outlook": true, "target": true, "targets": true, "targeted": true,
	"budget": true, "budgeted": true, "projected": true, "projection": true, "projections": true,
	"sensitivity": true, "hypothetical": true, "aim": true, "aims": true, "plan": true, "plans": true,
	"planned": true, "consensus": true, "assuming": true, "assumed": true, "pro-forma": true,
	"cumulative": true, "cumulatively": true, "quarter": true, "quarterly": true,
	"q1": true, "q2": true, "q3": true, "q4": true, "h1": true, "h2": true, "half": true, "half-year": true,
	"months": true, "interim": true, "half-way": true, "halfway": true, "midway": true, "mid-way": true,
	"mid-year": true, "midyear": true, "year-to-date": true, "ytd": true, "half-yearly": true, "first-half": true,
	"second-half": true, "six-month": true, "nine-month": true, "three-month": true, "quarter-end": true,
	"multi-year": true, "decade": true, "weeks": true, "cagr": true, "compound": true, "annualised": true, "annualized": true,
}

// qualifiers mark a measure other than the reported one ("on a constant currency basis").
var qualifiers = map[string]bool{
	"underlying": true, "adjusted": true, "organic": true, "organically": true, "like-for-like": true,
	"lfl": true, "excluding": true, "ex": true, "normalised": true, "normalized": true, "pro": true,
	"comparable": true, "constant": true, "cc": true, "local": true, "headline": true, "core": true,
	"non-gaap": true, "non-ifrs": true, "proforma": true, "before": true, "exceptional": true,
	"exceptionals": true, "one-off": true, "annualised": true, "per": true, "volume": true, "volumes": true,
	"price": true, "prices": true, "rate": true, "rates": true, "segment": true,
}

// negations before a trigger turn a statement around or make it no claim at all.
var negations = map[string]bool{"not": true, "no": true, "never": true, "neither": true, "nor": true, "without": true, "didn't": true, "wasn't": true, "weren't": true}

// hardStops end a subject when scanning back from a trigger, and a complement scanning forward.
var hardStops = map[string]bool{
	"but": true, "while": true, "whilst": true, "whereas": true, "which": true, "that": true,
	"because": true, "although": true, "though": true, "when": true, "where": true,
	"due": true, "driven": true, "despite": true, "than": true, "compared": true, "versus": true,
	"vs": true, "reflecting": true, "resulting": true, "following": true, "including": true,
	"primarily": true, "mainly": true, "largely": true, "partly": true, "partially": true,
	"principally": true, "offset": true, "thanks": true, "led": true, "owing": true,
	"representing": true, "bringing": true, "after": true, "mostly": true, "attributable": true,
	"as": true, "with": true, "and": true, "respectively": true, "it": true, "this": true,
	"they": true, "these": true, "those": true, "by": true, "to": true, "from": true, "reflects": true,
	"so": true, "thus": true, "hence": true, "whose": true, "who": true,
}

// causeWords introduce a driver rather than a result: "partially offset by a decrease in".
var causeWords = map[string]bool{
	"of": true, "for": true, "on": true, "in": true, "partially": true, "partly": true, "primarily": true,
	"mainly": true, "largely": true, "reflects": true, "reflected": true, "includes": true, "included": true,
	"and": true, "or": true, "caused": true, "reflect": true,
}

// parser reads claims. known reports whether the tables hold a figure for a metric key, so
// that a phrase is only read as a metric the statements can confirm.
type parser struct {
	lx    *lexicon
	known func(key string) bool
	// names are the line items' names as words ("net", "cash", "generated", "from", …) that
	// hold a word which would otherwise end a metric phrase before a verb.
	names [][]string
	// afterNames are those that hold a word which would end a metric phrase after a movement
	// noun ("a dip in net cash from operating activities", "a fall in cost of sales").
	afterNames [][]string
}

// newParser reads claims against the index: its metrics and its rows' labels.
func newParser(lx *lexicon, ix *index) *parser {
	p := &parser{lx: lx, known: func(key string) bool { return len(ix.byKey[key]) > 0 }}
	var labels []string
	for _, s := range ix.series {
		if s.row >= 0 {
			labels = append(labels, s.label)
		}
	}
	p.names = stopNames(labels)
	p.afterNames = afterStopNames(labels)
	return p
}

// afterStops end a metric phrase after a movement noun besides the hard stops: "an increase in
// revenue of 12%", "a fall in revenue in Europe".
var afterStops = map[string]bool{"of": true, "in": true, "for": true, "at": true, "during": true, "on": true, "over": true}

// stopNames are the names, canonical or from the tables, that contain a stop word.
func stopNames(labels []string) [][]string {
	return namesWith(labels, func(w string) bool { return hardStops[w] && w != "and" })
}

// afterStopNames are the names that contain a word ending a phrase after a movement noun.
func afterStopNames(labels []string) [][]string {
	return namesWith(labels, func(w string) bool { return hardStops[w] && w != "and" || afterStops[w] })
}

// namesWith are the names, canonical or from the tables, that contain a word stop accepts.
func namesWith(labels []string, stop func(string) bool) [][]string {
	var out [][]string
	seen := map[string]bool{}
	add := func(n string) {
		words := strings.Fields(normLabel(n))
		has := false
		for _, w := range words {
			if stop(w) {
				has = true
			}
		}
		key := strings.Join(words, " ")
		if has && len(words) <= 10 && !seen[key] {
			seen[key] = true
			out = append(out, words)
		}
	}
	for _, m := range metrics {
		for _, n := range m.names {
			add(n)
		}
	}
	for _, l := range labels {
		add(l)
	}
	return out
}

// paragraph parses every sentence of a paragraph. Sentences without years inherit those of
// the sentence before, and the first sentence those the caller passes (from a heading such as
// "2024 compared with 2023").
func (p *parser) paragraph(text string, year, compYear int) []sentenceResult {
	var out []sentenceResult
	for _, sp := range readSentences(text) {
		r := p.sentence(text[sp.start:sp.end])
		r.start = sp.start
		if r.noCarry {
			out = append(out, r)
			continue
		}
		if r.year != 0 || r.compYear != 0 {
			year, compYear = r.year, r.compYear
		} else {
			for i := range r.claims {
				c := &r.claims[i]
				if c.year == 0 && c.compYear == 0 && !c.relative && !c.past && !c.multi {
					c.year, c.compYear = year, compYear
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// sentence parses one sentence.
func (p *parser) sentence(s string) sentenceResult {
	res := sentenceResult{text: s}
	toks := tokenize(s)
	mentions := false
	since := 0 // "since 2020": the year a multi-year claim starts from
	for i, t := range toks {
		if t.kind == tokWord && blockers[t.low] && !(t.low == "may" && tokAt(toks, i+1).kind == tokNum) {
			return res // a forecast or condition: not a statement of reported figures
		}
		if interimAt(toks, i) || multiYearAt(toks, i) {
			return res // an interim date or a span of several years: not the year's change
		}
		if word(toks, i, "since") {
			y, ok := readYear(toks, i+1)
			if !ok || since != 0 {
				return res // "since the acquisition", "since then": no year to check against
			}
			since = y.year
		}
		if t.kind == tokWord && triggers[t.low].dir != dirNone {
			mentions = true
		}
		if t.kind == tokNum {
			if q, ok := readQuantity(toks, i); ok && (q.kind == qPercent || q.kind == qAmount || q.kind == qPoints) {
				mentions = true
			}
		}
	}
	// Years the sentence names, for the ones after it.
	for i := 0; i < len(toks); i++ {
		if d, ok := readDate(toks, i, false); ok {
			res.noteYear(toks, i, d.year)
			i = d.to - 1
			continue
		}
		if y, ok := readYear(toks, i); ok {
			res.noteYear(toks, i, y.year)
			i = y.to - 1
		}
	}
	next := 0
	for i := 0; i < len(toks); i++ {
		if i < next || toks[i].kind != tokWord {
			continue
		}
		c, end, ok := p.claimAt(toks, i, s)
		if !ok {
			continue
		}
		res.claims = append(res.claims, c)
		next = max(end, i+1)
	}
	past := pastPeriod(toks)
	opening, _, openOK := balanceDate(toks, 0) // "At 30 June 2024, after a strong start, revenue…"
	for i := range res.claims {
		c := &res.claims[i]
		if openOK && len(c.dates) == 0 && c.year == 0 {
			// Not one of c.dates: the opening date may head an interim aside, and is checked
			// as the claim's date without being taken for a statement of the year end.
			c.at = &opening
			c.year = opening.year
		}
		switch {
		case since != 0:
			// "Since 2020, revenue has fallen by 19%": the latest year against 2020.
			c.multi, c.year, c.compYear, c.relative = true, 0, since, false
		case past && c.year == 0:
			c.past, c.relative = true, false
		}
	}
	if since != 0 || past {
		res.noCarry = true
	}
	res.open = mentions && len(res.claims) == 0
	return res
}

// interimAt reports whether the words at token i date a claim inside the year: "half-way
// through the year", "in the middle of the year", "at the end of the first quarter", "in the
// first six months". (Single words such as "H1", "Q3", "interim" and "half" are blockers.)
func interimAt(toks []token, i int) bool {
	switch {
	case word(toks, i, "middle", "mid", "part-way", "partway") && word(toks, i+1, "of", "through", "way") &&
		(word(toks, i+2, "the", "this", "our") && word(toks, i+3, "year", "financial", "fiscal", "period") || word(toks, i+2, "year")):
		return true
	case word(toks, i, "half", "part") && word(toks, i+1, "way", "-"):
		return true
	}
	return false
}

// numberWords are the spelled-out counts of years a multi-year claim names.
var numberWords = map[string]bool{"two": true, "three": true, "four": true, "five": true, "six": true,
	"seven": true, "eight": true, "nine": true, "ten": true, "several": true, "few": true}

// multiYearAt reports whether the words at token i span several years: "over the past four
// years", "in the last 3 years", "a five-year period", "between 2020 and 2024".
func multiYearAt(toks []token, i int) bool {
	t := tokAt(toks, i)
	if t.kind == tokWord && strings.HasSuffix(t.low, "-year") && numberWords[strings.TrimSuffix(t.low, "-year")] {
		return true
	}
	if word(toks, i, "years") {
		p := tokAt(toks, i-1)
		if p.kind == tokWord && numberWords[p.low] || p.kind == tokNum {
			if _, isYear := readYear(toks, i-1); !isYear {
				return true
			}
		}
	}
	if word(toks, i, "between") {
		if y, ok := readYear(toks, i+1); ok && word(toks, y.to, "and") {
			if _, ok := readYear(toks, y.to+1); ok {
				return true
			}
		}
	}
	return false
}

// pastPeriod reports whether a sentence dates its claims in the comparative period: "In the
// previous year revenue increased…", "Last year, cash fell…", "Revenue was €141.1m in the
// prior year". A prior period that is only compared with ("up 12% on last year", "from €11.1m
// in the prior year", "ahead of the prior year") does not count, nor does a sentence that also
// speaks of the current year.
func pastPeriod(toks []token) bool {
	found := false
	for i := 0; i < len(toks); i++ {
		if word(toks, i, "this", "current", "now", "since") {
			return false
		}
		if toks[i].kind == tokWord {
			switch toks[i].low {
			case "from", "compared", "comparison", "versus", "vs", "against", "than", "whereas", "while",
				"whilst", "relative", "on", "after", "following", "ahead", "behind", "over":
				if !found {
					return false
				}
			}
		}
		if found {
			continue
		}
		if !word(toks, i, "last", "prior", "previous", "preceding", "comparative", "the") {
			continue
		}
		_, comp, _, ok := periodPhrase(toks, i)
		if !ok || !comp {
			continue
		}
		prev := tokAt(toks, i-1)
		if i == 0 || prev.kind == tokPunct && prev.text == "," || word(toks, i-1, "in", "during", "for", "at") {
			found = true
		}
		if word(toks, i-1, "at") && word(toks, i-2, "as") {
			found = true
		}
	}
	return found
}

// noteYear records a year the sentence names, as compared-with when a comparison word
// precedes it.
func (r *sentenceResult) noteYear(toks []token, i, y int) {
	if comparativeBefore(toks, i) {
		if r.compYear == 0 {
			r.compYear = y
		}
		return
	}
	if r.year == 0 {
		r.year = y
	}
}

// comparativeBefore reports whether the words just before token i introduce a comparative
// ("compared with", "from", "over", "than", "versus", "(2023: …").
func comparativeBefore(toks []token, i int) bool {
	for k := i - 1; k >= max(0, i-4); k-- {
		t := toks[k]
		if t.kind == tokPunct && t.text == "(" {
			return true
		}
		if t.kind != tokWord {
			return false
		}
		switch t.low {
		case "from", "compared", "versus", "vs", "than", "over", "against", "on", "relative", "prior":
			return true
		case "the", "fiscal", "financial", "year", "with", "to", "in", "for", "ended", "of":
			continue
		}
		return false
	}
	return false
}

// claimAt reads a claim whose trigger is token i. It returns the claim and the index after it.
func (p *parser) claimAt(toks []token, i int, s string) (claim, int, bool) {
	if c, end, ok := p.stateClaim(toks, i, s); ok {
		return c, end, true
	}
	tr, n, ok := triggerAt(toks, i)
	if !ok {
		return p.levelClaim(toks, i, s)
	}
	c := claim{dir: tr.dir, verb: s[toks[i].start:toks[i+n-1].end], verbAt: toks[i].start, multiple: tr.mult}
	if tr.mult != 0 {
		switch {
		case word(toks, i-1, "than") && word(toks, i-2, "more"):
			c.multHdg = hedgeAtLeast
		case word(toks, i-1, "almost", "nearly"):
			c.multHdg = hedgeAtMost
		case word(toks, i-1, "approximately", "roughly", "about", "around"):
			c.multHdg = hedgeApprox
		}
	}
	noun := tr.pos == posNoun
	// ofSize says "of" introduces the size ("an increase of 12%", "we cut net debt of…"), and
	// after is where the words after the claim's metric start.
	ofSize := noun
	switch tr.pos {
	case posAdj:
		// "was higher", "was 12% higher": a copula must come first, or it is an adjective
		// before a noun ("higher revenue").
		if !copulaBefore(toks, i) {
			return claim{}, 0, false
		}
		if word(toks, i+1, "than") && !yearAfterThan(toks, i+2) {
			return claim{}, 0, false // "higher than expected", "lower than the market"
		}
	case posAdv:
		if word(toks, i+1, "to") || !(startsQuantity(toks, i+1) || word(toks, i+1, "by", "on", "from", "year-on-year", "year-over-year") || copulaBefore(toks, i) || punct(toks, i-1, ",")) {
			return claim{}, 0, false // "up to", "paid down", "set up"
		}
	case posFlat:
		if !copulaBefore(toks, i) {
			return claim{}, 0, false
		}
	case posVerb:
		// A past participle after "by", "to", "of" is an adjective: "driven by increased sales".
		if word(toks, i-1, "by", "to", "of", "from", "with", "the", "a", "an", "for", "in", "on") {
			return claim{}, 0, false
		}
		if strings.HasSuffix(toks[i].low, "s") && !strings.HasSuffix(toks[i].low, "ss") {
			// "increases", "declines" after a determiner are nouns.
			if word(toks, i-1, "the", "these", "such", "further", "price", "rate") {
				return claim{}, 0, false
			}
		}
		// "Loans advanced to customers", "we contracted borrowings": no figure, no movement.
		if figureOnly[toks[i].low] && !startsQuantity(toks, i+1) && !(word(toks, i+1, "by", "to", "from") && startsQuantity(toks, i+2)) {
			return claim{}, 0, false
		}
	}
	// Negation just before the trigger.
	for k := i - 1; k >= max(0, i-3); k-- {
		if toks[k].kind == tokWord && negations[toks[k].low] {
			return claim{}, 0, false
		}
	}

	// Where the metric is: after "in" for a noun ("an increase in revenue"), otherwise before.
	var subj subject
	found := false
	preSizeEnd := i
	nounAfter := i + n
	nounStart := i // where a movement noun's phrase starts: "a 12% increase in revenue"
	if noun {
		// "a 12% increase", "a €3.2m reduction": a size before the noun.
		k := i - 1
		for k >= 0 && toks[k].kind == tokWord && nounAdjectives[toks[k].low] {
			k--
		}
		lead := k
		if q, ok := quantityEndingAt(toks, k+1); ok && (q.kind == qPercent || q.kind == qAmount || q.kind == qPoints) {
			c.sizes = append(c.sizes, q)
			preSizeEnd = q.from
			lead = q.from - 1
			for lead >= 0 && toks[lead].kind == tokWord && nounAdjectives[toks[lead].low] {
				lead--
			}
		}
		nounStart = lead + 1
		// "offset by a reduction in interest expense", "due to an increase in sales": a
		// driver of another movement, often only part of the metric's change.
		if lead >= 0 && toks[lead].kind == tokWord && (prepositions[toks[lead].low] || causeWords[toks[lead].low]) {
			return claim{}, 0, false
		}
		j := i + 1
		if word(toks, j, "of") {
			if q, ok := readQuantity(toks, j+1); ok && q.kind != qPlain {
				// "an increase of 12% in revenue"
				c.sizes = append(c.sizes, q)
				j = q.to
				nounAfter = j
			}
		}
		if word(toks, j, "in") {
			if sj, ok := p.subjectAfter(toks, j+1); ok {
				subj, found = sj, true
				nounAfter = sj.to
			}
		}
	}
	if !found {
		end := preSizeEnd
		if noun {
			// "a revenue increase": skip the article and adjectives; "revenue growth".
			k := end - 1
			for k >= 0 && toks[k].kind == tokWord && nounAdjectives[toks[k].low] {
				k--
			}
			end = k + 1
		}
		sj, ok := p.subjectBefore(toks, end, &c, true)
		if !ok && tr.pos == posVerb && n == 1 && !intransitive[toks[i].low] && actorBefore(toks, i) {
			// "We reduced net debt by €2.8m": the metric is the verb's object.
			if obj, ok2 := p.subjectAfter(toks, i+n); ok2 {
				sj, ok = obj, true
				nounAfter = obj.to
				ofSize = true
			}
		}
		if !ok {
			return claim{}, 0, false
		}
		subj = sj
	}
	if subj.qualified {
		return claim{}, 0, false
	}
	c.ref = subj.ref
	c.subject = subj.text
	if subj.level != nil && c.level == nil {
		c.level = subj.level
	}
	if subj.year != 0 {
		c.year = subj.year
	}
	if subj.compYear != 0 {
		c.compYear = subj.compYear
	}
	c.dates = append(c.dates, subj.dates...)
	start := min(subj.from, i)
	if found {
		start = min(start, nounStart) // "a dip in revenue", quoted with its article
	}
	after := i + n
	if ofSize {
		after = nounAfter
	}
	end := p.complement(toks, after, &c, ofSize)
	if c.scoped {
		return claim{}, 0, false
	}
	if c.dir == dirBetter || c.dir == dirWorse {
		pol := c.ref.polarity()
		if pol == 0 {
			return claim{}, 0, false
		}
		up := (c.dir == dirBetter) == (pol > 0)
		c.dir = dirDown
		if up {
			c.dir = dirUp
		}
	}
	for start < i && (word(toks, start, "and", "but", "while", "whilst", "whereas") || punct(toks, start, ",")) {
		start++
	}
	last := end - 1
	for last >= i+n && danglingEnd(toks[last]) {
		last-- // "slump in revenue,", "improved to", "… (2023: $35.3m) was": words that lead nowhere
	}
	c.start, c.end = toks[start].start, toks[max(last, i+n-1)].end
	c.text = s[c.start:c.end]
	return c, end, true
}

// danglingEnd reports whether a token may not end a claim's quoted words: a comma, or a
// preposition, article or verb the complement read past without a figure after it.
func danglingEnd(t token) bool {
	if t.kind == tokPunct {
		return t.text == "," || t.text == "(" || t.text == "-" || t.text == "–" || t.text == "—" || t.text == "/"
	}
	if t.kind != tokWord {
		return false
	}
	switch t.low {
	case "to", "by", "or", "from", "of", "at", "reaching", "totalling", "totaling", "compared", "versus", "vs",
		"against", "than", "relative", "with", "in", "for", "during", "as", "the", "a", "an", "per",
		"was", "were", "is", "are", "has", "have", "had", "been", "be", "and", "on", "over":
		return true
	}
	return false
}

// actorBefore reports whether the word before a verb is the entity rather than a metric: "we",
// "the Group", "Acme".
func actorBefore(toks []token, i int) bool {
	k := i - 1
	for k >= 0 && toks[k].kind == tokWord && auxiliaries[toks[k].low] {
		k--
	}
	if k < 0 || toks[k].kind != tokWord {
		return false
	}
	switch toks[k].low {
	case "we", "group", "company", "business", "management", "board", "it":
		return true
	}
	r := toks[k].text[0]
	return r >= 'A' && r <= 'Z' && k > 0
}

// nounAdjectives may stand between an article and a movement noun: "a strong increase".
var nounAdjectives = map[string]bool{
	"a": true, "an": true, "the": true, "strong": true, "significant": true, "modest": true, "slight": true,
	"further": true, "small": true, "large": true, "sharp": true, "substantial": true, "marked": true,
	"year-on-year": true, "year-over-year": true, "double-digit": true, "overall": true, "material": true,
	"good": true, "solid": true, "robust": true, "healthy": true, "steep": true, "notable": true, "total": true,
	"net": false, "resulting": true, "corresponding": true, "continued": true, "its": true, "our": true,
	"this": true, "that": true, "year's": true, "years": true, "lower": false,
}

// copulaBefore reports whether a linking verb comes before token i, past adverbs and a size:
// "was up", "were 12% higher", "remained broadly flat".
func copulaBefore(toks []token, i int) bool {
	k := i - 1
	if q, ok := quantityEndingAt(toks, i); ok {
		k = q.from - 1
	}
	for k >= 0 && toks[k].kind == tokWord && auxiliaries[toks[k].low] && !copulas[toks[k].low] {
		k--
	}
	return k >= 0 && toks[k].kind == tokWord && (copulas[toks[k].low] || toks[k].low == "been")
}

// yearAfterThan reports whether "than" is followed by a year or a prior period ("than in 2023",
// "than last year"), the only comparison this agent checks.
func yearAfterThan(toks []token, i int) bool {
	for k := i; k < min(len(toks), i+4); k++ {
		if _, ok := readYear(toks, k); ok {
			return true
		}
		if word(toks, k, "last", "prior", "previous") {
			return true
		}
		if !word(toks, k, "in", "the", "for", "fiscal", "financial", "year") {
			return false
		}
	}
	return false
}

// startsQuantity reports whether a figure starts at token i.
func startsQuantity(toks []token, i int) bool {
	q, ok := readQuantity(toks, i)
	return ok && q.kind != qPlain
}

// quantityEndingAt finds a figure that ends just before token end ("12%" in "was 12% higher").
func quantityEndingAt(toks []token, end int) (quantity, bool) {
	for k := max(0, end-6); k < end; k++ { // the longest reading: "$1.2m", not "1.2m"
		q, ok := readQuantity(toks, k)
		if ok && q.to == end {
			if _, isYear := readYear(toks, k); isYear && q.kind == qPlain {
				return quantity{}, false
			}
			return q, true
		}
	}
	return quantity{}, false
}
