package logic

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file checks one claim against the figures of its metric. A claim is contradicted only
// when every figure it could mean contradicts it: when a note and the income statement print
// different revenue, a claim that fits either is left alone.

// Finding kinds, as raw_data.kind gives them.
const (
	kindDirection = "direction"
	kindSize      = "size"
	kindLevel     = "level"
	kindSign      = "sign"
	kindWording   = "wording"
	kindPeriod    = "period"
)

// problem is one way a claim disagrees with a figure.
type problem struct {
	kind string
	// actual says what the statements show, to complete "Narrative says …, but the … shows".
	actual string
	// contradiction is the full sentence for the Contradiction line.
	contradiction string
	tolerance     string
	severity      string
}

// verdict is a claim checked against one series.
type verdict struct {
	s        *series
	cur      int
	comp     int
	checked  bool // something could be compared
	problems []problem
}

// oriented is a series' figure for a year, signed the way the claim's metric reads: profit
// positive, costs by their size.
type oriented struct {
	v, lo, hi float64
	raw       string
}

// orient reads the figures of s for the years, turning a row worded as a loss into a profit
// figure and costs printed in brackets into their size. ok is false when the signs leave the
// figures' meaning unclear (a cost that is negative one year and positive the next).
func orient(s *series, years ...int) ([]oriented, bool) {
	out := make([]oriented, len(years))
	allNeg := true
	var vals []ival
	for _, y := range years {
		v, ok := s.at(y)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
		if v.v > 0 {
			allNeg = false
		}
	}
	signed := s.ref.signed() || s.percent
	for i, v := range vals {
		o := oriented{v: v.v, lo: v.lo, hi: v.hi, raw: v.raw}
		switch {
		case s.ref.negated && !s.ref.neutral && s.ref.key == "net_debt":
			o = oriented{v: -v.v, lo: -v.hi, hi: -v.lo, raw: v.raw} // net cash row
		case s.ref.negated && !s.ref.neutral:
			// "Loss for the year 1,234" and "(1,234)" both mean a loss of 1,234.
			a := math.Abs(v.v)
			h := (v.hi - v.lo) / 2
			o = oriented{v: -a, lo: -a - h, hi: -a + h, raw: v.raw}
		case !signed && allNeg:
			o = oriented{v: -v.v, lo: -v.hi, hi: -v.lo, raw: v.raw}
		case !signed && v.v < 0:
			return nil, false
		}
		out[i] = o
	}
	return out, true
}

// checker checks claims against the index.
type checker struct {
	ix     *index
	latest int
}

// periodsFor picks the years a claim compares for one series: the claim's own, or the
// document's latest year and the one before it.
func (ck *checker) periodsFor(c claim, s *series) (cur, comp int, ok bool) {
	cur = c.year
	if cur == 0 && c.past {
		// "In the previous year revenue increased…": the document's comparative year, which
		// this series must print.
		cur = ck.priorYear()
		if _, has := s.at(cur); cur == 0 || !has || c.compYear != 0 && c.compYear >= cur {
			return 0, 0, false
		}
	}
	if cur == 0 {
		cur = ck.latest
		if _, has := s.at(cur); !has && len(s.t.years) > 0 {
			cur = s.t.years[0]
		}
	}
	comp = c.compYear
	if comp == 0 {
		for _, y := range s.t.years {
			if y < cur && (comp == 0 || y > comp) {
				if _, has := s.at(y); has {
					comp = y
				}
			}
		}
	}
	_, hasCur := s.at(cur)
	return cur, comp, hasCur
}

// priorYear is the year before the latest the statements present, 0 when there is none.
func (ck *checker) priorYear() int {
	prev := 0
	for _, y := range ck.ix.years {
		if y < ck.latest && y > prev {
			prev = y
		}
	}
	return prev
}

// periodEnd reports whether a balance date a claim names is a period end the tables present:
// the day and month of a year end their headings state. "At 30 June 2024" in statements to 31
// December is an interim date no column holds. When the headings state no date, any date is
// taken to be the year end.
func (ck *checker) periodEnd(d quantity) bool {
	if d.day == 0 || d.month == 0 {
		return true
	}
	known := false
	for _, t := range ck.ix.tables {
		for _, e := range t.yearEnds {
			if e.day == 0 || e.month == 0 {
				continue
			}
			known = true
			if sameYearEnd(e, dateMention{day: d.day, month: d.month}) {
				return true
			}
		}
	}
	return !known
}

// check evaluates a claim against every series of its metric. It returns the verdict to
// report (nil when some series bears the claim out or none can be compared), and whether any
// figure could be compared at all.
func (ck *checker) check(c claim) (*verdict, bool) {
	cands := ck.ix.candidates(c.ref.key, c.ref.label)
	if len(cands) == 0 {
		return nil, false
	}
	dates := c.dates
	if c.at != nil {
		dates = append(slices.Clone(dates), *c.at)
	}
	for _, d := range dates {
		if !ck.periodEnd(d) {
			return nil, false // an interim date: no column holds the figure it states
		}
	}
	var first *verdict
	for _, s := range cands {
		cur, comp, ok := ck.periodsFor(c, s)
		if !ok {
			continue
		}
		if _, has := s.at(comp); c.compYear != 0 && !has {
			continue // the claim compares with a year this series does not print
		}
		v := ck.evaluate(c, s, cur, comp)
		if !v.checked {
			continue
		}
		if len(v.problems) == 0 {
			if c.past && v.comp == 0 && (c.dir != dirNone || len(c.sizes) > 0 || c.multiple != 0) {
				// A prior-year level fits, but this series lacks the year before it: the
				// movement the claim states is left to a series that has both.
				continue
			}
			return nil, true // one reading of the claim fits the statements
		}
		if first == nil {
			first = &v
		}
	}
	if first != nil {
		return first, true
	}
	v := ck.checkPeriod(c, cands)
	return v, v != nil
}

// checkPeriod handles a claim whose years the statements do not hold: when the claim fits the
// statements' own latest year and comparative, it has named the wrong year.
func (ck *checker) checkPeriod(c claim, cands []*series) *verdict {
	if c.year == 0 && c.compYear == 0 || c.past || c.multi {
		return nil // a prior-period or multi-year claim the tables cannot hold is left alone
	}
	if len(c.sizes) == 0 && c.level == nil && c.prior == nil && c.state == stateNone {
		return nil // a bare direction is too little to say which years it meant
	}
	for _, s := range cands {
		if s.t.kind.rank() < 2 {
			continue // a note's years are not the statements' years
		}
		has := func(y int) bool { _, ok := s.at(y); return ok }
		cur, comp := c.year, c.compYear
		wrong := []string{}
		if cur != 0 && !has(cur) {
			if cur < ck.latest {
				return nil // an older year the statements do not cover: history, not an error
			}
			wrong = append(wrong, fmt.Sprintf("%d", cur))
			cur = 0
		}
		if comp != 0 && !has(comp) {
			if cur != 0 && cur != ck.latest {
				return nil
			}
			wrong = append(wrong, fmt.Sprintf("%d", comp))
			comp = 0
		}
		if len(wrong) == 0 {
			continue
		}
		alt := c
		alt.year, alt.compYear = cur, comp
		cy, py, ok := ck.periodsFor(alt, s)
		if !ok || py == 0 {
			continue
		}
		v := ck.evaluate(alt, s, cy, py)
		if !v.checked || len(v.problems) > 0 {
			return nil // the figures do not fit either: the claim is about something else
		}
		named := strings.Join(wrong, " and ")
		v.problems = []problem{{
			kind:   kindPeriod,
			actual: fmt.Sprintf("figures for %d and %d, which match the claim", cy, py),
			contradiction: fmt.Sprintf("the narrative names %s, but the statements present %d against %d, and the claim matches those years' figures",
				named, cy, py),
			tolerance: "years must match exactly",
			severity:  "medium",
		}}
		return &v
	}
	return nil
}

// evaluate compares a claim with one series for the years cur and comp.
func (ck *checker) evaluate(c claim, s *series, cur, comp int) verdict {
	v := verdict{s: s, cur: cur, comp: comp}
	years := []int{cur}
	if comp != 0 {
		if _, ok := s.at(comp); ok {
			years = append(years, comp)
		} else {
			comp = 0
			v.comp = 0
		}
	}
	figs, ok := orient(s, years...)
	if !ok {
		return v
	}
	now := figs[0]
	var before *oriented
	if len(figs) > 1 {
		before = &figs[1]
	}
	// The claim in the series' orientation: a loss that "increased" is a profit that fell.
	dir := c.dir
	neg := c.ref.negated
	if neg && c.state == stateNone {
		switch dir {
		case dirUp:
			dir = dirDown
		case dirDown:
			dir = dirUp
		}
	}
	name := c.ref.display()
	unit := unitNote(s)
	statement := s.t.kind.String()

	if c.state != stateNone {
		v.checked = true
		ck.checkState(c, s, now, before, cur, comp, unit, &v)
		return v
	}

	// Direction.
	if dir != dirNone && before != nil {
		v.checked = true
		dLo, dHi := now.lo-before.hi, now.hi-before.lo
		pct, hasPct := pctChange(now, *before)
		move := describeMove(now, *before, s)
		switch {
		case dir == dirUp && dHi < 0, dir == dirDown && dLo > 0:
			v.problems = append(v.problems, problem{
				kind:          kindDirection,
				actual:        move,
				contradiction: fmt.Sprintf("the narrative says %s %s, but the %s shows %s from %s in %d to %s in %d", name, dirWord(dir, neg), statement, move, fmtFig(before.v, s), comp, fmtFig(now.v, s), cur),
				tolerance:     "direction is clear beyond the rounding of the printed figures",
				severity:      "high",
			})
			return v // a wrong direction makes the size moot
		case dir == dirFlat && hasPct && math.Abs(pct) > 5 && !s.percent:
			v.problems = append(v.problems, problem{
				kind:          kindDirection,
				actual:        move,
				contradiction: fmt.Sprintf("the narrative calls %s flat or unchanged, but the %s shows %s from %s in %d to %s in %d", name, statement, move, fmtFig(before.v, s), comp, fmtFig(now.v, s), cur),
				tolerance:     "flat allows a change of up to 5%",
				severity:      "medium",
			})
			return v
		case dir == dirFlat && s.percent && math.Abs(now.v-before.v) > 1:
			v.problems = append(v.problems, problem{
				kind:          kindDirection,
				actual:        move,
				contradiction: fmt.Sprintf("the narrative calls %s flat or unchanged, but the %s shows %s", name, statement, move),
				tolerance:     "flat allows a change of up to 1 percentage point",
				severity:      "medium",
			})
			return v
		}
	}

	// Size.
	if before != nil && (dir == dirUp || dir == dirDown) {
		sign := 1.0
		if dir == dirDown {
			sign = -1
		}
		// A change worked out from the narrative's own rounded levels ("from $7.3 million to
		// $368.1 million, an increase of $360.8 million") is as right as those levels are.
		sNow, sBefore := now, *before
		if c.level != nil && c.prior != nil {
			if lo, hi, ok := ck.levelRange(*c.level, now, s, neg); ok {
				sNow.lo, sNow.hi = math.Min(now.lo, lo), math.Max(now.hi, hi)
			}
			if lo, hi, ok := ck.levelRange(*c.prior, *before, s, neg); ok {
				sBefore.lo, sBefore.hi = math.Min(before.lo, lo), math.Max(before.hi, hi)
			}
		}
		for _, q := range c.sizes {
			if pr, ok := ck.checkSize(q, sign, sNow, sBefore, s); ok {
				v.checked = true
				if pr != nil {
					pr.contradiction = fmt.Sprintf("the narrative says %s %s by %s, but the %s shows %s (%s in %d against %s in %d)",
						name, dirWord(dir, neg), q.text, statement, pr.actual, fmtFig(now.v, s), cur, fmtFig(before.v, s), comp)
					v.problems = append(v.problems, *pr)
				}
			}
		}
		if c.multiple != 0 && before.v > 0 && now.v > 0 {
			v.checked = true
			ratio := now.v / before.v
			lo, hi := c.multiple*0.9, c.multiple*1.1
			switch c.multHdg {
			case hedgeAtLeast:
				lo, hi = c.multiple*0.97, math.Inf(1)
			case hedgeAtMost:
				lo, hi = c.multiple*0.8, c.multiple*1.03
			}
			if ratio < lo || ratio > hi {
				v.problems = append(v.problems, problem{
					kind:          kindSize,
					actual:        fmt.Sprintf("a change to %.2f times the %d figure", ratio, comp),
					contradiction: fmt.Sprintf("the narrative says %s %s, but the %s shows %s in %d against %s in %d, %.2f times", name, c.verb, statement, fmtFig(now.v, s), cur, fmtFig(before.v, s), comp, ratio),
					tolerance:     fmt.Sprintf("'%s' allows %.2f to %.2f times", c.verb, lo, math.Min(hi, 99)),
					severity:      sizeSeverity(ratio, c.multiple),
				})
			}
		}
	}

	// Levels.
	check := func(q *quantity, fig oriented, year int, which string) {
		if q == nil {
			return
		}
		pr, ok := ck.checkLevel(*q, fig, s, neg, figureName(c, s), year)
		if !ok {
			return
		}
		v.checked = true
		if pr != nil {
			pr.contradiction = fmt.Sprintf("the narrative gives %s %s %s, but the %s shows %s for %d", name, which, q.text, statement, pr.actual, year)
			v.problems = append(v.problems, *pr)
		}
	}
	check(c.level, now, cur, "of")
	if before != nil {
		check(c.prior, *before, comp, "for the comparative year of")
	}
	return v
}

// checkState checks "returned to profit", "swung to a loss", "turned cash positive", "made a
// loss of €2m" against the sign of the figure.
func (ck *checker) checkState(c claim, s *series, now oriented, before *oriented, cur, comp int, unit string, v *verdict) {
	statement := s.t.kind.String()
	name := fmt.Sprintf("'%s'", clip(s.label, 60))
	said := fmt.Sprintf("'%s'", clip(c.verb, 60))
	isProfit := now.lo > 0
	isLoss := now.hi < 0
	add := func(kind, actual, contradiction, sev string) {
		v.problems = append(v.problems, problem{kind: kind, actual: actual, contradiction: contradiction,
			tolerance: "the sign of the printed figure", severity: sev})
	}
	switch c.state {
	case stateCashPositive:
		// Net debt below zero is net cash.
		if now.lo >= 0 {
			add(kindWording, fmt.Sprintf("net debt of %s%s in %d", fmtFig(now.v, s), unit, cur),
				fmt.Sprintf("the narrative says %s, but the %s shows net debt of %s%s at the end of %d", said, statement, fmtFig(now.v, s), unit, cur), "high")
		}
		return
	case stateProfit, stateReturnedProfit:
		if !isProfit && now.v <= 0 {
			add(kindWording, fmt.Sprintf("a loss of %s%s", fmtFig(math.Abs(now.v), s), unit),
				fmt.Sprintf("the narrative says %s, but the %s shows %s of %s%s for %d, a loss", said, statement, name, now.raw, unit, cur), "high")
			return
		}
		if c.state == stateReturnedProfit && before != nil && before.lo > 0 {
			add(kindWording, fmt.Sprintf("a profit in %d as well (%s%s)", comp, fmtFig(before.v, s), unit),
				fmt.Sprintf("the narrative says %s, which implies a loss in %d, but the %s shows %s of %s%s for %d, a profit", said, comp, statement, name, before.raw, unit, comp), "medium")
			return
		}
	case stateLoss, stateSwungLoss:
		if !isLoss && now.v >= 0 {
			add(kindWording, fmt.Sprintf("a profit of %s%s", fmtFig(now.v, s), unit),
				fmt.Sprintf("the narrative says %s, but the %s shows %s of %s%s for %d, a profit", said, statement, name, now.raw, unit, cur), "high")
			return
		}
		if c.state == stateSwungLoss && before != nil && before.hi < 0 {
			add(kindWording, fmt.Sprintf("a loss in %d as well (%s%s)", comp, fmtFig(before.v, s), unit),
				fmt.Sprintf("the narrative says %s, which implies a profit in %d, but the %s shows %s of %s%s for %d, also a loss", said, comp, statement, name, before.raw, unit, comp), "medium")
			return
		}
	}
	if c.level != nil {
		neg := c.state == stateLoss || c.state == stateSwungLoss
		pr, ok := ck.checkLevel(*c.level, now, s, neg, name, cur)
		if ok && pr != nil {
			pr.contradiction = fmt.Sprintf("the narrative gives %s of %s, but the %s shows %s for %d", name, c.level.text, statement, pr.actual, cur)
			v.problems = append(v.problems, *pr)
		}
	}
}

// figureName names the figure a series prints, for what "the statements show": the metric's
// name, or the row's own label when it is one of several lines the metric covers ("cash
// generated from operations" for a claim about operating cash flow).
func figureName(c claim, s *series) string {
	name := c.ref.display()
	if c.ref.negated || s.ref.negated || s.ref.neutral || s.ref.adjusted || s.row < 0 || s.ref.m == nil || s.percent || s.ref.label == normLabel(name) {
		return name
	}
	l := footnoteRe.ReplaceAllString(s.label, " ")
	l = parenRe.ReplaceAllString(l, " ")
	l = noteRe.ReplaceAllString(l, " ")
	l = strings.Join(strings.Fields(l), " ")
	if l == "" {
		return name
	}
	return lowerFirst(l)
}

// pctChange is the relative change from before to now, in percent, when before is clearly
// positive (a change on a loss base has no meaningful percentage).
func pctChange(now, before oriented) (float64, bool) {
	if before.lo <= 0 {
		return 0, false
	}
	return 100 * (now.v - before.v) / before.v, true
}

// pctRange is the range of relative changes the printed figures' rounding allows.
func pctRange(now, before oriented) (float64, float64, bool) {
	if before.lo <= 0 {
		return 0, 0, false
	}
	a := []float64{100 * (now.lo - before.lo) / before.lo, 100 * (now.lo - before.hi) / before.hi,
		100 * (now.hi - before.lo) / before.lo, 100 * (now.hi - before.hi) / before.hi}
	return slices.Min(a), slices.Max(a), true
}

// claimRange is what a stated figure covers: its rounding, widened by a hedge.
func claimRange(v, half float64, h hedge) (float64, float64) {
	lo, hi := v-half, v+half
	switch h {
	case hedgeApprox:
		w := math.Max(half, 0.1*math.Abs(v))
		lo, hi = v-w, v+w
	case hedgeAtLeast:
		hi = math.Inf(1)
	case hedgeAtMost:
		lo = math.Min(lo, 0.8*v)
	}
	return lo, hi
}

// overlap reports whether two ranges meet, allowing for floating-point noise.
func overlap(aLo, aHi, bLo, bHi float64) bool {
	eps := 1e-9 * math.Max(1, math.Max(math.Abs(aHi), math.Abs(bHi)))
	return aLo <= bHi+eps && bLo <= aHi+eps
}

// checkSize compares a stated change with the figures. ok is false when the size cannot be
// compared (a percentage on a loss, an amount for a ratio); a nil problem means it fits.
func (ck *checker) checkSize(q quantity, sign float64, now, before oriented, s *series) (*problem, bool) {
	switch q.kind {
	case qPercent:
		cLo, cHi := claimRange(q.value, q.halfUnit(), q.hedge)
		cLo, cHi = sign*cLo, sign*cHi
		if cLo > cHi {
			cLo, cHi = cHi, cLo
		}
		if s.percent || s.ref.ratio() {
			// A margin "up 2%" may mean percentage points or a relative change.
			dLo, dHi := now.lo-before.hi, now.hi-before.lo
			if overlap(cLo, cHi, dLo, dHi) {
				return nil, true
			}
		}
		aLo, aHi, ok := pctRange(now, before)
		if !ok {
			return nil, false
		}
		if overlap(cLo, cHi, aLo, aHi) {
			return nil, true
		}
		pct, _ := pctChange(now, before)
		sLo, sHi := claimRange(q.value, q.halfUnit(), q.hedge)
		return &problem{
			kind:      kindSize,
			actual:    withArticle(fmtPct(math.Abs(pct)) + " " + incDec(pct)),
			tolerance: fmt.Sprintf("the stated %s covers a change of %s; the printed figures, with their rounding, give %s to %s", q.text, rangeText(sLo, sHi, "%"), fmt2(aLo)+"%", fmt2(aHi)+"%"),
			severity:  sizeSeverity(math.Abs(pct), q.value),
		}, true
	case qPoints:
		if !(s.percent || s.ref.ratio()) {
			return nil, false
		}
		cLo, cHi := claimRange(q.value, q.halfUnit(), q.hedge)
		cLo, cHi = sign*cLo, sign*cHi
		if cLo > cHi {
			cLo, cHi = cHi, cLo
		}
		dLo, dHi := now.lo-before.hi, now.hi-before.lo
		if overlap(cLo, cHi, dLo, dHi) {
			return nil, true
		}
		d := now.v - before.v
		sLo, sHi := claimRange(q.value, q.halfUnit(), q.hedge)
		return &problem{
			kind:      kindSize,
			actual:    fmt.Sprintf("a change of %+.1f percentage points", d),
			tolerance: fmt.Sprintf("the stated %s covers %s points; the printed figures give %s to %s points", q.text, rangeText(sLo, sHi, ""), fmt2(dLo), fmt2(dHi)),
			severity:  sizeSeverity(math.Abs(d), q.value),
		}, true
	case qAmount, qPlain:
		if s.percent || s.ref.ratio() {
			return nil, false
		}
		if q.kind == qPlain && q.value < 10 && q.decimals == 0 {
			return nil, false // "rose 3 places", a count rather than an amount
		}
		dLo, dHi := now.lo-before.hi, now.hi-before.lo
		for _, k := range readings(q, s) {
			cLo, cHi := claimRange(q.value*k, q.halfUnit()/scaleOr1(q.scale)*k, q.hedge)
			cLo, cHi = sign*cLo, sign*cHi
			if cLo > cHi {
				cLo, cHi = cHi, cLo
			}
			if overlap(cLo, cHi, dLo, dHi) {
				return nil, true
			}
		}
		d := now.v - before.v
		k := readings(q, s)[0]
		h := q.halfUnit() / scaleOr1(q.scale) * k
		return &problem{
			kind:      kindSize,
			actual:    fmt.Sprintf("a change of %s%s", signedFig(d, s), unitNote(s)),
			tolerance: fmt.Sprintf("the stated %s covers %s to %s%s; the printed figures give %s to %s", q.text, fmtFigD(q.value*k-h, s, 1), fmtFigD(q.value*k+h, s, 1), unitNote(s), signedFig(dLo, s), signedFig(dHi, s)),
			severity:  sizeSeverity(math.Abs(d), q.value*k),
		}, true
	}
	return nil, false
}

// levelRange is what a stated level covers in the table's units, when it fits the printed
// figure (ok is false otherwise).
func (ck *checker) levelRange(q quantity, fig oriented, s *series, neg bool) (float64, float64, bool) {
	if pr, ok := ck.checkLevel(q, fig, s, neg, "", 0); !ok || pr != nil {
		return 0, 0, false
	}
	if q.kind == qPercent {
		lo, hi := claimRange(q.value, q.halfUnit(), hedgeNone)
		if neg {
			lo, hi = -hi, -lo
		}
		return lo, hi, true
	}
	for _, k := range readings(q, s) {
		lo, hi := claimRange(q.value*k, q.halfUnit()/scaleOr1(q.scale)*k, hedgeNone)
		if q.negative || neg {
			lo, hi = -hi, -lo
		}
		if overlap(lo, hi, fig.lo, fig.hi) {
			return lo, hi, true
		}
	}
	return 0, 0, false
}

// checkLevel compares a stated figure with a printed one. neg is set when the claim words the
// figure as a loss or net cash (so "an operating loss of $987m" is -987 of operating profit).
func (ck *checker) checkLevel(q quantity, fig oriented, s *series, neg bool, name string, year int) (*problem, bool) {
	isRatio := s.percent || s.ref.ratio()
	switch {
	case q.kind == qPercent && isRatio:
		lo, hi := claimRange(q.value, q.halfUnit(), q.hedge)
		if neg {
			lo, hi = -hi, -lo
		}
		if overlap(lo, hi, fig.lo, fig.hi) {
			return nil, true
		}
		return &problem{
			kind:      kindLevel,
			actual:    fmt.Sprintf("%s of %s", name, fmtPct(fig.v)),
			tolerance: fmt.Sprintf("the stated %s covers %s to %s", q.text, fmtPct(lo), fmtPct(hi)),
			severity:  sizeSeverity(fig.v, q.value),
		}, true
	case (q.kind == qAmount || q.kind == qPlain) && !isRatio:
		if q.kind == qPlain && q.value < 10 && q.decimals == 0 {
			return nil, false
		}
		rs := readings(q, s)
		for _, k := range rs {
			lo, hi := claimRange(q.value*k, q.halfUnit()/scaleOr1(q.scale)*k, q.hedge)
			if q.negative || neg {
				lo, hi = -hi, -lo
			}
			if overlap(lo, hi, fig.lo, fig.hi) {
				return nil, true
			}
		}
		k := rs[0]
		stated := q.value * k
		if q.negative || neg {
			stated = -stated
		}
		h := q.halfUnit() / scaleOr1(q.scale) * k
		// The same size with the other sign: a profit called a loss, or a loss a profit.
		for _, k := range rs {
			lo, hi := claimRange(q.value*k, q.halfUnit()/scaleOr1(q.scale)*k, q.hedge)
			if !(q.negative || neg) {
				lo, hi = -hi, -lo
			}
			if s.ref.signed() && overlap(lo, hi, fig.lo, fig.hi) && fig.v != 0 {
				word := "profit"
				if fig.v < 0 {
					word = "loss"
				}
				if s.ref.key == "net_debt" {
					word = "net debt"
					if fig.v < 0 {
						word = "net cash"
					}
				}
				return &problem{
					kind:      kindWording,
					actual:    withArticle(fmt.Sprintf("%s of %s%s", word, fmtFig(math.Abs(fig.v), s), unitNote(s))),
					tolerance: "the size matches; the sign does not",
					severity:  "high",
				}, true
			}
		}
		return &problem{
			kind:      kindLevel,
			actual:    fmt.Sprintf("%s of %s%s", name, fmtFig(fig.v, s), unitNote(s)),
			tolerance: fmt.Sprintf("the stated %s covers %s to %s%s in the table's units", q.text, fmtFigD(stated-h, s, 1), fmtFigD(stated+h, s, 1), unitNote(s)),
			severity:  sizeSeverity(math.Abs(fig.v), math.Abs(stated)),
		}, true
	}
	return nil, false
}

// readings are the factors that turn a stated amount into the table's printed units: its
// scale word against the table's scale, or, when either is not stated, each reading that
// could be meant. The first is the likeliest.
func readings(q quantity, s *series) []float64 {
	ts := s.unitScale()
	if s.perShare() {
		// Per-share figures ignore the table's "€000"; pence and pounds, cents and euros mix.
		if q.minor {
			return []float64{1, 0.01}
		}
		return []float64{1, 100, 0.01}
	}
	if q.minor {
		return []float64{1, 0.01}
	}
	if q.kind == qPlain {
		return []float64{1}
	}
	var out []float64
	if q.scale != 0 && ts != 0 {
		return []float64{q.scale / ts}
	}
	if q.scale == 0 {
		out = append(out, 1) // "$19,911" in a table of thousands: the table's own units
		if ts != 0 && ts != 1 {
			out = append(out, 1/ts)
		}
		if ts == 0 {
			out = append(out, 1e-3, 1e-6)
		}
		return out
	}
	// Scale stated in text, not in the table: any scale the table might use.
	for _, t := range []float64{q.scale, 1, 1e3, 1e6, 1e9} {
		if !slices.Contains(out, q.scale/t) {
			out = append(out, q.scale/t)
		}
	}
	return out
}

// scaleOr1 reads an unstated scale (0) as units.
func scaleOr1(s float64) float64 {
	if s == 0 {
		return 1
	}
	return s
}

// sizeSeverity grades a wrong size or level: off by more than a quarter is medium, less is low.
func sizeSeverity(actual, stated float64) string {
	base := math.Max(math.Abs(actual), math.Abs(stated))
	if base == 0 {
		return "low"
	}
	if math.Abs(actual-stated)/base > 0.25 {
		return "medium"
	}
	return "low"
}

// dirWord words a direction for a contradiction sentence.
func dirWord(d direction, neg bool) string {
	if neg {
		switch d {
		case dirUp:
			d = dirDown
		case dirDown:
			d = dirUp
		}
	}
	switch d {
	case dirUp:
		return "increased"
	case dirDown:
		return "decreased"
	case dirFlat:
		return "was unchanged"
	}
	return "moved"
}

// incDec names the direction of a signed change.
func incDec(d float64) string {
	if d < 0 {
		return "decrease"
	}
	return "increase"
}

// describeMove says how a figure moved: "a 4.1% decrease", or "a decrease of 12.0" when no
// percentage is meaningful.
func describeMove(now, before oriented, s *series) string {
	d := now.v - before.v
	if s.percent {
		return withArticle(fmt.Sprintf("%s of %.1f percentage points", incDec(d), math.Abs(d)))
	}
	if s.ref.signed() && (now.v < 0) != (before.v < 0) && now.v != 0 && before.v != 0 {
		return fmt.Sprintf("a swing from %s to %s", resultWord(before.v, s), resultWord(now.v, s))
	}
	if pct, ok := pctChange(now, before); ok {
		if math.Abs(pct) < 0.05 {
			return "no change"
		}
		return withArticle(fmtPct(math.Abs(pct)) + " " + incDec(pct))
	}
	return withArticle(fmt.Sprintf("%s of %s%s", incDec(d), fmtFig(math.Abs(d), s), unitNote(s)))
}

// withArticle puts "a" or "an" before a phrase, as it is read aloud: "an increase", "an 8.6%
// decrease", "an 11.4% increase", "a 1.1% decrease", "a 110% increase".
func withArticle(phrase string) string {
	if phrase == "" {
		return phrase
	}
	c := phrase[0]
	if c >= '0' && c <= '9' {
		// The integer part, read in groups of three: "eight…", "eleven…", "eighteen…" take "an".
		digits := ""
		for _, r := range phrase {
			if r == ',' {
				continue
			}
			if r < '0' || r > '9' {
				break
			}
			digits += string(r)
		}
		if digits[0] == '8' || len(digits)%3 == 2 && (strings.HasPrefix(digits, "11") || strings.HasPrefix(digits, "18")) {
			return "an " + phrase
		}
		return "a " + phrase
	}
	if strings.ContainsRune("aeiouAEIOU", rune(c)) {
		return "an " + phrase
	}
	return "a " + phrase
}

// resultWord names a signed figure: "a profit of 1,539", "a loss of 2,289".
func resultWord(v float64, s *series) string {
	w := "a profit"
	if v < 0 {
		w = "a loss"
	}
	if s.ref.key == "net_debt" {
		w = "net debt"
		if v < 0 {
			w = "net cash"
		}
	}
	return fmt.Sprintf("%s of %s%s", w, fmtFig(math.Abs(v), s), unitNote(s))
}

// rangeText prints what a stated figure covers: "11.5% to 12.5%", "at least 9.5%".
func rangeText(lo, hi float64, unit string) string {
	if math.IsInf(hi, 1) {
		return "at least " + fmt2(lo) + unit
	}
	return fmt2(lo) + unit + " to " + fmt2(hi) + unit
}

// fmt2 prints a number with two decimals, without a negative zero.
func fmt2(v float64) string {
	if math.Abs(v) < 0.005 {
		v = 0
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtFigD prints a figure with at least extra more decimals than the table, for ranges.
func fmtFigD(v float64, s *series, extra int) string {
	dec := 0
	for _, x := range s.values {
		dec = max(dec, x.decimals)
	}
	return amount.Format(v, dec+extra)
}

// fmtPct prints a percentage with one decimal.
func fmtPct(v float64) string { return fmt.Sprintf("%.1f%%", v) }

// fmtFig prints a figure in the table's units with the decimals the table uses.
func fmtFig(v float64, s *series) string {
	dec := 0
	for _, x := range s.values {
		dec = max(dec, x.decimals)
	}
	if s.percent {
		return fmt.Sprintf("%.*f%%", max(dec, 1), v)
	}
	return amount.Format(v, dec)
}

// signedFig prints a change with its sign.
func signedFig(v float64, s *series) string {
	if v > 0 {
		return "+" + fmtFig(v, s)
	}
	return fmtFig(v, s)
}

// unitNote names the table's units after a figure: " (€000)", " (in millions)".
func unitNote(s *series) string {
	if s.percent || s.perShare() {
		return ""
	}
	sym := map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "AUD": "A$", "CHF": "CHF ", "JPY": "¥"}[s.t.currency]
	switch s.unitScale() {
	case 1e3:
		if sym != "" {
			return " (" + sym + "000)"
		}
		return " (in thousands)"
	case 1e6:
		if sym != "" {
			return " (" + sym + "m)"
		}
		return " (in millions)"
	case 1e9:
		if sym != "" {
			return " (" + sym + "bn)"
		}
		return " (in billions)"
	}
	return ""
}
