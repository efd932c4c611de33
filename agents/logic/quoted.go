package logic

import (
	"fmt"
	"math"
	"strings"

	"github.com/veritas-audit/veritas/extract"
)

// This file checks the narrative against itself, without the tables: a growth stated beside the
// two amounts it compares (quoted.go), shares of one whole that add up to more than all of it
// (shares.go), and depreciation charged on assets the text has taken out of use (heldforsale.go).
// Each reads one sentence or one paragraph, so it holds even where no table has the figure.

// kindQuoted is a growth that the figures quoted beside it do not give.
const kindQuoted = "quoted_growth"

// textSentence is one sentence of a body paragraph, tokenized.
type textSentence struct {
	para int // index in doc.Paragraphs
	text string
	toks []token
}

// bodySentences returns the sentences of the body paragraphs, paragraph by paragraph, skipping
// headings and sentences longer than the parser reads.
func bodySentences(doc *extract.Document) [][]textSentence {
	var out [][]textSentence
	for i, p := range doc.Paragraphs {
		if p.Heading > 0 {
			continue
		}
		var ss []textSentence
		for _, sp := range readSentences(p.Text) {
			s := p.Text[sp.start:sp.end]
			ss = append(ss, textSentence{para: i, text: s, toks: tokenize(s)})
		}
		if len(ss) > 0 {
			out = append(out, ss)
		}
	}
	return out
}

// whereSaid names a sentence's paragraph the way the other findings do.
func whereSaid(doc *extract.Document, s textSentence) string {
	return fmt.Sprintf("Paragraph %d '%s'", s.para+1, clip(doc.Paragraphs[s.para].Text, 60))
}

// growthWords state a rise and declineWords a fall, as the noun or verb a growth rate is tied
// to: "growth of 250%", "up 12%", "a 12% increase", "fell by 5%".
var (
	growthWords = map[string]bool{
		"growth": true, "grew": true, "grow": true, "increase": true, "increased": true, "increases": true,
		"up": true, "rise": true, "rose": true, "risen": true, "rising": true, "higher": true,
		"improvement": true, "improved": true, "gain": true, "gained": true, "uplift": true,
	}
	declineWords = map[string]bool{
		"decline": true, "declined": true, "decrease": true, "decreased": true, "down": true,
		"fall": true, "fell": true, "fallen": true, "drop": true, "dropped": true, "lower": true,
		"reduction": true, "reduced": true,
	}
	// multipleWords are verbs that state a factor.
	multipleWords = map[string]float64{
		"doubled": 2, "trebled": 3, "tripled": 3, "quadrupled": 4, "halved": 0.5,
	}
)

// quotedGrowth is what one sentence states: the amount now, the amount it is compared with, and
// the growth rate or multiple between them.
type quotedGrowth struct {
	now, before quantity
	rate        *quantity // a percentage tied to a growth or decline word
	down        bool      // the rate is a fall
	mult        float64   // a factor stated by a verb ("tripled"), 0 when none
	multWord    string
}

// readQuotedGrowth reads a sentence that states a change and both amounts it compares: "to
// $7.2m (2023: $2.4m)", "from €2.4m to €7.2m", "$7.2m compared with $2.4m". Anything less
// certain (two rates, a third amount the words tie to either side, a forecast) gives nothing.
func readQuotedGrowth(toks []token) (quotedGrowth, bool) {
	var g quotedGrowth
	var nows, befores, rates []quantity
	var downs []bool
	for i, t := range toks {
		if t.kind == tokWord && (blockers[t.low] || compoundWords[t.low]) ||
			word(toks, i, "per", "a", "each", "every") && word(toks, i+1, "year", "annum") {
			return g, false // a forecast, or a yearly rate over several years
		}
	}
	for i := 0; i < len(toks); i++ {
		if d, ok := readDate(toks, i, false); ok {
			i = d.to - 1
			continue
		}
		if y, ok := readYear(toks, i); ok {
			i = y.to - 1
			continue
		}
		if toks[i].kind == tokWord && multipleWords[toks[i].low] != 0 {
			if g.mult != 0 {
				return g, false
			}
			g.mult, g.multWord = multipleWords[toks[i].low], toks[i].low
			continue
		}
		q, ok := readQuantity(toks, i)
		if !ok {
			continue
		}
		i = q.to - 1
		switch q.kind {
		case qAmount:
			switch {
			case word(toks, q.from-1, "from") || comparativeAside(toks, q.from) ||
				word(toks, q.from-1, "with", "versus", "vs", "against") && word(toks, q.from-2, "compared", "comparing", "against", "with") ||
				word(toks, q.from-1, "vs", "versus"):
				befores = append(befores, q)
			case word(toks, q.from-1, "to", "reaching", "reached", "at"):
				nows = append(nows, q)
			}
		case qPercent:
			if up, down := rateWord(toks, q); up || down {
				rates, downs = append(rates, q), append(downs, down)
			}
		}
	}
	if len(nows) != 1 || len(befores) != 1 || len(rates) > 1 || (len(rates) == 0 && g.mult == 0) {
		return g, false
	}
	g.now, g.before = nows[0], befores[0]
	if g.now.currency != g.before.currency || g.now.minor != g.before.minor || g.now.negative || g.before.negative ||
		g.now.value <= 0 || g.before.value <= 0 || g.now.hedge != hedgeNone || g.before.hedge != hedgeNone {
		return g, false
	}
	if (g.now.scale == 0) != (g.before.scale == 0) {
		return g, false // "$7.2m (2023: 2,400)": units the sentence does not give
	}
	if len(rates) == 1 {
		g.rate, g.down = &rates[0], downs[0]
		// The rate belongs to the amounts only within their clause: "…to $7.2m (2023:
		// $2.4m), while headcount grew 15%" states the growth of something else.
		from, to := min(g.rate.from, g.now.from, g.before.from), max(g.rate.to, g.now.to, g.before.to)
		for j := from; j < to; j++ {
			comparing := word(toks, j-1, "compared", "comparing") || word(toks, j+1, "compared", "against")
			if toks[j].kind == tokWord && clauseBreaks[toks[j].low] && !comparing {
				return g, false
			}
		}
	}
	return g, true
}

// compoundWords state a rate per year over several years ("an annual growth of 10% from $1.0m
// in 2019 to $1.46m in 2023"), which the two amounts do not give directly.
var compoundWords = map[string]bool{
	"annual": true, "annually": true, "annualised": true, "annualized": true, "cagr": true,
	"compound": true, "compounded": true, "average": true, "p.a": true, "yearly": true,
}

// clauseBreaks start a clause that may speak of another metric.
var clauseBreaks = map[string]bool{
	"while": true, "whereas": true, "and": true, "but": true, "although": true, "though": true,
	"with": true, "as": true, "whilst": true, "which": true, "where": true,
}

// comparativeAside reports whether the amount at token i opens a parenthesis that names the
// comparative: "(2023: $2.4m)", "(prior year: $2.4m)", "(FY23 $2.4m)", "(2023 – $2.4m)".
func comparativeAside(toks []token, i int) bool {
	j := i - 1
	if punct(toks, j, ":", "-", "–", "—") {
		j--
	}
	if _, ok := readYear(toks, j); ok && punct(toks, j-1, "(") {
		return true
	}
	if y, ok := yearOf(tokAt(toks, j).low); ok && y > 0 && punct(toks, j-1, "(") {
		return true
	}
	return word(toks, j, "year") && word(toks, j-1, "prior", "previous", "last") && punct(toks, j-2, "(")
}

// rateWord reports whether a percentage is tied to a word of growth or decline: right after it
// ("a 250% increase") or up to three words before it ("growth of 250%", "up by 12%").
func rateWord(toks []token, q quantity) (up, down bool) {
	if t := tokAt(toks, q.to); t.kind == tokWord {
		if growthWords[t.low] {
			return true, false
		}
		if declineWords[t.low] {
			return false, true
		}
	}
	for j := q.from - 1; j >= max(q.from-3, 0); j-- {
		t := toks[j]
		if t.kind != tokWord {
			return false, false
		}
		switch {
		case growthWords[t.low]:
			return true, false
		case declineWords[t.low]:
			return false, true
		case t.low == "of" || t.low == "by" || t.low == "a" || t.low == "an" || t.low == "some":
		default:
			return false, false
		}
	}
	return false, false
}

// sentenceKey names one sentence of the document: its paragraph and its text.
type sentenceKey struct {
	para int
	text string
}

// quotedGrowthIssues checks every sentence that quotes both amounts of a change with its rate,
// except those in done (already reported).
func quotedGrowthIssues(doc *extract.Document, paras [][]textSentence, done map[sentenceKey]bool) []issue {
	var out []issue
	for _, ss := range paras {
		for _, s := range ss {
			if done[sentenceKey{s.para, s.text}] {
				continue
			}
			g, ok := readQuotedGrowth(s.toks)
			if !ok {
				continue
			}
			if is, ok := g.issue(doc, s); ok {
				out = append(out, is)
			}
		}
	}
	return out
}

// issue compares what the sentence states with what its own amounts give, within the rounding
// of every printed figure.
func (g quotedGrowth) issue(doc *extract.Document, s textSentence) (issue, bool) {
	nowV, beforeV := g.now.absolute(), g.before.absolute()
	nowH, beforeH := g.now.halfUnit(), g.before.halfUnit()
	lo := (nowV - nowH) / (beforeV + beforeH) // the ratio now/before the printed amounts allow
	hi := (nowV + nowH) / math.Max(beforeV-beforeH, beforeV/1e6)
	ratio := nowV / beforeV
	figures := fmt.Sprintf("%s against %s: %.2f times, a change of %s", g.now.text, g.before.text, ratio, signedPct((ratio-1)*100))
	base := issue{
		kind:      kindQuoted,
		fsli:      "Narrative figures",
		figures:   figures,
		location:  whereSaid(doc, s),
		refs:      []string{whereSaid(doc, s)},
		claim:     fmt.Sprintf("'%s'", clip(s.text, 200)),
		tolerance: fmt.Sprintf("the amounts as printed allow %s to %s", signedPct((lo-1)*100), signedPct((hi-1)*100)),
	}
	if g.rate != nil {
		// Sizes, not signs: a fall of 12% is a magnitude of 12 on the falling side.
		mLo, mHi, implied := (lo-1)*100, (hi-1)*100, (ratio-1)*100
		if g.down {
			mLo, mHi, implied = (1-hi)*100, (1-lo)*100, (1-ratio)*100
		}
		sLo, sHi := claimRange(g.rate.value, 0.5*math.Pow(10, -float64(g.rate.decimals)), g.rate.hedge)
		if !overlap(mLo, mHi, sLo, sHi) {
			is := base
			word := "rise"
			if g.down {
				word = "fall"
			}
			is.severity = quotedSeverity(implied, g.rate.value)
			is.description = fmt.Sprintf("Narrative states a %s of %s, but the amounts it quotes (%s against %s) give %s",
				word, g.rate.text, g.now.text, g.before.text, signedPct((ratio-1)*100))
			is.contradiction = fmt.Sprintf("the sentence quotes %s against %s, a change of %s, not a %s of %s", g.now.text, g.before.text, signedPct((ratio-1)*100), word, g.rate.text)
			is.rule = ruleFor(kindSize, is.severity)
			return is, true
		}
	}
	if g.mult != 0 && (hi < g.mult*0.9 || lo > g.mult*1.1) {
		is := base
		is.severity = quotedSeverity(ratio, g.mult)
		is.description = fmt.Sprintf("Narrative says %s, but the amounts it quotes (%s and %s) are %.2f times apart",
			g.multWord, g.now.text, g.before.text, ratio)
		is.contradiction = fmt.Sprintf("'%s' means %g times, but %s against %s is %.2f times", g.multWord, g.mult, g.now.text, g.before.text, ratio)
		is.tolerance = fmt.Sprintf("'%s' allows %.2f to %.2f times; the amounts as printed give %.2f to %.2f", g.multWord, g.mult*0.9, g.mult*1.1, lo, hi)
		is.rule = ruleFor(kindSize, is.severity)
		return is, true
	}
	return issue{}, false
}

// quotedSeverity is medium when the stated and the quoted change differ by more than a quarter
// of the larger, low otherwise, as for claims against the tables.
func quotedSeverity(actual, stated float64) string {
	if math.Abs(actual-stated) > 0.25*math.Max(math.Abs(actual), math.Abs(stated)) {
		return "medium"
	}
	return "low"
}

// signedPct prints a change in per cent with its sign: "+200%", "-12.5%".
func signedPct(v float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%+.1f", v), ".0") + "%"
}
