package numeric

import (
	"strconv"
	"strings"
	"unicode"
)

// This file reads what a row label or a column heading names: the line item (by a normalised
// key, with synonyms folded: "Turnover" and "Revenue" are one item), whether it is an opening or
// closing balance, and the period a column or a dated label stands for. The cross-table checks
// only compare figures whose keys and periods agree, so everything here errs on the side of
// "not the same item".

// itemTokens splits a label into lower-case word tokens: apostrophes are dropped ("owners'" and
// "owner's" read as "owners"), "&" reads "and", and hyphens, slashes and punctuation separate
// words ("right-of-use" is "right of use").
func itemTokens(s string) []string {
	var toks []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			toks = append(toks, b.String())
			b.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '‘':
		case r == '&':
			flush()
			toks = append(toks, "and")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return toks
}

// months maps month names and their common abbreviations to their number.
var months = map[string]int{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
	"december": 12, "dec": 12,
}

// yearToken reads a four-digit year (1990–2100), or a fiscal year written "fy2024" or "fy24".
func yearToken(t string) (int, bool) {
	if strings.HasPrefix(t, "fy") {
		t = strings.TrimPrefix(t, "fy")
		if len(t) == 2 {
			t = "20" + t
		}
	}
	if len(t) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(t)
	if err != nil || y < 1990 || y > 2100 {
		return 0, false
	}
	return y, true
}

// dayToken reads a day of the month, "31" or "31st".
func dayToken(t string) (int, bool) {
	t = strings.TrimRight(t, "stndrh")
	if len(t) == 0 || len(t) > 2 {
		return 0, false
	}
	d, err := strconv.Atoi(t)
	if err != nil || d < 1 || d > 31 {
		return 0, false
	}
	return d, true
}

// dateSpan is a calendar date found in a label: "31 December 2024", "December 31, 2024",
// "1 January" (year 0 when none is printed).
type dateSpan struct {
	day, month, year int
	from, to         int // token range [from, to)
}

// findDate finds the first day-and-month date among the tokens.
func findDate(toks []string) (dateSpan, bool) {
	for i, t := range toks {
		m, ok := months[t]
		if !ok {
			continue
		}
		d := dateSpan{month: m, from: i, to: i + 1}
		if i > 0 {
			if day, ok := dayToken(toks[i-1]); ok {
				d.day, d.from = day, i-1
			}
		}
		if d.day == 0 && i+1 < len(toks) {
			if day, ok := dayToken(toks[i+1]); ok {
				d.day, d.to = day, i+2
			}
		}
		if d.day == 0 {
			continue
		}
		if d.to < len(toks) {
			if y, ok := yearToken(toks[d.to]); ok {
				d.year = y
				d.to++
			}
		}
		return d, true
	}
	return dateSpan{}, false
}

// opening reports whether the date starts a period (the 1st of a month): a balance "at 1 January
// 2024" is the one at the end of 2023.
func (d dateSpan) opening() bool { return d.day == 1 }

// instantYear is the year whose closing balance the date stands for: "31 December 2024" is 2024,
// "1 January 2024" (the day after 31 December 2023) is 2023.
func (d dateSpan) instantYear() int {
	if d.day == 1 && d.month == 1 {
		return d.year - 1
	}
	return d.year
}

// Balance kinds of a label.
const (
	balanceNone    = iota
	balanceOpening // "At 1 January", "Balance at beginning of year", "Opening balance"
	balanceClosing // "At 31 December", "Balance at end of year", "Closing balance"
)

// lineItem is what a row label (or a column heading in a roll-forward) names.
type lineItem struct {
	key     string // normalised, synonyms folded; "" when the label names no line item
	balance int    // balanceNone, balanceOpening or balanceClosing
	year    int    // a year printed in the label's date, 0 if none
	// instant is the balance's year when the label prints a full date ("At 31 December 2024").
	instant int
	// total is set when the label started with "Total".
	total bool
}

// balanceWords may surround an opening or closing phrase and carry no meaning of their own.
var balanceWords = map[string]bool{
	"at": true, "as": true, "of": true, "on": true, "the": true, "balance": true, "balances": true,
	"year": true, "period": true, "financial": true, "fiscal": true, "forward": true,
}

// readLineItem reads a label: strips note references, "(loss)" alternatives, the opening or
// closing balance phrase and a leading "Total", and folds synonyms.
func readLineItem(label string) lineItem {
	var li lineItem
	toks := itemTokens(label)
	// Note references: "(note 12)", "Note 12", "see note 4", and a trailing bare note number.
	kept := toks[:0:0]
	for i := 0; i < len(toks); i++ {
		if (toks[i] == "note" || toks[i] == "notes") && i+1 < len(toks) && isDigits(toks[i+1]) {
			if n := len(kept); n > 0 && kept[n-1] == "see" {
				kept = kept[:n-1]
			}
			i++
			for i+1 < len(toks) && (isDigits(toks[i+1]) || toks[i+1] == "and") {
				i++
			}
			continue
		}
		kept = append(kept, toks[i])
	}
	toks = kept
	for len(toks) > 1 && isDigits(toks[len(toks)-1]) && len(toks[len(toks)-1]) <= 2 {
		toks = toks[:len(toks)-1]
	}
	// Dated balances: "at 31 December 2024", "as at 1 January".
	if d, ok := findDate(toks); ok {
		from, to := d.from, d.to
		for from > 0 && balanceWords[toks[from-1]] {
			from--
		}
		for to < len(toks) && balanceWords[toks[to]] {
			to++
		}
		toks = append(append([]string(nil), toks[:from]...), toks[to:]...)
		li.year = d.year
		if d.opening() {
			li.balance = balanceOpening
		} else {
			li.balance = balanceClosing
		}
		if d.year != 0 {
			li.instant = d.instantYear()
		}
	} else if k, from, to := balancePhrase(toks); k != balanceNone {
		li.balance = k
		for from > 0 && balanceWords[toks[from-1]] {
			from--
		}
		for to < len(toks) && balanceWords[toks[to]] {
			to++
		}
		toks = append(append([]string(nil), toks[:from]...), toks[to:]...)
	}
	toks = foldLoss(toks)
	for len(toks) > 0 && (toks[0] == "the" || toks[0] == "less" || toks[0] == "add") {
		toks = toks[1:]
	}
	phrase := strings.Join(toks, " ")
	if c, ok := synonyms[phrase]; ok {
		li.key = c
		li.total = len(toks) > 0 && toks[0] == "total"
		return li
	}
	if len(toks) > 0 && toks[0] == "total" {
		li.total = true
		toks = toks[1:]
		phrase = strings.Join(toks, " ")
	}
	if c, ok := synonyms[phrase]; ok {
		li.key = c
		return li
	}
	li.key = phrase
	return li
}

// balancePhrase finds an undated opening or closing phrase and the tokens it spans.
func balancePhrase(toks []string) (kind, from, to int) {
	for i, t := range toks {
		switch t {
		case "beginning", "start", "opening", "brought":
			kind = balanceOpening
		case "end", "ending", "closing", "carried":
			kind = balanceClosing
		default:
			continue
		}
		// "beginning of (the) year", "opening balance", "balance brought forward", "end of period".
		j := i + 1
		for j < len(toks) && balanceWords[toks[j]] {
			j++
		}
		near := false
		for _, w := range toks[max(0, i-2):j] {
			if w == "year" || w == "period" || w == "balance" || w == "balances" || w == "forward" {
				near = true
			}
		}
		if !near {
			kind = balanceNone
			continue
		}
		return kind, i, j
	}
	return balanceNone, 0, 0
}

// foldLoss reads "profit/(loss)", "net income (loss)" and "loss for the year" as the profit line
// they are: a loss is the same line item printed negative.
func foldLoss(toks []string) []string {
	has := map[string]bool{}
	for _, t := range toks {
		has[t] = true
	}
	if !has["loss"] && !has["losses"] && !has["deficit"] {
		return toks
	}
	for _, w := range []string{"impairment", "credit", "expected", "allowance", "fair", "actuarial",
		"gain", "gains", "exchange", "disposal", "carried", "share", "per", "other", "losses"} {
		if has[w] {
			return toks
		}
	}
	out := make([]string, 0, len(toks))
	profit := has["profit"] || has["income"] || has["earnings"] || has["surplus"]
	for _, t := range toks {
		switch {
		case (t == "loss" || t == "deficit") && profit:
			continue
		case t == "loss" || t == "deficit":
			out = append(out, "profit")
		default:
			out = append(out, t)
		}
	}
	return out
}

// isDigits reports whether t is made of ASCII digits only.
func isDigits(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// synonyms folds the names statements use for one line item into one key. Only names that mean
// the same figure in every statement are listed; anything else is compared by its own words.
var synonyms = func() map[string]string {
	groups := map[string][]string{
		"revenue": {"revenue", "revenues", "turnover", "net sales", "sales", "net revenue",
			"net revenues", "total revenue", "total revenues", "group revenue", "total net sales",
			"total sales", "net turnover"},
		"cost of sales": {"cost of sales", "cost of revenue", "cost of revenues", "cost of goods sold",
			"costs of sales", "cost of sale"},
		"gross profit": {"gross profit", "gross income"},
		"operating profit": {"operating profit", "profit from operations", "operating income",
			"income from operations", "results from operating activities",
			"profit from operating activities", "operating result", "operating profit ebit"},
		"finance costs": {"finance costs", "finance cost", "finance expense", "finance expenses",
			"financial expenses", "financial costs"},
		"finance income": {"finance income", "financial income"},
		"profit before tax": {"profit before tax", "profit before taxation", "profit before income tax",
			"profit before income taxes", "income before income taxes", "income before taxes",
			"income before income tax", "earnings before income taxes", "earnings before tax",
			"pre tax profit", "profit on ordinary activities before taxation", "profit before taxes"},
		"income tax expense": {"income tax expense", "income tax", "income taxes", "taxation",
			"tax expense", "income tax charge", "tax charge", "provision for income taxes",
			"income tax expense credit", "income tax credit expense", "tax on profit",
			"income tax expense benefit", "tax", "taxation charge", "income tax expenses"},
		"profit for the year": {"profit for the year", "profit for the period", "net profit",
			"net income", "profit after tax", "profit after taxation", "net profit for the year",
			"profit for the financial year", "net earnings", "profit", "net profit after tax",
			"net profit for the period", "profit after income tax", "net income for the year",
			"profit for year"},
		"total comprehensive income": {"total comprehensive income", "comprehensive income",
			"total comprehensive income for the year", "comprehensive income for the year",
			"total comprehensive income for the period", "comprehensive income for the period"},
		"cash and cash equivalents": {"cash and cash equivalents", "cash and cash equivalent",
			"cash and equivalents", "cash"},
		"total assets":              {"total assets", "assets"},
		"total liabilities":         {"total liabilities", "liabilities"},
		"total current assets":      {"total current assets", "current assets"},
		"total non current assets":  {"total non current assets", "non current assets"},
		"total current liabilities": {"total current liabilities", "current liabilities"},
		"total non current liabilities": {"total non current liabilities",
			"non current liabilities"},
		"total equity": {"total equity", "equity", "total shareholders equity",
			"shareholders equity", "total stockholders equity", "stockholders equity",
			"shareholders funds", "total shareholders funds", "total equity attributable",
			"net equity"},
		"total equity and liabilities": {"total equity and liabilities", "total liabilities and equity",
			"total liabilities and shareholders equity", "total liabilities and stockholders equity",
			"total shareholders equity and liabilities", "equity and liabilities",
			"liabilities and equity", "total equity and total liabilities",
			"total liabilities and total equity"},
		"net assets": {"net assets", "total net assets"},
		"property plant and equipment": {"property plant and equipment", "ppe",
			"property plant and equipment net", "tangible fixed assets", "tangible assets"},
		"intangible assets":           {"intangible assets", "intangibles"},
		"right of use assets":         {"right of use assets", "right of use asset", "rou assets"},
		"lease liabilities":           {"lease liabilities", "lease liability"},
		"inventories":                 {"inventories", "inventory", "stocks"},
		"trade and other receivables": {"trade and other receivables", "trade receivables and other receivables"},
		"trade and other payables":    {"trade and other payables", "trade payables and other payables"},
		"borrowings":                  {"borrowings", "loans and borrowings", "interest bearing loans and borrowings", "interest bearing borrowings"},
		"share capital": {"share capital", "issued capital", "issued share capital",
			"ordinary share capital", "called up share capital", "share capital issued"},
		"retained earnings": {"retained earnings", "accumulated profits", "retained profits",
			"retained earnings accumulated deficit", "profit and loss account"},
		"dividends paid": {"dividends paid", "dividends", "dividend paid", "dividend",
			"dividends paid to shareholders", "dividends paid to owners of the company",
			"dividends paid to owners of the parent", "equity dividends paid",
			"dividends paid to equity holders", "dividends declared and paid"},
		"depreciation": {"depreciation", "depreciation charge", "depreciation expense",
			"depreciation charge for the year", "depreciation for the year", "charge for the year depreciation"},
		"amortisation": {"amortisation", "amortization", "amortisation charge", "amortization charge",
			"amortisation charge for the year", "amortisation for the year", "amortization expense",
			"amortisation expense"},
		"depreciation and amortisation": {"depreciation and amortisation", "depreciation and amortization",
			"depreciation amortisation", "amortisation and depreciation"},
		"employee benefits expense": {"employee benefits expense", "staff costs", "personnel expenses",
			"employee benefit expense", "employee costs", "personnel costs", "total staff costs",
			"employee benefits expenses", "staff costs total"},
		"income tax paid": {"income tax paid", "income taxes paid", "tax paid", "taxes paid",
			"corporation tax paid"},
		"net cash from operating activities": {"net cash from operating activities",
			"net cash generated from operating activities", "net cash provided by operating activities",
			"net cash inflow from operating activities", "cash generated from operating activities",
			"net cash flows from operating activities", "net cash used in operating activities",
			"net cash from used in operating activities"},
	}
	m := map[string]string{}
	for canon, names := range groups {
		for _, n := range names {
			m[n] = canon
		}
	}
	return m
}()

// genericKeys name no line item on their own: what they mean depends on the section or table
// they sit in ("Current", "Other", "Owners of the parent").
var genericKeys = map[string]bool{
	"": true, "other": true, "others": true, "sundry": true, "current": true, "non current": true,
	"owners of the parent": true, "owners of the company": true, "equity holders of the parent": true,
	"non controlling interests": true, "non controlling interest": true, "basic": true,
	"diluted": true, "additions": true, "disposals": true, "transfers": true, "cost": true,
	"gross": true, "net": true, "valuation": true, "accumulated depreciation": true,
	"carrying amount": true, "net book value": true, "charge for the year": true,
	"impairment": true, "amount": true, "value": true, "movement": true, "movements": true,
	"owners": true, "shareholders": true, "subtotal": true, "reclassification": true,
	"reclassifications": true, "exchange differences": true, "effect of exchange rates": true,
	"within one year": true, "after one year": true, "level 1": true, "level 2": true,
	"level 3": true, "opening": true, "closing": true, "unallocated": true, "eliminations": true,
	"adjustments": true, "adjustment": true, "total": true,
}

// carryingKeys name the net amount of the item a note is about ("Carrying amount", "Net book
// value"): in a note on property, plant and equipment they are that line of the balance sheet.
var carryingKeys = map[string]bool{
	"carrying amount": true, "net carrying amount": true, "net book value": true,
	"carrying value": true, "total carrying amount": true, "net book amount": true,
	"closing net book amount": true, "closing carrying amount": true, "net": true,
}

// specific reports whether a key names a line item without help from its section: a known
// item, or a label of at least two words that is not one of the generic ones.
func specific(key string) bool {
	if genericKeys[key] {
		return false
	}
	if _, ok := canonicalKeys[key]; ok {
		return true
	}
	return strings.Count(key, " ") >= 1 && len(key) >= 6
}

// canonicalKeys is the set of keys the synonyms fold into.
var canonicalKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range synonyms {
		m[c] = true
	}
	return m
}()

// columnPeriod reads a column heading as a period: the year it is for, and any words that set it
// apart from a plain period column ("Group", "Company", "Q4") as a qualifier. Headings of
// changes, percentages or several years are no period.
type columnPeriodInfo struct {
	year int
	qual string
}

// periodStopWords may appear in a period heading without changing what the column holds.
var periodStopWords = map[string]bool{
	"year": true, "years": true, "ended": true, "ending": true, "end": true, "as": true, "at": true,
	"of": true, "on": true, "the": true, "for": true, "fy": true, "financial": true, "fiscal": true,
	"period": true, "restated": true, "represented": true, "re": true, "presented": true,
	"audited": true, "unaudited": true, "actual": true, "months": true, "month": true,
	"twelve": true, "12": true, "52": true, "53": true, "weeks": true, "to": true, "in": true,
	"thousands": true, "thousand": true, "millions": true, "million": true, "m": true, "bn": true,
	"k": true, "000": true, "000s": true, "eur": true, "usd": true, "gbp": true, "chf": true,
	"balance": true, "opening": true, "closing": true, "and": true, "s": true,
	"mn": true, "usdm": true, "eurm": true, "gbpm": true, "rm": true, "cad": true, "aud": true,
	"jpy": true, "sek": true, "nok": true, "dkk": true, "inr": true, "zar": true, "ended31": true,
	"beginning": true, "amounts": true, "reported": true, "total": true, "consolidated": true,
}

// readColumnPeriod reads the period of a column heading, ok false when it names none or more
// than one.
func readColumnPeriod(name string) (columnPeriodInfo, bool) {
	toks := itemTokens(name)
	var out columnPeriodInfo
	if strings.Contains(name, "%") {
		return out, false
	}
	years := map[int]bool{}
	var qual []string
	skip := map[int]bool{}
	if d, ok := findDate(toks); ok && d.year != 0 {
		years[d.instantYear()] = true
		for i := d.from; i < d.to; i++ {
			skip[i] = true
		}
	}
	for i, t := range toks {
		if skip[i] {
			continue
		}
		switch t {
		case "change", "changes", "variance", "growth", "increase", "decrease", "movement",
			"difference", "vs", "versus", "v", "budget", "forecast", "plan", "target", "q1", "q2",
			"q3", "q4", "h1", "h2", "half", "quarter", "cumulative", "pro", "forma":
			return out, false
		}
		if y, ok := yearToken(t); ok {
			years[y] = true
			// "2023/24": the fiscal year ending in 2024.
			if i+1 < len(toks) && len(toks[i+1]) == 2 && isDigits(toks[i+1]) {
				if n, _ := strconv.Atoi(toks[i+1]); n == (y+1)%100 {
					delete(years, y)
					years[y+1] = true
					skip[i+1] = true
				}
			}
			continue
		}
		if _, ok := months[t]; ok || periodStopWords[t] || isDigits(t) {
			continue
		}
		qual = append(qual, t)
	}
	if len(years) != 1 {
		return out, false
	}
	for y := range years {
		out.year = y
	}
	out.qual = strings.Join(qual, " ")
	return out, true
}

// noteTopic reads the line item a note or table title is about: "12. Property, plant and
// equipment" is property, plant and equipment. Long titles (sentences) name no topic.
func noteTopic(title string) string {
	toks := itemTokens(title)
	for len(toks) > 0 && (isDigits(toks[0]) || toks[0] == "note" || toks[0] == "notes" ||
		len(toks[0]) == 1) {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1] == "continued" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 || len(toks) > 7 {
		return ""
	}
	li := readLineItem(strings.Join(toks, " "))
	if li.balance != balanceNone || li.year != 0 || genericKeys[li.key] {
		return ""
	}
	return li.key
}
