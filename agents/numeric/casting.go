package numeric

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
)

// This file finds the casting relations of a table and the cells that break them.
//
// In-table: the rows of a band are read top-down, keeping the list of open line items. For each
// row of figures, every run of open items ending just above it is tried as its components, with
// the signs as printed, with "Less:" rows subtracted, and (for rows labelled as aggregates) as
// "first less the rest" (gross less deductions). The run that holds in the most columns wins;
// ties go to the run inside the row's section, then to the whole section. A run that holds in
// every column it can be checked in makes the row a (sub)total and its components close into it,
// so a grand total is later matched against its subtotals. A run that holds in some columns and
// fails in others is a finding in the failing ones when
//   - the row is labelled as an aggregate (total, net, closing balance, no label) and holds in at
//     least as many columns as it fails, or holds in at least two columns and twice as many;
//   - a holding match is "strong" (the total is well above the rounding allowance), so small
//     numbers that add up by chance prove nothing;
//   - the failing column is of the same kind as a holding one: amounts printed to the same
//     decimals (a price column beside share counts is not a broken total), or percentages
//     confirmed by another percentage column or adding to 100 %.
// A relation is reported on a label alone only where a single column can be checked, the row is
// labelled "Total" and every row of the block above it prints a figure, or the row is a closing
// balance whose roll-forward block (one opening balance, movements) is labelled as such.
//
// Roll-forwards laid out by rows are cast here too: a closing balance ("At 31 December 2024",
// "Balance at end of year") is an aggregate of the opening balance and the movements above it,
// tried also with movements printed without a sign subtracted when their labels say they
// decrease the balance (disposals, amounts used, payments, depreciation).
//
// Cross-column: a column that equals the sum of the other amount columns in (nearly) every row,
// such as a "Total" column or a roll-forward's closing balance, is a relation too; rows where it
// fails are findings.

// maxRun is the longest run of open items tried as the components of one row. Real totals add
// far fewer lines directly (subtotals close their own runs), and the cap keeps a table of
// thousands of rows linear.
const maxRun = 80

// Check types as reported in raw_data.
const (
	checkInTable     = "in_table"
	checkCrossColumn = "cross_column"
)

// sign patterns tried for a run of components.
const (
	patPrinted    = iota // every component added as printed
	patLess              // rows labelled "Less ..." subtracted
	patFirstMinus        // the first component less the others (gross less deductions)
	patDecrease          // roll-forwards: disposals, payments, depreciation printed unsigned are subtracted
	patDisposals         // roll-forwards of accumulated depreciation: disposals subtracted, depreciation added
	patCount
)

// cellResult is a relation evaluated in one column (or, across columns, in one row).
type cellResult struct {
	col      int
	state    uint8
	expected float64
	actual   float64
	tol      float64
	decimals int
	figures  int // components that print a figure (not blank, not a dash)
}

// states of a cellResult.
const (
	stateNA = iota
	stateMatch
	stateMismatch
)

// candidate is one possible set of components for a row.
type candidate struct {
	start   int // index into the open items
	pattern int
	results []cellResult
	match   int     // columns where it holds
	strong  int     // of which well above the rounding allowance
	miss    int     // columns where it fails
	relDiff float64 // how far off the failing columns are, relative to their totals
}

// issue is a broken relation found in a table, before it is worded as a finding.
type issue struct {
	check    string
	table    *tableModel
	band     *band
	target   *tableRow
	col      int
	comps    []*tableRow // in-table: component rows
	compCols []int       // cross-column: component columns
	signs    []float64
	result   cellResult
	evidence string
	doubt    string // why the reading is uncertain; a finding with a doubt is low severity
	tolNote  string // how the tolerance was derived, when not from the rounding of the figures
}

// tolerance is the rounding allowance for a sum of n printed figures shown to the given number
// of decimals: about three standard deviations of n+1 independent roundings, at least one unit
// of the last digit.
func tolerance(n, decimals int) float64 {
	unit := math.Pow10(-decimals)
	k := math.Floor(0.87 * math.Sqrt(float64(n+1)))
	if k < 1 {
		k = 1
	}
	return k * unit
}

// additiveColumns lists the columns a band's in-table relations are checked in: amounts, and
// percentages that can be shares of one whole. A percentage headed as a change ("Change in %",
// "Variance in percent") or as a rate or margin is a ratio of two figures of its row, and
// ratios do not add, even where a block's happen to.
func additiveColumns(b *band) []int {
	var cols []int
	for j, k := range b.kinds {
		switch {
		case k == colAmount:
			cols = append(cols, j)
		case k == colPercent && (b.shareOf[j] || !(changeHeaded(b, j) || perUnitColumn(b.names[j]))):
			cols = append(cols, j)
		}
	}
	return cols
}

// runSum accumulates a run of components in one column for every sign pattern at once, so the
// runs ending above a row are scored in one pass from the nearest item up.
type runSum struct {
	printed  float64 // Σ as printed
	less     float64 // Σ with "Less" rows subtracted
	rest     float64 // Σ as printed of the run without its first item (for first-minus-rest)
	first    float64 // the first item's figure
	decrease float64 // Σ with decreasing and wearing movements subtracted (patDecrease)
	disposal float64 // Σ with decreasing movements subtracted, wearing ones added (patDisposals)
	figures  int     // components printing a figure
	decimals int
	invalid  bool // a component is text, or a percentage among amounts
}

// add puts the next item (one row further up) at the front of the run.
func (a *runSum) add(cell tableCell, r *tableRow, percentColumn bool) {
	a.rest = a.printed
	a.first = 0
	switch {
	case cell.class == cellBlank || (cell.class == cellNum && cell.num.Dash):
	case cell.class == cellText || (cell.num.Percent && !percentColumn):
		a.invalid = true
	default:
		v := cell.num.Value
		a.first = v
		a.printed += v
		if r.less {
			a.less -= v
		} else {
			a.less += v
		}
		switch r.flow {
		case flowDecrease:
			a.decrease -= math.Abs(v)
			a.disposal -= math.Abs(v)
		case flowWearing:
			a.decrease -= math.Abs(v)
			a.disposal += math.Abs(v)
		default:
			a.decrease += v
			a.disposal += v
		}
		a.figures++
		a.decimals = max(a.decimals, cell.num.Decimals)
	}
}

// expected is the run's sum under a sign pattern.
func (a *runSum) expected(pattern int) float64 {
	switch pattern {
	case patLess:
		return a.less
	case patFirstMinus:
		return a.first - a.rest
	case patDecrease:
		return a.decrease
	case patDisposals:
		return a.disposal
	}
	return a.printed
}

// judge compares a target cell with a run's sum under a pattern.
func judge(b *band, target *tableRow, col int, a *runSum, pattern int) cellResult {
	res := cellResult{col: col}
	t := target.cells[col]
	if t.class != cellNum || a.invalid || a.figures == 0 {
		return res
	}
	if pattern != patPrinted && b.variance[col] {
		// A variance column often flips the sign of costs (favourable/adverse); only plain sums
		// are checked in it.
		return res
	}
	sum := a.expected(pattern)
	actual := 0.0
	if !t.num.Dash {
		actual = t.num.Value
	}
	if actual == 0 && sum == 0 {
		return res
	}
	res.expected, res.actual, res.figures = sum, actual, a.figures
	res.decimals = max(a.decimals, t.num.Decimals)
	res.tol = tolerance(a.figures, res.decimals)
	if math.Abs(actual-sum) <= res.tol+1e-9*math.Max(1, math.Abs(sum)) {
		res.state = stateMatch
	} else {
		res.state = stateMismatch
	}
	return res
}

// evaluate checks target = Σ components under a sign pattern in one column.
func evaluate(b *band, target *tableRow, comps []*tableRow, col int, pattern int) cellResult {
	var a runSum
	percent := b.kinds[col] == colPercent
	for i := len(comps) - 1; i >= 0; i-- {
		a.add(comps[i].cells[col], comps[i], percent)
	}
	return judge(b, target, col, &a, pattern)
}

// strong reports whether a holding relation says something: the total is well above the
// rounding allowance, so the match is no coincidence of small numbers.
func (r cellResult) strong() bool {
	return r.state == stateMatch && math.Abs(r.actual) > 5*r.tol
}

// signsFor returns the component signs of a pattern in a column, or nil when the pattern does
// not apply.
func signsFor(comps []*tableRow, pattern, col int) []float64 {
	signs := make([]float64, len(comps))
	switch pattern {
	case patPrinted:
		for i := range signs {
			signs[i] = 1
		}
	case patLess:
		any := false
		for i, c := range comps {
			signs[i] = 1
			if isLessLabel(c.label) {
				signs[i] = -1
				any = true
			}
		}
		if !any {
			return nil
		}
	case patFirstMinus:
		if len(comps) < 2 {
			return nil
		}
		for i := range signs {
			signs[i] = -1
		}
		signs[0] = 1
	case patDecrease, patDisposals:
		for i, c := range comps {
			signs[i] = 1
			positive := c.cells[col].class == cellNum && c.cells[col].num.Value > 0
			if positive && (c.flow == flowDecrease || (c.flow == flowWearing && pattern == patDecrease)) {
				signs[i] = -1
			}
		}
	}
	return signs
}

// isLessLabel reports whether a row is printed as a deduction: "Less: accumulated depreciation".
func isLessLabel(label string) bool {
	w := words(label)
	return len(w) > 0 && (w[0] == "less" || w[0] == "deduct" || w[0] == "minus" || w[0] == "deduction")
}

// blockEnd reports whether a row ends a block of figures: the last row of its band, or followed
// by a section label or a blank row.
func blockEnd(b *band, r *tableRow) bool {
	for i, x := range b.rows {
		if x != r {
			continue
		}
		for _, next := range b.rows[i+1:] {
			return next.kind != rowData
		}
		return true
	}
	return false
}

// totalLabel reports whether a label names a total outright.
func totalLabel(label string) bool {
	return hasWord(label, "total", "totals", "subtotal", "sum") &&
		!strings.Contains(strings.ToLower(label), "% of total")
}

// aggregateLabel reports whether a label reads like a figure made of the rows above it: a total,
// a net or gross amount, a closing balance, or no label at all.
func aggregateLabel(label string) bool {
	if label == "" || totalLabel(label) {
		return true
	}
	return hasWord(label, "net", "gross", "end", "ending", "closing", "balance", "outstanding",
		"aggregate", "overall", "combined", "consolidated", "nonvested", "unvested")
}

// netLineItem reports whether a row labelled "<item>, net" ("Inventories, net", "Property and
// equipment, net") is a line item measured net, as in a balance sheet, rather than the net of
// the rows above it: it is read as an aggregate only when its section above holds its gross
// amount (a row naming the same item) or a deduction ("Less: allowance", "Accumulated
// depreciation").
func netLineItem(label string, above []*tableRow) bool {
	w := words(label)
	if len(w) < 2 || w[len(w)-1] != "net" || !strings.Contains(label, ",") {
		return false
	}
	stem := w[0]
	for _, it := range above {
		iw := words(it.label)
		if it.less || slices.Contains(iw, stem) ||
			hasWord(it.label, "allowance", "allowances", "accumulated", "reserve", "reserves", "less", "impairment", "provision", "discount", "gross") {
			return false
		}
	}
	return true
}

// scoreCandidate evaluates a candidate in every additive column. Percentage columns count only
// where they can be read as shares of one base (the total is 100 %, or the heading says "% of")
// or where another percentage column holds the same relation; otherwise a "% change" column
// would count against every relation.
func scoreCandidate(b *band, cols []int, target *tableRow, sums []runSum, c *candidate) {
	c.results = c.results[:0]
	c.match, c.strong, c.miss, c.relDiff = 0, 0, 0, 0
	pctStrong, pctSeen := 0, 0
	for i, col := range cols {
		r := judge(b, target, col, &sums[i], c.pattern)
		if b.kinds[col] == colPercent && !b.shareOf[col] && r.state != stateNA {
			pctSeen++
			if r.strong() {
				pctStrong++
			}
		}
		c.results = append(c.results, r)
	}
	for i := range c.results {
		r := &c.results[i]
		if b.kinds[r.col] == colPercent && r.state != stateNA {
			byValue := b.shareOf[r.col] || math.Abs(r.actual-100) <= 0.5
			if !byValue && (pctSeen < 2 || pctStrong == 0) {
				r.state = stateNA
			}
		}
		switch r.state {
		case stateMatch:
			c.match++
			if r.strong() {
				c.strong++
			}
		case stateMismatch:
			c.miss++
			c.relDiff += math.Abs(r.actual-r.expected) / math.Max(math.Abs(r.actual), r.tol)
		}
	}
}

// better reports whether candidate a should be preferred to b: the one that holds in more
// columns, then fails in fewer, then stays within the row's section (boundary is where the
// section's items begin), then spans the whole section, then uses plainer signs, then is nearer
// to holding, then uses fewer rows. Signs come before nearness: when the signs as printed hold
// in one column and a rewritten pattern ("first less the rest") in another, one printed sign is
// wrong in one of them, and the printed signs are the table's own statement of how its rows
// combine. How near a failing column comes to holding says nothing about which one it is.
func better(a, b *candidate, boundary int) bool {
	if b == nil {
		return true
	}
	if a.match != b.match {
		return a.match > b.match
	}
	if a.miss != b.miss {
		return a.miss < b.miss
	}
	if inA, inB := a.start >= boundary, b.start >= boundary; inA != inB {
		return inA
	}
	if atA, atB := a.start == boundary, b.start == boundary; atA != atB {
		return atA // the whole section: the block a reader sees above the total
	}
	if a.pattern != b.pattern {
		return a.pattern < b.pattern
	}
	if a.relDiff != b.relDiff {
		return a.relDiff < b.relDiff
	}
	return a.start > b.start // fewer components
}

// exact reports whether a candidate holds to the printed unit in every column where it holds,
// without using the rounding allowance. A row not labelled as a total is only taken for a
// subtotal on this stronger evidence.
func exact(c *candidate) bool {
	for _, r := range c.results {
		if r.state == stateMatch && math.Abs(r.actual-r.expected) > 0.5*math.Pow10(-r.decimals) {
			return false
		}
	}
	return true
}

// supported reports whether a failing column is contradicted by a holding one of the same kind:
// an amount column printed like it (same number of decimals; a column of prices or terms shown
// to two decimals beside whole-number amounts is a different kind of figure, not a broken
// total), or for percentages another percentage column, or any column when the percentages are
// shares of one base.
func supported(b *band, c *candidate, failing cellResult) bool {
	pct := b.kinds[failing.col] == colPercent
	byValue := pct && (b.shareOf[failing.col] || math.Abs(failing.actual-100) <= 0.5)
	for _, r := range c.results {
		if !r.strong() {
			continue
		}
		switch {
		case byValue:
			return true
		case pct && b.kinds[r.col] == colPercent && !b.shareOf[r.col]:
			return true
		case !pct && b.kinds[r.col] == colAmount && r.decimals == failing.decimals:
			return true
		}
	}
	return false
}

// checkBand runs the in-table casting checks of one band and returns what breaks.
func checkBand(m *tableModel, b *band) []issue {
	cols := additiveColumns(b)
	if len(cols) == 0 {
		return nil
	}
	var issues []issue
	var items []*tableRow
	boundary := 0 // where the current section's items begin
	work := &candidate{}
	keep := func(c *candidate) *candidate {
		cp := *c
		cp.results = append([]cellResult(nil), c.results...)
		return &cp
	}
	sums := make([]runSum, len(cols))
	for _, r := range b.rows {
		if r.kind != rowData {
			boundary = len(items)
			continue
		}
		if r.percent || r.perUnit {
			continue
		}
		// A closing balance ("At 31 December 2024") is the sum of the opening balance and the
		// movements above it: an aggregate, checked also with unsigned decreases subtracted.
		roll := r.balance == balanceClosing
		aggregate := roll || r.subtotal || (aggregateLabel(r.label) && !netLineItem(r.label, items[boundary:]))
		// Rows that are not labelled as aggregates only close runs inside their own section,
		// and never as "first less the rest": a line item that happens to equal a difference
		// of the rows above it is no subtotal.
		first := 0
		if !aggregate {
			first = boundary
		}
		var multi, single *candidate
		for n := range readings(b, cols, r, items, first, aggregate, roll, sums, work) {
			if work.match == 0 {
				continue
			}
			if n == 1 {
				if better(work, single, boundary) {
					single = keep(work)
				}
			} else if better(work, multi, boundary) {
				multi = keep(work)
			}
		}
		closeInto := func(start int) {
			items = append(items[:start], r)
			if boundary > start {
				boundary = start
			}
		}
		switch {
		case multi != nil && multi.miss == 0 && multi.strong > 0 && (aggregate || (multi.strong >= 2 && exact(multi))):
			// A (sub)total that adds up: its components close into it.
			if aggregate && m.scale == "" {
				issues = append(issues, unitIssues(m, b, r, items[multi.start:], multi)...)
			}
			closeInto(multi.start)
		case single != nil && single.miss == 0 && single.strong > 0 && aggregate &&
			// One row above equal to the total explains the total only if it does so in every
			// column a longer run can be checked in: a line item blank in the column where the
			// run fails is no reading of that column.
			(multi == nil || single.match >= multi.match+multi.miss):
			closeInto(single.start)
		case multi != nil && multi.miss > 0 && multi.strong > 0 &&
			((aggregate && multi.strong >= multi.miss) || (multi.strong >= 2 && multi.strong >= 2*multi.miss) ||
				// The last row of a block, made of the whole block above it (a note's total
				// printed without "Total": "Income tax expense" below current and deferred tax).
				(blockEnd(b, r) && multi.start == boundary && len(items)-boundary >= 2 && multi.strong >= multi.miss) ||
				// A closing balance made of the one opening balance above it and the movements
				// between, as the labels say.
				(roll && multi.start == rollStart(items, boundary))):
			comps := append([]*tableRow(nil), items[multi.start:]...)
			doubt := ""
			for _, res := range multi.results {
				if res.state != stateMismatch || !supported(b, multi, res) {
					continue
				}
				if doubt == "" {
					doubt = rivalReading(b, cols, r, items, first, aggregate, roll, multi)
				}
				issues = append(issues, issue{
					check: relationCheck(r, comps), table: m, band: b, target: r, col: res.col,
					comps: comps, signs: signsFor(comps, multi.pattern, res.col), result: res,
					evidence: holdingEvidence(b, multi), doubt: doubt,
				})
			}
			closeInto(multi.start)
		case totalLabel(r.label) && len(items)-boundary >= 2:
			comps := append([]*tableRow(nil), items[boundary:]...)
			if is, ok := labelOnlyIssue(m, b, cols, r, comps); ok {
				issues = append(issues, is)
			}
			closeInto(boundary)
		case roll && rollStart(items, boundary) >= 0:
			start := rollStart(items, boundary)
			comps := append([]*tableRow(nil), items[start:]...)
			if is, ok := rollOnlyIssue(m, b, cols, r, comps); ok {
				issues = append(issues, is)
			}
			closeInto(start)
		default:
			items = append(items, r)
		}
	}
	return issues
}

// unitIssues finds, in a relation that holds within rounding in every column, the columns of
// whole numbers that are off by a unit or more while another column of whole numbers adds up to
// the unit. Rounding can hide a unit only in figures that were rounded; a table that states no
// scale (no thousands, no millions) and prints whole numbers that add up exactly elsewhere
// shows figures to the unit, where a unit's difference is an error. The doubt that the figures
// may still be rounded from a scale stated outside the table is said, and the finding is low.
func unitIssues(m *tableModel, b *band, target *tableRow, comps []*tableRow, c *candidate) []issue {
	exactCols := []string{}
	for _, r := range c.results {
		if r.state == stateMatch && r.decimals == 0 && r.strong() && math.Abs(r.actual-r.expected) < 0.5 &&
			b.kinds[r.col] == colAmount {
			exactCols = append(exactCols, "'"+b.names[r.col]+"'")
		}
	}
	if len(exactCols) == 0 {
		return nil
	}
	var out []issue
	for _, r := range c.results {
		if r.state != stateMatch || r.decimals != 0 || b.kinds[r.col] != colAmount || math.Abs(r.actual-r.expected) < 0.5 {
			continue
		}
		r.state, r.tol = stateMismatch, 0
		cs := append([]*tableRow(nil), comps...)
		out = append(out, issue{
			check: relationCheck(target, cs), table: m, band: b, target: target, col: r.col,
			comps: cs, signs: signsFor(cs, c.pattern, r.col), result: r,
			evidence: "the same rows add up to the unit in column(s) " + strings.Join(exactCols, ", "),
			tolNote:  "whole numbers with no scale stated in the table, which no rounding moves",
			doubt: "the table states no scale; if its figures are rounded (from thousands or millions stated " +
				"elsewhere), a difference of one unit per few figures is rounding",
		})
	}
	return out
}

// rivalReading looks, for a relation that holds in some columns and fails in others, for another
// reading of the rows above the target (other components or other signs) that holds in as many
// columns and fails in no more, but in other columns. Then the table does not say which column
// is wrong, and the finding says so. It returns that doubt, or "" when the chosen reading is
// the only one that fits this well. It runs only for a relation about to be reported.
func rivalReading(b *band, cols []int, target *tableRow, items []*tableRow, first int, aggregate, roll bool, chosen *candidate) string {
	c := &candidate{}
	for n := range readings(b, cols, target, items, first, aggregate, roll, make([]runSum, len(cols)), c) {
		if n < 2 || (c.start == chosen.start && c.pattern == chosen.pattern) ||
			c.match < chosen.match || c.miss > chosen.miss || c.strong == 0 {
			continue
		}
		for i, res := range c.results {
			if res.state == stateMatch && chosen.results[i].state == stateMismatch {
				return fmt.Sprintf("another reading of the rows above (%d rows, %s) holds in column '%s', where this one fails, "+
					"but not in every column where this one holds; the finding takes the signs and block as printed", n, patternName(c.pattern), b.names[res.col])
			}
		}
	}
	return ""
}

// readings scores each reading of the rows above target: every run of the open items that ends
// just above it, from one row up to maxRun and no higher than first, each with every sign
// pattern that applies to it. c is scored in place for each (and reused); the sequence gives the
// run's length. sums is scratch space, one per column of cols.
func readings(b *band, cols []int, target *tableRow, items []*tableRow, first int, aggregate, roll bool, sums []runSum, c *candidate) iter.Seq[int] {
	return func(yield func(n int) bool) {
		for i := range sums {
			sums[i] = runSum{}
		}
		anyLess, anyFlow, anyDecrease := false, false, false
		for start := len(items) - 1; start >= first && start >= len(items)-maxRun; start-- {
			it := items[start]
			anyLess = anyLess || it.less
			anyFlow = anyFlow || it.flow != flowNone
			anyDecrease = anyDecrease || it.flow == flowDecrease
			for i, col := range cols {
				sums[i].add(it.cells[col], it, b.kinds[col] == colPercent)
			}
			n := len(items) - start
			for p := range patCount {
				if !patternApplies(p, n, aggregate, roll, anyLess, anyFlow, anyDecrease) {
					continue
				}
				c.start, c.pattern = start, p
				scoreCandidate(b, cols, target, sums, c)
				if !yield(n) {
					return
				}
			}
		}
	}
}

// patternApplies reports whether a sign pattern is tried for a run of n items.
func patternApplies(p, n int, aggregate, roll, anyLess, anyFlow, anyDecrease bool) bool {
	switch p {
	case patLess:
		return anyLess
	case patFirstMinus:
		return n >= 2 && aggregate
	case patDecrease:
		return roll && anyFlow
	case patDisposals:
		return roll && anyDecrease
	}
	return true
}

// patternName says in words how a sign pattern combines the rows.
func patternName(p int) string {
	switch p {
	case patLess:
		return `"Less" rows subtracted`
	case patFirstMinus:
		return "the first row less the others"
	case patDecrease, patDisposals:
		return "decreasing movements subtracted"
	}
	return "added as printed"
}

// holdingEvidence says in which columns the relation holds.
func holdingEvidence(b *band, c *candidate) string {
	var names []string
	for _, r := range c.results {
		if r.state == stateMatch {
			names = append(names, b.names[r.col])
		}
	}
	return "the same rows add up in " + quoteList(names)
}

// labelOnlyIssue checks a row labelled as a total against the block of figures above it when the
// table has a single column to check it in, so no other column can confirm the relation. It only
// reports when every component prints a figure in that column.
func labelOnlyIssue(m *tableModel, b *band, cols []int, r *tableRow, comps []*tableRow) (issue, bool) {
	signs := signsFor(comps, patPrinted, 0)
	var found *cellResult
	checkable := 0
	for _, col := range cols {
		res := evaluate(b, r, comps, col, patPrinted)
		if res.state == stateNA || b.kinds[col] != colAmount {
			continue
		}
		checkable++
		if res.state == stateMismatch && b.kinds[col] == colAmount &&
			(res.figures == len(comps) || (res.figures == len(comps)-1 && len(lineItemsBlankIn(b, comps, col)) == 1)) {
			found = &res
		}
	}
	if checkable != 1 || found == nil {
		return issue{}, false
	}
	doubt := ""
	if blank := lineItemsBlankIn(b, comps, found.col); len(blank) == 1 {
		doubt = fmt.Sprintf("row '%s' prints figures in other columns but nothing in this one: its amount may be missing, "+
			"or the row may not belong to the total", rowName(blank[0]))
	}
	if less := signsFor(comps, patLess, 0); less != nil {
		if evaluate(b, r, comps, found.col, patLess).state != stateMismatch {
			return issue{}, false
		}
	}
	return issue{
		check: checkInTable, table: m, band: b, target: r, col: found.col,
		comps: comps, signs: signs, result: *found,
		evidence: "the row is labelled as a total of the block above it (single column to check)",
		doubt:    doubt,
	}, true
}

// lineItemsBlankIn lists the rows of a block that print nothing in a column (not even a dash)
// while printing a figure in another column: line items whose amount in it is missing.
func lineItemsBlankIn(b *band, comps []*tableRow, col int) []*tableRow {
	var out []*tableRow
	for _, c := range comps {
		if c.cells[col].class != cellBlank {
			continue
		}
		for j, x := range c.cells {
			if j != col && j > 0 && x.figure() {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// relationCheck is the check type of a relation: a roll-forward when the target is a closing
// balance and its first component a balance, otherwise a casting relation.
func relationCheck(target *tableRow, comps []*tableRow) string {
	if target.balance != balanceClosing || len(comps) < 2 || comps[0].balance == balanceNone {
		return checkInTable
	}
	for _, c := range comps[1:] {
		if c.balance != balanceNone {
			return checkInTable // balances of several sections: cost less accumulated depreciation
		}
	}
	return checkRollForward
}

// checkColumns runs the cross-column check of one band: a column equal to the sum of the other
// amount columns in nearly every row.
func checkColumns(m *tableModel, b *band) []issue {
	var amounts, sums []int
	for j, k := range b.kinds {
		if k == colAmount {
			amounts = append(amounts, j)
			// A column of changes between two others is checked as such (changeColumns), not
			// as a part of a sum: "2019 = 2018 + $ Change" holds, but says nothing new.
			if !(b.variance[j] && changeHeaded(b, j)) {
				sums = append(sums, j)
			}
		}
	}
	if len(amounts) < 3 {
		return nil
	}
	issues := checkColumnSums(m, b, sums)
	reported := map[int]bool{}
	for _, is := range issues {
		reported[is.col] = true
	}
	for _, j := range sums {
		if !reported[j] && totalLabel(b.names[j]) {
			issues = append(issues, checkTotalColumn(m, b, sums, j)...)
		}
	}
	if last := amounts[len(amounts)-1]; !reported[last] {
		issues = append(issues, checkColumnRollForward(m, b, amounts)...)
	}
	return issues
}

// checkColumnSums finds a column equal to the sum of the other amount columns in nearly every
// row, and reports the rows where it is not.
func checkColumnSums(m *tableModel, b *band, amounts []int) []issue {
	if len(amounts) < 3 {
		return nil
	}
	type option struct {
		total int
		comps []int
	}
	others := func(skip int) []int {
		var o []int
		for _, j := range amounts {
			if j != skip {
				o = append(o, j)
			}
		}
		return o
	}
	var options []option
	seen := map[int]bool{}
	add := func(j int) {
		if !seen[j] {
			seen[j] = true
			options = append(options, option{j, others(j)})
		}
	}
	add(amounts[len(amounts)-1])
	add(amounts[0])
	for _, j := range amounts {
		if hasWord(b.names[j], "total") {
			add(j)
		}
	}
	var issues []issue
	for _, o := range options {
		var results []cellResult
		var rows []*tableRow
		match, miss := 0, 0
		for _, r := range b.rows {
			if r.kind != rowData || r.percent || r.perUnit {
				continue
			}
			res := evaluateRow(r, o.total, o.comps)
			res.col = o.total
			if res.state == stateNA {
				continue
			}
			results = append(results, res)
			rows = append(rows, r)
			if res.state == stateMatch {
				match++
			} else {
				miss++
			}
		}
		if match < 2 || miss == 0 || miss > max(1, match/3) {
			continue
		}
		decimals := map[int]bool{}
		for _, res := range results {
			if res.state == stateMatch {
				decimals[res.decimals] = true
			}
		}
		signs := make([]float64, len(o.comps))
		for i := range signs {
			signs[i] = 1
		}
		for i, res := range results {
			if res.state != stateMismatch || !decimals[res.decimals] {
				continue
			}
			issues = append(issues, issue{
				check: checkCrossColumn, table: m, band: b, target: rows[i], col: o.total,
				compCols: o.comps, signs: signs, result: res,
				evidence: "the same columns add up in " + itoa(match) + " other rows of the table",
			})
		}
	}
	return issues
}

// checkTotalColumn checks a column headed "Total…" against the amount columns just left of it
// (back to the first amount column or an earlier total), as a maturity table's "Total
// contractual cash flows" sums the time bands but not the "Carrying amount" beside it. A row
// with a single figure counts: "131.1 | – | – | 131.1" holds. Rows labelled as totals are left
// out when a line item fails, since their failure follows from it.
func checkTotalColumn(m *tableModel, b *band, amounts []int, total int) []issue {
	var comps []int
	for _, j := range amounts {
		switch {
		case j >= total:
		case totalLabel(b.names[j]):
			comps = comps[:0]
		default:
			comps = append(comps, j)
		}
	}
	if len(comps) < 2 || comps[len(comps)-1] != total-1 {
		return nil
	}
	type failing struct {
		r   *tableRow
		res cellResult
	}
	var items, totals []failing
	match := 0
	for _, r := range b.rows {
		if r.kind != rowData || r.percent || r.perUnit {
			continue
		}
		res := evaluateRowFigures(r, total, comps, 1)
		res.col = total
		switch res.state {
		case stateMatch:
			match++
		case stateMismatch:
			if totalLabel(r.label) {
				totals = append(totals, failing{r, res})
			} else {
				items = append(items, failing{r, res})
			}
		}
	}
	report := items
	if len(items) == 0 && match >= 2 {
		report = totals
	}
	if match < 1 || len(report) == 0 || len(report) > max(1, match/3) {
		return nil
	}
	signs := make([]float64, len(comps))
	for i := range signs {
		signs[i] = 1
	}
	var issues []issue
	for _, f := range report {
		issues = append(issues, issue{
			check: checkCrossColumn, table: m, band: b, target: f.r, col: total,
			compCols: comps, signs: signs, result: f.res,
			evidence: "the column is headed as the total of the columns before it, which add up to it in " +
				itoa(match) + " other row(s)",
		})
	}
	return issues
}

// evaluateRow checks cell[total] = Σ cell[comps] in one row with at least two figures among the
// components.
func evaluateRow(r *tableRow, total int, comps []int) cellResult {
	return evaluateRowFigures(r, total, comps, 2)
}

// evaluateRowFigures checks cell[total] = Σ cell[comps] in one row with at least minFigures
// figures among the components.
func evaluateRowFigures(r *tableRow, total int, comps []int, minFigures int) cellResult {
	var res cellResult
	t := r.cells[total]
	if t.class != cellNum || t.num.Percent {
		return res
	}
	sum, decimals, figures := 0.0, t.num.Decimals, 0
	for _, j := range comps {
		c := r.cells[j]
		switch {
		case c.class == cellBlank || (c.class == cellNum && c.num.Dash):
		case c.class == cellText || c.num.Percent:
			return res
		default:
			figures++
			sum += c.num.Value
			if c.num.Decimals > decimals {
				decimals = c.num.Decimals
			}
		}
	}
	return judgeSum(t, sum, decimals, figures, minFigures)
}

// judgeSum compares the printed total t with sum, the sum of `figures` printed components
// (the largest of their decimals in decimals), within the rounding tolerance. With fewer than
// minFigures components, or nothing but zeros, there is nothing to judge.
func judgeSum(t tableCell, sum float64, decimals, figures, minFigures int) cellResult {
	var res cellResult
	actual := 0.0
	if !t.num.Dash {
		actual = t.num.Value
	}
	if figures < minFigures || (actual == 0 && sum == 0) {
		return res
	}
	res.expected, res.actual, res.decimals, res.figures = sum, actual, decimals, figures
	res.tol = tolerance(figures, decimals)
	if math.Abs(actual-sum) <= res.tol+1e-9*math.Max(1, math.Abs(sum)) {
		res.state = stateMatch
	} else {
		res.state = stateMismatch
	}
	return res
}
