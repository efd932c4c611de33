package logic

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/internal/amount"
)

// This file reads narrative text at the level of words: sentences, tokens, quantities ("€1.2
// million", "12%", "1.5 percentage points"), years ("2024", "FY24", "fiscal 2019", "2023/24")
// and dates ("31 December 2024", "June 30, 2019").

// tokKind says what a token is.
type tokKind uint8

const (
	tokWord tokKind = iota
	tokNum
	tokPunct
)

// token is one word, number or punctuation mark of a sentence.
type token struct {
	kind tokKind
	text string // as written
	low  string // lower case, curly apostrophes made straight
	// attached is set when the token follows the previous one with no space ("1.2m", "12%").
	attached bool
	start    int // byte offsets in the sentence
	end      int
}

// typographic straightens curly apostrophes and Unicode hyphens inside words, so "Group’s"
// reads as "group's". A Replacer is safe for concurrent use and is never changed.
var typographic = strings.NewReplacer("’", "'", "‐", "-")

// maxSentence bounds the bytes of one sentence the parser reads; statements do not write longer
// ones, and the bound keeps the parser linear on hostile input.
const maxSentence = 2000

// tokenize splits a sentence into tokens. Numbers keep their thousands separators and decimal
// point; a trailing comma or full stop is punctuation.
func tokenize(s string) []token {
	var toks []token
	i := 0
	prevEnd := -1
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		start := i
		switch {
		case unicode.IsSpace(r) || r == '\u00a0':
			i += size
			continue
		case r >= '0' && r <= '9': // other scripts' digits are not figures here
			j := i
			for j < len(s) {
				c := s[j]
				if c >= '0' && c <= '9' {
					j++
					continue
				}
				if (c == ',' || c == '.') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
					j++
					continue
				}
				break
			}
			toks = append(toks, token{kind: tokNum, text: s[i:j], low: s[i:j], start: i, end: j})
			i = j
		case unicode.IsLetter(r):
			j := i + size
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += sz
					continue
				}
				// Apostrophes and hyphens inside a word: "Group's", "year-on-year".
				if (r2 == '\'' || r2 == '’' || r2 == '-' || r2 == '‐') && j+sz < len(s) {
					r3, _ := utf8.DecodeRuneInString(s[j+sz:])
					if unicode.IsLetter(r3) {
						j += sz
						continue
					}
				}
				break
			}
			w := s[i:j]
			low := w
			if strings.ContainsAny(w, "’‐") {
				low = typographic.Replace(w)
			}
			low = strings.ToLower(low)
			toks = append(toks, token{kind: tokWord, text: w, low: low, start: i, end: j})
			i = j
		default:
			i += size
			toks = append(toks, token{kind: tokPunct, text: s[start:i], low: s[start:i], start: start, end: i})
		}
		toks[len(toks)-1].attached = prevEnd == start
		prevEnd = toks[len(toks)-1].end
	}
	return toks
}

// readSentences is the sentences of a paragraph that the parser reads: splitSentences of its
// first 40 × maxSentence bytes, without those longer than maxSentence. The spans index text.
func readSentences(text string) []span {
	if len(text) > 40*maxSentence {
		text = text[:40*maxSentence]
	}
	spans := splitSentences(text)
	out := spans[:0]
	for _, sp := range spans {
		if sp.end-sp.start <= maxSentence {
			out = append(out, sp)
		}
	}
	return out
}

// splitSentences cuts a paragraph into sentences at full stops, question and exclamation marks,
// semicolons and bullets, without cutting decimals ("1.2") or common abbreviations ("c.", "vs.").
func splitSentences(text string) []span {
	var out []span
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			off := start + strings.Index(text[start:end], s)
			out = append(out, span{off, off + len(s)})
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '•' || r == '\n':
			emit(i)
			start = i + size
		case r == ';' || r == '?' || r == '!':
			emit(i + size)
			start = i + size
		case r == '.':
			next := i + size
			if next < len(text) && text[next] >= '0' && text[next] <= '9' {
				break // a decimal point
			}
			if next < len(text) && text[next] != ' ' && text[next] != '\n' && text[next] != '"' && text[next] != ')' {
				break // "U.S.", "e.g."
			}
			if abbreviation(text[start:i]) {
				break
			}
			emit(next)
			start = next
		}
		i += size
	}
	emit(len(text))
	return out
}

// span is a byte range of a text.
type span struct{ start, end int }

// abbreviations that end in a full stop without ending the sentence.
var abbreviations = map[string]bool{
	"c": true, "ca": true, "approx": true, "vs": true, "v": true, "no": true, "nos": true,
	"inc": true, "co": true, "ltd": true, "corp": true, "e.g": true, "i.e": true,
	"etc": true, "jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "u.s": true,
	"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "fig": true,
}

// abbreviation reports whether the text before a full stop ends in a known abbreviation.
func abbreviation(before string) bool {
	i := len(before)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(before[:i])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		i -= size
	}
	return abbreviations[strings.ToLower(before[i:])]
}

// qkind says what a quantity measures.
type qkind uint8

const (
	qPlain    qkind = iota // a bare number, in the statement's own units
	qAmount                // a money amount (currency or scale word given)
	qPercent               // a percentage
	qPoints                // percentage points ("1.2 pp", "120 bps" is read as 1.2)
	qMultiple              // "2x", "doubled"
	qYear                  // a year or fiscal year
	qDate                  // a full date (day, month, year)
)

// hedge widens or bounds what a stated figure covers.
type hedge uint8

const (
	hedgeNone    hedge = iota
	hedgeApprox        // "about", "approximately", "c.", "around"
	hedgeAtLeast       // "more than", "over", "above"
	hedgeAtMost        // "less than", "under", "almost", "nearly"
)

// quantity is one figure in the narrative.
type quantity struct {
	kind     qkind
	value    float64 // in units of scale: 1.2 for "€1.2m"
	decimals int
	scale    float64 // 1, 1e3, 1e6, 1e9; 0 when no scale word was given
	currency string
	minor    bool // pence or cents
	negative bool
	hedge    hedge
	year     int // for qYear and qDate
	month    int // for qDate
	day      int // for qDate
	text     string
	from, to int // token range [from, to)
	// start and end are the byte offsets of the figure in its sentence.
	start, end int
}

// absolute is the quantity in currency units when a scale word was given.
func (q quantity) absolute() float64 {
	s := q.scale
	if s == 0 {
		s = 1
	}
	v := q.value * s
	if q.negative {
		v = -v
	}
	return v
}

// halfUnit is half of the last printed digit, in currency units: the rounding the figure may carry.
func (q quantity) halfUnit() float64 {
	s := q.scale
	if s == 0 {
		s = 1
	}
	return 0.5 * math.Pow(10, -float64(q.decimals)) * s
}

// currencyWords map words and codes to a currency.
var currencyWords = map[string]string{
	"eur": "EUR", "euro": "EUR", "euros": "EUR", "usd": "USD", "dollars": "USD", "dollar": "USD",
	"gbp": "GBP", "pounds": "GBP", "sterling": "GBP", "chf": "CHF", "jpy": "JPY", "yen": "JPY",
	"rmb": "CNY", "cny": "CNY", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "aud": "AUD",
	"cad": "CAD", "hkd": "HKD", "sgd": "SGD", "inr": "INR", "zar": "ZAR", "us$": "USD",
}

// currencySymbols map signs to a currency.
var currencySymbols = map[string]string{"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR"}

// scaleWords map scale words (and suffixes attached to a figure) to a multiplier.
var scaleWords = map[string]float64{
	"k": 1e3, "thousand": 1e3, "thousands": 1e3, "'000": 1e3, "000": 1e3,
	"m": 1e6, "mn": 1e6, "mln": 1e6, "million": 1e6, "millions": 1e6, "mio": 1e6, "mm": 1e6,
	"bn": 1e9, "b": 1e9, "billion": 1e9, "billions": 1e9, "mrd": 1e9,
}

// months by name and abbreviation.
var months = map[string]int{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
	"sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

// hedgeWords precede a figure and change what it covers.
var hedgeWords = map[string]hedge{
	"about": hedgeApprox, "approximately": hedgeApprox, "around": hedgeApprox, "c": hedgeApprox,
	"circa": hedgeApprox, "roughly": hedgeApprox, "some": hedgeApprox, "approx": hedgeApprox,
	"nearly": hedgeAtMost, "almost": hedgeAtMost, "under": hedgeAtMost, "below": hedgeAtMost,
	"over": hedgeAtLeast, "above": hedgeAtLeast, "exceeding": hedgeAtLeast,
}

// yearOf reads a fiscal-year word: "FY24", "FY2024", "F19".
func yearOf(w string) (int, bool) {
	var digits string
	switch {
	case strings.HasPrefix(w, "fy"):
		digits = w[2:]
	case strings.HasPrefix(w, "f") && len(w) == 3:
		digits = w[1:]
	default:
		return 0, false
	}
	if len(digits) != 2 && len(digits) != 4 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	if len(digits) == 2 {
		n += 2000
	}
	if n < 1900 || n > 2100 {
		return 0, false
	}
	return n, true
}

// isYear reports whether a number token is a calendar year.
func isYear(t token) (int, bool) {
	if t.kind != tokNum || len(t.text) != 4 || strings.ContainsAny(t.text, ",.") {
		return 0, false
	}
	n, _ := strconv.Atoi(t.text)
	return n, n >= 1900 && n <= 2100
}

// word reports whether token i is the word w.
func word(toks []token, i int, w ...string) bool {
	if i < 0 || i >= len(toks) || toks[i].kind != tokWord {
		return false
	}
	for _, x := range w {
		if toks[i].low == x {
			return true
		}
	}
	return false
}

// punct reports whether token i is one of the punctuation marks p.
func punct(toks []token, i int, p ...string) bool {
	if i < 0 || i >= len(toks) || toks[i].kind != tokPunct {
		return false
	}
	for _, x := range p {
		if toks[i].text == x {
			return true
		}
	}
	return false
}

// readDate reads a date at token i: "31 December 2024", "31st Dec 2024", "December 31, 2024",
// "30 June" (year optional only when allowYearless).
func readDate(toks []token, i int, allowYearless bool) (quantity, bool) {
	q := quantity{kind: qDate, from: i}
	j := i
	dayAt := func(k int) (int, int, bool) {
		if k >= len(toks) || toks[k].kind != tokNum || strings.ContainsAny(toks[k].text, ",.") {
			return 0, k, false
		}
		d, _ := strconv.Atoi(toks[k].text)
		if d < 1 || d > 31 || len(toks[k].text) > 2 {
			return 0, k, false
		}
		k++
		if word(toks, k, "st", "nd", "rd", "th") && toks[k].attached {
			k++
		}
		return d, k, true
	}
	monthAt := func(k int) (int, int, bool) {
		if k >= len(toks) || toks[k].kind != tokWord {
			return 0, k, false
		}
		m, ok := months[toks[k].low]
		if !ok {
			return 0, k, false
		}
		k++
		if punct(toks, k, ".") {
			k++
		}
		return m, k, true
	}
	if d, k, ok := dayAt(j); ok {
		if m, k2, ok := monthAt(k); ok {
			q.day, q.month, j = d, m, k2
		} else {
			return quantity{}, false
		}
	} else if m, k, ok := monthAt(j); ok {
		d, k2, ok := dayAt(k)
		if !ok {
			return quantity{}, false
		}
		q.day, q.month, j = d, m, k2
		if punct(toks, j, ",") {
			j++
		}
	} else {
		return quantity{}, false
	}
	if y, ok := isYear(tokAt(toks, j)); ok {
		q.year = y
		j++
	} else if !allowYearless {
		return quantity{}, false
	}
	q.to = j
	q.text = joinTokens(toks, i, j)
	return q, true
}

// tokAt returns token i or a zero token past the end.
func tokAt(toks []token, i int) token {
	if i < 0 || i >= len(toks) {
		return token{kind: tokPunct}
	}
	return toks[i]
}

// joinTokens rebuilds the text of tokens [i, j).
func joinTokens(toks []token, i, j int) string {
	var b strings.Builder
	for k := i; k < j && k < len(toks); k++ {
		if k > i && !toks[k].attached {
			b.WriteByte(' ')
		}
		b.WriteString(toks[k].text)
	}
	return b.String()
}

// readYear reads a year reference at token i: "2024", "FY24", "fiscal 2019", "fiscal year
// 2018", "2023/24" (the later year), "financial year 2024".
func readYear(toks []token, i int) (quantity, bool) {
	j := i
	for word(toks, j, "fiscal", "financial") {
		j++
		if word(toks, j, "year") {
			j++
		}
	}
	t := tokAt(toks, j)
	var y int
	switch {
	case t.kind == tokWord:
		n, ok := yearOf(t.low)
		if !ok {
			return quantity{}, false
		}
		y = n
		j++
	default:
		n, ok := isYear(t)
		if !ok {
			return quantity{}, false
		}
		y = n
		j++
		// "2023/24" or "2023-24": a split financial year, named by its end.
		if punct(toks, j, "/", "-", "–") && toks[j].attached && j+1 < len(toks) && toks[j+1].attached &&
			toks[j+1].kind == tokNum && len(toks[j+1].text) == 2 {
			if n2, err := strconv.Atoi(toks[j+1].text); err == nil && (y+1)%100 == n2 {
				y++
				j += 2
			}
		}
	}
	// A year followed by a scale or currency word is an amount ("2024 million"), not a year.
	if next := tokAt(toks, j); next.kind == tokWord && (scaleWords[next.low] != 0 || currencyWords[next.low] != "") {
		return quantity{}, false
	}
	if punct(toks, j, "%") {
		return quantity{}, false
	}
	return quantity{kind: qYear, year: y, from: i, to: j, text: joinTokens(toks, i, j)}, true
}

// readQuantity reads a figure at token i: an optional hedge, currency, minus sign, the number,
// an attached or following scale word, a unit (%, per cent, percentage points, bps, x) and a
// currency word after it. Years and dates are read by readYear and readDate first.
func readQuantity(toks []token, i int) (quantity, bool) {
	q := quantity{from: i}
	j := i
	// Hedges: "approximately", "more than", "less than", "c.", "up to".
	for range 3 {
		switch {
		case word(toks, j, "more", "greater") && word(toks, j+1, "than"):
			q.hedge, j = hedgeAtLeast, j+2
		case word(toks, j, "less", "fewer") && word(toks, j+1, "than"):
			q.hedge, j = hedgeAtMost, j+2
		case word(toks, j, "just", "slightly", "well") && (word(toks, j+1, "over", "above", "under", "below")):
			j++
		case word(toks, j, "in") && word(toks, j+1, "excess") && word(toks, j+2, "of"):
			q.hedge, j = hedgeAtLeast, j+3
		case word(toks, j, "close") && word(toks, j+1, "to"):
			q.hedge, j = hedgeApprox, j+2
		case tokAt(toks, j).kind == tokWord && hedgeWords[toks[j].low] != hedgeNone:
			if toks[j].low == "c" && !punct(toks, j+1, ".") {
				return quantity{}, false
			}
			q.hedge = hedgeWords[toks[j].low]
			j++
			if punct(toks, j, ".") {
				j++
			}
		default:
			goto body
		}
	}
body:
	// Currency before the figure: "€", "US$", "EUR", "$".
	for range 2 {
		t := tokAt(toks, j)
		switch {
		case t.kind == tokPunct && currencySymbols[t.text] != "":
			if q.currency == "" {
				q.currency = currencySymbols[t.text]
			}
			j++
		case t.kind == tokWord && (t.low == "us" || t.low == "a" || t.low == "c" || t.low == "hk" || t.low == "s") && punct(toks, j+1, "$") && toks[j+1].attached:
			q.currency = strings.ToUpper(t.low) + "D"
			j += 2
		case t.kind == tokWord && len(t.low) == 3 && currencyWords[t.low] != "" && strings.ToUpper(t.text) == t.text:
			q.currency = currencyWords[t.low]
			j++
		}
	}
	if punct(toks, j, "-", "−", "–") && tokAt(toks, j+1).kind == tokNum && toks[j+1].attached {
		q.negative = true
		j++
	}
	t := tokAt(toks, j)
	if t.kind != tokNum {
		return quantity{}, false
	}
	// The number itself reads as in a table: "1,500.5" is a figure, "1,5", "07" and "000" are not.
	n, ok := amount.Parse(t.text)
	if !ok {
		return quantity{}, false
	}
	q.value, q.decimals = n.Value, n.Decimals
	j++
	// Attached suffix: "1.2m", "3.4bn", "12pp", "45.2p", "2x", "500k".
	if s := tokAt(toks, j); s.kind == tokWord && s.attached {
		switch {
		case scaleWords[s.low] != 0 && s.low != "000":
			q.scale = scaleWords[s.low]
			j++
		case s.low == "pp" || s.low == "ppt" || s.low == "ppts" || s.low == "pts" || s.low == "pt":
			q.kind = qPoints
			j++
		case s.low == "bps" || s.low == "bp":
			q.kind, q.value, q.decimals = qPoints, q.value/100, q.decimals+2
			j++
		case s.low == "p" || s.low == "c" || s.low == "cents" || s.low == "pence":
			q.minor = true
			q.kind = qAmount
			j++
		case s.low == "x":
			q.kind = qMultiple
			j++
		default:
			return quantity{}, false // "3D", "4G": not a figure
		}
	}
	// Following scale word: "1.2 million", "€1.2 bn".
	if q.scale == 0 && q.kind == qPlain {
		if s := tokAt(toks, j); s.kind == tokWord && scaleWords[s.low] != 0 && s.low != "b" && s.low != "000" {
			// "m" alone after a space is a scale only next to a currency ("€1.2 m").
			if s.low != "m" || q.currency != "" {
				q.scale = scaleWords[s.low]
				j++
			}
		}
	}
	// Unit.
	if q.kind == qPlain {
		switch {
		case punct(toks, j, "%"):
			q.kind = qPercent
			j++
		case word(toks, j, "per") && word(toks, j+1, "cent"):
			q.kind = qPercent
			j += 2
		case word(toks, j, "percent", "pct"):
			q.kind = qPercent
			j++
		case word(toks, j, "percentage") && word(toks, j+1, "points", "point", "pts"):
			q.kind = qPoints
			j += 2
		case word(toks, j, "pp", "ppt", "ppts", "pts", "points"):
			q.kind = qPoints
			j++
		case word(toks, j, "basis") && word(toks, j+1, "points", "point"):
			q.kind, q.value, q.decimals = qPoints, q.value/100, q.decimals+2
			j += 2
		case word(toks, j, "bps", "bp"):
			q.kind, q.value, q.decimals = qPoints, q.value/100, q.decimals+2
			j++
		case word(toks, j, "times"):
			q.kind = qMultiple
			j++
		case word(toks, j, "pence", "cents", "cent", "p"):
			q.kind, q.minor = qAmount, true
			j++
		}
	}
	// Currency word after: "1.2 million euros", "EUR".
	if c := tokAt(toks, j); c.kind == tokWord && currencyWords[c.low] != "" && q.kind == qPlain {
		q.currency = currencyWords[c.low]
		j++
	}
	if q.kind == qPlain && (q.currency != "" || q.scale != 0) {
		q.kind = qAmount
	}
	q.to = j
	q.text = joinTokens(toks, i, j)
	q.start, q.end = toks[i].start, toks[j-1].end
	return q, true
}
