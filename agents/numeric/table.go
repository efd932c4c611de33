package numeric

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// This file reads the layout of a statement table: which rows are headers, section labels and
// figures, what each column holds, and what the columns are called. The casting checks in
// casting.go only ever look at rows and columns this model calls additive.

// cellClass says what a cell holds.
type cellClass uint8

const (
	cellBlank cellClass = iota
	cellText
	cellNum // a figure or a lone dash
)

// tableCell is one cell read once.
type tableCell struct {
	raw   string
	class cellClass
	num   amount.Number
	// year is set for a bare year such as "2019": a column heading, not an amount.
	year bool
}

// figure reports whether the cell holds a printed amount (not a dash, not a year).
func (c tableCell) figure() bool { return c.class == cellNum && !c.num.Dash && !c.year }

// rowKind says what a row is in the layout.
type rowKind uint8

const (
	rowBlank   rowKind = iota
	rowHeader          // column headings: years, "(in millions)", spanning titles
	rowSection         // a label with no figures: "Transportation Solutions:"
	rowData            // a line item with figures
)

// tableRow is one row of a table.
type tableRow struct {
	index int // 0-based position in the table
	label string
	cells []tableCell
	kind  rowKind
	// percent is set when the row's figures are mostly percentages (a margin or rate row
	// inside an amount table); such rows are never added to amounts.
	percent bool
	// perUnit is set when the label says the figures are per share, ratios, rates or
	// averages, which do not add up down a column or across a row.
	perUnit bool
	// less is set for a row printed as a deduction ("Less: accumulated depreciation").
	less bool
	// balance is balanceOpening or balanceClosing for the balances of a roll-forward ("At 1
	// January 2024", "Balance at end of year").
	balance int
	// flow says how the label moves a balance when the figure is printed without a sign.
	flow rowFlow
	// subtotal is set for the subtotals a primary statement defines by the rows above them:
	// gross profit, operating profit, profit before tax, profit for the year.
	subtotal bool
	// item is the line item the label names, read once for the checks across tables.
	item lineItem
	// ratioLabel is set when the row may state a ratio: it prints percentages, or its label
	// says so.
	ratioLabel bool
}

// rowFlow says how a movement row of a roll-forward changes the balance by its label.
type rowFlow uint8

const (
	flowNone     rowFlow = iota
	flowDecrease         // disposals, payments, amounts used or reversed: reduce any balance
	flowWearing          // depreciation, amortisation, impairment: reduce an asset, add to its accumulated depreciation
)

// columnKind says how a column's figures may be added.
type columnKind uint8

const (
	colNone    columnKind = iota // text, notes, years, or nothing to add
	colAmount                    // amounts (or counts) that add down the column
	colPercent                   // percentages: checkable only where they add to 100 %
	colPerUnit                   // prices, averages, rates, terms: never added
)

// band is a run of rows under one set of column headings. Most tables have one; a table that
// repeats its headings part-way down (a second year below the first) has one per heading.
type band struct {
	headers []*tableRow
	rows    []*tableRow // body rows in order: data, section and blank rows
	names   []string    // column names, by column index
	kinds   []columnKind
	// shareOf marks percentage columns of a common base ("% of total"), which add like amounts.
	shareOf []bool
	// variance marks amount columns that hold the difference of two columns to their left
	// ("$ Change"): they add down as plain sums, but their signs may follow a
	// favourable/adverse convention rather than the statement's.
	variance []bool
}

// tableModel is a table read for casting checks.
type tableModel struct {
	index int
	title string
	scale string
	width int
	rows  []*tableRow
	bands []*band
}

// readTable builds the model of one extracted table.
func readTable(t extract.Table) *tableModel {
	m := &tableModel{index: t.Index, title: strings.TrimSpace(t.Title)}
	for _, r := range t.Rows {
		if len(r) > m.width {
			m.width = len(r)
		}
	}
	if m.width < 2 {
		return m // no label and figure columns: nothing to cast
	}
	inHeader := true
	var cur *band
	for i, raw := range t.Rows {
		r := &tableRow{index: i, cells: make([]tableCell, m.width)}
		for j := range m.width {
			if j < len(raw) {
				r.cells[j] = readCell(raw[j])
			}
		}
		r.label = amount.NormalizeSpaces(r.cells[0].raw)
		classifyRow(r, inHeader)
		if r.kind == rowData || r.kind == rowSection {
			r.item = readLineItem(r.label)
		}
		if r.kind == rowData {
			r.less = isLessLabel(r.label)
			r.balance = r.item.balance
			r.flow = flowOf(words(r.label))
			r.subtotal = statementSubtotals[r.item.key]
		}
		m.rows = append(m.rows, r)
		switch r.kind {
		case rowHeader:
			if cur == nil || !inHeader {
				cur = &band{}
				m.bands = append(m.bands, cur)
			}
			cur.headers = append(cur.headers, r)
			inHeader = true
		default:
			if cur == nil {
				cur = &band{}
				m.bands = append(m.bands, cur)
			}
			if r.kind == rowData {
				inHeader = false
			}
			cur.rows = append(cur.rows, r)
		}
	}
	var prevNames []string
	for _, b := range m.bands {
		b.names = columnNames(b.headers, m.width, prevNames)
		prevNames = b.names
		classifyColumns(b, m.width)
		b.variance = varianceColumns(b, m.width)
		for _, r := range b.rows {
			if r.kind == rowData {
				markRow(r, b)
				r.ratioLabel = percentRow(r) || hasWord(r.label, "ratio")
			}
		}
	}
	m.scale = tableScale(m)
	return m
}

// readCell parses one cell.
func readCell(raw string) tableCell {
	c := tableCell{raw: raw}
	text := amount.NormalizeSpaces(raw)
	if text == "" {
		return c
	}
	n, ok := amount.Parse(text)
	if !ok {
		c.class = cellText
		return c
	}
	c.class = cellNum
	c.num = n
	if !n.Dash && !n.Percent && n.Currency == "" && n.Decimals == 0 && n.Value >= 1900 &&
		n.Value <= 2100 && !strings.ContainsAny(text, ",()-−–") {
		c.year = true
	}
	return c
}

// classifyRow decides a row's kind from its cells. Before the first row of figures, rows that
// only hold text or years are headings; further down, a row of several headings (or of years)
// starts a new band, and a single text cell is a section label.
func classifyRow(r *tableRow, inHeader bool) {
	figures, texts, years := 0, 0, 0
	for _, c := range r.cells[1:] {
		switch {
		case c.class == cellNum && c.year:
			years++
		case c.class == cellNum:
			figures++
		case c.class == cellText:
			texts++
		}
	}
	switch {
	case figures > 0:
		r.kind = rowData
	case texts+years == 0 && r.label == "":
		r.kind = rowBlank
	case texts+years == 0:
		r.kind = rowSection
	case inHeader || years > 0 || texts >= 2:
		r.kind = rowHeader
	default:
		r.kind = rowSection
	}
}

// unitWords mark a heading cell that gives the unit rather than naming the column.
var unitWords = []string{"million", "thousand", "billion", "'000", "’000", "000s", "$000", "£000", "€000"}

// isUnitCell reports whether a heading cell only states the unit: "(in millions)", "€m",
// "$'000", "$", "%", "US$ in thousands".
func isUnitCell(s string) bool {
	l := strings.ToLower(strings.Trim(amount.NormalizeSpaces(s), "() "))
	if l == "" {
		return true
	}
	for _, w := range unitWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	l = strings.TrimPrefix(l, "in ")
	if _, rest, ok := amount.CutCurrency(strings.ToUpper(l)); ok {
		l = strings.ToLower(rest)
	}
	switch strings.TrimSpace(l) {
	case "", "m", "mn", "bn", "k", "%", "$", "€", "£", "¥", "000", "usdm", "$m", "€m", "£m":
		return true
	}
	return false
}

// columnNames names every column from the band's heading rows: the lowest heading cell that is
// not a unit ("2019", "Net Sales"), prefixed by the spanning heading above it when two columns
// would otherwise share a name ("Fiscal Year 2018 Net Sales").
func columnNames(headers []*tableRow, width int, prev []string) []string {
	names := make([]string, width)
	if len(headers) == 0 {
		for j := range names {
			if j < len(prev) && prev[j] != "" {
				names[j] = prev[j]
			} else {
				names[j] = fmt.Sprintf("column %d", j+1)
			}
		}
		return names
	}
	text := func(h *tableRow, j int) string {
		if j >= len(h.cells) {
			return ""
		}
		return amount.NormalizeSpaces(h.cells[j].raw)
	}
	lowest := make([]int, width)
	for j := 1; j < width; j++ {
		lowest[j] = -1
		for i := len(headers) - 1; i >= 0; i-- {
			if t := text(headers[i], j); t != "" && !isUnitCell(t) {
				names[j], lowest[j] = t, i
				break
			}
		}
		if names[j] == "" {
			// Only a unit ("(%)", "$"): name it after the spanning heading above it.
			for i := len(headers) - 1; i >= 0 && names[j] == ""; i-- {
				if t := text(headers[i], j); t != "" {
					names[j] = t
					lowest[j] = i
				}
			}
		spanning:
			for i := lowest[j] - 1; i >= 0 && names[j] != ""; i-- {
				for k := j; k >= 1; k-- {
					if t := text(headers[i], k); t != "" && !isUnitCell(t) {
						names[j] = t + " " + names[j]
						break spanning
					}
				}
			}
		}
	}
	count := map[string]int{}
	for j := 1; j < width; j++ {
		count[names[j]]++
	}
	for j := 1; j < width; j++ {
		if names[j] == "" || count[names[j]] < 2 || lowest[j] < 0 {
			continue
		}
		// The nearest heading above, in this column or spanning from the left; failing that, the
		// heading to the left on the same row ("2018 | % of total").
		prefix := ""
	above:
		for i := lowest[j] - 1; i >= 0; i-- {
			for k := j; k >= 1; k-- {
				if t := text(headers[i], k); t != "" && !isUnitCell(t) {
					prefix = t
					break above
				}
			}
		}
		if prefix == "" {
			own := text(headers[lowest[j]], j)
			for k := j - 1; k >= 1; k-- {
				if t := text(headers[lowest[j]], k); t != "" && t != own && !isUnitCell(t) {
					prefix = t
					break
				}
			}
		}
		if prefix != "" {
			names[j] = prefix + " " + names[j]
		}
	}
	for j := 1; j < width; j++ {
		if names[j] == "" {
			names[j] = fmt.Sprintf("column %d", j+1)
		}
	}
	if width > 0 {
		names[0] = "label"
	}
	return names
}

// words splits a label into lower-case words for keyword tests.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '%'
	})
}

// hasWord reports whether any of the words occurs in s as a whole word.
func hasWord(s string, want ...string) bool {
	for _, w := range words(s) {
		for _, x := range want {
			if w == x {
				return true
			}
		}
	}
	return false
}

// perUnitColumnWords mark a column whose figures are not additive: prices, averages, rates,
// terms and note references.
var perUnitColumnWords = []string{
	"average", "avg", "weighted", "price", "prices", "rate", "rates", "ratio", "ratios", "margin",
	"margins", "yield", "life", "term", "age", "days", "eps", "bps", "multiple", "per", "volatility",
}

// perUnitColumn reports whether a column name says its figures do not add.
func perUnitColumn(name string) bool {
	l := strings.ToLower(name)
	if w := words(name); len(w) > 0 && (w[0] == "note" || w[0] == "notes") {
		return true
	}
	return hasWord(name, perUnitColumnWords...) || strings.Contains(l, "in years") ||
		strings.Contains(l, "(years)") || strings.Contains(l, "years)")
}

// perUnitRow reports whether a row label says its figures do not add: per-share amounts,
// margins, ratios, percentages and day counts. (Rates and averages are not excluded by name:
// "Amount at the statutory rate" and "Weighted average shares" add like any line item; rows of
// printed percentages are caught by their % signs.)
func perUnitRow(label string) bool {
	ws := words(label)
	return anyWord(ws, perUnitRowWords) || (anyWord(ws, []string{"days"}) && !ageingBand(ws))
}

// perUnitRowWords mark a row whose figures do not add.
var perUnitRowWords = []string{"per", "eps", "margin", "margins", "ratio", "percentage", "percent", "%", "yield"}

// ageingBand reports whether a label, split into words, names a band of an ageing analysis ("1
// to 30 days past due", "More than 90 days", "Overdue"): receivables by how long they are
// outstanding, which add up to the total like any line item, unlike "Days sales outstanding".
func ageingBand(ws []string) bool {
	for i, w := range ws {
		if w == "overdue" || (w == "due" && i > 0 && ws[i-1] == "past") ||
			((w == "days" || w == "day") && i > 0 && isDigits(ws[i-1])) {
			return true
		}
	}
	return false
}

// classifyColumns decides how each column of a band may be added.
func classifyColumns(b *band, width int) {
	b.kinds = make([]columnKind, width)
	b.shareOf = make([]bool, width)
	for j := 1; j < width; j++ {
		figures, pct, texts, years := 0, 0, 0, 0
		for _, r := range b.rows {
			if r.kind != rowData {
				continue
			}
			c := r.cells[j]
			switch {
			case c.class == cellText:
				texts++
			case c.class == cellNum && c.year:
				years++
			case c.figure():
				figures++
				if c.num.Percent {
					pct++
				}
			}
		}
		name := b.names[j]
		switch {
		case figures == 0 || texts > figures || years > figures:
			b.kinds[j] = colNone
		case pct*2 >= figures || strings.Contains(name, "%") || hasWord(name, "percent", "percentage") ||
			percentUnit(b, j):
			b.kinds[j] = colPercent
			l := strings.ToLower(name)
			b.shareOf[j] = strings.Contains(l, "of total") || strings.Contains(l, "% of") ||
				strings.Contains(l, "percentage of") || strings.Contains(l, "percent of")
			if hasWord(name, "change", "growth", "variance", "increase", "decrease", "inc", "dec") {
				b.shareOf[j] = false
			}
		case perUnitColumn(name):
			b.kinds[j] = colPerUnit
		default:
			b.kinds[j] = colAmount
		}
	}
}

// percentUnit reports whether a heading row states the column's unit as a percentage: "(%)"
// under "Change".
func percentUnit(b *band, j int) bool {
	for _, h := range b.headers {
		if j < len(h.cells) {
			if t := strings.Trim(amount.NormalizeSpaces(h.cells[j].raw), "() "); t == "%" || strings.EqualFold(t, "in %") {
				return true
			}
		}
	}
	return false
}

// varianceWindow is how far before a change column its two compared columns may stand.
const varianceWindow = 8

// varianceColumns finds the amount columns that equal, up to sign, the difference of two amount
// columns shortly to their left in most rows.
func varianceColumns(b *band, width int) []bool {
	out := make([]bool, width)
	for c := 1; c < width; c++ {
		if b.kinds[c] != colAmount {
			continue
		}
		// A change column follows the two figures it compares; looking back a few columns
		// keeps this linear in the width (a 1,000-column table took 42 s with every pair).
		for a := max(1, c-varianceWindow); a < c && !out[c]; a++ {
			for d := a + 1; d < c && !out[c]; d++ {
				if b.kinds[a] != colAmount || b.kinds[d] != colAmount {
					continue
				}
				hits, rows := 0, 0
				for _, r := range b.rows {
					x, y, z := r.cells[a], r.cells[d], r.cells[c]
					if r.kind != rowData || !x.figure() || !y.figure() || !z.figure() {
						continue
					}
					rows++
					dec := max(x.num.Decimals, y.num.Decimals, z.num.Decimals)
					diff := x.num.Value - y.num.Value
					if math.Abs(math.Abs(z.num.Value)-math.Abs(diff)) <= tolerance(2, dec) {
						hits++
					}
				}
				out[c] = hits >= 2 && 3*hits >= 2*rows
			}
		}
	}
	return out
}

// markRow flags rows whose figures do not add with amounts: percentage rows and per-share,
// ratio and margin rows.
func markRow(r *tableRow, b *band) {
	figures, pct := 0, 0
	for j, c := range r.cells {
		if j == 0 || !c.figure() || b.kinds[j] != colAmount {
			continue
		}
		figures++
		if c.num.Percent {
			pct++
		}
	}
	r.percent = pct > 0 && pct*2 >= figures
	r.perUnit = perUnitRow(r.label) && !hasWord(r.label, "total")
}

// tableScale finds the unit the table states ("in millions", "€m", "$'000").
func tableScale(m *tableModel) string {
	var texts []string
	texts = append(texts, m.title)
	for _, r := range m.rows {
		if r.kind == rowData {
			texts = append(texts, r.label)
			continue
		}
		for _, c := range r.cells {
			texts = append(texts, c.raw)
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		switch {
		case strings.Contains(l, "in billions") || strings.Contains(l, "billion") || hasWord(l, "bn"):
			return "in billions"
		case strings.Contains(l, "in millions") || strings.Contains(l, "million") ||
			hasWord(l, "€m", "£m", "m", "mn", "usdm") || strings.Contains(l, "$m") || strings.Contains(l, "$ m"):
			return "in millions"
		case strings.Contains(l, "in thousands") || strings.Contains(l, "thousand") ||
			strings.Contains(l, "000"):
			if strings.Contains(l, "'000") || strings.Contains(l, "’000") || strings.Contains(l, "$000") ||
				strings.Contains(l, "£000") || strings.Contains(l, "€000") || strings.Contains(l, "thousand") {
				return "in thousands"
			}
		}
	}
	return ""
}

// rowName is how findings and source references name a row: its label, or its position when
// the statement printed no label (an unlabelled subtotal).
func rowName(r *tableRow) string {
	if r.label != "" {
		return r.label
	}
	return fmt.Sprintf("(unlabelled row %d)", r.index+1)
}

// tableRef names a table the way a reader finds it.
func tableRef(m *tableModel) string {
	if m.title == "" {
		return fmt.Sprintf("Table %d", m.index)
	}
	return fmt.Sprintf("Table %d '%s'", m.index, m.title)
}

// statementSubtotals are the line items a statement prints as the sum of the rows above them.
var statementSubtotals = map[string]bool{
	"gross profit": true, "operating profit": true, "profit before tax": true,
	"profit for the year": true, "total comprehensive income": true,
	"net cash from operating activities": true, "cash generated from operations": true,
}

// decreaseWords mark a movement that reduces the balance it moves, whatever the balance.
var decreaseWords = []string{
	"disposal", "disposals", "disposed", "sold", "derecognised", "derecognized", "derecognition",
	"written", "write", "writeoff", "writeoffs", "utilised", "utilized", "used", "released",
	"reversed", "reversal", "reversals", "paid", "payment", "payments", "repaid", "repayment",
	"repayments", "settled", "settlement", "settlements", "redeemed", "redemption", "redemptions",
	"retirements", "retired", "expired", "forfeited", "cancelled", "canceled", "cancellations",
	"lapsed", "exercised", "vested", "decrease", "decreases", "reduction", "reductions",
	"deductions", "dividends", "dividend", "distributions", "collected", "collections",
	"withdrawals", "outflows", "surrendered", "terminated", "terminations",
}

// wearingWords mark depreciation-like movements.
var wearingWords = []string{"depreciation", "amortisation", "amortization", "impairment", "impairments"}

// flowOf reads how a movement label, split into words, changes a balance.
func flowOf(ws []string) rowFlow {
	switch {
	case anyWord(ws, wearingWords) && !anyWord(ws, []string{"reversal", "reversed", "accumulated"}):
		return flowWearing
	case anyWord(ws, decreaseWords) && !anyWord(ws, []string{"proceeds", "acquired", "additions"}):
		return flowDecrease
	}
	return flowNone
}

// anyWord reports whether any of want occurs among the words ws.
func anyWord(ws, want []string) bool {
	for _, w := range ws {
		for _, x := range want {
			if w == x {
				return true
			}
		}
	}
	return false
}
