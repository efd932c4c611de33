package numeric

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file checks the percentages and differences a table states against the amounts beside
// them: margin and rate rows ("Gross margin %" = gross profit / revenue, "Effective tax rate" =
// income tax expense / profit before tax), share columns ("% of total" = the row / the total),
// and change columns ("Change %" = (current − prior) / prior, "$ Change" = current − prior).
// Each relation is only read where the labels make it unambiguous, and only reported where the
// same relation holds elsewhere in the table (or, for a single figure, where the labels name all
// its parts); the tolerance comes from the printed decimals of every figure involved.

// checkRatios runs the ratio checks of a table. flagged lists the cells the casting checks
// reported: a ratio built on one of them is not reported again, the casting finding says more.
func checkRatios(m *tableModel, flagged map[[2]int]int) []discrepancy {
	keys := map[*tableRow]string{}
	for _, r := range m.rows {
		if r.kind == rowData && !r.percent && !r.perUnit {
			keys[r] = r.item.key
		}
	}
	var out []discrepancy
	for _, b := range m.bands {
		out = append(out, ratioRows(m, b, keys, flagged)...)
		out = append(out, shareColumns(m, b, flagged)...)
		out = append(out, changeColumns(m, b, flagged)...)
	}
	return out
}

// ratioSpec is the relation a ratio row states.
type ratioSpec struct {
	num, den  string    // line-item keys of numerator and denominator
	numRow    *tableRow // set when the numerator is the row above ("as a % of revenue")
	magnitude bool      // both parts by magnitude (a tax rate on a profit)
}

// marginNumerators maps the words before "margin" to the line item it is taken on.
var marginNumerators = map[string]string{
	"gross": "gross profit", "gross profit": "gross profit",
	"operating": "operating profit", "operating profit": "operating profit",
	"operating income": "operating profit", "net": "profit for the year",
	"net profit": "profit for the year", "net income": "profit for the year",
	"profit": "profit for the year", "profit after tax": "profit for the year",
	"pre tax": "profit before tax", "pretax": "profit before tax",
	"profit before tax": "profit before tax",
}

// maxRatioWords is the longest label read as a ratio.
const maxRatioWords = 24

// readRatioLabel reads the relation a ratio row's label states, ok false when it states none
// this reader can tie to rows.
func readRatioLabel(label string) (ratioSpec, bool) {
	toks := itemTokens(label)
	if len(toks) > maxRatioWords {
		return ratioSpec{}, false // a sentence, not a label
	}
	for len(toks) > 0 && (toks[len(toks)-1] == "percent" || toks[len(toks)-1] == "percentage") {
		toks = toks[:len(toks)-1]
	}
	has := func(w string) bool {
		for _, t := range toks {
			if t == w {
				return true
			}
		}
		return false
	}
	if has("effective") && has("tax") && has("rate") && !has("statutory") {
		return ratioSpec{num: "income tax expense", den: "profit before tax", magnitude: true}, true
	}
	// "Net debt to equity ratio", "ratio of net debt to equity".
	if has("ratio") && has("to") {
		rest := toks
		for len(rest) > 0 && (rest[0] == "ratio" || rest[0] == "of" || rest[0] == "the") {
			rest = rest[1:]
		}
		for len(rest) > 0 && rest[len(rest)-1] == "ratio" {
			rest = rest[:len(rest)-1]
		}
		for i, t := range rest {
			if t != "to" || i == 0 || i == len(rest)-1 {
				continue
			}
			num := readLineItem(strings.Join(rest[:i], " ")).key
			den := readLineItem(strings.Join(rest[i+1:], " ")).key
			if num != "" && den != "" && !genericKeys[num] && !genericKeys[den] {
				return ratioSpec{num: num, den: den, magnitude: true}, true
			}
		}
		return ratioSpec{}, false
	}
	for i, t := range toks {
		if t != "margin" {
			continue
		}
		if i+1 != len(toks) {
			return ratioSpec{}, false // "margin on ...": a base this reader does not know
		}
		prefix := strings.Join(toks[:i], " ")
		if k, ok := marginNumerators[prefix]; ok {
			return ratioSpec{num: k, den: "revenue"}, true
		}
		if prefix == "" {
			return ratioSpec{}, false
		}
		if k := readLineItem(prefix).key; canonicalKeys[k] || strings.Contains(k, "ebit") {
			return ratioSpec{num: k, den: "revenue"}, true
		}
		return ratioSpec{}, false
	}
	// "Staff costs as a % of revenue", "% of sales".
	for i := len(toks) - 2; i >= 0; i-- {
		if toks[i] != "of" {
			continue
		}
		if readLineItem(strings.Join(toks[i+1:], " ")).key != "revenue" {
			return ratioSpec{}, false
		}
		head := toks[:i]
		for len(head) > 0 {
			switch head[len(head)-1] {
			case "as", "a", "percentage", "percent", "share", "in":
				head = head[:len(head)-1]
				continue
			}
			break
		}
		if len(head) == 0 {
			return ratioSpec{den: "revenue"}, true // the numerator is the row above
		}
		k := readLineItem(strings.Join(head, " ")).key
		if k == "" {
			return ratioSpec{}, false
		}
		return ratioSpec{num: k, den: "revenue"}, true
	}
	return ratioSpec{}, false
}

// percentRow reports whether a row prints percentages: by a % sign on its figures, or by its
// label ("Gross margin (%)").
func percentRow(r *tableRow) bool {
	return r.percent || strings.Contains(r.label, "%") || hasWord(r.label, "percent", "percentage")
}

// ratioScale is what a ratio row's figure is multiplied by to compare with num / den: 100 for
// a percentage, 1 for a ratio printed as a plain number ("Net debt to equity ratio 0.39").
func ratioScale(r *tableRow, c tableCell) float64 {
	if c.num.Percent || percentRow(r) {
		return 100
	}
	return 1
}

// ratioRows checks the margin and rate rows of a band against the rows they are made of.
func ratioRows(m *tableModel, b *band, keys map[*tableRow]string, flagged map[[2]int]int) []discrepancy {
	var out []discrepancy
	var prev *tableRow
	for _, r := range b.rows {
		if r.kind != rowData {
			continue
		}
		if !r.ratioLabel {
			prev = r
			continue
		}
		spec, ok := readRatioLabel(r.label)
		if !ok {
			continue
		}
		num := spec.numRow
		if spec.num == "" {
			num = prev
		} else {
			num = uniqueRow(m, keys, spec.num)
		}
		den := uniqueRow(m, keys, spec.den)
		if num == nil || den == nil || num == den {
			continue
		}
		out = append(out, ratioRowChecks(m, b, r, num, den, spec, flagged)...)
	}
	return out
}

// uniqueRow finds the one row of a table whose label names the line item, nil when none or
// several do.
func uniqueRow(m *tableModel, keys map[*tableRow]string, key string) *tableRow {
	var found *tableRow
	for _, r := range m.rows {
		if k, ok := keys[r]; ok && k == key {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

// ratioCell is one ratio evaluated in one column.
type ratioCell struct {
	col                int
	expected, actual   float64
	tol                float64
	decimals           int
	holds              bool
	numText, denText   string
	numValue, denValue float64
	scale              float64 // 100 for a percentage
}

// ratioTolerance is the largest difference rounding can make between a printed percentage and
// the ratio of two printed amounts: a unit of the percentage's last digit (preparers round or
// truncate it, from figures more precise than those printed), plus how far the ratio moves
// when each amount moves by half a unit of its own last digit.
func ratioTolerance(pctDecimals int, num, den tableCell) float64 {
	return ratioToleranceScaled(pctDecimals, 100, num.num.Value, den.num.Value,
		0.5*math.Pow10(-num.num.Decimals), 0.5*math.Pow10(-den.num.Decimals))
}

// ratioToleranceScaled is ratioTolerance for a ratio printed times scale (100 for a percentage),
// with the amounts' rounding given as un and ud.
func ratioToleranceScaled(decimals int, scale, num, den, un, ud float64) float64 {
	d := math.Abs(den)
	return math.Pow10(-decimals) + scale*(un/d+math.Abs(num)*ud/(d*d)) + 1e-9
}

// ratioRowChecks evaluates a ratio row in every amount column and reports the columns where it
// fails, when it holds in another column or only one column can be checked.
func ratioRowChecks(m *tableModel, b *band, r, num, den *tableRow, spec ratioSpec, flagged map[[2]int]int) []discrepancy {
	var cells []ratioCell
	holds := 0
	for j, k := range b.kinds {
		if k != colAmount || j >= len(num.cells) || j >= len(den.cells) {
			continue
		}
		p, n, d := r.cells[j], num.cells[j], den.cells[j]
		if !p.figure() || !n.figure() || !d.figure() || d.num.Value == 0 {
			continue
		}
		if flagged[[2]int{num.index, j}] > 0 || flagged[[2]int{den.index, j}] > 0 {
			continue
		}
		scale := ratioScale(r, p)
		expected := n.num.Value / math.Abs(d.num.Value) * scale
		c := ratioCell{
			col: j, expected: expected, actual: p.num.Value, decimals: p.num.Decimals,
			tol: ratioToleranceScaled(p.num.Decimals, scale, n.num.Value, d.num.Value,
				0.5*math.Pow10(-n.num.Decimals), 0.5*math.Pow10(-d.num.Decimals)),
			numText: n.raw, denText: d.raw, numValue: n.num.Value, denValue: d.num.Value,
			scale: scale,
		}
		c.holds = math.Abs(math.Abs(c.actual)-math.Abs(c.expected)) <= c.tol
		if c.holds {
			holds++
		}
		cells = append(cells, c)
	}
	if holds == 0 && len(cells) != 1 {
		return nil
	}
	var out []discrepancy
	for _, c := range cells {
		if c.holds {
			continue
		}
		expected := math.Abs(c.expected)
		if c.actual < 0 {
			expected = -expected
		}
		evidence := fmt.Sprintf("the row's label states it as %s / %s", rowName(num), rowName(den))
		if holds > 0 {
			evidence += fmt.Sprintf("; the ratio holds in %d other column(s)", holds)
		} else {
			evidence += "; a single column to check"
		}
		pct, unit, times := c.scale == 100, "%", " × 100"
		dec := max(c.decimals, 1)
		if !pct {
			unit, times, dec = "", "", max(c.decimals, 2)
		}
		out = append(out, discrepancy{
			check:    checkRatio,
			fsli:     strings.TrimRight(r.label, ": "),
			formula:  fmt.Sprintf("%s / %s%s = %s", rowName(num), rowName(den), times, rowName(r)),
			table:    m,
			row:      r,
			col:      c.col,
			column:   b.names[c.col],
			expected: expected,
			actual:   c.actual,
			tol:      c.tol,
			decimals: dec,
			percent:  pct,
			title: fmt.Sprintf("%s %s (%s%s) does not equal %s / %s (%s / %s = %s%s)",
				clip(strings.TrimRight(r.label, ": "), 200), clip(b.names[c.col], 200),
				amount.Format(c.actual, c.decimals), unit, clip(rowName(num), 200), clip(rowName(den), 200),
				amount.Format(math.Abs(c.numValue), decimalsIn(c.numText)), amount.Format(math.Abs(c.denValue), decimalsIn(c.denText)),
				amount.Format(expected, dec), unit),
			tolNote:  "rounding of the ratio and of both amounts as printed",
			evidence: evidence,
			refs: []string{cellRef(m, r, b.names[c.col]), cellRef(m, num, b.names[c.col]),
				cellRef(m, den, b.names[c.col])},
		})
	}
	return out
}

// decimalsIn is the number of decimals a printed figure shows.
func decimalsIn(s string) int {
	n, ok := amount.Parse(s)
	if !ok {
		return 0
	}
	return n.Decimals
}

// shareColumns checks "% of total" columns row by row: each share is its row's amount over the
// amount of the row that is 100 %.
func shareColumns(m *tableModel, b *band, flagged map[[2]int]int) []discrepancy {
	var out []discrepancy
	for j, k := range b.kinds {
		if k != colPercent || !b.shareOf[j] {
			continue
		}
		base := -1
		for x := j - 1; x >= 1; x-- {
			if b.kinds[x] == colAmount {
				base = x
				break
			}
		}
		if base < 0 {
			continue
		}
		var total *tableRow
		ambiguous := false
		for _, r := range b.rows {
			c := r.cells[j]
			if r.kind != rowData || !c.figure() || math.Abs(c.num.Value-100) > 0.5 || !r.cells[base].figure() {
				continue
			}
			if total != nil && math.Abs(total.cells[base].num.Value-r.cells[base].num.Value) > 1e-9 {
				ambiguous = true
			}
			if total == nil {
				total = r
			}
		}
		if total == nil || ambiguous || total.cells[base].num.Value == 0 || flagged[[2]int{total.index, base}] > 0 {
			continue
		}
		type share struct {
			r   *tableRow
			exp float64
			tol float64
		}
		var misses []share
		holds := 0
		for _, r := range b.rows {
			p, a := r.cells[j], r.cells[base]
			if r.kind != rowData || r == total || !p.figure() || !a.figure() || flagged[[2]int{r.index, base}] > 0 {
				continue
			}
			if math.Abs(p.num.Value-100) <= 0.5 && math.Abs(a.num.Value) == math.Abs(total.cells[base].num.Value) {
				continue
			}
			exp := math.Abs(a.num.Value) / math.Abs(total.cells[base].num.Value) * 100
			tol := ratioTolerance(p.num.Decimals, a, total.cells[base])
			if math.Abs(math.Abs(p.num.Value)-exp) <= tol {
				holds++
				continue
			}
			misses = append(misses, share{r, exp, tol})
		}
		if holds < 2 || len(misses) > holds {
			continue
		}
		for _, s := range misses {
			p := s.r.cells[j]
			exp := s.exp
			if p.num.Value < 0 {
				exp = -exp
			}
			dec := max(p.num.Decimals, 1)
			out = append(out, discrepancy{
				check:    checkRatio,
				fsli:     strings.TrimRight(rowName(s.r), ": "),
				formula:  fmt.Sprintf("%s / %s × 100 in column '%s' = %s", rowName(s.r), rowName(total), b.names[base], b.names[j]),
				table:    m,
				row:      s.r,
				col:      j,
				column:   b.names[j],
				expected: exp,
				actual:   p.num.Value,
				tol:      s.tol,
				decimals: dec,
				percent:  true,
				title: fmt.Sprintf("%s %s (%s%%) does not equal its share of %s (%s%%)",
					clip(strings.TrimRight(rowName(s.r), ": "), 200), clip(b.names[j], 200),
					amount.Format(p.num.Value, p.num.Decimals), clip(rowName(total), 200), amount.Format(exp, dec)),
				tolNote:  "rounding of the percentage and of both amounts as printed",
				evidence: fmt.Sprintf("the shares of %d other rows equal their amounts over %s", holds, rowName(total)),
				refs: []string{cellRef(m, s.r, b.names[j]), cellRef(m, s.r, b.names[base]),
					cellRef(m, total, b.names[base])},
			})
		}
	}
	return out
}

// changeWords mark a column that states the change between two periods.
var changeWords = []string{"change", "changes", "variance", "growth", "increase", "decrease",
	"movement", "difference", "inc", "dec", "vs", "versus"}

// periodPair finds the two period columns a change column compares: the years its heading
// names, or else the two nearest period columns to its left. cur is the later period.
func periodPair(b *band, j int) (cur, prior int, ok bool) {
	type pc struct {
		col, year int
		qual      string
	}
	var cols []pc
	for x, k := range b.kinds {
		if k != colAmount || x == j || changeHeaded(b, x) {
			continue
		}
		if y, qual, ok := yearOf(b.names[x]); ok {
			cols = append(cols, pc{x, y, qual})
		}
	}
	var named []int
	for _, t := range itemTokens(b.names[j]) {
		if y, ok := yearToken(t); ok {
			named = append(named, y)
		}
	}
	pick := func(year int) int {
		best := -1
		for _, c := range cols {
			if c.year == year && (best < 0 || math.Abs(float64(c.col-j)) < math.Abs(float64(best-j))) {
				best = c.col
			}
		}
		return best
	}
	if len(named) == 2 && named[0] != named[1] {
		a, b := pick(named[0]), pick(named[1])
		if a < 0 || b < 0 {
			return 0, 0, false
		}
		if named[0] > named[1] {
			return a, b, true
		}
		return b, a, true
	}
	var left []pc
	for _, c := range cols {
		if c.col < j {
			left = append(left, c)
		}
	}
	if len(left) < 2 {
		return 0, 0, false
	}
	x, y := left[len(left)-2], left[len(left)-1]
	if x.year == y.year || x.qual != y.qual {
		return 0, 0, false
	}
	if x.year > y.year {
		return x.col, y.col, true
	}
	return y.col, x.col, true
}

// unprintedBaseWords mark a change measured on a base the table does not print: at constant
// currency, organic, like-for-like, underlying or adjusted figures.
var unprintedBaseWords = []string{"constant", "cc", "organic", "like", "lfl", "underlying",
	"comparable", "adjusted", "pro", "forma", "excluding", "ex", "neutral", "fx", "currency", "local"}

// unprintedBase reports whether a change column's heading, or a heading spanning it, says its
// base is not the printed figures ("Change at constant currency"): it cannot be recomputed.
func unprintedBase(b *band, j int) bool {
	if hasWord(b.names[j], unprintedBaseWords...) {
		return true
	}
	for _, h := range b.headers {
		for k := j; k >= 1 && k < len(h.cells); k-- {
			if t := amount.NormalizeSpaces(h.cells[k].raw); t != "" {
				if hasWord(t, unprintedBaseWords...) {
					return true
				}
				break
			}
		}
	}
	return false
}

// namesPair reports whether a change column's heading names the two years it compares.
func namesPair(b *band, j int) bool {
	var years []int
	for _, t := range itemTokens(b.names[j]) {
		if y, ok := yearToken(t); ok && !slices.Contains(years, y) {
			years = append(years, y)
		}
	}
	return len(years) == 2
}

// changeHeaded reports whether a column is headed as a change: by its own name, or by a
// heading spanning it ("Increase (Decrease)" above "Amount" and "Percent").
func changeHeaded(b *band, j int) bool {
	if hasWord(b.names[j], changeWords...) {
		return true
	}
	for _, h := range b.headers {
		for k := j; k >= 1 && k < len(h.cells); k-- {
			if t := amount.NormalizeSpaces(h.cells[k].raw); t != "" {
				if hasWord(t, changeWords...) {
					return true
				}
				break
			}
		}
	}
	return false
}

// yearOf reads the one year a column heading names and the words beside it ("Q4 2019" is 2019
// with "q4"), so two columns of the same quarter or segment in different years pair up.
func yearOf(name string) (int, string, bool) {
	year := 0
	var rest []string
	for _, t := range itemTokens(name) {
		if y, ok := yearToken(t); ok {
			if year != 0 && y != year {
				return 0, "", false
			}
			year = y
			continue
		}
		if !periodStopWords[t] && !isDigits(t) {
			if _, month := months[t]; !month {
				rest = append(rest, t)
			}
		}
	}
	return year, strings.Join(rest, " "), year != 0
}

// changeColumns checks columns of changes between two periods: amounts (current − prior) and
// percentages ((current − prior) / |prior|, or percentage points on rows of percentages). The
// sign may follow a favourable/adverse convention, so only the size is checked.
func changeColumns(m *tableModel, b *band, flagged map[[2]int]int) []discrepancy {
	var out []discrepancy
	for j, k := range b.kinds {
		if (k != colPercent && k != colAmount) || (k == colPercent && b.shareOf[j]) || !changeHeaded(b, j) ||
			unprintedBase(b, j) {
			continue
		}
		cur, prior, ok := periodPair(b, j)
		if !ok {
			continue
		}
		named := namesPair(b, j)
		type change struct {
			r        *tableRow
			exp, tol float64
			points   bool
		}
		var misses []change
		holds := 0
		for _, r := range b.rows {
			z, c, p := r.cells[j], r.cells[cur], r.cells[prior]
			if r.kind != rowData || !z.figure() || !c.figure() || !p.figure() {
				continue
			}
			if flagged[[2]int{r.index, cur}] > 0 || flagged[[2]int{r.index, prior}] > 0 {
				continue
			}
			uc, up := 0.5*math.Pow10(-c.num.Decimals), 0.5*math.Pow10(-p.num.Decimals)
			diff := c.num.Value - p.num.Value
			if k == colAmount {
				if r.percent || r.perUnit {
					continue
				}
				tol := 0.5*math.Pow10(-z.num.Decimals) + uc + up + 1e-9
				if math.Abs(math.Abs(z.num.Value)-math.Abs(diff)) <= tol {
					holds++
				} else {
					misses = append(misses, change{r, diff, tol, false})
				}
				continue
			}
			uz := math.Pow10(-z.num.Decimals) // rounded or truncated
			if percentRow(r) {
				// A change in a percentage: in points, or relative.
				if math.Abs(math.Abs(z.num.Value)-math.Abs(diff)) <= uz+uc+up+1e-9 {
					holds++
					continue
				}
			}
			if p.num.Value == 0 || (c.num.Value < 0) != (p.num.Value < 0) {
				continue // no meaningful relative change
			}
			base := math.Abs(p.num.Value)
			exp := diff / base * 100
			tol := uz + 100*(uc/base+math.Abs(c.num.Value)*up/(base*base)) + 1e-9
			if math.Abs(math.Abs(z.num.Value)-math.Abs(exp)) <= tol {
				holds++
				continue
			}
			if percentRow(r) {
				continue // points or relative: unclear which was meant
			}
			misses = append(misses, change{r, exp, tol, false})
		}
		// A pair the heading names is the change's own; a pair only inferred from the layout
		// must fit every row but the one reported, or the column may compare something else.
		if holds < 2 || len(misses) > max(1, holds/2) || (!named && len(misses) > 1) {
			continue
		}
		for _, ch := range misses {
			z := ch.r.cells[j]
			exp := math.Abs(ch.exp)
			if z.num.Value < 0 {
				exp = -exp
			}
			pct := k == colPercent
			dec := z.num.Decimals
			formula := fmt.Sprintf("'%s' − '%s' = '%s'", b.names[cur], b.names[prior], b.names[j])
			what := "the difference of"
			if pct {
				formula = fmt.Sprintf("('%s' − '%s') / '%s' × 100 = '%s'", b.names[cur], b.names[prior], b.names[prior], b.names[j])
				what = "the relative change between"
				dec = max(dec, 1)
			}
			unit := ""
			if pct {
				unit = "%"
			}
			out = append(out, discrepancy{
				check:    checkRatio,
				fsli:     strings.TrimRight(rowName(ch.r), ": "),
				formula:  formula,
				table:    m,
				row:      ch.r,
				col:      j,
				column:   b.names[j],
				expected: exp,
				actual:   z.num.Value,
				tol:      ch.tol,
				decimals: dec,
				percent:  pct,
				title: fmt.Sprintf("%s %s (%s%s) does not equal %s %s and %s (%s%s)",
					clip(strings.TrimRight(rowName(ch.r), ": "), 200), clip(b.names[j], 200),
					amount.Format(z.num.Value, z.num.Decimals), unit, what, clip(b.names[cur], 100),
					clip(b.names[prior], 100), amount.Format(exp, dec), unit),
				tolNote:  "rounding of the change and of both amounts as printed; either sign convention accepted",
				evidence: fmt.Sprintf("the column equals %s '%s' and '%s' in %d other rows", what, b.names[cur], b.names[prior], holds),
				refs: []string{cellRef(m, ch.r, b.names[j]), cellRef(m, ch.r, b.names[cur]),
					cellRef(m, ch.r, b.names[prior])},
			})
		}
	}
	return out
}
