// Package amount reads and prints the amounts of a financial statement. It is the one place that
// turns a printed figure ("$ 1,452.4", "(346)", "12.5%", "—") into a number, and a number back
// into the way statements print it, so that every agent reads a figure the same way.
package amount

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Number is one table cell read as a figure, keeping what the casting checks need besides the
// value: how many decimals were printed (the rounding a total may carry), whether it was a
// percentage, and whether the cell was a lone dash (printed "nothing", read as zero).
type Number struct {
	// Value is the signed value as printed, before any "in millions" scaling.
	Value float64
	// Decimals is the number of digits printed after the decimal point.
	Decimals int
	// Percent is set when the cell carried a % sign.
	Percent bool
	// Dash is set for a lone dash ("-", "—", "- -", "–"): the statement shows no amount, which
	// adds as zero.
	Dash bool
	// Currency is the currency symbol or code printed with the figure ("$", "€", "USD"), if any.
	Currency string
	// Scale is the multiplier a suffix attached to the figure states ("7,200k" 1e3, "€1.2m"
	// 1e6, "3bn" 1e9), 0 when none was printed. Value stays as printed, so a column written
	// in one unit adds as it reads; Scaled gives the amount in currency units.
	Scale float64
}

// Scaled returns the value times the printed scale ("€1.2m" is 1,200,000).
func (n Number) Scaled() float64 {
	if n.Scale == 0 {
		return n.Value
	}
	return n.Value * n.Scale
}

// scaleSuffixes are the multipliers a statement attaches to a figure, longest first: "7,200k",
// "€1.2m", "3.4bn", "12mn". Only letters right after a digit count, so "10-K" is no figure.
var scaleSuffixes = []struct {
	text  string
	scale float64
}{{"bn", 1e9}, {"mn", 1e6}, {"k", 1e3}, {"m", 1e6}}

// currencyCodes are the codes and prefixed dollar signs a statement may print next to a figure,
// longest first so that "US$" wins over "$".
var currencyCodes = []string{
	"US$", "HK$", "NZ$", "NT$", "A$", "C$", "S$", "R$",
	"USD", "EUR", "GBP", "JPY", "CNY", "RMB", "CHF", "CAD", "AUD", "HKD", "INR", "SEK", "NOK",
	"DKK", "NZD", "SGD", "ZAR", "BRL", "KRW", "TWD", "NTD",
}

// currencySymbols are single-rune currency signs.
const currencySymbols = "$€£¥₹₩₽₺₪¢"

// dashRunes are the characters a statement prints for "nothing": hyphen, en and em dashes,
// figure dash, horizontal bar, minus sign and underscore.
const dashRunes = "-‐‑‒–—―−_"

// minusRunes may stand for a minus sign before or after a number.
const minusRunes = "-‐‑‒–−"

// notANumber are cell texts that say no figure is given (not zero).
var notANumber = map[string]bool{
	"n/a": true, "na": true, "n.a.": true, "nm": true, "n.m.": true, "n/m": true,
	"none": true, "not meaningful": true, "*": true,
}

// Parse reads an amount as printed in a financial statement: "$ 1,452.4", "(346)", "−136",
// "12.5%", "(48.3)%", "1,234(1)", "€m 12", "—". A lone dash is a Dash number (value 0); blank
// cells, text, "n/a" and "nm" are not numbers (ok is false). It never panics, whatever the input.
func Parse(s string) (Number, bool) {
	s = NormalizeSpaces(s)
	if s == "" || len(s) > 64 {
		return Number{}, false
	}
	if notANumber[strings.ToLower(s)] {
		return Number{}, false
	}
	if strings.EqualFold(s, "nil") {
		return Number{Dash: true}, true
	}
	s = stripFootnote(s)
	var n Number
	neg := false
	open, closed := 0, 0

	// Prefix: currency, spaces, opening parenthesis, sign.
prefix:
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == ' ':
			s = s[size:]
		case r == '(':
			open++
			s = s[size:]
		case r == '+':
			s = s[size:]
		case strings.ContainsRune(minusRunes, r) && hasDigitAfterDashes(s[size:]):
			if neg {
				return Number{}, false
			}
			neg = true
			s = s[size:]
		default:
			c, rest, ok := CutCurrency(s)
			if !ok {
				break prefix
			}
			if n.Currency == "" {
				n.Currency = c
			}
			s = rest
		}
	}
	// Suffix: spaces, closing parenthesis, percent, trailing minus, currency.
suffix:
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		switch {
		case r == ' ':
			s = s[:len(s)-size]
		case r == ')':
			closed++
			s = s[:len(s)-size]
		case r == '%':
			if n.Percent {
				return Number{}, false
			}
			n.Percent = true
			s = s[:len(s)-size]
		case strings.ContainsRune(minusRunes, r) && !onlyDashes(s):
			if neg {
				return Number{}, false
			}
			neg = true
			s = s[:len(s)-size]
		case n.Scale == 0 && !n.Percent && cutScale(&s, &n.Scale):
		default:
			c, rest, ok := cutCurrencySuffix(s)
			if !ok {
				break suffix
			}
			if n.Currency == "" {
				n.Currency = c
			}
			s = rest
		}
	}
	if open != closed || open > 1 || s == "" {
		return Number{}, false
	}
	if onlyDashes(s) {
		return Number{Dash: true, Percent: n.Percent, Currency: n.Currency}, true
	}
	digits, decimals, ok := validDigits(commaGroups(s))
	if !ok {
		return Number{}, false
	}
	v, err := strconv.ParseFloat(digits, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return Number{}, false
	}
	if (neg || open == 1) && v != 0 {
		v = -v
	}
	n.Value = v
	n.Decimals = decimals
	return n, true
}

// cutScale removes a scale suffix attached to the digits at the end of s ("7,200k"), setting
// scale. It reports whether it removed one.
func cutScale(s *string, scale *float64) bool {
	for _, sf := range scaleSuffixes {
		t := *s
		if len(t) <= len(sf.text) || !strings.EqualFold(t[len(t)-len(sf.text):], sf.text) {
			continue
		}
		if d := t[len(t)-len(sf.text)-1]; d < '0' || d > '9' {
			continue
		}
		*s, *scale = t[:len(t)-len(sf.text)], sf.scale
		return true
	}
	return false
}

// commaGroups rewrites thousands separated by a space or an apostrophe ("8 555", "1 234 567.8",
// the Swiss "8'555") with commas, so they read like "8,555". Only groups of exactly three digits
// after a first group of one to three count: "2019 2018" stays two numbers, not one.
func commaGroups(s string) string {
	if !strings.ContainsAny(s, " '’") {
		return s
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == ' ' || r == '\'' || r == '’' })
	if len(groups) < 2 || len(groups[0]) < 1 || len(groups[0]) > 3 {
		return s
	}
	for i, g := range groups {
		if (i > 0 && len(g) != 3) || strings.Trim(g, "0123456789") != "" {
			return s
		}
	}
	// The separators must be single characters between groups (no "8  555" or "8 '555").
	if n := len(strings.Join(groups, "")) + len(groups) - 1; utf8.RuneCountInString(intPart) != n {
		return s
	}
	out := strings.Join(groups, ",")
	if hasPoint {
		out += "." + frac
	}
	return out
}

// NormalizeSpaces trims a cell and turns the Unicode spaces statements use (no-break, thin,
// figure) into plain spaces, folding runs into one; text that is not valid UTF-8 reads as empty.
// Labels go through it too, so that a label and the figures beside it are read alike.
func NormalizeSpaces(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u2009' || r == '\u202f' || r == '\u2007' {
			space = true
			continue
		}
		if r == utf8.RuneError {
			return ""
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// stripFootnote removes footnote markers printed after a figure: "1,234(1)", "1,234 (a)",
// "1,234*", "1,234†", "1,234¹". A parenthesised group is only a marker when a figure precedes it,
// so "(1)" alone stays minus one.
func stripFootnote(s string) string {
	for {
		t := strings.TrimRight(s, " ")
		r, size := utf8.DecodeLastRuneInString(t)
		switch {
		case r == '*' || r == '†' || r == '‡' || strings.ContainsRune("¹²³⁴⁵⁶⁷⁸⁹⁰", r):
			if !strings.ContainsAny(t[:len(t)-size], "0123456789") {
				return s
			}
			s = t[:len(t)-size]
			continue
		case r == ')':
			open := strings.LastIndexByte(t, '(')
			if open < 0 {
				return s
			}
			inner := t[open+1 : len(t)-1]
			before := strings.TrimRight(t[:open], " ")
			if !isFootnoteMark(inner) || !strings.ContainsAny(before, "0123456789") {
				return s
			}
			last, _ := utf8.DecodeLastRuneInString(before)
			if !(last >= '0' && last <= '9') && last != ')' && last != '%' {
				return s
			}
			s = before
			continue
		}
		return s
	}
}

// isFootnoteMark reports whether the text inside a trailing parenthesis is a footnote reference:
// one or two digits, or one letter.
func isFootnoteMark(inner string) bool {
	if inner == "" || len(inner) > 2 {
		return false
	}
	allDigits := true
	for _, r := range inner {
		if r < '0' || r > '9' {
			allDigits = false
		}
	}
	if allDigits {
		return true
	}
	return len(inner) == 1 && inner[0] >= 'a' && inner[0] <= 'z'
}

// CutCurrency removes a currency symbol or code at the start of s ("US$ 3.5", "€12"), returning
// it and the rest; a code that runs into letters ("USDm", a unit heading) is not one.
func CutCurrency(s string) (currency, rest string, ok bool) {
	for _, c := range currencyCodes {
		if len(s) >= len(c) && strings.EqualFold(s[:len(c)], c) {
			rest := s[len(c):]
			// A code must not run into letters ("USDm" is a unit heading, not a figure).
			if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLetter(r) {
				continue
			}
			return c, rest, true
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	if strings.ContainsRune(currencySymbols, r) {
		return string(r), s[size:], true
	}
	return "", s, false
}

// cutCurrencySuffix removes a currency symbol or code at the end of s ("12.5 €", "100 USD").
func cutCurrencySuffix(s string) (string, string, bool) {
	for _, c := range currencyCodes {
		if len(s) >= len(c) && strings.EqualFold(s[len(s)-len(c):], c) {
			rest := s[:len(s)-len(c)]
			if r, _ := utf8.DecodeLastRuneInString(rest); unicode.IsLetter(r) {
				continue
			}
			return c, rest, true
		}
	}
	r, size := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune(currencySymbols, r) {
		return string(r), s[:len(s)-size], true
	}
	return "", s, false
}

// hasDigitAfterDashes reports whether s, which starts with a dash, goes on to a figure: "-8.7"
// is minus 8.7, "- -" is a lone dash.
func hasDigitAfterDashes(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			return true
		case r == '.' || r == ' ' || r == '(' || r == '$' || strings.ContainsRune(currencySymbols, r):
			continue
		case strings.ContainsRune(minusRunes, r):
			return false
		default:
			if unicode.IsLetter(r) {
				continue
			}
			return false
		}
	}
	return false
}

// onlyDashes reports whether s is made of dash characters and spaces only.
func onlyDashes(s string) bool {
	for _, r := range s {
		if r != ' ' && !strings.ContainsRune(dashRunes, r) {
			return false
		}
	}
	return true
}

// Limits on the digits of a figure.
const (
	maxDecimals  = 12
	maxIntDigits = 18
)

// validDigits checks the figure itself: digits with optional comma thousands separators in
// groups of three and an optional decimal point. It returns the digits without separators and
// the number of decimals.
func validDigits(s string) (string, int, bool) {
	if s == "" {
		return "", 0, false
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && (frac == "" || strings.ContainsAny(frac, ".,")) {
		return "", 0, false
	}
	// No statement prints more: longer digit strings are codes or identifiers, not figures.
	if len(frac) > maxDecimals || len(strings.ReplaceAll(intPart, ",", "")) > maxIntDigits {
		return "", 0, false
	}
	for _, r := range frac {
		if r < '0' || r > '9' {
			return "", 0, false
		}
	}
	if intPart == "" {
		if !hasPoint {
			return "", 0, false
		}
		intPart = "0"
	}
	groups := strings.Split(intPart, ",")
	for i, g := range groups {
		if g == "" {
			return "", 0, false
		}
		for _, r := range g {
			if r < '0' || r > '9' {
				return "", 0, false
			}
		}
		if len(groups) > 1 {
			if i == 0 && len(g) > 3 {
				return "", 0, false
			}
			if i > 0 && len(g) != 3 {
				return "", 0, false
			}
		}
	}
	digits := strings.Join(groups, "")
	if len(digits) > 1 && digits[0] == '0' {
		// "000" is the unit heading of a column ("€000"), never a printed figure.
		return "", 0, false
	}
	if hasPoint {
		digits += "." + frac
	}
	return digits, len(frac), true
}

// Format prints a value the way the statements do, with thousands separators and the given
// decimals, and a leading minus for negatives (findings quote it inside parentheses, so the
// accounting style would read as "((346))"). Every agent quotes figures through it.
func Format(v float64, decimals int) string {
	if decimals < 0 {
		decimals = 0
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	intPart, frac, hasPoint := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasPoint {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
