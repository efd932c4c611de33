package agents

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Numeric is the numeric_validation agent: it casts and cross-casts every table of the statement
// (components against the totals and subtotals printed with them, and total columns against the
// columns beside them) and reports each total that does not add up. It is deliberately quiet
// where a table's structure is not clear: most relations in a real statement are not plain sums,
// and a false alarm costs the auditor as much time as a miss.
type Numeric struct{}

var _ Agent = (*Numeric)(nil)

// NewNumeric returns the numeric_validation agent. It needs no configuration and no outside
// service.
func NewNumeric() *Numeric { return &Numeric{} }

// Info describes the agent for GET /api/v1/agents.
func (n *Numeric) Info() schemas.AgentInfo {
	return schemas.AgentInfo{
		ID:       schemas.AgentNumeric,
		Category: "numeric",
		Name:     "Numeric validation",
		Description: "Casts and cross-casts every table: checks that components add up to the " +
			"totals and subtotals printed with them, down each column and across total columns, " +
			"within rounding.",
		Available: true,
	}
}

// Run checks every table of doc, reporting progress after each table and stopping between
// tables when ctx ends. Findings come in document order: by table, row and column.
func (n *Numeric) Run(ctx context.Context, doc *extract.Document, progress Progress) ([]schemas.Finding, error) {
	if doc == nil {
		return nil, fmt.Errorf("numeric validation: no document")
	}
	tables := doc.Tables
	if len(tables) == 0 {
		tables = markdownTables(doc.Markdown)
	}
	findings := []schemas.Finding{}
	for i, t := range tables {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("numeric validation stopped at table %d of %d: %w", i+1, len(tables), err)
		}
		if t.Index == 0 {
			t.Index = i + 1
		}
		issues := checkTable(t)
		for _, is := range issues {
			findings = append(findings, is.finding())
		}
		if progress != nil {
			progress(i+1, len(tables), fmt.Sprintf("checked table %d of %d: %d finding(s)",
				i+1, len(tables), len(issues)))
		}
	}
	return findings, nil
}

// checkTable runs every check on one table and orders what it finds by row, column and check.
func checkTable(t extract.Table) []issue {
	m := readTable(t)
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
	if is.check == checkCrossColumn {
		desc = fmt.Sprintf("%s %s (%s) does not equal the sum of the other columns (%s)",
			clip(fsli, 300), clip(column, 200), formatAmount(res.actual, dec), formatAmount(res.expected, dec))
	} else {
		desc = fmt.Sprintf("%s %s (%s%s) does not equal the sum of its components (%s%s)",
			clip(fsli, 300), clip(column, 200), formatAmount(res.actual, dec), unit, formatAmount(res.expected, dec), unit)
	}
	var rs strings.Builder
	fmt.Fprintf(&rs, "Check type: %s\n", is.check)
	fmt.Fprintf(&rs, "Formula: %s\n", formula)
	fmt.Fprintf(&rs, "Table: %s\n", tableRef(m))
	fmt.Fprintf(&rs, "Row: %s\n", row)
	fmt.Fprintf(&rs, "Column: %s\n", column)
	fmt.Fprintf(&rs, "Expected: %s%s\n", formatAmount(res.expected, dec), unit)
	fmt.Fprintf(&rs, "Actual: %s%s\n", formatAmount(res.actual, dec), unit)
	fmt.Fprintf(&rs, "Difference: %s%s\n", formatAmount(diff, dec), unit)
	fmt.Fprintf(&rs, "Tolerance: %s (rounding of %d figures shown to %d decimal(s))\n",
		formatAmount(res.tol, dec), res.figures+1, dec)
	if m.scale != "" && !percent {
		fmt.Fprintf(&rs, "Scale: %s\n", m.scale)
	}
	fmt.Fprintf(&rs, "Evidence: %s", is.evidence)
	return schemas.Finding{
		Severity:    severity(diff, res.actual, res.expected),
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
	if is.check == checkCrossColumn {
		for _, j := range is.compCols {
			terms = append(terms, is.band.names[j])
		}
	} else {
		for _, c := range is.comps {
			terms = append(terms, rowName(c))
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
	target := rowName(is.target)
	if is.check == checkCrossColumn {
		target = is.band.names[is.col]
	}
	b.WriteString(" = ")
	b.WriteString(target)
	return b.String()
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
