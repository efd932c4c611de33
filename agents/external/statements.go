package external

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// statements is what the agent reads from a document: who reports, for which period, in which
// currency, and every sentence of its narrative for the gap rules.
type statements struct {
	entity       string
	entitySource string // where the name was found, for the progress message and reasoning
	period       string
	country      string
	currency     string
	sentences    []sentence
}

// sentence is one sentence of the narrative with the paragraph it came from, and what the gap
// rules need to know about it, worked out once per document rather than once per signal.
type sentence struct {
	text      string
	paragraph int // 1-based among the document's paragraphs
	para      *paragraphWords
	discusses uint // bit i: the sentence discusses topics[i]
	denies    uint // bit i: the sentence denies topics[i] without qualification
}

// paragraphWords is a paragraph's text with its words and amounts, for matching particulars.
type paragraphWords struct {
	low   string
	words map[string]bool
}

// ref names a sentence the way a reader finds it.
func (s sentence) ref() string {
	return fmt.Sprintf("Paragraph %d: %q", s.paragraph, clip(s.text, 160))
}

// query is the look-up the statements call for.
func (st statements) query() Query {
	return Query{
		Entity: st.entity, Period: st.period, Country: st.country, Currency: st.currency,
		Context: st.context(),
	}
}

// readStatements reads everything the agent needs from doc.
func readStatements(doc *extract.Document) statements {
	paras := doc.Paragraphs
	if len(paras) == 0 {
		paras = paragraphsFromMarkdown(doc.Markdown)
	}
	st := statements{}
	st.entity, st.entitySource = findEntity(paras)
	st.period = findPeriod(paras, doc.Tables)
	st.country = findCountry(paras)
	st.currency = findCurrency(paras, doc.Tables)
	for i, p := range paras {
		if p.Heading > 0 {
			continue
		}
		pw := readWords(p.Text)
		for _, s := range splitSentences(p.Text) {
			sen := sentence{text: s, paragraph: i + 1, para: pw}
			for ti, t := range topics {
				if t.discuss.MatchString(s) {
					sen.discusses |= 1 << ti
				}
				if denies(t, s) {
					sen.denies |= 1 << ti
				}
			}
			st.sentences = append(st.sentences, sen)
		}
	}
	return st
}

// paragraphsFromMarkdown recovers paragraphs from a document that carries only markdown: "#"
// lines are headings, pipe-table lines are skipped.
func paragraphsFromMarkdown(md string) []extract.Paragraph {
	var out []extract.Paragraph
	for line := range strings.SplitSeq(md, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", strings.HasPrefix(line, "|"):
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			out = append(out, extract.Paragraph{Text: strings.TrimSpace(line[level:]), Heading: min(level, 6)})
		default:
			out = append(out, extract.Paragraph{Text: strings.TrimLeft(line, "-*0123456789. ")})
		}
	}
	return out
}

// ---- entity ----

// legalSuffixes end a company name. Case matters: "SE" and "AG" are suffixes, "se" and "ag" are
// not. Bare two-letter forms that are also common abbreviations ("SA" for South Africa, "AB",
// "NV") are left out; their dotted forms are in.
var legalSuffixes = map[string]bool{
	"plc": true, "PLC": true, "Plc": true, "P.L.C.": true,
	"Inc": true, "Inc.": true, "INC.": true, "INC": true, "Incorporated": true,
	"Ltd": true, "Ltd.": true, "LTD": true, "LTD.": true, "Limited": true, "LIMITED": true,
	"AG": true, "SE": true, "S.A.": true, "GmbH": true, "N.V.": true, "LLC": true, "L.L.C.": true,
	"Corp.": true, "Corporation": true, "CORPORATION": true, "S.p.A.": true, "SpA": true,
	"B.V.": true, "ASA": true, "Oyj": true, "KGaA": true, "S.A.S.": true, "A/S": true,
}

// genericWords end the backward walk over a name: title words of a report, not of a company.
var genericWords = wordSet(`
	annual report reports accounts financial statements statement consolidated notes note
	for year ended directors directors' strategic independent auditor auditor's auditors
	members to in on at by from with as interim half-year period page contents highlights
	summary unaudited audited position income comprehensive cash flows changes equity
	balance sheet information accounting policies revenue segment months quarter this these
	our its his her their we all a an is was were are has have under between into about
	parent ultimate subsidiary subsidiaries registered incorporated january february march
	april may june july august september october november december`)

// connectors may sit inside a name between capitalised words ("Bank of Ireland", "Marks and
// Spencer", "Procter & Gamble").
var connectors = map[string]bool{
	"of": true, "and": true, "&": true, "de": true, "du": true, "la": true, "der": true,
	"van": true, "von": true, "y": true, "Of": true, "And": true, "et": true, "für": true,
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}&'’./\-]+`)

// definitionRe finds a defined term for the reporting entity: `Acme Holdings ("the Company")`,
// `Acme Holdings (together with its subsidiaries, the "Group")`.
var definitionRe = regexp.MustCompile(`\(\s*(?:(?:together|collectively|hereinafter)[^()]{0,40}?[,\s]\s*)?(?:the\s+)?["“'‘]?(?:the\s+)?(?:Company|Group|Bank|Entity|Trust|Fund|Partnership|Society)["”'’]?\s*\)`)

// findEntity names the reporting entity, trying in order: a legal name in the title (the first
// heading or the first short paragraphs), a "the Company"/"the Group" definition, the legal name
// printed most often anywhere, and the title itself when its name recurs in the text. It says
// where the name was found.
func findEntity(paras []extract.Paragraph) (string, string) {
	titleEnd := titleLength(paras)
	for _, p := range paras[:titleEnd] {
		if names := legalNames(p.Text); len(names) > 0 {
			return names[0], "named in the title"
		}
	}
	for _, p := range paras {
		for _, m := range definitionRe.FindAllStringIndex(p.Text, -1) {
			before := p.Text[:m[0]]
			before = andSubsidiariesRe.ReplaceAllString(before, "")
			if name := nameBefore(before, false); name != "" {
				return name, "defined as the reporting entity"
			}
		}
	}
	counts := map[string]int{}
	var order []string
	for _, p := range paras {
		for _, n := range legalNames(p.Text) {
			key := strings.ToLower(n)
			if counts[key] == 0 {
				order = append(order, n)
			}
			counts[key]++
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		return counts[strings.ToLower(order[i])] > counts[strings.ToLower(order[j])]
	})
	// A name printed once is as likely a customer, lender or acquisition as the reporter.
	if len(order) > 0 && counts[strings.ToLower(order[0])] >= 2 {
		return order[0], "the legal name printed most often"
	}
	if name := titleName(paras, titleEnd); name != "" {
		return name, "taken from the title"
	}
	return "", ""
}

// titleLength is how many leading paragraphs form the title: up to and including the first
// heading when one comes within the first three paragraphs, else the first paragraph when it is
// short enough to be a title.
func titleLength(paras []extract.Paragraph) int {
	for i, p := range paras {
		if i >= 3 {
			break
		}
		if p.Heading > 0 {
			return i + 1
		}
	}
	if len(paras) > 0 && len(paras[0].Text) <= 100 {
		return 1
	}
	return 0
}

var andSubsidiariesRe = regexp.MustCompile(`(?i)[\s,]+(?:and|together with)\s+(?:its|their)\s+(?:\w+\s+)?(?:subsidiaries|subsidiary undertakings|controlled entities)[\s,]*$`)

// dealRe marks a name as the other side of a deal ("acquired all shares of Cloudmark, Inc."):
// statements name the businesses they buy, sell and invest in far more often than themselves.
var dealRe = regexp.MustCompile(`(?i)\b(?:acqui\w+|purchas\w+|merger|merged|dispos\w+|divest\w+|sold|sale of|shares (?:of|in)|interest in|investment in|invested in|stake in)\b[^.;]{0,60}$`)

// legalNames finds names ending in a legal suffix in text, in order, leaving out names that are
// the object of an acquisition, sale or investment.
func legalNames(text string) []string {
	words := wordRe.FindAllStringIndex(text, -1)
	var out []string
	for i, w := range words {
		suffix := strings.TrimRight(text[w[0]:w[1]], ",;:")
		suffix = strings.TrimSuffix(strings.TrimSuffix(suffix, "'s"), "’s")
		if !legalSuffixes[suffix] {
			// "Ltd." and "Inc." keep their dot; a sentence-ending dot after "plc" is not part of it.
			suffix = strings.TrimSuffix(suffix, ".")
		}
		if !legalSuffixes[suffix] || i == 0 {
			continue
		}
		// "Corporation tax" is a tax, not a company.
		if suffix == "Corporation" && i+1 < len(words) && strings.EqualFold(text[words[i+1][0]:words[i+1][1]], "tax") {
			continue
		}
		name := nameBefore(text[:w[0]], true)
		if name == "" {
			continue
		}
		start := strings.LastIndex(text[:w[0]], strings.Fields(name)[0])
		if start >= 0 && dealRe.MatchString(text[max(0, start-80):start]) {
			continue
		}
		out = append(out, name+" "+suffix)
	}
	return out
}

// nameBefore walks back from the end of text over capitalised words (and connectors between
// them) and returns them as a name; requireCap says the last word must be capitalised.
func nameBefore(text string, requireCap bool) string {
	words := wordRe.FindAllString(text, -1)
	var name []string
	for i := len(words) - 1; i >= 0 && len(name) < 8; i-- {
		w := strings.Trim(words[i], ".,;:'’")
		if w == "" {
			break
		}
		low := strings.ToLower(w)
		if connectors[w] && len(name) > 0 {
			name = append(name, w)
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		// A word starting with a digit belongs to a name only with letters in it ("3i Group").
		if !(unicode.IsUpper(r) || unicode.IsDigit(r) && strings.ContainsFunc(w, unicode.IsLetter)) || genericWords[low] {
			break
		}
		// A name does not run on past the end of the previous sentence.
		if i < len(words)-1 && strings.HasSuffix(words[i], ".") && !strings.Contains(strings.TrimSuffix(words[i], "."), ".") && len(w) > 3 {
			break
		}
		name = append(name, w)
	}
	// Reversed, name reads from the suffix backwards. A run that began with a defined term and a
	// connector ("the Group and AMP Superannuation Limited") keeps only what follows it.
	for i := len(name) - 1; i > 0; i-- {
		if connectors[name[i]] && allTitleWords(name[i+1:]) {
			name = name[:i]
			break
		}
	}
	for len(name) > 0 && connectors[name[len(name)-1]] {
		name = name[:len(name)-1]
	}
	if len(name) > 0 && strings.EqualFold(name[len(name)-1], "the") {
		name = name[:len(name)-1]
	}
	if len(name) == 0 {
		return ""
	}
	if requireCap {
		r, _ := utf8.DecodeRuneInString(name[0])
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return ""
		}
	}
	for i, j := 0, len(name)-1; i < j; i, j = i+1, j-1 {
		name[i], name[j] = name[j], name[i]
	}
	return strings.Join(name, " ")
}

// allTitleWords reports whether every word is a defined term or an article ("Group", "The").
func allTitleWords(words []string) bool {
	for _, w := range words {
		if !titleWords[strings.ToLower(w)] {
			return false
		}
	}
	return len(words) > 0
}

// titleName takes the entity from the title when nothing else named it: the title's words
// that are not report vocabulary, provided the same words recur in the text (so a note heading
// such as "Liquidity Risk" is not taken for a company).
func titleName(paras []extract.Paragraph, titleEnd int) string {
	for _, p := range paras[:titleEnd] {
		if p.Heading == 0 || len(p.Text) > 120 {
			continue
		}
		var kept []string
		for _, w := range wordRe.FindAllString(p.Text, -1) {
			w = strings.Trim(w, ".,;:-–—")
			low := strings.ToLower(w)
			if w == "" || genericWords[low] || connectors[w] || isYear(w) || titleWords[low] || noteWords[low] {
				continue
			}
			r, _ := utf8.DecodeRuneInString(w)
			if !unicode.IsUpper(r) {
				kept = nil
				break
			}
			kept = append(kept, w)
		}
		if len(kept) == 0 || len(kept) > 6 {
			continue
		}
		name := strings.Join(kept, " ")
		recurs := 0
		for _, q := range paras[titleEnd:] {
			if q.Heading == 0 {
				recurs += strings.Count(q.Text, name)
			}
		}
		if recurs >= 2 {
			return name
		}
		return "" // only the first heading is the title
	}
	return ""
}

// titleWords are words a report title uses about itself that may also sit in a company name, so
// they are dropped from a title but not from a legal name ("Acme Group plc").
var titleWords = map[string]bool{"the": true, "fy": true, "group": true, "company": true}

// noteWords are note and section titles: a first heading made of them names a topic, not the
// entity.
var noteWords = wordSet(`
	risk risks market interest rate cost costs goodwill fiscal external tax taxation leases
	provisions borrowings intangible assets liabilities property plant equipment inventories
	receivables payables employees benefits pensions share capital reserves earnings
	dividends operations operating review chairman's chief executive governance remuneration
	overview business performance key principal uncertainties liquidity credit currency
	foreign exchange debt net loss profit expenses sales other results fair value
	commitments contingencies events subsequent`)

// ---- period ----

const monthNames = `January|February|March|April|May|June|July|August|September|October|November|December`

var (
	// "year ended 31 December 2024", "period ended December 31, 2024", "as at 31 March 2024".
	periodPhraseRe = regexp.MustCompile(`(?i)\b(?:year|period|twelve months|12 months|52 weeks|53 weeks)\s+end(?:ed|ing)\s+(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(` + monthNames + `),?\s+(\d{4})|\b(?:year|period|twelve months|12 months|52 weeks|53 weeks)\s+end(?:ed|ing)\s+(?:on\s+)?(` + monthNames + `)\s+(\d{1,2}),?\s+(\d{4})`)
	asAtRe         = regexp.MustCompile(`(?i)\bas\s+(?:at|of)\s+(?:(\d{1,2})(?:st|nd|rd|th)?\s+(` + monthNames + `),?\s+(\d{4})|(` + monthNames + `)\s+(\d{1,2}),?\s+(\d{4}))`)
	fiscalRe       = regexp.MustCompile(`(?i)\b(?:FY\s?|fiscal\s+(?:year\s+)?|financial\s+year\s+)((?:19|20)\d{2})\b`)
	yearRe         = regexp.MustCompile(`\b(19[5-9]\d|20\d\d)\b`)
)

// findPeriod reads the year-end: the date printed most often after "year ended" (then "as at"),
// else a fiscal year named in the text, else the latest year in the tables' header rows.
func findPeriod(paras []extract.Paragraph, tables []extract.Table) string {
	for _, re := range []*regexp.Regexp{periodPhraseRe, asAtRe} {
		counts := map[string]int{}
		best := ""
		for _, p := range paras {
			for _, m := range re.FindAllStringSubmatch(p.Text, -1) {
				d := dateFrom(m)
				if d == "" {
					continue
				}
				counts[d]++
				if best == "" || counts[d] > counts[best] || counts[d] == counts[best] && d > best {
					best = d
				}
			}
		}
		for _, t := range tables {
			if t.Title == "" {
				continue
			}
			for _, m := range re.FindAllStringSubmatch(t.Title, -1) {
				if d := dateFrom(m); d != "" {
					counts[d]++
					if best == "" || counts[d] > counts[best] || counts[d] == counts[best] && d > best {
						best = d
					}
				}
			}
		}
		if best != "" {
			return best
		}
	}
	latest := 0
	for _, p := range paras {
		for _, m := range fiscalRe.FindAllStringSubmatch(p.Text, -1) {
			y, _ := strconv.Atoi(m[1])
			latest = max(latest, y)
		}
	}
	if latest == 0 {
		for _, t := range tables {
			for r, row := range t.Rows {
				if r >= 3 {
					break
				}
				for _, cell := range row {
					for _, y := range yearRe.FindAllString(cell, -1) {
						n, _ := strconv.Atoi(y)
						latest = max(latest, n)
					}
				}
			}
		}
	}
	if latest == 0 {
		return ""
	}
	return strconv.Itoa(latest)
}

// dateFrom turns a period match (day-month-year or month-day-year groups) into YYYY-MM-DD.
func dateFrom(m []string) string {
	day, month, year := m[1], m[2], m[3]
	if day == "" {
		month, day, year = m[4], m[5], m[6]
	}
	mon := monthNumber(month)
	d, err := strconv.Atoi(day)
	if mon == 0 || err != nil || d < 1 || d > 31 {
		return ""
	}
	return fmt.Sprintf("%s-%02d-%02d", year, mon, d)
}

func monthNumber(name string) int {
	for i, m := range strings.Split(monthNames, "|") {
		if strings.EqualFold(m, name) {
			return i + 1
		}
	}
	return 0
}

func isYear(w string) bool { return yearRe.MatchString(w) && len(w) == 4 }

// ---- country and currency ----

var countryRe = regexp.MustCompile(`\b(?:incorporated|registered|domiciled)(?:\s+and\s+(?:domiciled|registered))?\s+in\s+((?:the\s+)?[A-Z][\p{L}]+(?:\s+(?:and\s+)?[A-Z][\p{L}]+){0,3})`)

// findCountry reads where the statements say the entity is incorporated, registered or
// domiciled; it guesses nothing from the name.
func findCountry(paras []extract.Paragraph) string {
	for _, p := range paras {
		if m := countryRe.FindStringSubmatch(p.Text); m != nil {
			return strings.TrimPrefix(m[1], "the ")
		}
	}
	return ""
}

var currencyNoteRe = regexp.MustCompile(`(US\$|[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|CNY|RMB|HKD|SEK|NOK|DKK|INR|ZAR|SGD|NZD)\b)\s?(?:m\b|bn\b|million|billion|thousand|'000|’000|000s)|\b(?:in|of)\s+(?:millions|thousands|billions)\s+of\s+((?:US\s+)?dollars|euros?|pounds(?: sterling)?|Swiss francs|yen)`)

// findCurrency reads the presentation currency: the sign or code printed most often with the
// tables' figures and in "£m"/"in millions of euros" notes.
func findCurrency(paras []extract.Paragraph, tables []extract.Table) string {
	counts := map[string]int{}
	for _, t := range tables {
		for _, row := range t.Rows {
			for _, cell := range row {
				if n, ok := amount.Parse(cell); ok && n.Currency != "" {
					counts[n.Currency]++
				}
				for _, m := range currencyNoteRe.FindAllStringSubmatch(cell, -1) {
					counts[currencyOf(m)] += 5
				}
			}
		}
		for _, m := range currencyNoteRe.FindAllStringSubmatch(t.Title, -1) {
			counts[currencyOf(m)] += 5
		}
	}
	for _, p := range paras {
		for _, m := range currencyNoteRe.FindAllStringSubmatch(p.Text, -1) {
			counts[currencyOf(m)] += 2
		}
	}
	best := ""
	for c, n := range counts {
		if c != "" && (best == "" || n > counts[best] || n == counts[best] && c < best) {
			best = c
		}
	}
	return best
}

func currencyOf(m []string) string {
	if m[1] != "" {
		return m[1]
	}
	switch w := strings.ToLower(m[2]); {
	case strings.HasPrefix(w, "us"):
		return "USD"
	case strings.HasPrefix(w, "dollar"):
		return "$"
	case strings.HasPrefix(w, "euro"):
		return "EUR"
	case strings.HasPrefix(w, "pound"):
		return "GBP"
	case strings.HasPrefix(w, "swiss"):
		return "CHF"
	case w == "yen":
		return "JPY"
	}
	return ""
}

// ---- context ----

// contextTopics are the disclosures a search should be checked against, in the order the
// excerpt gives them.
var contextTopics = []*regexp.Regexp{
	regexp.MustCompile(`(?i)going concern|material uncertaint`),
	regexp.MustCompile(`(?i)litigation|legal (?:proceedings|claims?|actions?)|lawsuit|contingent liabilit|contingencies|arbitration`),
	regexp.MustCompile(`(?i)(?:events?|occurred|arising)\s+(?:after|since)\s+the\s+(?:reporting|balance sheet|year[- ]end)|subsequent events?|post[- ]balance sheet`),
	regexp.MustCompile(`(?i)borrowings?|covenants?|credit facilit|loan facilit|revolving|refinanc|bank loans?`),
	regexp.MustCompile(`(?i)regulator|investigation|enforcement|sanction|penalt`),
}

// context is the excerpt sent with the query: up to two sentences per topic, about 1,500
// characters in all.
func (st statements) context() string {
	var b strings.Builder
	used := map[string]bool{}
	for _, re := range contextTopics {
		n := 0
		for _, s := range st.sentences {
			if n == 2 || b.Len() > 1300 {
				break
			}
			if used[s.text] || !re.MatchString(s.text) {
				continue
			}
			used[s.text] = true
			n++
			if b.Len() > 0 {
				b.WriteString(" ")
			}
			b.WriteString(clip(s.text, 300))
		}
	}
	return b.String()
}

// ---- text ----

var sentenceEndRe = regexp.MustCompile(`[.!?](?:["”’)]*)\s+`)

// splitSentences splits a paragraph at sentence ends, not at the dots of "Ltd." or "No. 3".
func splitSentences(text string) []string {
	text = strings.Join(strings.Fields(text), " ")
	var out []string
	start := 0
	for _, m := range sentenceEndRe.FindAllStringIndex(text, -1) {
		prev := lastWord(text[start:m[0]])
		if text[m[0]] == '.' && (abbreviations[strings.ToLower(prev)] || len(prev) == 1 || legalSuffixes[prev+"."]) {
			continue
		}
		if s := strings.TrimSpace(text[start:m[1]]); s != "" {
			out = append(out, s)
		}
		start = m[1]
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var abbreviations = map[string]bool{
	"no": true, "nos": true, "inc": true, "ltd": true, "co": true, "corp": true, "mr": true,
	"mrs": true, "ms": true, "dr": true, "st": true, "vs": true, "e.g": true, "i.e": true,
	"approx": true, "etc": true, "u.s": true, "u.k": true, "s.a": true, "n.v": true,
}

func lastWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, " ("); i >= 0 {
		return s[i+1:]
	}
	return s
}

// clip shortens s to at most n runes, ending with "…" when it cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
