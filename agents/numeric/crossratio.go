package numeric

import (
	"fmt"
	"math"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
)

// crossRatios checks ratio rows whose parts are not in their own table against the primary
// statements: "Effective tax rate" in the tax note against the income tax expense and the
// profit before tax of the income statement, "Gross margin" in a key figures table against
// the gross profit and revenue of the income statement. The parts are looked up by line item
// and by the year of the ratio's column.
func crossRatios(tables []*docTable, facts []fact) []discrepancy {
	type lookup struct {
		key, qual, entity string
		year              int
	}
	best := map[lookup]fact{}
	for _, f := range facts {
		if f.t.role == roleNote || f.kind != balanceNone {
			continue
		}
		k := lookup{f.key, f.qual, f.t.entity, f.year}
		if cur, ok := best[k]; !ok || moreTrusted(f, cur) {
			best[k] = f
		}
	}
	type cell struct {
		col           int
		num, den      fact
		exp, act, tol float64
		decimals      int
		holds         bool
		scale         float64
	}
	var out []discrepancy
	for _, t := range tables {
		if t.skip {
			continue
		}
		keys := map[*tableRow]string{}
		for _, r := range t.m.rows {
			if r.kind == rowData && !r.percent && !r.perUnit {
				keys[r] = r.item.key
			}
		}
		for _, b := range t.m.bands {
			for _, r := range b.rows {
				if r.kind != rowData || !r.ratioLabel {
					continue
				}
				spec, ok := readRatioLabel(r.label)
				if !ok || spec.num == "" {
					continue
				}
				if uniqueRow(t.m, keys, spec.num) != nil && uniqueRow(t.m, keys, spec.den) != nil {
					continue // checked within the table
				}
				var cells []cell
				holds := 0
				for j, k := range b.kinds {
					p := r.cells[j]
					if k == colNone || !p.figure() {
						continue
					}
					period, ok := readColumnPeriod(b.names[j])
					if !ok {
						continue
					}
					num, okN := best[lookup{spec.num, period.qual, t.entity, period.year}]
					den, okD := best[lookup{spec.den, period.qual, t.entity, period.year}]
					if !okN || !okD || den.value == 0 || num.suspicion() > 0 || den.suspicion() > 0 {
						continue
					}
					nv := num.value * num.t.factor
					if spec.magnitude {
						nv = math.Abs(nv)
					}
					dv := den.scaled()
					scale := ratioScale(r, p)
					c := cell{col: j, num: num, den: den, exp: nv / dv * scale, act: p.num.Value,
						decimals: p.num.Decimals, scale: scale,
						tol: ratioToleranceScaled(p.num.Decimals, scale, nv, dv, 0.5*num.unit(), 0.5*den.unit())}
					c.holds = math.Abs(math.Abs(c.act)-math.Abs(c.exp)) <= c.tol
					if c.holds {
						holds++
					}
					cells = append(cells, c)
				}
				if holds == 0 && len(cells) != 1 {
					continue
				}
				for _, c := range cells {
					if c.holds {
						continue
					}
					exp := math.Abs(c.exp)
					if c.act < 0 {
						exp = -exp
					}
					pct, unit, times := c.scale == 100, "%", " × 100"
					dec := max(c.decimals, 1)
					if !pct {
						unit, times, dec = "", "", max(c.decimals, 2)
					}
					numName, denName := rowName(c.num.row), rowName(c.den.row)
					source := placeName(c.num.t)
					if c.den.t != c.num.t {
						source += " and " + placeName(c.den.t)
					}
					evidence := fmt.Sprintf("the row's label states it as %s / %s, taken from %s for %d",
						spec.num, spec.den, source, c.num.year)
					if holds > 0 {
						evidence += fmt.Sprintf("; the ratio holds in %d other column(s)", holds)
					}
					out = append(out, discrepancy{
						check: checkCrossTable,
						fsli:  strings.TrimRight(r.label, ": "),
						formula: fmt.Sprintf("%s / %s%s = %s (%d): %s / %s = %s%s vs %s%s", numName, denName, times,
							rowName(r), c.num.year, amount.Format(math.Abs(c.num.value), c.num.dec),
							amount.Format(math.Abs(c.den.value), c.den.dec), amount.Format(exp, dec), unit,
							amount.Format(c.act, c.decimals), unit),
						table:    t.m,
						row:      r,
						col:      c.col,
						column:   b.names[c.col],
						expected: exp,
						actual:   c.act,
						tol:      c.tol,
						decimals: dec,
						percent:  pct,
						title: fmt.Sprintf("%s %s (%s%s) in %s does not equal %s / %s in %s (%s%s)",
							clip(strings.TrimRight(r.label, ": "), 200), clip(b.names[c.col], 200),
							amount.Format(c.act, c.decimals), unit, placeName(t), clip(numName, 200), clip(denName, 200),
							source, amount.Format(exp, dec), unit),
						tolNote:  "rounding of the ratio and of both amounts as printed",
						evidence: evidence,
						refs: []string{cellRef(t.m, r, b.names[c.col]), cellRef(c.num.t.m, c.num.row, c.num.colName),
							cellRef(c.den.t.m, c.den.row, c.den.colName)},
						year: c.num.year,
					})
				}
			}
		}
	}
	return out
}
