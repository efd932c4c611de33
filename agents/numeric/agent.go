// Package numeric holds the numeric_validation agent, which checks that the figures of a
// statement's tables agree: within each table (casting.go, rollforward.go, ratio.go, recon.go)
// and across the tables of one document (crosstable.go, crossratio.go).
package numeric

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
	"github.com/veritas-audit/veritas/schemas"
)

// Agent is the numeric_validation agent: it casts and cross-casts every table of the statement
// (components against the totals and subtotals printed with them, and total columns against the
// columns beside them), checks roll-forwards (opening balance + movements = closing balance), the
// percentages, ratios and changes a table states against their parts, tax rate reconciliations
// and credit-loss (ageing) tables, and compares the tables with each other: the same line item
// and period in two places, and the balance sheet identity. It is deliberately quiet where a
// table's structure is not clear: most relations in a real statement are not plain sums, and a
// false alarm costs the auditor as much time as a miss.
type Agent struct{}

var _ agents.Agent = (*Agent)(nil)

// New returns the numeric_validation agent. It needs no configuration and no outside service.
func New() *Agent { return &Agent{} }

// Info describes the agent for GET /api/v1/agents.
func (n *Agent) Info() schemas.AgentInfo {
	return schemas.AgentInfo{
		ID:       schemas.AgentNumeric,
		Category: "numeric",
		Name:     "Numeric validation",
		Description: "Casts and cross-casts every table (components against the totals and " +
			"subtotals printed with them, down each column and across total columns), checks " +
			"roll-forwards, the margins, ratios and changes a table states, tax rate reconciliations " +
			"and credit-loss tables (gross, allowance, net, loss rate), and compares the " +
			"statements with each other and with their notes: the same line item and period in " +
			"two places, closing cash, profit, equity, and total assets against total equity and " +
			"liabilities, all within rounding and each table's scale.",
		Available: true,
	}
}

// Run checks every table of doc, then compares the tables with each other, reporting progress
// after each table and after the comparison, and stopping between steps when ctx ends. Findings
// within tables come first, in document order (by table, row and column); those across tables
// follow, ordered by the table of the figure they report.
func (n *Agent) Run(ctx context.Context, doc *extract.Document, progress agents.Progress) ([]schemas.Finding, error) {
	if doc == nil {
		return nil, fmt.Errorf("numeric validation: no document")
	}
	tables := doc.Tables
	if len(tables) == 0 {
		tables = markdownTables(doc.Markdown)
	}
	findings := []schemas.Finding{}
	models := make([]*tableModel, len(tables))
	flagged := make([]map[[2]int]int, len(tables))
	steps := len(tables) + 1 // each table, then the comparison across tables
	for i, t := range tables {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("numeric validation stopped at table %d of %d: %w", i+1, len(tables), err)
		}
		if t.Index == 0 {
			t.Index = i + 1
		}
		m := readTable(t)
		models[i] = m
		fs, cells := checkModel(m)
		flagged[i] = cells
		findings = append(findings, fs...)
		if progress != nil {
			progress(i+1, steps, fmt.Sprintf("checked table %d of %d: %d finding(s)",
				i+1, len(tables), len(fs)))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("numeric validation stopped before comparing tables: %w", err)
	}
	cross := crossTableChecks(doc, models, flagged)
	for _, d := range cross {
		findings = append(findings, d.finding())
	}
	if progress != nil {
		progress(steps, steps, fmt.Sprintf("compared figures across %d table(s): %d finding(s)",
			len(tables), len(cross)))
	}
	return findings, nil
}

// Suspicion of a cell, as the in-table checks leave it for the cross-table checks.
const (
	suspectComponent = 1 // a component of a relation that fails
	suspectReported  = 2 // the cell a finding reports
)

// checkModel runs the checks within one table and words what they find, in row, column and
// check order. It also returns how suspect each cell (row index, column) is after them: when two
// tables disagree, a figure that does not cast in its own table is the likelier culprit.
func checkModel(m *tableModel) ([]schemas.Finding, map[[2]int]int) {
	cells := map[[2]int]int{}
	suspect := func(row, col int) {
		if cells[[2]int{row, col}] == 0 {
			cells[[2]int{row, col}] = suspectComponent
		}
	}
	issues := checkTableModel(m)
	type placed struct {
		row, col int
		f        schemas.Finding
	}
	var all []placed
	for _, is := range issues {
		cells[[2]int{is.target.index, is.col}] = suspectReported
		all = append(all, placed{is.target.index, is.col, is.finding()})
	}
	for _, is := range issues {
		for _, c := range is.comps {
			suspect(c.index, is.col)
		}
		for _, j := range is.compCols {
			suspect(is.target.index, j)
		}
	}
	var derived []discrepancy
	for _, b := range m.bands {
		derived = append(derived, checkContinuity(m, b)...)
	}
	derived = append(derived, checkRatios(m, cells)...)
	derived = append(derived, checkReconciliations(m, cells)...)
	for _, d := range derived {
		cells[[2]int{d.row.index, d.col}] = suspectReported
		all = append(all, placed{d.row.index, d.col, d.finding()})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].row != all[j].row {
			return all[i].row < all[j].row
		}
		return all[i].col < all[j].col
	})
	out := make([]schemas.Finding, len(all))
	for i, p := range all {
		out[i] = p.f
	}
	return out, cells
}

// checkTableModel runs the casting checks on one table and orders what they find by row,
// column and check.
func checkTableModel(m *tableModel) []issue {
	if m.width < 2 {
		return nil
	}
	var issues []issue
	for _, b := range m.bands {
		issues = append(issues, checkBand(m, b)...)
		issues = append(issues, checkColumns(m, b)...)
	}
	sort.SliceStable(issues, func(i, j int) bool {
		a, b := issues[i], issues[j]
		if a.target.index != b.target.index {
			return a.target.index < b.target.index
		}
		if a.col != b.col {
			return a.col < b.col
		}
		return a.check < b.check
	})
	return issues
}

// finding words an issue for the auditor.
func (is issue) finding() schemas.Finding {
	m, b, r := is.table, is.band, is.target
	column := b.names[is.col]
	row := rowName(r)
	fsli := fsliName(b, r)
	res := is.result
	dec := res.decimals
	diff := res.actual - res.expected
	percent := b.kinds[is.col] == colPercent && is.check == checkInTable
	unit := ""
	if percent {
		unit = "%"
	}
	formula := is.formula()
	var desc string
	switch is.check {
	case checkCrossColumn:
		desc = fmt.Sprintf("%s %s (%s) does not equal the sum of the other columns (%s)",
			clip(fsli, 300), clip(column, 200), amount.Format(res.actual, dec), amount.Format(res.expected, dec))
	case checkRollForward:
		desc = fmt.Sprintf("%s %s (%s) does not equal the opening balance plus the movements (%s)",
			clip(fsli, 300), clip(column, 200), amount.Format(res.actual, dec), amount.Format(res.expected, dec))
	default:
		desc = fmt.Sprintf("%s %s (%s%s) does not equal the sum of its components (%s%s)",
			clip(fsli, 300), clip(column, 200), amount.Format(res.actual, dec), unit, amount.Format(res.expected, dec), unit)
	}
	var rs strings.Builder
	fmt.Fprintf(&rs, "Check type: %s\n", is.check)
	fmt.Fprintf(&rs, "Formula: %s\n", formula)
	fmt.Fprintf(&rs, "Table: %s\n", tableRef(m))
	fmt.Fprintf(&rs, "Row: %s\n", row)
	fmt.Fprintf(&rs, "Column: %s\n", column)
	fmt.Fprintf(&rs, "Expected: %s%s\n", amount.Format(res.expected, dec), unit)
	fmt.Fprintf(&rs, "Actual: %s%s\n", amount.Format(res.actual, dec), unit)
	fmt.Fprintf(&rs, "Difference: %s%s\n", amount.Format(diff, dec), unit)
	if is.tolNote != "" {
		fmt.Fprintf(&rs, "Tolerance: %s (%s)\n", amount.Format(res.tol, dec), is.tolNote)
	} else {
		fmt.Fprintf(&rs, "Tolerance: %s (rounding of %d figures shown to %d decimal(s))\n",
			amount.Format(res.tol, dec), res.figures+1, dec)
	}
	if m.scale != "" && !percent {
		fmt.Fprintf(&rs, "Scale: %s\n", m.scale)
	}
	fmt.Fprintf(&rs, "Evidence: %s", is.evidence)
	sev := severity(diff, res.actual, res.expected)
	if is.doubt != "" {
		fmt.Fprintf(&rs, "\nDoubt: %s", is.doubt)
		sev = "low"
	}
	return schemas.Finding{
		Severity:    sev,
		Description: desc,
		Reasoning:   rs.String(),
		SourceRefs:  []string{fmt.Sprintf("%s, row '%s', column '%s'", tableRef(m), clip(row, 300), clip(column, 200))},
		RawData: map[string]any{
			"fsli_name":      fsli,
			"check_type":     is.check,
			"formula":        formula,
			"expected_value": round(res.expected, dec),
			"actual_value":   round(res.actual, dec),
			"discrepancy":    round(diff, dec),
			"table":          m.index,
			"row":            row,
			"column":         column,
		},
	}
}

// formula writes the relation as an auditor would: "Fixed Price + Other = Total sales".
func (is issue) formula() string {
	var terms []string
	if len(is.compCols) > 0 {
		for _, j := range is.compCols {
			terms = append(terms, is.band.names[j])
		}
	} else {
		for _, c := range is.comps {
			terms = append(terms, sectionedName(is.band, c))
		}
	}
	const maxTerms = 12
	var b strings.Builder
	for i, t := range terms {
		if len(terms) > maxTerms && i == maxTerms-2 {
			fmt.Fprintf(&b, " + … (%d more)", len(terms)-maxTerms+1)
			continue
		}
		if len(terms) > maxTerms && i > maxTerms-2 && i < len(terms)-1 {
			continue
		}
		switch {
		case i == 0 && is.signs[i] < 0:
			b.WriteString("− ")
		case i > 0 && is.signs[i] < 0:
			b.WriteString(" − ")
		case i > 0:
			b.WriteString(" + ")
		}
		b.WriteString(t)
	}
	target := sectionedName(is.band, is.target)
	if len(is.compCols) > 0 {
		target = is.band.names[is.col]
	}
	b.WriteString(" = ")
	b.WriteString(target)
	return b.String()
}

// sectionedName names a row in a formula: its label, prefixed by its section when the label is
// only a date ("Cost: At 31 December 2024"), so the balances of a roll-forward note read apart.
func sectionedName(b *band, r *tableRow) string {
	if r.balance == balanceNone || r.item.key != "" {
		return rowName(r)
	}
	if section := strings.TrimRight(sectionOf(b, r), ": "); section != "" {
		return section + ": " + rowName(r)
	}
	return rowName(r)
}

// fsliName names the line item a finding is about: the row label, or for an unlabelled
// subtotal the section it closes.
func fsliName(b *band, r *tableRow) string {
	if r.label != "" {
		return strings.TrimRight(r.label, ": ")
	}
	section := ""
	for _, x := range b.rows {
		if x.index >= r.index {
			break
		}
		if x.kind == rowSection && x.label != "" {
			section = strings.TrimRight(x.label, ": ")
		}
	}
	if section != "" {
		return "Subtotal of " + section
	}
	return "Unlabelled subtotal (row " + strconv.Itoa(r.index+1) + ")"
}

// severity follows API.md: discrepancy over 5 % of the total is high, 1–5 % medium, below low.
func severity(diff, actual, expected float64) string {
	base := math.Abs(actual)
	if base == 0 {
		base = math.Abs(expected)
	}
	if base == 0 {
		return "high"
	}
	rel := math.Abs(diff) / base
	switch {
	case rel > 0.05:
		return "high"
	case rel >= 0.01:
		return "medium"
	default:
		return "low"
	}
}

// round rounds v to the printed number of decimals, so raw_data carries 1486.5, not 1486.4999.
func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0
	}
	return r
}

// quoteList joins names as 'a', 'b' and 'c'.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	switch len(q) {
	case 0:
		return "no other column"
	case 1:
		return "column " + q[0]
	}
	return "columns " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// clip shortens text for a one-line title or reference, keeping whole runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }

// markdownTables reads pipe tables from a document's markdown, for documents whose extraction
// did not list tables separately. The title of each is the nearest text line above it.
func markdownTables(md string) []extract.Table {
	var tables []extract.Table
	var cur *extract.Table
	title := ""
	for _, line := range strings.Split(md, "\n") {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "|") {
			cur = nil
			if l != "" {
				title = strings.TrimSpace(strings.TrimLeft(l, "#"))
				if len(title) > 120 {
					title = title[:120]
				}
			}
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		separator := true
		for i, c := range cells {
			cells[i] = strings.TrimSpace(c)
			if strings.Trim(cells[i], ":-") != "" {
				separator = false
			}
		}
		if separator {
			continue
		}
		if cur == nil {
			tables = append(tables, extract.Table{Index: len(tables) + 1, Title: title})
			cur = &tables[len(tables)-1]
		}
		cur.Rows = append(cur.Rows, cells)
	}
	for i := range tables {
		t := &tables[i]
		width := 0
		for _, r := range t.Rows {
			width = max(width, len(r))
		}
		for j, r := range t.Rows {
			for len(r) < width {
				r = append(r, "")
			}
			t.Rows[j] = r
		}
	}
	return tables
}
