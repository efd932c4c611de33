package numeric

import (
	"fmt"
	"math"
	"strings"

	"github.com/veritas-audit/veritas/internal/amount"
	"github.com/veritas-audit/veritas/schemas"
)

// Check types of the relations beyond casting, as reported in raw_data.check_type. A roll-forward
// or a ratio relates figures of different kinds (balances and movements, a percentage and the
// amounts it is made of) rather than components and their total, so these checks report their
// own types; the same line item stated in two tables, or the balance sheet identity, is
// "cross_table" as the API contract names it.
const (
	checkCrossTable  = "cross_table"
	checkRollForward = "roll_forward"
	checkRatio       = "ratio"
)

// discrepancy is a broken relation found by the roll-forward, ratio and cross-table checks,
// before it is worded as a finding. It names the one cell it reports (the figure that disagrees)
// and, in refs, every place the relation reads.
type discrepancy struct {
	check    string
	fsli     string
	formula  string
	table    *tableModel // the table of the reported cell
	row      *tableRow
	col      int
	column   string
	expected float64 // what the relation says the cell should hold, in the cell's own scale
	actual   float64 // what the cell prints
	tol      float64
	decimals int
	percent  bool
	title    string // the one-line description
	tolNote  string // how the tolerance was set
	scale    string
	evidence string
	refs     []string
	year     int // the period of a cross-table relation, 0 when none
}

// cellRef names one cell the way a reader finds it.
func cellRef(m *tableModel, r *tableRow, column string) string {
	return fmt.Sprintf("%s, row '%s', column '%s'", tableRef(m), clip(rowName(r), 300), clip(column, 200))
}

// finding words a discrepancy for the auditor.
func (d discrepancy) finding() schemas.Finding {
	dec := d.decimals
	diff := d.actual - d.expected
	unit := ""
	if d.percent {
		unit = "%"
	}
	var rs strings.Builder
	fmt.Fprintf(&rs, "Check type: %s\n", d.check)
	fmt.Fprintf(&rs, "Formula: %s\n", d.formula)
	fmt.Fprintf(&rs, "Table: %s\n", tableRef(d.table))
	fmt.Fprintf(&rs, "Row: %s\n", rowName(d.row))
	fmt.Fprintf(&rs, "Column: %s\n", d.column)
	fmt.Fprintf(&rs, "Expected: %s%s\n", amount.Format(d.expected, dec), unit)
	fmt.Fprintf(&rs, "Actual: %s%s\n", amount.Format(d.actual, dec), unit)
	fmt.Fprintf(&rs, "Difference: %s%s\n", amount.Format(diff, dec), unit)
	fmt.Fprintf(&rs, "Tolerance: %s%s (%s)\n", amount.Format(d.tol, max(dec, decimalsOf(d.tol))), unit, d.tolNote)
	if d.scale != "" && !d.percent {
		fmt.Fprintf(&rs, "Scale: %s\n", d.scale)
	}
	fmt.Fprintf(&rs, "Evidence: %s", d.evidence)
	refs := d.refs
	if len(refs) == 0 {
		refs = []string{cellRef(d.table, d.row, d.column)}
	}
	return schemas.Finding{
		Severity:    severity(diff, d.actual, d.expected),
		Description: clip(d.title, 1000),
		Reasoning:   rs.String(),
		SourceRefs:  refs,
		RawData: map[string]any{
			"fsli_name":      d.fsli,
			"check_type":     d.check,
			"formula":        d.formula,
			"expected_value": round(d.expected, dec),
			"actual_value":   round(d.actual, dec),
			"discrepancy":    round(diff, dec),
			"table":          d.table.index,
			"row":            rowName(d.row),
			"column":         d.column,
		},
	}
}

// decimalsOf is how many decimals a tolerance needs to print as something other than zero.
func decimalsOf(v float64) int {
	for d := 0; d < 6; d++ {
		if v == 0 || v >= 0.999*math.Pow10(-d) {
			return d
		}
	}
	return 6
}
