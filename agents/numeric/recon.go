package numeric

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file checks two note tables whose relations are not a plain casting of the rows above a
// total: the tax rate reconciliation and the credit-loss (ageing) table.
//
// A tax reconciliation starts below the profit before tax, at the tax that profit would bear at
// the statutory rate ("Tax at the statutory rate of 25.0%"), adds the reconciling items and ends
// at the tax charge ("Income tax expense"); a rate reconciliation does the same in percentages,
// from the statutory rate to the effective rate. Casting reads the profit before tax as one of
// the components, or finds no total label, so these are read by their labels: the items must add
// up to the tax charge (confirmed by another column where they do), and the tax at the
// statutory rate must be the profit before tax printed right above it times the rate its label
// states.
//
// A credit-loss table states, for each ageing band and the total, the gross carrying amount,
// the loss allowance, the net amount and the expected loss rate, laid out by columns (bands as
// rows) or transposed (bands as columns). Net = gross − allowance and rate = allowance / gross
// are checked band by band when the headings name the parts and at least two bands confirm the
// relation.

// taxStartWords mark the line a tax reconciliation starts at: the tax, or the rate, the profit
// would bear at the statutory rate. rateStartWords do so only beside a rate: "Tax at the
// domestic rate of 19%", not "Domestic tax credits".
var (
	taxStartWords  = []string{"statutory", "notional", "theoretical", "expected", "computed", "calculated"}
	rateStartWords = []string{"standard", "domestic", "nominal", "applicable", "using"}
)

// taxItemWords mark a reconciling item that mentions the statutory rate without being the tax
// at that rate: "Change in statutory tax rate", "Effect of different tax rates abroad".
var taxItemWords = []string{"change", "changes", "effect", "effects", "impact", "difference",
	"differences", "different", "differing", "adjustment", "adjustments", "foreign", "overseas",
	"other", "excess", "prior", "deferred", "current", "credits", "effective"}

// taxWords name tax.
var taxWords = []string{"tax", "taxes", "taxation"}

// taxChargeWords are the words a label naming the tax charge may use, and no others.
var taxChargeWords = map[string]bool{
	"total": true, "income": true, "tax": true, "taxes": true, "taxation": true, "expense": true,
	"expenses": true, "charge": true, "charges": true, "credit": true, "credits": true,
	"benefit": true, "benefits": true, "provision": true, "for": true, "the": true, "year": true,
	"period": true, "on": true, "profit": true, "profits": true, "in": true, "consolidated": true,
	"statement": true, "of": true, "reported": true, "actual": true, "recognised": true,
	"recognized": true, "corporate": true, "corporation": true, "group": true, "s": true,
}

// taxStartRow reports whether a row starts a tax reconciliation: "Tax at the statutory rate of
// 25%", "Amount computed at the statutory federal income tax rate", "Tax at the UK corporation
// tax rate of 19%", "Statutory federal income tax rate".
func taxStartRow(r *tableRow) bool {
	if !strings.Contains(r.item.key, "tax") {
		return false // a test on the lower-case key spares splitting most labels into words
	}
	ws := words(r.label)
	if !anyWord(ws, taxWords) || anyWord(ws, taxItemWords) {
		return false
	}
	if anyWord(ws, taxStartWords) {
		return true
	}
	if !anyWord(ws, []string{"rate", "rates"}) && !strings.Contains(r.label, "%") {
		return false
	}
	if anyWord(ws, rateStartWords) {
		return true
	}
	for i, w := range ws {
		if slices.Contains(taxWords, w) && slices.Contains(ws[i+1:min(i+4, len(ws))], "at") {
			return true // "Tax at …", "Tax credit/(charge) at …"
		}
	}
	return false
}

// taxChargeRow reports whether a row is the tax charge an amount reconciliation ends at:
// "Income tax expense", "Income tax credit/(charge)", "Provision for income taxes", "Total".
func taxChargeRow(r *tableRow) bool {
	ws := words(r.label)
	if len(ws) == 1 && ws[0] == "total" {
		return true
	}
	if !anyWord(ws, taxWords) {
		return false
	}
	for _, w := range ws {
		if !taxChargeWords[w] {
			return false
		}
	}
	return true
}

// effectiveRateRow reports whether a row is the effective tax rate a rate reconciliation ends
// at.
func effectiveRateRow(r *tableRow) bool {
	ws := words(r.label)
	return anyWord(ws, []string{"effective"}) && anyWord(ws, []string{"rate", "%"})
}

// rateRow reports whether a row prints percentages in its figures (the statutory rate of a rate
// reconciliation), rather than amounts.
func rateRow(r *tableRow) bool {
	figures, pct := 0, 0
	for _, c := range r.cells[1:] {
		if c.figure() {
			figures++
			if c.num.Percent {
				pct++
			}
		}
	}
	return figures > 0 && pct == figures
}

// labelRate reads the one rate a label states ("Tax at the statutory rate of 25.0% (2023:
// 25.0%)"), ok false when it states none or different ones.
func labelRate(label string) (amount.Number, bool) {
	fields := strings.Fields(amount.NormalizeSpaces(label))
	var rate amount.Number
	found := false
	for i, f := range fields {
		f = strings.Trim(f, "()[],;:")
		if f == "%" && i > 0 {
			f = strings.Trim(fields[i-1], "()[],;:") + "%"
		}
		if !strings.HasSuffix(f, "%") {
			continue
		}
		n, ok := amount.Parse(f)
		if !ok || !n.Percent || n.Dash || n.Value <= 0 || n.Value >= 100 {
			continue
		}
		if found && n.Value != rate.Value {
			return amount.Number{}, false
		}
		if !found || n.Decimals > rate.Decimals {
			rate = n
		}
		found = true
	}
	return rate, found
}

// checkReconciliations runs the checks of this file on a table. flagged lists the cells the
// casting checks reported; a relation built on one of them is not reported again.
func checkReconciliations(m *tableModel, flagged map[[2]int]int) []discrepancy {
	var out []discrepancy
	for _, b := range m.bands {
		var data []*tableRow
		for _, r := range b.rows {
			if r.kind == rowData {
				data = append(data, r)
			}
		}
		out = append(out, taxReconciliations(m, b, data, flagged)...)
		if c, ok := readCreditTable(b, data); ok {
			out = append(out, c.check(m, flagged)...)
		}
	}
	return out
}

// taxReconciliations finds the tax reconciliations among a band's rows of figures and checks
// them.
func taxReconciliations(m *tableModel, b *band, data []*tableRow, flagged map[[2]int]int) []discrepancy {
	var out []discrepancy
	unclosed := map[bool]bool{} // by rates: a start found no end, so no later start will
	for s := 0; s < len(data); s++ {
		if !taxStartRow(data[s]) {
			continue
		}
		rates := rateRow(data[s])
		if unclosed[rates] {
			continue
		}
		end := -1
		for e := s + 1; e < len(data) && end < 0; e++ {
			r := data[e]
			switch {
			case rates && effectiveRateRow(r):
				end = e
			case !rates && r.label == "" && (e == len(data)-1 || data[e+1].ratioLabel):
				end = e // an unlabelled total closing the block
			case !rates && !r.ratioLabel && taxChargeRow(r):
				end = e
			}
		}
		if end < 0 {
			unclosed[rates] = true
			continue
		}
		comps := data[s:end]
		if !reconciling(comps, rates) {
			s = end
			continue
		}
		out = append(out, taxSums(m, b, comps, data[end], rates, flagged)...)
		if !rates && s > 0 && data[s-1].item.key == "profit before tax" {
			out = append(out, taxAtRate(m, b, data[s-1], data[s], flagged)...)
		}
		s = end
	}
	return out
}

// reconciling reports whether the rows between the start and the end read as reconciling items:
// none of them a line item of its own (profit, revenue, the tax charge) or, in an amount
// reconciliation, a row of percentages.
func reconciling(comps []*tableRow, rates bool) bool {
	for _, c := range comps[1:] {
		if canonicalKeys[c.item.key] || taxStartRow(c) || (!rates && c.percent) {
			return false
		}
	}
	return true
}

// taxSums checks that the reconciling items add up to the tax charge (or the effective rate) in
// each column, and reports the columns where they do not when they do in at least as many.
func taxSums(m *tableModel, b *band, comps []*tableRow, end *tableRow, rates bool, flagged map[[2]int]int) []discrepancy {
	type sum struct {
		col int
		res cellResult
	}
	var misses []sum
	var holding []string
	for j, k := range b.kinds {
		if (k != colAmount && k != colPercent) || b.variance[j] || flagged[[2]int{end.index, j}] == suspectReported {
			continue
		}
		t := end.cells[j]
		if t.class != cellNum || t.year || !comps[0].cells[j].figure() {
			continue
		}
		pct := rates || k == colPercent
		total, decimals, figures, ok := 0.0, t.num.Decimals, 0, true
		for _, c := range comps {
			x := c.cells[j]
			switch {
			case x.class == cellBlank || (x.class == cellNum && x.num.Dash):
			case x.class == cellText || x.year || (x.num.Percent && !pct) || flagged[[2]int{c.index, j}] == suspectReported:
				ok = false
			default:
				total += x.num.Value
				decimals = max(decimals, x.num.Decimals)
				figures++
			}
		}
		if !ok || (t.num.Percent && !pct) {
			continue
		}
		res := judgeSum(t, total, decimals, figures, 2)
		res.col = j
		switch {
		case res.strong():
			holding = append(holding, b.names[j])
		case res.state == stateMismatch:
			misses = append(misses, sum{j, res})
		}
	}
	if len(holding) == 0 || len(misses) > len(holding) {
		return nil
	}
	var terms []string
	for _, c := range comps {
		terms = append(terms, rowName(c))
	}
	formula := strings.Join(terms, " + ") + " = " + rowName(end)
	if len(terms) > 12 {
		formula = strings.Join(terms[:10], " + ") + fmt.Sprintf(" + … (%d more) = ", len(terms)-10) + rowName(end)
	}
	what := "the tax at the statutory rate plus the reconciling items"
	if rates {
		what = "the statutory rate plus the reconciling items"
	}
	var out []discrepancy
	for _, x := range misses {
		res := x.res
		pct := rates || b.kinds[x.col] == colPercent
		unit := ""
		if pct {
			unit = "%"
		}
		d := discrepancy{
			check:    checkInTable,
			fsli:     strings.TrimRight(rowName(end), ": "),
			formula:  formula,
			table:    m,
			row:      end,
			col:      x.col,
			column:   b.names[x.col],
			expected: res.expected,
			actual:   res.actual,
			tol:      res.tol,
			decimals: res.decimals,
			percent:  pct,
			title: fmt.Sprintf("%s %s (%s%s) does not equal %s (%s%s)",
				clip(strings.TrimRight(rowName(end), ": "), 200), clip(b.names[x.col], 200),
				amount.Format(res.actual, res.decimals), unit, what, amount.Format(res.expected, res.decimals), unit),
			tolNote: fmt.Sprintf("rounding of %d figures shown to %d decimal(s)", res.figures+1, res.decimals),
			evidence: fmt.Sprintf("the lines from '%s' to '%s' add up in %s", clip(rowName(comps[0]), 200),
				clip(rowName(end), 200), quoteList(holding)),
			refs: []string{cellRef(m, end, b.names[x.col]), cellRef(m, comps[0], b.names[x.col])},
		}
		if !pct {
			d.scale = m.scale
		}
		out = append(out, d)
	}
	return out
}

// taxAtRate checks the tax at the statutory rate against the profit before tax printed right
// above it times the rate the label states, by size (a tax credit on a loss may be printed
// either way). A column is reported when the relation holds in another one, or is the only
// column to check.
func taxAtRate(m *tableModel, b *band, pbt, r *tableRow, flagged map[[2]int]int) []discrepancy {
	rate, ok := labelRate(r.label)
	// A weighted or blended rate changes every year; one stated rate may be the current year's.
	if !ok || hasWord(r.label, "weighted", "average", "blended") {
		return nil
	}
	type product struct {
		col                   int
		expected, actual, tol float64
		decimals              int
	}
	var misses []product
	checked := 0
	ur := 0.5 * math.Pow10(-rate.Decimals) / 100
	for j, k := range b.kinds {
		p, x := pbt.cells[j], r.cells[j]
		if k != colAmount || !p.figure() || !x.figure() || p.num.Percent || x.num.Percent || p.num.Value == 0 {
			continue
		}
		if flagged[[2]int{pbt.index, j}] == suspectReported || flagged[[2]int{r.index, j}] == suspectReported {
			continue
		}
		checked++
		// A unit of the tax's last digit (preparers compute it from the unrounded profit), plus
		// the rounding of the profit times the rate and of the rate times the profit.
		expected := math.Abs(p.num.Value) * rate.Value / 100
		tol := math.Pow10(-x.num.Decimals) + 0.5*math.Pow10(-p.num.Decimals)*rate.Value/100 +
			ur*math.Abs(p.num.Value) + 1e-9
		if math.Abs(math.Abs(x.num.Value)-expected) > tol {
			if x.num.Value < 0 {
				expected = -expected
			}
			misses = append(misses, product{j, expected, x.num.Value, tol, x.num.Decimals})
		}
	}
	if len(misses) == 0 || (len(misses) == checked && checked > 1) {
		return nil
	}
	rateText := amount.Format(rate.Value, rate.Decimals) + "%"
	evidence := fmt.Sprintf("the label states the rate (%s); the profit before tax is the line above", rateText)
	if holds := checked - len(misses); holds > 0 {
		evidence += fmt.Sprintf("; the product holds in %d other column(s)", holds)
	} else {
		evidence += "; a single column to check"
	}
	var out []discrepancy
	for _, x := range misses {
		column := b.names[x.col]
		out = append(out, discrepancy{
			check:    checkRatio,
			fsli:     strings.TrimRight(rowName(r), ": "),
			formula:  fmt.Sprintf("%s × %s = %s", rowName(pbt), rateText, rowName(r)),
			table:    m,
			row:      r,
			col:      x.col,
			column:   column,
			expected: x.expected,
			actual:   x.actual,
			tol:      x.tol,
			decimals: x.decimals,
			title: fmt.Sprintf("%s %s (%s) does not equal %s × %s (%s × %s = %s)",
				clip(strings.TrimRight(rowName(r), ": "), 200), clip(column, 200),
				amount.Format(x.actual, x.decimals), clip(rowName(pbt), 200), rateText,
				amount.Format(math.Abs(pbt.cells[x.col].num.Value), pbt.cells[x.col].num.Decimals), rateText,
				amount.Format(math.Abs(x.expected), x.decimals)),
			tolNote:  "a unit of the tax's last digit, plus the rounding of the profit and of the rate as printed; either sign accepted",
			scale:    m.scale,
			evidence: evidence,
			refs:     []string{cellRef(m, r, column), cellRef(m, pbt, column)},
		})
	}
	return out
}

// Roles of the lines of a credit-loss table.
const (
	roleNone = iota
	roleGross
	roleAllowance
	roleNet
	roleRate
)

// creditRole reads what a column heading (or, transposed, a row label) of a credit-loss table
// holds. Each role needs words of its own beside the generic one, so that an income
// statement's "Gross profit", "Impairment of goodwill" and "Net sales" are none.
func creditRole(name string) int {
	ws := words(name)
	has := func(w ...string) bool { return anyWord(ws, w) }
	amount := has("carrying", "amount", "amounts", "receivable", "receivables", "exposure", "balance",
		"value", "book", "of")
	switch {
	case has("rate", "rates") || (strings.Contains(name, "%") && has("ecl", "expected")):
		if has("loss", "losses", "ecl", "credit", "impairment") {
			return roleRate
		}
		return roleNone
	case has("gross"):
		if len(ws) == 1 || amount {
			return roleGross
		}
	case len(ws) > 0 && ws[0] == "net":
		if len(ws) == 1 || amount {
			return roleNet // "Net carrying amount", "Net of loss allowance"
		}
	case has("allowance", "allowances", "provision", "provisions", "ecl") ||
		(has("credit", "impairment") && has("loss", "losses")):
		return roleAllowance
	case has("net") && amount, has("carrying") && has("amount", "value"):
		return roleNet
	}
	return roleNone
}

// creditWords reports whether a row's lower-case key may name a role of a credit-loss table,
// sparing the label's words for the many rows that cannot.
func creditWords(key string) bool {
	for _, w := range []string{"gross", "net", "allowance", "provision", "ecl", "credit", "impairment",
		"carrying", "rate", "loss"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// creditTable is a credit-loss table read either way round: its lines (columns, or rows when
// transposed) are the gross amount, the loss allowance, the net amount and the loss rate, and
// its positions (rows, or columns) the ageing bands and their total.
type creditTable struct {
	b          *band
	transposed bool
	lines      [5]int // line index by role; -1 when absent
	rows       []*tableRow
	positions  []int
}

// at is the row and column of a role's figure at a position.
func (c *creditTable) at(role, pos int) (*tableRow, int) {
	if c.transposed {
		return c.rows[c.lines[role]], pos
	}
	return c.rows[pos], c.lines[role]
}

// lineName names a role's line: its column heading, or its row label when transposed.
func (c *creditTable) lineName(role int) string {
	if c.transposed {
		return rowName(c.rows[c.lines[role]])
	}
	return c.b.names[c.lines[role]]
}

// readCreditTable reads a band, given its rows of figures, as a credit-loss table: one line each
// of the gross amount and the loss allowance, and a net amount or a loss rate, all named as such.
func readCreditTable(b *band, data []*tableRow) (*creditTable, bool) {
	pick := func(n int, role func(i int) int) ([5]int, bool) {
		lines := [5]int{-1, -1, -1, -1, -1}
		for i := range n {
			r := role(i)
			if r == roleNone {
				continue
			}
			if lines[r] >= 0 {
				return lines, false // two of a kind (two dates side by side): left alone
			}
			lines[r] = i
		}
		ok := lines[roleGross] >= 0 && lines[roleAllowance] >= 0 && (lines[roleNet] >= 0 || lines[roleRate] >= 0)
		return lines, ok
	}
	if lines, ok := pick(len(b.names), func(j int) int {
		if j == 0 || (b.kinds[j] != colAmount && b.kinds[j] != colPercent) {
			return roleNone
		}
		// Amounts in amount columns, the rate in a percentage column.
		if role := creditRole(b.names[j]); (role == roleRate) == (b.kinds[j] == colPercent) {
			return role
		}
		return roleNone
	}); ok {
		c := &creditTable{b: b, rows: data, lines: lines}
		for i, r := range data {
			if r.cells[lines[roleGross]].figure() {
				c.positions = append(c.positions, i)
			}
		}
		return c, true
	}
	lines, ok := pick(len(data), func(i int) int {
		if !creditWords(data[i].item.key) {
			return roleNone
		}
		return creditRole(data[i].label)
	})
	if !ok {
		return nil, false
	}
	c := &creditTable{b: b, transposed: true, rows: data, lines: lines}
	for j := 1; j < len(b.kinds); j++ {
		if g := data[lines[roleGross]].cells[j]; g.figure() && !g.num.Percent {
			c.positions = append(c.positions, j)
		}
	}
	// Bands as columns: a table of two years with a gross, an allowance and a net row is a
	// casting the in-table checks make.
	return c, len(c.positions) >= 3
}

// posName names a position: its row label, or its column heading when transposed.
func (c *creditTable) posName(pos int) string {
	if c.transposed {
		return c.b.names[pos]
	}
	return rowName(c.rows[pos])
}

// amount reads a role's amount at a position: a dash or a blank allowance is nil.
func (c *creditTable) amount(role, pos int) (tableCell, bool) {
	r, col := c.at(role, pos)
	x := r.cells[col]
	switch {
	case x.class == cellBlank && role == roleAllowance:
		return tableCell{class: cellNum, num: amount.Number{Dash: true}}, true
	case x.class == cellNum && x.num.Dash:
		return x, role == roleAllowance
	}
	return x, x.figure() && !x.num.Percent
}

// check runs the band-by-band relations of a credit-loss table: net = gross − allowance, then
// rate = allowance / gross where the amounts agree.
func (c *creditTable) check(m *tableModel, flagged map[[2]int]int) []discrepancy {
	suspect := func(role, pos, level int) bool {
		r, col := c.at(role, pos)
		return flagged[[2]int{r.index, col}] >= level
	}
	var out []discrepancy
	broken := map[int]bool{}
	if c.lines[roleNet] >= 0 {
		out = c.checkNet(m, broken, suspect)
	}
	if c.lines[roleRate] >= 0 {
		out = append(out, c.checkRates(m, broken, suspect)...)
	}
	return out
}

// checkNet checks net = gross − allowance band by band, the allowance by its size however it is
// signed, and marks the bands where it fails in broken. The cell reported is the net amount,
// unless the gross amount or the allowance is the one line whose own total fails to cast: then
// that line is the likelier culprit.
func (c *creditTable) checkNet(m *tableModel, broken map[int]bool, suspect func(role, pos, level int) bool) []discrepancy {
	type netMiss struct {
		pos     int
		g, a, n tableCell
		tol     float64
	}
	var misses []netMiss
	holds := 0
	castFails := map[int]bool{}
	for _, pos := range c.positions {
		for _, role := range []int{roleGross, roleAllowance, roleNet} {
			castFails[role] = castFails[role] || suspect(role, pos, suspectReported)
		}
		g, okg := c.amount(roleGross, pos)
		a, oka := c.amount(roleAllowance, pos)
		n, okn := c.amount(roleNet, pos)
		if !okg || !oka || !okn || g.num.Value < 0 ||
			suspect(roleGross, pos, suspectReported) || suspect(roleAllowance, pos, suspectReported) ||
			suspect(roleNet, pos, suspectReported) {
			continue
		}
		expected := g.num.Value - math.Abs(a.num.Value)
		tol := 0.5*(math.Pow10(-g.num.Decimals)+math.Pow10(-a.num.Decimals)+math.Pow10(-n.num.Decimals)) +
			1e-9*math.Max(1, math.Abs(expected))
		if math.Abs(n.num.Value-expected) <= tol {
			holds++
			continue
		}
		broken[pos] = true
		misses = append(misses, netMiss{pos, g, a, n, tol})
	}
	if holds < 2 || len(misses) > holds {
		return nil
	}
	blame, why := roleNet, ""
	switch {
	case castFails[roleGross] && !castFails[roleAllowance] && !castFails[roleNet]:
		blame, why = roleGross, "; of the three, only the gross amounts fail to cast with their total"
	case castFails[roleAllowance] && !castFails[roleGross] && !castFails[roleNet]:
		blame, why = roleAllowance, "; of the three, only the allowances fail to cast with their total"
	}
	gross, allowance, net := c.lineName(roleGross), c.lineName(roleAllowance), c.lineName(roleNet)
	var out []discrepancy
	for _, x := range misses {
		r, col := c.at(blame, x.pos)
		column := c.b.names[col]
		dec := max(x.g.num.Decimals, x.a.num.Decimals, x.n.num.Decimals)
		g, a, n := x.g.num.Value, math.Abs(x.a.num.Value), x.n.num.Value
		var actual, expected float64
		var rel string
		switch blame {
		case roleGross:
			actual, expected = g, n+a
			rel = fmt.Sprintf("%s plus %s (%s + %s = %s)", clip(net, 200), clip(allowance, 200),
				amount.Format(n, x.n.num.Decimals), amount.Format(a, x.a.num.Decimals), amount.Format(expected, dec))
		case roleAllowance:
			actual, expected = x.a.num.Value, g-n
			if actual < 0 {
				expected = -expected
			}
			rel = fmt.Sprintf("%s less %s (%s − %s = %s)", clip(gross, 200), clip(net, 200),
				amount.Format(g, x.g.num.Decimals), amount.Format(n, x.n.num.Decimals), amount.Format(g-n, dec))
		default:
			actual, expected = n, g-a
			rel = fmt.Sprintf("%s less %s (%s − %s = %s)", clip(gross, 200), clip(allowance, 200),
				amount.Format(g, x.g.num.Decimals), amount.Format(a, x.a.num.Decimals), amount.Format(expected, dec))
		}
		out = append(out, discrepancy{
			check:    checkCrossColumn,
			fsli:     strings.TrimRight(rowName(r), ": "),
			formula:  fmt.Sprintf("%s − %s = %s", gross, allowance, net),
			table:    m,
			row:      r,
			col:      col,
			column:   column,
			expected: expected,
			actual:   actual,
			tol:      x.tol,
			decimals: dec,
			title: fmt.Sprintf("%s %s (%s) does not equal %s", clip(strings.TrimRight(rowName(r), ": "), 200),
				clip(column, 200), amount.Format(actual, dec), rel),
			tolNote:  "rounding of the three amounts as printed; the allowance counts by its size, however signed",
			scale:    m.scale,
			evidence: fmt.Sprintf("the net amount equals the gross amount less the allowance in %d other band(s)%s", holds, why),
			refs:     c.refs(m, x.pos, blame),
		})
	}
	return out
}

// refs names the cells of the relations at a position, the reported one first.
func (c *creditTable) refs(m *tableModel, pos, reported int) []string {
	var refs []string
	for _, role := range []int{reported, roleGross, roleAllowance, roleNet, roleRate} {
		if c.lines[role] < 0 || (role == reported && len(refs) > 0) {
			continue
		}
		r, col := c.at(role, pos)
		if ref := cellRef(m, r, c.b.names[col]); len(refs) == 0 || ref != refs[0] {
			refs = append(refs, ref)
		}
	}
	return refs
}

// checkRates checks the loss rate of each band against its allowance over its gross amount,
// within the rounding of all three, skipping bands whose amounts are already in doubt.
func (c *creditTable) checkRates(m *tableModel, broken map[int]bool, suspect func(role, pos, level int) bool) []discrepancy {
	type rateMiss struct {
		pos                   int
		p, g, a               tableCell
		expected, actual, tol float64
	}
	var misses []rateMiss
	holds := 0
	for _, pos := range c.positions {
		r, col := c.at(roleRate, pos)
		p := r.cells[col]
		g, okg := c.amount(roleGross, pos)
		a, oka := c.amount(roleAllowance, pos)
		percent := p.num.Percent || (!c.transposed && c.b.kinds[col] == colPercent) ||
			(c.transposed && strings.Contains(r.label, "%"))
		if !p.figure() || !percent || !okg || !oka || g.num.Value <= 0 || broken[pos] ||
			suspect(roleGross, pos, suspectComponent) || suspect(roleAllowance, pos, suspectComponent) ||
			suspect(roleRate, pos, suspectReported) {
			continue
		}
		expected := math.Abs(a.num.Value) / g.num.Value * 100
		tol := ratioTolerance(p.num.Decimals, a, g)
		if math.Abs(math.Abs(p.num.Value)-expected) <= tol {
			holds++
			continue
		}
		misses = append(misses, rateMiss{pos, p, g, a, expected, p.num.Value, tol})
	}
	if holds < 2 || len(misses) > holds {
		return nil
	}
	var out []discrepancy
	for _, x := range misses {
		r, col := c.at(roleRate, x.pos)
		column := c.b.names[col]
		dec := max(x.p.num.Decimals, 1)
		label := c.posName(x.pos)
		out = append(out, discrepancy{
			check:    checkRatio,
			fsli:     strings.TrimRight(rowName(r), ": "),
			formula:  fmt.Sprintf("%s / %s × 100 = %s", c.lineName(roleAllowance), c.lineName(roleGross), c.lineName(roleRate)),
			table:    m,
			row:      r,
			col:      col,
			column:   column,
			expected: x.expected,
			actual:   x.actual,
			tol:      x.tol,
			decimals: dec,
			percent:  true,
			title: fmt.Sprintf("%s of %s (%s%%) does not equal %s / %s (%s / %s = %s%%)",
				clip(c.lineName(roleRate), 200), clip(strings.TrimRight(label, ": "), 200),
				amount.Format(x.actual, x.p.num.Decimals), clip(c.lineName(roleAllowance), 200),
				clip(c.lineName(roleGross), 200), amount.Format(math.Abs(x.a.num.Value), x.a.num.Decimals),
				amount.Format(x.g.num.Value, x.g.num.Decimals), amount.Format(x.expected, dec)),
			tolNote:  "rounding of the rate and of both amounts as printed",
			evidence: fmt.Sprintf("the rate equals the allowance over the gross amount in %d other band(s)", holds),
			refs:     c.refs(m, x.pos, roleRate),
		})
	}
	return out
}
