package logic

import (
	"fmt"
	"slices"
	"strings"
)

// This file checks the signs the tables print: revenue, cash and total assets cannot be
// negative, and a line the statement calls a profit cannot show a loss.

// signFindings checks every line item with year columns.
func signFindings(ix *index) []issue {
	var out []issue
	seen := map[string]bool{}
	// A table that works out net debt subtracts cash: "Cash and cash equivalents (44.0)".
	netDebtTable := map[*figTable]bool{}
	for _, s := range ix.series {
		if s.ref.key == "net_debt" && s.row >= 0 {
			netDebtTable[s.t] = true
		}
	}
	for _, s := range ix.series {
		if s.row < 0 || s.ref.m == nil || s.ref.adjusted || s.percent {
			continue
		}
		var negYears []int
		for _, y := range s.t.years {
			if v, ok := s.at(y); ok && v.hi < 0 {
				negYears = append(negYears, y)
			}
		}
		if len(negYears) == 0 {
			continue
		}
		var is issue
		switch key := s.ref.key; {
		case key == "revenue" && !s.ref.negated:
			is = signIssue(s, negYears, "Negative revenue", "revenue cannot be negative: a refund or reversal larger than the year's sales is not how statements present revenue", "high")
		case key == "cash" && !strings.Contains(s.ref.label, "overdraft") && !netDebtTable[s.t] && s.t.kind != stmtCashFlow:
			is = signIssue(s, negYears, "Negative cash balance", "a cash balance cannot be negative; an overdraft is a liability and is presented as borrowings", "high")
		case key == "total_assets":
			is = signIssue(s, negYears, "Negative total assets", "total assets cannot be negative", "high")
		case slices.Contains([]string{"gross_profit", "operating_profit", "pbt", "net_profit"}, key) && !s.ref.negated && !s.ref.neutral &&
			(hasWord(s.ref.label, "profit") || hasWord(s.ref.label, "income") || hasWord(s.ref.label, "earning")):
			is = profitLabelIssue(s, negYears)
		default:
			continue
		}
		k := is.kind + "|" + s.ref.label + "|" + is.figures
		if seen[k] {
			continue // the same line printed in two statements (profit in the cash flow statement)
		}
		seen[k] = true
		out = append(out, is)
	}
	return out
}

// signIssue reports a line item printed negative that cannot be.
func signIssue(s *series, years []int, what, why, severity string) issue {
	figs, loc := yearFigures(s, years)
	return issue{
		kind:          kindSign,
		severity:      severity,
		fsli:          s.label,
		description:   fmt.Sprintf("%s: %s shows %s in %s", what, clip(s.label, 80), figs, s.t.kind.String()),
		claim:         fmt.Sprintf("'%s' in %s", clip(s.label, 80), tableName(s.t)),
		contradiction: fmt.Sprintf("%s prints %s, a negative amount; %s", clip(s.label, 80), figs, why),
		figures:       figs + unitNote(s),
		tolerance:     "none: the sign is printed",
		location:      loc,
		refs:          []string{loc},
		rule:          "an impossible sign is high: the figure, its sign or its label is wrong",
	}
}

// profitLabelIssue reports a line called a profit that shows a loss.
func profitLabelIssue(s *series, years []int) issue {
	figs, loc := yearFigures(s, years)
	return issue{
		kind:          kindWording,
		severity:      "medium",
		fsli:          s.label,
		description:   fmt.Sprintf("'%s' is labelled a profit but shows a loss (%s)", clip(s.label, 80), figs),
		claim:         fmt.Sprintf("'%s' in %s", clip(s.label, 80), tableName(s.t)),
		contradiction: fmt.Sprintf("the line is called a profit, but %s is negative, a loss; the label should read loss or profit/(loss)", figs),
		figures:       figs + unitNote(s),
		tolerance:     "none: the sign is printed",
		location:      loc,
		refs:          []string{loc},
		rule:          "profit wording on a loss is medium: the figure may be right, the wording misleads",
	}
}

// yearFigures lists the printed figures of s for years, and the reference to them.
func yearFigures(s *series, years []int) (string, string) {
	var parts []string
	for _, y := range years {
		v, _ := s.at(y)
		raw := v.raw
		if raw == "" {
			raw = fmtFig(v.v, s)
		}
		parts = append(parts, fmt.Sprintf("%s in %d", raw, y))
	}
	return strings.Join(parts, " and "), s.location(years...)
}

// tableName names a table for a claim line: "Table 1 'Consolidated income statement'".
func tableName(t *figTable) string {
	if t.title == "" {
		return fmt.Sprintf("Table %d", t.index)
	}
	return fmt.Sprintf("Table %d '%s'", t.index, clip(t.title, 80))
}
