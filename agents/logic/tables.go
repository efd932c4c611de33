package logic

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// This file builds the figure index: every line item of every table that has year columns, by
// metric, with its value per year, the table's scale and the kind of statement it comes from,
// plus the figures the statements imply without printing them (gross margin, net debt).

// statementKind is what a table presents.
type statementKind uint8

const (
	stmtOther statementKind = iota
	stmtNote
	stmtHighlights
	stmtIncome
	stmtBalance
	stmtCashFlow
	stmtEquity
)

// primary reports whether the table is a primary statement, which wins over notes and
// summaries when both print a figure.
func (k statementKind) primary() bool { return k >= stmtIncome }

// rank orders the sources of a figure: primary statements, then summaries, then the rest.
func (k statementKind) rank() int {
	switch {
	case k.primary():
		return 3
	case k == stmtHighlights:
		return 2
	}
	return 1
}

// String names the statement the way a finding does.
func (k statementKind) String() string {
	switch k {
	case stmtIncome:
		return "income statement"
	case stmtBalance:
		return "balance sheet"
	case stmtCashFlow:
		return "cash flow statement"
	case stmtEquity:
		return "statement of changes in equity"
	case stmtHighlights:
		return "financial highlights"
	case stmtNote:
		return "note"
	}
	return "table"
}

// ival is a figure with the range its rounding allows, in the table's printed units.
type ival struct {
	v, lo, hi float64
	decimals  int
	raw       string
	col       int // column in the table; -1 for derived figures
}

// figTable is one table as the index sees it.
type figTable struct {
	index    int
	title    string
	kind     statementKind
	scale    float64 // printed units to currency units; 0 when the table does not say
	currency string
	years    []int // period columns' years, latest first
	colYear  map[int]int
	colName  map[int]string
	// yearEnds are the reporting dates printed in its headings ("31 December 2024").
	yearEnds []dateMention
}

// series is one line item of one table: a row, or a figure derived from rows.
type series struct {
	t       *figTable
	row     int // 0-based; -1 for derived figures
	label   string
	ref     metricRef
	values  map[int]ival // by year
	scale   float64      // overrides the table's scale ("Revenue (€m)"), 0 when it does not
	percent bool         // the figures are percentages
	derived string       // how a derived figure is computed, for the reasoning
	rows    []int        // the rows a derived figure reads
}

// at returns the figure for a year.
func (s *series) at(year int) (ival, bool) {
	v, ok := s.values[year]
	return v, ok
}

// perShare reports whether the figures are per share (earnings, dividends), which a table's
// "€000" does not scale.
func (s *series) perShare() bool {
	if s.ref.m != nil && s.ref.m.perShare {
		return true
	}
	l := strings.ToLower(s.label)
	return strings.Contains(l, "per share") || strings.Contains(l, "per ordinary share")
}

// unitScale is the multiplier from printed figures to currency units, 0 when unknown.
func (s *series) unitScale() float64 {
	if s.percent {
		return 1
	}
	if s.scale != 0 {
		return s.scale
	}
	return s.t.scale
}

// location names the series in a source reference.
func (s *series) location(years ...int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Table %d", s.t.index)
	if s.t.title != "" {
		fmt.Fprintf(&b, " '%s'", clip(s.t.title, 80))
	}
	if s.row >= 0 {
		fmt.Fprintf(&b, ", row '%s'", clip(s.label, 80))
	} else {
		fmt.Fprintf(&b, ", %s (derived: %s)", s.label, s.derived)
	}
	var cols []string
	for _, y := range years {
		if v, ok := s.values[y]; ok && v.col >= 0 {
			cols = append(cols, "'"+clip(s.t.colName[v.col], 40)+"'")
		} else if ok {
			cols = append(cols, "'"+strconv.Itoa(y)+"'")
		}
	}
	switch len(cols) {
	case 0:
	case 1:
		b.WriteString(", column " + cols[0])
	default:
		b.WriteString(", columns " + strings.Join(cols, " and "))
	}
	return b.String()
}

// index is every figure the agent can tie a claim to.
type index struct {
	tables []*figTable
	series []*series
	byKey  map[string][]*series
	// docScale is the scale the document states for all its amounts ("in thousands of euros").
	docScale float64
	// years are all the years with figures, latest first.
	years []int
}

// candidates are the series for a metric, best sources first. named is the claim's own words
// for the metric, normalised: of the lines one metric covers ("net cash from operating
// activities" and "cash generated from operations"), the one whose label says what the claim
// says comes first, so that a finding quotes its figures. The order only chooses what a
// finding reports; every candidate still has to contradict the claim.
func (ix *index) candidates(key, named string) []*series {
	out := slices.Clone(ix.byKey[key])
	slices.SortStableFunc(out, func(a, b *series) int {
		if a.t.kind.rank() != b.t.kind.rank() {
			return b.t.kind.rank() - a.t.kind.rank()
		}
		// A metric's own statement first: revenue from the income statement, not the cash flow.
		ah := a.ref.m != nil && a.ref.m.statement == a.t.kind
		bh := b.ref.m != nil && b.ref.m.statement == b.t.kind
		if ah != bh {
			if ah {
				return -1
			}
			return 1
		}
		if sa, sb := labelMatch(named, a.ref.label), labelMatch(named, b.ref.label); sa != sb {
			return sb - sa
		}
		if (a.row < 0) != (b.row < 0) {
			if a.row >= 0 {
				return -1
			}
			return 1
		}
		return 0
	})
	return out
}

// labelMatch scores how closely a row's normalised label says what a claim's normalised words
// say: 1000 for the same words, otherwise the share of words they have in common (0–100).
func labelMatch(named, label string) int {
	if named == "" || label == "" {
		return 0
	}
	if named == label {
		return 1000
	}
	words := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, w := range strings.Fields(s) {
			m[w] = true
		}
		return m
	}
	a, b := words(named), words(label)
	common := 0
	for w := range a {
		if b[w] {
			common++
		}
	}
	union := len(a) + len(b) - common
	if union == 0 {
		return 0
	}
	return 100 * common / union
}

// hasPrimary reports whether the document holds a primary statement with year columns.
func (ix *index) hasPrimary() bool {
	for _, t := range ix.tables {
		if t.kind.primary() && len(t.years) > 0 {
			return true
		}
	}
	return false
}

// latest is the document's current year: the latest year of the best-ranked tables.
func (ix *index) latest() int {
	best, year := 0, 0
	for _, t := range ix.tables {
		if len(t.years) == 0 {
			continue
		}
		if r := t.kind.rank(); r > best || r == best && t.years[0] > year {
			best, year = r, t.years[0]
		}
	}
	return year
}

// buildIndex reads every table of the document.
func buildIndex(doc *extract.Document, lx *lexicon) *index {
	ix := &index{byKey: map[string][]*series{}, docScale: documentScale(doc)}
	years := map[int]bool{}
	for i, t := range doc.Tables {
		idx := t.Index
		if idx == 0 {
			idx = i + 1
		}
		ft, rows := readFigTable(idx, t, lx, ix.docScale)
		ix.tables = append(ix.tables, ft)
		derived := derive(ft, rows, lx) // may re-key the rows it totals: index them after
		for _, s := range rows {
			ix.add(s)
		}
		for _, s := range derived {
			ix.add(s)
		}
		for _, y := range ft.years {
			years[y] = true
		}
	}
	for y := range years {
		ix.years = append(ix.years, y)
	}
	slices.Sort(ix.years)
	slices.Reverse(ix.years)
	return ix
}

// add indexes a series under its metric key.
func (ix *index) add(s *series) {
	ix.series = append(ix.series, s)
	if s.ref.key != "" {
		ix.byKey[s.ref.key] = append(ix.byKey[s.ref.key], s)
	}
}

var (
	thousandsRe = regexp.MustCompile(`(?i)(\bthousands?\b|['’]000|[€$£¥]\s?000\b|\b000s?\b|\b(eur|usd|gbp|chf|rmb)\s?000\b|\bk[€$£]|\bteur\b|\btusd\b)`)
	millionsRe  = regexp.MustCompile(`(?i)(\bmillions?\b|[€$£¥]\s?m\b|\b(eur|usd|gbp|chf|rmb|us\$|s\$)\s?(m|mn|million)\b|\bm[€$£]|\bmn\b|\bmio\b|[€$£]m\b|\$M\b)`)
	billionsRe  = regexp.MustCompile(`(?i)(\bbillions?\b|[€$£¥]\s?bn\b|\bbn\b|\b(eur|usd|gbp)\s?bn\b)`)
	docScaleRe  = regexp.MustCompile(`(?i)(amounts|figures|expressed|presented|stated|shown)\b[^.]{0,60}\bin\b[^.]{0,30}?(thousands|millions|billions|['’]000|€000|\$000|£000|€m|\$m|£m|€ ?million|\$ ?million|£ ?million)`)
)

// amountRe finds figures with a scale word in running text ("$9.6 million"): amounts, not a
// statement of the table's units.
var amountRe = regexp.MustCompile(`(?i)\d[\d,.]*\s?(thousand|million|billion|m|bn|k)\b`)

// scaleOf finds the scale a piece of heading text states: 1e3, 1e6, 1e9, or 0 when it states
// none or more than one.
func scaleOf(text string) float64 {
	text = amountRe.ReplaceAllString(text, " ")
	var found []float64
	if thousandsRe.MatchString(text) {
		found = append(found, 1e3)
	}
	if millionsRe.MatchString(text) {
		found = append(found, 1e6)
	}
	if billionsRe.MatchString(text) {
		found = append(found, 1e9)
	}
	if len(found) == 1 {
		return found[0]
	}
	return 0
}

// documentScale reads a statement such as "All amounts are in thousands of euros unless stated
// otherwise" from the body text.
func documentScale(doc *extract.Document) float64 {
	for _, p := range doc.Paragraphs {
		if m := docScaleRe.FindStringSubmatch(p.Text); m != nil {
			if s := scaleOf(m[2]); s != 0 {
				return s
			}
		}
	}
	return 0
}

var (
	yearRe       = regexp.MustCompile(`\b(19[5-9]\d|20\d\d)\b`)
	spacedYearRe = regexp.MustCompile(`\b([12]) ([09]) (\d) (\d)\b`)
	fyRe         = regexp.MustCompile(`(?i)\bF(?:Y\s?)?(\d{2}|\d{4})\b`)
	splitYearRe  = regexp.MustCompile(`\b(19\d\d|20\d\d)\s?[/–-]\s?(\d\d)\b`)
	notPeriodRe  = regexp.MustCompile(`(?i)(%|\bchange\b|\bvariance\b|\bvar\b|\bgrowth\b|\bincrease\b|\bdecrease\b|\bmovement\b|\bvs\.?\b|\bversus\b|\bbudget\b|\bforecast\b|\bplan\b|\btarget\b|\bconstant currency\b|\bquarter\b|\bq[1-4]\b|\bh[12]\b|\bhalf\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|[1-9]|1[01])\s+months?\b|\b(1[0-9]|2[0-9]|[1-9])\s+weeks?\b|\binterim\b|\bpro forma\b|\bnote\b|\bdifference\b)`)
)

// yearOfHeader reads the one year a column heading names, or 0.
func yearOfHeader(h string) int {
	h = spacedYearRe.ReplaceAllString(h, "$1$2$3$4")
	if m := splitYearRe.FindStringSubmatch(h); m != nil {
		y, _ := strconv.Atoi(m[1])
		if n, _ := strconv.Atoi(m[2]); (y+1)%100 == n {
			return y + 1
		}
	}
	ys := map[int]bool{}
	for _, m := range yearRe.FindAllString(h, -1) {
		y, _ := strconv.Atoi(m)
		ys[y] = true
	}
	for _, m := range fyRe.FindAllStringSubmatch(h, -1) {
		y, _ := strconv.Atoi(m[1])
		if y < 100 {
			y += 2000
		}
		ys[y] = true
	}
	if len(ys) != 1 {
		return 0
	}
	for y := range ys {
		return y
	}
	return 0
}

var (
	incomeTitleRe   = regexp.MustCompile(`(?i)(income statement|statements? of (consolidated )?(comprehensive )?(income|operations|earnings|profit or loss)|profit (and|or|&) loss|statements? of (consolidated )?profit)`)
	balanceTitleRe  = regexp.MustCompile(`(?i)(balance sheet|financial position)`)
	cashTitleRe     = regexp.MustCompile(`(?i)(cash ?flows? statement|statements? of (consolidated )?cash ?flows?)`)
	equityTitleRe   = regexp.MustCompile(`(?i)changes in (shareholders['’]? |stockholders['’]? )?equity`)
	noteTitleRe     = regexp.MustCompile(`(?i)^\s*(notes?\b|\d{1,2}[.)]?\s+[a-z])`)
	highlightTitleR = regexp.MustCompile(`(?i)(highlights|key (figures|financials|performance|metrics|indicators)|at a glance|financial summary|summary of results|group performance|five.year|kpis?\b|financial review|results summary)`)
)

// kindOf decides what a table presents, from its title and, failing that, from its rows.
func kindOf(title string, rows [][]string) statementKind {
	if noteTitleRe.MatchString(title) && !strings.Contains(strings.ToLower(title), "statement") {
		return stmtNote
	}
	heads := []string{title}
	if len(rows) > 0 && len(rows[0]) > 0 {
		heads = append(heads, rows[0][0]) // a statement titled in its own first cell
	}
	for _, h := range heads {
		// A heading names the statement near its start; a sentence that mentions "our
		// consolidated balance sheets" in passing is narrative, not a title.
		if strings.Contains(h, ". ") {
			continue
		}
		at := func(re *regexp.Regexp) bool {
			loc := re.FindStringIndex(h)
			return loc != nil && loc[0] <= 30
		}
		switch {
		case at(equityTitleRe):
			return stmtEquity
		case at(cashTitleRe):
			return stmtCashFlow
		case at(incomeTitleRe):
			return stmtIncome
		case at(balanceTitleRe):
			return stmtBalance
		case at(highlightTitleR):
			return stmtHighlights
		}
	}
	return stmtOther
}

// isYearCell reports whether a cell is a bare year (a heading, not an amount).
func isYearCell(raw string) bool {
	s := strings.TrimSpace(spacedYearRe.ReplaceAllString(raw, "$1$2$3$4"))
	if len(s) != 4 {
		return false
	}
	y, err := strconv.Atoi(s)
	return err == nil && y >= 1900 && y <= 2100
}

// readFigTable reads one table's headings, periods, scale and line items.
func readFigTable(idx int, t extract.Table, lx *lexicon, docScale float64) (*figTable, []*series) {
	ft := &figTable{index: idx, title: strings.TrimSpace(t.Title), colYear: map[int]int{}, colName: map[int]string{}}
	ft.kind = kindOf(ft.title, t.Rows)
	width := 0
	for _, r := range t.Rows {
		width = max(width, len(r))
	}
	if width < 2 {
		return ft, nil
	}
	// Header rows: everything before the first row that prints an amount.
	first := len(t.Rows)
	for i, r := range t.Rows {
		if rowHasAmount(r) {
			first = i
			break
		}
	}
	headers := t.Rows[:first]
	// Column headings, a spanning heading carried right over the empty cells it spans.
	heads := make([]string, width)
	for _, r := range headers {
		carry := ""
		for j := 1; j < width; j++ {
			c := ""
			if j < len(r) {
				c = strings.TrimSpace(r[j])
			}
			if c != "" {
				carry = c
			} else if carry != "" && yearOfHeader(carry) == 0 && !notPeriodRe.MatchString(carry) {
				c = carry // "Years ended 30 September," over the year columns
			}
			if c != "" {
				heads[j] = strings.TrimSpace(heads[j] + " " + c)
			}
		}
	}
	headText := ft.title
	for _, r := range headers {
		headText += " | " + strings.Join(r, " | ")
	}
	ft.scale = scaleOf(headText)
	if ft.scale == 0 {
		// A unit row just under the headings ("€000") or a unit in the first column.
		for _, r := range t.Rows[first:min(first+1, len(t.Rows))] {
			if len(r) > 0 {
				ft.scale = scaleOf(r[0])
			}
		}
	}
	if ft.scale == 0 {
		ft.scale = docScale
	}
	ft.currency = currencyOf(headText)
	ft.yearEnds = headerDates(ft, headers)

	seen := map[int]int{}
	for j := 1; j < width; j++ {
		h := heads[j]
		if h == "" || notPeriodRe.MatchString(h) {
			continue
		}
		y := yearOfHeader(h)
		if y == 0 {
			continue
		}
		seen[y]++
		ft.colYear[j] = y
		ft.colName[j] = h
	}
	// A year in two columns (two segments side by side) leaves rows ambiguous by year.
	for j, y := range ft.colYear {
		if seen[y] > 1 {
			delete(ft.colYear, j)
		}
	}
	for _, y := range ft.colYear {
		if !slices.Contains(ft.years, y) {
			ft.years = append(ft.years, y)
		}
	}
	slices.Sort(ft.years)
	slices.Reverse(ft.years)
	if len(ft.years) == 0 {
		return ft, nil
	}

	var out []*series
	section := ""
	for i := first; i < len(t.Rows); i++ {
		r := t.Rows[i]
		label := strings.TrimSpace(firstText(r, ft.colYear))
		hasFig := false
		for j := range ft.colYear {
			if j < len(r) {
				if n, ok := amount.Parse(r[j]); ok && !n.Dash {
					hasFig = true
				}
			}
		}
		if !hasFig {
			if label != "" && !rowHasAmount(r) {
				section = label
			} else if label == "" {
				section = ""
			}
			continue
		}
		if label == "" {
			continue
		}
		s := &series{t: ft, row: i, label: label, values: map[int]ival{}}
		ref, _ := lx.resolve(label)
		if section != "" && !ft.kind.primary() && !genericSection(section) {
			// A line item under a segment or sub-heading of a note is that segment's figure.
			ref = metricRef{key: "section:" + normLabel(section) + "|" + ref.label, label: ref.label}
		}
		s.ref = ref
		s.scale = scaleOf(label)
		pct := 0
		for j, y := range ft.colYear {
			if j >= len(r) {
				continue
			}
			n, ok := amount.Parse(r[j])
			if !ok {
				continue
			}
			if n.Percent {
				pct++
			}
			h := 0.5 * math.Pow(10, -float64(n.Decimals))
			if n.Dash {
				h = 0
			}
			s.values[y] = ival{v: n.Value, lo: n.Value - h, hi: n.Value + h, decimals: n.Decimals, raw: strings.TrimSpace(r[j]), col: j}
		}
		s.percent = ref.percent || pct > 0 && pct*2 >= len(s.values)
		if len(s.values) > 0 {
			out = append(out, s)
		}
	}
	return ft, out
}

// genericSection reports whether a sub-heading only groups a statement's lines ("Current
// liabilities", "Continuing operations") rather than naming a segment.
func genericSection(s string) bool {
	n := normLabel(s)
	for _, w := range []string{"asset", "liabilit", "equity", "continuing operation", "income statement", "revenue", "expense", "income", "operating activit", "investing activit", "financing activit", "cash flow", "balance", "year", "group", "consolidated", "company", "statement", "in thousand", "in million"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// rowHasAmount reports whether a row prints a figure that is not a year.
func rowHasAmount(r []string) bool {
	for j, c := range r {
		if j == 0 {
			continue
		}
		n, ok := amount.Parse(c)
		if ok && !n.Dash && !isYearCell(c) {
			return true
		}
	}
	return false
}

// firstText is the row's label: its first cell, or the first text cell before the figures.
func firstText(r []string, cols map[int]int) string {
	for j, c := range r {
		if _, isPeriod := cols[j]; isPeriod {
			break
		}
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if _, ok := amount.Parse(c); ok {
			continue // a note number
		}
		return c
	}
	return ""
}

// currencyRe finds the currency a table heading names.
var currencyRe = regexp.MustCompile(`(?i)(\bA\$|\bAUD\b|australian dollars?|\bCHF\b|swiss francs?|€|£|\$|\bEUR\b|\bUSD\b|\bGBP\b|\beuros?\b|\bdollars?\b)`)

// currencyOf names the currency a heading states.
func currencyOf(text string) string {
	m := currencyRe.FindString(text)
	switch l := strings.ToLower(m); {
	case l == "a$" || l == "aud" || strings.HasPrefix(l, "australian"):
		return "AUD"
	case l == "chf" || strings.HasPrefix(l, "swiss"):
		return "CHF"
	}
	switch strings.ToLower(m) {
	case "€", "eur", "euro", "euros":
		return "EUR"
	case "£", "gbp":
		return "GBP"
	case "$", "usd", "dollar", "dollars":
		return "USD"
	}
	return ""
}

// derive adds the figures a statement implies: margins from profit and revenue, net debt from
// borrowings, lease liabilities and cash, and total borrowings when a balance sheet splits
// them into current and non-current.
func derive(ft *figTable, rows []*series, lx *lexicon) []*series {
	by := map[string][]*series{}
	for _, s := range rows {
		if s.ref.m != nil && !s.ref.adjusted {
			by[s.ref.key] = append(by[s.ref.key], s)
		}
	}
	var out []*series
	one := func(key string) *series {
		if len(by[key]) == 1 && !by[key][0].percent {
			return by[key][0]
		}
		return nil
	}
	ratio := func(key, numKey, name string) {
		if len(by[key]) > 0 {
			return // printed
		}
		num, den := one(numKey), one("revenue")
		if num == nil || den == nil || num.ref.negated || den.ref.negated {
			return
		}
		s := &series{t: ft, row: -1, label: name, values: map[int]ival{}, percent: true,
			derived: fmt.Sprintf("%s / %s", num.label, den.label), rows: []int{num.row, den.row}}
		s.ref = metricRef{key: key, m: lx.byKey[key], label: name}
		for _, y := range ft.years {
			a, ok1 := num.at(y)
			b, ok2 := den.at(y)
			if !ok1 || !ok2 || b.lo <= 0 {
				continue
			}
			lo, hi := 100*a.lo/b.hi, 100*a.hi/b.lo
			if a.lo < 0 {
				lo = 100 * a.lo / b.lo
			}
			if a.hi < 0 {
				hi = 100 * a.hi / b.hi
			}
			s.values[y] = ival{v: 100 * a.v / b.v, lo: lo, hi: hi, decimals: 1, col: -1}
		}
		if len(s.values) > 0 {
			out = append(out, s)
		}
	}
	if ft.kind == stmtIncome || ft.kind == stmtHighlights {
		ratio("gross_margin", "gross_profit", "gross margin")
		ratio("operating_margin", "operating_profit", "operating margin")
	}
	if ft.kind == stmtCashFlow {
		if c := capexTotal(ft, rows, one("capex"), lx); c != nil {
			out = append(out, c)
		}
	}
	if ft.kind != stmtBalance {
		return out
	}
	// Totals of split liabilities: current and non-current borrowings, lease liabilities.
	sum := func(key string) *series {
		parts := by[key]
		if len(parts) == 0 {
			return nil
		}
		if len(parts) == 1 {
			return parts[0]
		}
		s := &series{t: ft, row: -1, label: "total " + lx.byKey[key].name, values: map[int]ival{}, scale: parts[0].scale}
		s.ref = metricRef{key: key, m: lx.byKey[key], label: s.label}
		var names []string
		for _, p := range parts {
			names = append(names, fmt.Sprintf("row %d '%s'", p.row+1, clip(p.label, 40)))
			s.rows = append(s.rows, p.row)
		}
		s.derived = strings.Join(names, " + ")
		for _, y := range ft.years {
			var v ival
			ok := true
			for _, p := range parts {
				c, has := p.at(y)
				if !has {
					ok = false
					break
				}
				v.v += math.Abs(c.v)
				v.lo += math.Abs(c.v) - (c.hi-c.lo)/2
				v.hi += math.Abs(c.v) + (c.hi-c.lo)/2
			}
			if ok {
				v.col = -1
				s.values[y] = v
			}
		}
		// The parts stay indexed; the total is the figure a claim about "borrowings" means.
		for _, p := range parts {
			p.ref.key = "part:" + key
		}
		out = append(out, s)
		return s
	}
	borrow := sum("borrowings")
	lease := sum("lease_liabilities")
	cash := one("cash")
	if len(by["net_debt"]) > 0 || borrow == nil || cash == nil {
		return out
	}
	s := &series{t: ft, row: -1, label: "net debt", values: map[int]ival{}}
	s.ref = metricRef{key: "net_debt", m: lx.byKey["net_debt"], label: "net debt"}
	s.derived = "borrowings"
	if lease != nil {
		s.derived += " + lease liabilities"
	}
	s.derived += " - cash and cash equivalents"
	for _, y := range ft.years {
		b, ok1 := borrow.at(y)
		c, ok2 := cash.at(y)
		if !ok1 || !ok2 {
			continue
		}
		v := ival{v: math.Abs(b.v) - c.v, lo: math.Abs(b.v) - (b.hi-b.lo)/2 - c.hi, hi: math.Abs(b.v) + (b.hi-b.lo)/2 - c.lo, col: -1}
		if lease != nil {
			l, ok := lease.at(y)
			if !ok {
				continue
			}
			v.v += math.Abs(l.v)
			v.lo += math.Abs(l.v) - (l.hi-l.lo)/2
			v.hi += math.Abs(l.v) + (l.hi-l.lo)/2
		}
		s.values[y] = v
	}
	if len(s.values) > 0 {
		out = append(out, s)
	}
	return out
}

// capexTotal is the second reading of capital expenditure in a cash flow statement that
// shows purchases of intangible assets on a line of their own: property, plant and equipment
// plus intangibles, which is what many reports mean by the word.
func capexTotal(ft *figTable, rows []*series, ppe *series, lx *lexicon) *series {
	if ppe == nil || strings.Contains(ppe.ref.label, "intangible") {
		return nil
	}
	var intang *series
	for _, s := range rows {
		l := s.ref.label
		if s.ref.m != nil || s.percent || !strings.Contains(l, "intangible") {
			continue
		}
		if !(strings.HasPrefix(l, "purchase") || strings.HasPrefix(l, "acquisition") || strings.HasPrefix(l, "payment") ||
			strings.HasPrefix(l, "addition") || strings.HasPrefix(l, "expenditure") || strings.HasPrefix(l, "investment")) {
			continue
		}
		if intang != nil {
			return nil // more than one: which of them the narrative counts is unclear
		}
		intang = s
	}
	if intang == nil {
		return nil
	}
	s := &series{t: ft, row: -1, label: "capital expenditure", values: map[int]ival{}, scale: ppe.scale,
		derived: fmt.Sprintf("row %d '%s' + row %d '%s'", ppe.row+1, clip(ppe.label, 40), intang.row+1, clip(intang.label, 40)),
		rows:    []int{ppe.row, intang.row}}
	s.ref = metricRef{key: "capex", m: lx.byKey["capex"], label: "capital expenditure"}
	for _, y := range ft.years {
		a, ok1 := ppe.at(y)
		b, ok2 := intang.at(y)
		if !ok1 || !ok2 {
			continue
		}
		h := (a.hi-a.lo)/2 + (b.hi-b.lo)/2
		v := math.Abs(a.v) + math.Abs(b.v)
		s.values[y] = ival{v: v, lo: v - h, hi: v + h, decimals: max(a.decimals, b.decimals), col: -1}
	}
	if len(s.values) == 0 {
		return nil
	}
	return s
}

// clip shortens text for a reference, on a rune boundary.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
