package logic

import (
	"regexp"
	"strings"
)

// This file names the line items the agent can tie a claim to. A table row and a narrative
// phrase meet on a metric key: a canonical key for the line items statements call by many names
// (revenue, turnover and sales), or the row's own label, normalised, for everything else.

// metric describes a canonical line item.
type metric struct {
	key  string
	name string // how findings call it
	// signed is set for figures that may honestly be negative (profits, net debt, cash flows);
	// other figures printed in brackets are costs shown as deductions and compare by size.
	signed bool
	// better is +1 when a rise is an improvement, -1 when a fall is, 0 when it depends.
	better int
	// ratio is set for percentages (margins), compared in percentage points.
	ratio bool
	// perShare is set for per-share figures, printed in pence or cents as often as in units.
	perShare bool
	// kind is the primary statement that presents it.
	statement statementKind
}

// metrics are the canonical line items, with the names statements give them. The first name
// is the one findings use.
var metrics = []struct {
	metric
	names []string
}{
	{metric{key: "revenue", name: "revenue", better: 1, statement: stmtIncome},
		[]string{"revenue", "revenues", "turnover", "sales", "net sales", "net revenue", "net revenues",
			"total revenue", "total revenues", "total sales", "total net sales", "group revenue",
			"operating revenue", "operating revenues", "total operating revenues", "net turnover",
			"revenue from contracts with customers", "group turnover", "total net revenue"}},
	{metric{key: "cost_of_sales", name: "cost of sales", better: -1, statement: stmtIncome},
		[]string{"cost of sales", "cost of revenue", "cost of revenues", "cost of goods sold", "total cost of revenue", "total cost of sales"}},
	{metric{key: "gross_profit", name: "gross profit", signed: true, better: 1, statement: stmtIncome},
		[]string{"gross profit"}},
	{metric{key: "gross_margin", name: "gross margin", signed: true, better: 1, ratio: true, statement: stmtIncome},
		[]string{"gross margin", "gross profit margin", "gross margin percentage", "gross profit as a percentage of revenue",
			"gross profit as a percentage of sales", "gross profit as a percentage of net sales", "gross margin percent"}},
	{metric{key: "operating_profit", name: "operating profit", signed: true, better: 1, statement: stmtIncome},
		[]string{"operating profit", "operating income", "profit from operations", "income from operations",
			"ebit", "operating result", "results from operating activities", "profit from operating activities",
			"earnings before interest and tax", "earnings before interest and taxes", "trading profit"}},
	{metric{key: "operating_margin", name: "operating margin", signed: true, better: 1, ratio: true, statement: stmtIncome},
		[]string{"operating margin", "operating profit margin", "ebit margin", "operating income margin"}},
	{metric{key: "ebitda", name: "EBITDA", signed: true, better: 1, statement: stmtIncome},
		[]string{"ebitda", "earnings before interest tax depreciation and amortisation",
			"earnings before interest taxes depreciation and amortization"}},
	{metric{key: "pbt", name: "profit before tax", signed: true, better: 1, statement: stmtIncome},
		[]string{"profit before tax", "profit before taxation", "profit before income tax", "profit before income taxes",
			"income before income taxes", "income before income tax", "income before taxes", "earnings before taxes",
			"earnings before income taxes", "pre-tax profit", "pretax profit", "pre tax profit"}},
	{metric{key: "net_profit", name: "profit for the year", signed: true, better: 1, statement: stmtIncome},
		[]string{"profit for the year", "profit for the period", "net profit", "net income", "profit after tax",
			"profit after taxation", "net earnings", "net profit after tax", "profit for the financial year",
			"net profit for the year", "net income for the year"}},
	{metric{key: "eps", name: "basic earnings per share", signed: true, better: 1, perShare: true, statement: stmtIncome},
		[]string{"basic earnings per share", "earnings per share basic", "basic eps", "eps basic", "earnings per share", "eps",
			"basic earnings per ordinary share", "basic net income per share", "net income per share basic"}},
	{metric{key: "eps_diluted", name: "diluted earnings per share", signed: true, better: 1, perShare: true, statement: stmtIncome},
		[]string{"diluted earnings per share", "earnings per share diluted", "diluted eps", "eps diluted",
			"diluted earnings per ordinary share", "diluted net income per share", "net income per share diluted"}},
	{metric{key: "dps", name: "dividend per share", better: 1, perShare: true},
		[]string{"dividend per share", "dividends per share", "total dividend per share", "dividend per ordinary share",
			"dividends declared per share", "dps"}},
	{metric{key: "dividends", name: "dividends paid", better: 0, statement: stmtCashFlow},
		[]string{"dividends paid", "dividend paid", "dividends", "equity dividends paid", "dividends paid to shareholders",
			"dividends paid to equity holders", "dividends paid to owners of the company", "cash dividends paid"}},
	{metric{key: "cash", name: "cash and cash equivalents", better: 1, statement: stmtBalance},
		[]string{"cash and cash equivalents", "cash and equivalents", "cash at bank", "cash at bank and in hand",
			"cash", "cash and bank balances", "cash and short-term deposits", "cash and short term deposits"}},
	{metric{key: "borrowings", name: "borrowings", better: -1, statement: stmtBalance},
		[]string{"borrowings", "loans and borrowings", "interest-bearing loans and borrowings", "bank loans",
			"bank borrowings", "total borrowings", "total debt", "interest-bearing borrowings", "bank loans and overdrafts"}},
	{metric{key: "lease_liabilities", name: "lease liabilities", better: -1, statement: stmtBalance},
		[]string{"lease liabilities", "lease liability", "obligations under leases"}},
	{metric{key: "net_debt", name: "net debt", signed: true, better: -1, statement: stmtBalance},
		[]string{"net debt", "net borrowings"}},
	{metric{key: "total_assets", name: "total assets", better: 1, statement: stmtBalance},
		[]string{"total assets"}},
	{metric{key: "total_liabilities", name: "total liabilities", better: -1, statement: stmtBalance},
		[]string{"total liabilities"}},
	{metric{key: "total_equity", name: "total equity", signed: true, better: 1, statement: stmtBalance},
		[]string{"total equity", "equity", "shareholders equity", "total shareholders equity", "net assets",
			"total stockholders equity", "stockholders equity", "equity attributable to owners of the parent"}},
	{metric{key: "operating_cash_flow", name: "net cash from operating activities", signed: true, better: 1, statement: stmtCashFlow},
		[]string{"net cash from operating activities", "net cash generated from operating activities",
			"net cash provided by operating activities", "cash generated from operations", "operating cash flow",
			"net cash inflow from operating activities", "cash flow from operating activities",
			"cash flows from operating activities", "net cash flow from operating activities",
			"net cash provided by (used in) operating activities", "net cash generated by operating activities"}},
	// Capital expenditure is what the cash flow statement calls the purchase of property, plant
	// and equipment; when it also shows purchases of intangible assets, their sum is a second
	// reading (see derive), so that a claim fitting either is left alone.
	{metric{key: "capex", name: "capital expenditure", better: 0, statement: stmtCashFlow},
		[]string{"capital expenditure", "capital expenditures", "capex", "purchase of property plant and equipment",
			"purchases of property plant and equipment", "acquisition of property plant and equipment",
			"payments for property plant and equipment", "payment for property plant and equipment",
			"purchase of property plant and equipment and intangible assets",
			"purchases of property plant and equipment and intangible assets"}},
	{metric{key: "finance_costs", name: "finance costs", better: -1, statement: stmtIncome},
		[]string{"finance costs", "finance cost", "interest expense", "finance expense", "finance expenses", "net finance costs"}},
	{metric{key: "tax", name: "income tax expense", better: 0, statement: stmtIncome},
		[]string{"income tax expense", "taxation", "tax expense", "income tax", "income taxes", "provision for income taxes",
			"tax charge", "income tax charge"}},
}

// netCash is the name of net debt's mirror image: net cash is minus net debt.
var netCashNames = []string{"net cash", "net cash position", "net funds"}

// lexicon maps a normalised name to its metric.
type lexicon struct {
	byName map[string]*metric
	byKey  map[string]*metric
}

// newLexicon builds the lookup once per agent; it is read-only afterwards.
func newLexicon() *lexicon {
	lx := &lexicon{byName: map[string]*metric{}, byKey: map[string]*metric{}}
	for i := range metrics {
		m := &metrics[i].metric
		lx.byKey[m.key] = m
		for _, n := range metrics[i].names {
			lx.byName[normLabel(n)] = m
		}
	}
	return lx
}

// metricRef is what a phrase or a row label names: a canonical metric or a plain label, and
// whether it was worded as a loss ("operating loss") or as net cash, the mirror of what the
// metric measures.
type metricRef struct {
	key      string // canonical key, or "label:" + normalised label
	m        *metric
	label    string // the normalised words
	negated  bool   // "loss" for a profit metric, "net cash" for net debt
	neutral  bool   // "profit/(loss)": the sign is the figure's own
	percent  bool   // the label says the figures are percentages
	adjusted bool   // an alternative performance measure: adjusted, underlying, organic…
}

// resolve names the metric of a label or phrase. ok is false for empty text.
func (lx *lexicon) resolve(text string) (metricRef, bool) {
	low := strings.ToLower(text)
	ref := metricRef{}
	if strings.Contains(low, "%") || strings.Contains(low, "percent") || strings.Contains(low, "per cent") {
		ref.percent = true
	}
	n, neutral := normNeutral(low)
	ref.neutral = neutral
	n = normLabel(n)
	if n == "" {
		return ref, false
	}
	ref.label = n
	ref.key = "label:" + n
	if adjustedRe.MatchString(n) {
		ref.adjusted = true
		return ref, true
	}
	if m := lx.byName[n]; m != nil {
		ref.m, ref.key = m, m.key
		return ref, true
	}
	for _, nc := range netCashNames {
		if n == normLabel(nc) {
			ref.m = lx.byKey["net_debt"]
			ref.key, ref.negated = "net_debt", true
			return ref, true
		}
	}
	if !neutral && hasWord(n, "loss") && !hasWord(n, "profit") && !hasWord(n, "income") {
		p := normLabel(replaceWord(n, "loss", "profit"))
		if m := lx.byName[p]; m != nil && m.signed {
			ref.m, ref.key, ref.negated = m, m.key, true
			return ref, true
		}
	}
	return ref, true
}

// adjustedRe finds alternative performance measures, which only ever match a row of the same name.
var adjustedRe = regexp.MustCompile(`\b(adjusted|underlying|normali[sz]ed|headline|core|organic|comparable|like for like|pro forma|proforma|non gaap|non ifrs|recurring|constant currency|segment|segmental)\b`)

// neutralRe finds the "profit/(loss)" forms that let the figure carry its own sign.
var neutralRe = regexp.MustCompile(`\(?\b(profit|income|earnings|gain)\)?\s*/?\s*\(?\s*(loss|losses)\s*\)?|\(?\b(loss|losses)\)?\s*/\s*\(?(profit|income|earnings|gain)\)?|\((loss|losses)\)\s*(profit|income|earnings)`)

// normNeutral replaces "profit/(loss)" and its variants by the profit word, reporting whether
// it found one.
func normNeutral(low string) (string, bool) {
	found := false
	out := neutralRe.ReplaceAllStringFunc(low, func(s string) string {
		found = true
		for _, w := range []string{"profit", "income", "earnings", "gain"} {
			if strings.Contains(s, w) {
				return " " + w + " "
			}
		}
		return " profit "
	})
	return out, found
}

var (
	footnoteRe = regexp.MustCompile(`\((\d{1,2}|[a-z]|[ivx]{1,4})\)|\*+|†|‡|[¹²³⁴⁵⁶⁷⁸⁹⁰]+`)
	parenRe    = regexp.MustCompile(`\([^()]*\)`)
	noteRe     = regexp.MustCompile(`\bnotes? \d+[a-z]?\b`)
	nonWordRe  = regexp.MustCompile(`[^a-z0-9 ]+`)
)

// labelPunct spells quotes, "&", dashes and slashes the one way normLabel compares. Built once:
// a replacer built per label was a third of the agent's allocations on a 299-table document
// (105 of 320 MiB, TestUploadMemoryBudget's document).
var labelPunct = strings.NewReplacer("’", "'", "‘", "'", "&", " and ", "-", " ", "–", " ", "—", " ", "/", " ")

// normLabel reduces a label or phrase to the words that name the line item: lower case, no
// footnote marks, notes, parentheses or punctuation, no leading "total", and each word in the
// singular, so "Total revenues (note 3)" and "revenue" meet.
func normLabel(s string) string {
	s = strings.ToLower(s)
	s = labelPunct.Replace(s)
	s = footnoteRe.ReplaceAllString(s, " ")
	s = parenRe.ReplaceAllString(s, " ")
	s = noteRe.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "'s ", " ")
	s = strings.ReplaceAll(s, "'", "")
	s = nonWordRe.ReplaceAllString(s, " ")
	words := strings.Fields(s)
	for len(words) > 0 && (words[0] == "total" || words[0] == "the") {
		words = words[1:]
	}
	for i, w := range words {
		words[i] = singular(w)
	}
	return strings.Join(words, " ")
}

// singular strips a plural ending, consistently rather than correctly: both sides of a match
// go through it.
func singular(w string) string {
	switch {
	case len(w) <= 3 || strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

// hasWord reports whether the space-separated text holds w as a word.
func hasWord(text, w string) bool {
	for _, f := range strings.Fields(text) {
		if f == w {
			return true
		}
	}
	return false
}

// replaceWord replaces the word old by new in space-separated text.
func replaceWord(text, old, new string) string {
	f := strings.Fields(text)
	for i, w := range f {
		if w == old {
			f[i] = new
		}
	}
	return strings.Join(f, " ")
}

// polarity says whether a rise in the metric is good (+1), bad (-1) or unknown (0), from the
// canonical metric or, for a plain label, from the words it uses.
func (r metricRef) polarity() int {
	if r.m != nil {
		p := r.m.better
		if r.negated {
			p = -p
		}
		return p
	}
	for _, w := range []string{"cost", "expense", "debt", "borrowing", "liability", "loss", "charge", "payable", "impairment", "provision", "overhead"} {
		if strings.Contains(r.label, w) {
			return -1
		}
	}
	for _, w := range []string{"revenue", "sale", "profit", "income", "margin", "earning", "cash", "asset", "equity", "dividend", "order", "backlog"} {
		if strings.Contains(r.label, w) {
			return 1
		}
	}
	return 0
}

// signed reports whether the figure may honestly be negative.
func (r metricRef) signed() bool {
	if r.m != nil {
		return r.m.signed
	}
	for _, w := range []string{"profit", "income", "result", "earning", "ebitda", "ebit", "margin"} {
		if strings.Contains(r.label, w) {
			return true
		}
	}
	return false
}

// ratio reports whether the metric is a percentage.
func (r metricRef) ratio() bool { return r.percent || r.m != nil && r.m.ratio }

// display is the metric's name for findings.
func (r metricRef) display() string {
	if r.m == nil {
		return r.label
	}
	if r.negated {
		switch r.m.key {
		case "net_debt":
			return "net cash"
		case "net_profit":
			return "loss for the year"
		case "operating_profit":
			return "operating loss"
		case "pbt":
			return "loss before tax"
		case "gross_profit":
			return "gross loss"
		}
	}
	return r.m.name
}
