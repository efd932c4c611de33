package numeric

import (
	"fmt"
	"math"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file holds the roll-forward checks the casting checks do not make on their own: a
// closing balance checked on its labels alone when a single column can be checked, and
// roll-forwards laid out across columns ("At 1 January | Additions | Disposals | At 31
// December"). Roll-forwards laid out by rows are cast by checkBand, which reads a closing
// balance as the sum of the opening balance and the movements above it, and also tries the
// movements with unsigned decreases (disposals, payments, depreciation) subtracted.

// maxMovements is the most movement rows a roll-forward checked on its labels alone may have.
const maxMovements = 16

// rollStart finds the opening balance of the roll-forward that closes at the current row: the
// one balance row among the open items of the section, followed only by movements. It returns
// -1 when there is none, more than one, or too many movements.
func rollStart(items []*tableRow, boundary int) int {
	start := -1
	for k := len(items) - 1; k >= boundary; k-- {
		if items[k].balance != balanceNone {
			if start >= 0 {
				return -1
			}
			start = k
		}
	}
	if start < 0 || len(items)-start < 2 || len(items)-start-1 > maxMovements {
		return -1
	}
	for k := boundary; k < start; k++ {
		if items[k].balance != balanceNone {
			return -1
		}
	}
	return start
}

// rollOnlyIssue checks a closing balance against its opening balance and the movements between
// when a single column can be checked, so no other column can confirm the relation: the labels
// say it is a roll-forward. The movements count with their printed signs when any of them is
// printed negative, else with decreases (disposals, payments, depreciation) subtracted.
func rollOnlyIssue(m *tableModel, b *band, cols []int, r *tableRow, comps []*tableRow) (issue, bool) {
	var found *cellResult
	checkable := 0
	for _, col := range cols {
		if b.kinds[col] != colAmount {
			continue
		}
		res := evaluate(b, r, comps, col, patPrinted)
		if res.state == stateNA {
			continue
		}
		checkable++
		if res.state == stateMismatch && comps[0].cells[col].class == cellNum {
			found = &res
		}
	}
	if checkable != 1 || found == nil {
		return issue{}, false
	}
	col := found.col
	negative, flows, wearing := false, false, false
	for _, c := range comps[1:] {
		if x := c.cells[col]; x.class == cellNum && !x.num.Dash && x.num.Value < 0 {
			negative = true
		}
		flows = flows || c.flow != flowNone
		wearing = wearing || c.flow == flowWearing
	}
	pattern := patPrinted
	for _, p := range []int{patLess, patDecrease, patDisposals} {
		if evaluate(b, r, comps, col, p).state == stateMatch {
			return issue{}, false
		}
	}
	if !negative && flows {
		pattern = patDecrease
		if wearing && strings.Contains(strings.ToLower(sectionOf(b, comps[0])), "accumulated") {
			pattern = patDisposals
		}
	}
	res := evaluate(b, r, comps, col, pattern)
	if res.state != stateMismatch {
		return issue{}, false
	}
	return issue{
		check: checkRollForward, table: m, band: b, target: r, col: col,
		comps: comps, signs: signsFor(comps, pattern, col), result: res,
		evidence: "the rows are labelled as an opening balance, movements and a closing balance (single column to check)",
	}, true
}

// sectionOf is the label of the section a row sits in, "" when none.
func sectionOf(b *band, r *tableRow) string {
	section := ""
	for _, x := range b.rows {
		if x.index >= r.index {
			break
		}
		if x.kind == rowSection {
			section = x.label
		}
	}
	return section
}

// checkColumnRollForward checks a band laid out as a roll-forward across columns: the first
// amount column an opening balance, the last a closing balance, movements between. In each row
// the closing balance must equal the opening plus the movements, with the signs as printed or
// with movements headed as decreases subtracted; the convention that holds in the most rows is
// the table's, and the rows where it fails are reported when at least two rows confirm it.
func checkColumnRollForward(m *tableModel, b *band, amounts []int) []issue {
	if len(amounts) < 3 {
		return nil
	}
	open, close := amounts[0], amounts[len(amounts)-1]
	if readLineItem(b.names[open]).balance != balanceOpening || readLineItem(b.names[close]).balance != balanceClosing {
		return nil
	}
	comps := amounts[:len(amounts)-1]
	flows := make([]rowFlow, len(comps))
	for i, j := range comps[1:] {
		flows[i+1] = flowOf(words(b.names[j]))
	}
	type rowResult struct {
		r   *tableRow
		res cellResult
	}
	best, bestMatch := -1, 0
	var bestRows []rowResult
	for _, pattern := range []int{patPrinted, patDecrease, patDisposals} {
		var rows []rowResult
		match := 0
		for _, r := range b.rows {
			if r.kind != rowData || r.percent || r.perUnit {
				continue
			}
			res := evaluateRollRow(r, close, comps, flows, pattern)
			res.col = close
			if res.state == stateNA {
				continue
			}
			rows = append(rows, rowResult{r, res})
			if res.state == stateMatch {
				match++
			}
		}
		if match > bestMatch {
			best, bestMatch, bestRows = pattern, match, rows
		}
	}
	if best < 0 || bestMatch < 2 {
		return nil
	}
	misses := len(bestRows) - bestMatch
	if misses == 0 || misses > max(1, bestMatch/3) {
		return nil
	}
	var issues []issue
	for _, x := range bestRows {
		if x.res.state != stateMismatch {
			continue
		}
		signs := make([]float64, len(comps))
		for i, j := range comps {
			signs[i] = 1
			c := x.r.cells[j]
			if best != patPrinted && i > 0 && c.class == cellNum && c.num.Value > 0 &&
				(flows[i] == flowDecrease || (flows[i] == flowWearing && best == patDecrease)) {
				signs[i] = -1
			}
		}
		issues = append(issues, issue{
			check: checkRollForward, table: m, band: b, target: x.r, col: close,
			compCols: comps, signs: signs, result: x.res,
			evidence: "the columns are headed as an opening balance, movements and a closing balance, which add up in " +
				itoa(bestMatch) + " other rows",
		})
	}
	return issues
}

// evaluateRollRow checks closing = opening + movements across one row under a sign pattern:
// printed signs, or movements headed as decreases subtracted by size (patDecrease), or only the
// disposal-like ones (patDisposals, for accumulated depreciation).
func evaluateRollRow(r *tableRow, close int, comps []int, flows []rowFlow, pattern int) cellResult {
	var res cellResult
	t := r.cells[close]
	if t.class != cellNum || t.num.Percent || !r.cells[comps[0]].figure() {
		return res
	}
	sum, decimals, figures := 0.0, t.num.Decimals, 0
	for i, j := range comps {
		c := r.cells[j]
		switch {
		case c.class == cellBlank || (c.class == cellNum && c.num.Dash):
			continue
		case c.class == cellText || c.num.Percent:
			return res
		}
		v := c.num.Value
		switch {
		case pattern == patDecrease && (flows[i] == flowDecrease || flows[i] == flowWearing):
			v = -math.Abs(v)
		case pattern == patDisposals && flows[i] == flowDecrease:
			v = -math.Abs(v)
		case pattern == patDisposals && flows[i] == flowWearing:
			v = math.Abs(v)
		}
		sum += v
		figures++
		decimals = max(decimals, c.num.Decimals)
	}
	return judgeSum(t, sum, decimals, figures, 2)
}

// checkContinuity checks that a roll-forward laid out with a column per year opens each year
// at the balance it closed the year before: "At 1 January" under 2024 equals "At 31 December"
// under 2023. It only reads bands with exactly one opening and one closing balance row, so a
// note that rolls forward a gross amount and its allowance side by side is left alone.
func checkContinuity(m *tableModel, b *band) []discrepancy {
	var open, close *tableRow
	for _, r := range b.rows {
		if r.kind != rowData || r.item.year != 0 {
			continue
		}
		switch r.balance {
		case balanceOpening:
			if open != nil {
				return nil
			}
			open = r
		case balanceClosing:
			if close != nil {
				return nil
			}
			close = r
		}
	}
	if open == nil || close == nil || open.index > close.index {
		return nil
	}
	cols := periodColumns(b)
	var out []discrepancy
	for _, cur := range cols {
		for _, prev := range cols {
			if prev.p.year != cur.p.year-1 || prev.p.qual != cur.p.qual {
				continue
			}
			o, c := open.cells[cur.col], close.cells[prev.col]
			if !o.figure() || !c.figure() {
				continue
			}
			unit := math.Pow10(-max(o.num.Decimals, c.num.Decimals))
			tol := 0.0
			if o.num.Decimals != c.num.Decimals {
				tol = unit / 2
			}
			if math.Abs(o.num.Value-c.num.Value) <= tol+1e-9*math.Max(1, math.Abs(c.num.Value)) {
				continue
			}
			dec := o.num.Decimals
			out = append(out, discrepancy{
				check:    checkRollForward,
				fsli:     strings.TrimRight(rowName(open), ": "),
				formula:  fmt.Sprintf("'%s' in %s = '%s' in %s", rowName(open), b.names[cur.col], rowName(close), b.names[prev.col]),
				table:    m,
				row:      open,
				col:      cur.col,
				column:   b.names[cur.col],
				expected: c.num.Value,
				actual:   o.num.Value,
				tol:      tol,
				decimals: dec,
				title: fmt.Sprintf("%s %s (%s) does not equal the closing balance of %s (%s)",
					clip(strings.TrimRight(rowName(open), ": "), 200), clip(b.names[cur.col], 100),
					amount.Format(o.num.Value, dec), clip(b.names[prev.col], 100), amount.Format(c.num.Value, c.num.Decimals)),
				tolNote:  "the same balance printed twice in one table",
				scale:    m.scale,
				evidence: "the table has one opening and one closing balance row and a column for each of two consecutive years",
				refs:     []string{cellRef(m, open, b.names[cur.col]), cellRef(m, close, b.names[prev.col])},
			})
		}
	}
	return out
}
