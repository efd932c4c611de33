package disclosure

import (
	"strings"
	"unicode"
)

// normalize is the form both the document and the checklist's patterns are compared in: lower
// case, apostrophes dropped ("group's" reads "groups"), hyphens, dashes and slashes as spaces
// ("right-of-use" reads "right of use"), punctuation other than what figures need as spaces,
// runs of space collapsed, and every word made singular by stem, so that "Lease liabilities"
// and "lease liability" read the same. Patterns are written against this form.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var word []rune
	space := true // the last rune written was a space (or nothing was written)
	flush := func() {
		if len(word) > 0 {
			b.WriteString(stem(string(word)))
			word = word[:0]
			space = false
		}
	}
	emit := func(r rune) {
		flush()
		if r == ' ' {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			return
		}
		b.WriteRune(r)
		space = false
	}
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == 'ʼ':
			// dropped inside a word: "group's" -> "groups"
		case unicode.IsLetter(r):
			word = append(word, unicode.ToLower(r))
		case unicode.IsDigit(r):
			emit(r)
		case strings.ContainsRune(".,%$€£¥<>", r):
			emit(r)
		default:
			emit(' ')
		}
	}
	flush()
	return strings.TrimSpace(b.String())
}

// keepWords are words that end in "s" but are not plurals.
var keepWords = map[string]bool{"ifrs": true, "gaap": true, "sfrs": true, "ipsas": true}

// stem makes an English plural singular, conservatively: "liabilities" -> "liability",
// "losses" -> "loss", "taxes" -> "tax", "leases" -> "lease", "assets" -> "asset". Words of three
// letters or fewer and words ending in "ss", "us" or "is" ("loss", "bonus", "basis") are left
// alone. The same function runs on the document and, by the checklist's validation, on the
// pattern words, so a pattern word is always written in the form stem leaves unchanged.
func stem(w string) string {
	n := len(w)
	if n <= 3 || keepWords[w] || !strings.HasSuffix(w, "s") {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n >= 5:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return w[:n-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	}
	return w[:n-1]
}

// sentences splits a paragraph into its sentences, so a finding can quote the one that
// triggered a standard rather than a whole note.
func sentences(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i, r := range rs {
		if r != '.' && r != ';' && r != '!' && r != '?' && r != '\n' {
			continue
		}
		// "1.5" and "e.g." are not sentence ends: the next rune must be a space or the end.
		if r == '.' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			continue
		}
		if sen := strings.TrimSpace(string(rs[start : i+1])); sen != "" {
			out = append(out, sen)
		}
		start = i + 1
	}
	if sen := strings.TrimSpace(string(rs[start:])); sen != "" {
		out = append(out, sen)
	}
	return out
}

// clip shortens s to at most n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return strings.TrimSpace(string(rs[:n-1])) + "…"
}
