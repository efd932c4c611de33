package external

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/schemas"
)

// topic is one kind of matter a signal can be about, with how the statements discuss it and how
// they deny it.
type topic struct {
	name  string
	label string // how a finding names the topic
	// signal recognises the topic in a signal's summary (besides its Type).
	signal *regexp.Regexp
	// severe is what a signal must say for a denial in the statements to be contradicted by it:
	// "no material uncertainty" is contradicted by a default, not by a refinancing. Nil: any
	// signal on the topic.
	severe *regexp.Regexp
	// discuss recognises a sentence of the statements about the topic.
	discuss *regexp.Regexp
	// deny recognises a sentence that says the topic does not arise ("no pending litigation").
	deny []*regexp.Regexp
}

var topics = []topic{
	{
		name:    TypeLitigation,
		label:   "litigation or legal claims",
		signal:  regexp.MustCompile(`(?i)\b(?:lawsuits?|sued|sues|suing|litigation|legal (?:action|proceedings?|claims?)|class[- ]action|court|tribunal|arbitration|plaintiffs?|defendants?|indict\w*|damages)\b`),
		discuss: regexp.MustCompile(`(?i)\b(?:litigation|legal (?:proceedings|actions?|claims?|matters?)|lawsuits?|class[- ]action|court|arbitration|tribunal|contingent liabilit\w*|claims? (?:against|brought|filed|made|arising)|involved in (?:\w+ ){0,2}claims|proceedings)\b`),
		deny: []*regexp.Regexp{
			regexp.MustCompile(`(?i)\b(?:no|nor any|not any)\s+(?:\w+\s+){0,3}?(?:litigation|legal (?:proceedings|actions?|claims)|lawsuits|claims|proceedings|contingent liabilities)\b`),
			regexp.MustCompile(`(?i)\bnot\s+(?:a\s+)?party\s+to\s+any\s+(?:\w+\s+){0,2}?(?:legal|litigation|proceedings|lawsuits?|claims)`),
			regexp.MustCompile(`(?i)\bnot\s+aware\s+of\s+any\s+(?:\w+\s+){0,3}?(?:litigation|legal (?:proceedings|actions?|claims)|lawsuits|claims|proceedings)\b`),
		},
	},
	{
		name:   TypeRegulatory,
		label:  "regulatory matters",
		signal: regexp.MustCompile(`(?i)\b(?:regulat\w+|investigat\w+|probe[sd]?|fined|fines?|penalt\w+|sanction\w*|enforcement|antitrust|competition authority|consent order|recall\w*|SEC|FCA|CMA|BaFin|AMF|ESMA)\b`),
		// Not "penalties" or "fines" alone: "interest and penalties on uncertain tax positions" is
		// about tax, not a regulator.
		discuss: regexp.MustCompile(`(?i)\b(?:regulator\w*|regulatory (?:action|proceedings|matters?|review)|investigations?|enforcement|sanctions?|inquir(?:y|ies)|consent order|recalls?)\b`),
		deny: []*regexp.Regexp{
			regexp.MustCompile(`(?i)\bno\s+(?:\w+\s+){0,3}?(?:investigations?|enforcement actions?|inquiries|regulatory (?:actions?|proceedings|sanctions|penalties|fines))\b`),
			regexp.MustCompile(`(?i)\bnot\s+(?:the\s+)?subject\s+(?:of|to)\s+any\s+(?:\w+\s+){0,2}?(?:investigations?|regulatory|enforcement|sanctions|penalties|inquiry|inquiries)`),
		},
	},
	{
		name:    TypeDistress,
		label:   "going concern, covenants or defaults",
		signal:  regexp.MustCompile(`(?i)\b(?:going concern|insolven\w+|bankrupt\w*|administration|administrators?|receivership|liquidation|default\w*|covenants?|breach\w*|restructur\w+|chapter 11|downgrad\w+|refinanc\w+|waivers?|missed (?:a |an )?(?:\w+ )?payments?|distress\w*|profit warning|credit rating)\b`),
		severe:  regexp.MustCompile(`(?i)\b(?:going concern|insolven\w+|bankrupt\w*|administration|administrators?|receivership|liquidation|default\w*|covenant breach\w*|breach\w* (?:of )?(?:its |the |a )?(?:\w+ )?covenants?|chapter 11|missed (?:a |an )?(?:\w+ )?payments?)\b`),
		discuss: regexp.MustCompile(`(?i)\b(?:going concern|material uncertaint\w+|covenants?|defaults?|waivers?|refinanc\w+|liquidity|restructur\w+|breach\w*|insolven\w+|administration)\b`),
		deny: []*regexp.Regexp{
			regexp.MustCompile(`(?i)\bno\s+material\s+uncertaint(?:y|ies)\b`),
			regexp.MustCompile(`(?i)\b(?:complied|in compliance|compliant)\s+with\s+(?:all\s+)?(?:of\s+)?(?:its\s+|the\s+|their\s+)?(?:financial\s+|banking\s+|debt\s+|loan\s+)?covenants\b`),
			regexp.MustCompile(`(?i)\bno\s+(?:\w+\s+){0,2}?(?:breach(?:es)?|defaults?)\b`),
			regexp.MustCompile(`(?i)\bnot\s+in\s+(?:breach|default)\b`),
		},
	},
}

// qualifierRe marks a denial that admits exceptions ("other than as disclosed in note 24, there
// is no litigation"): the statements then discuss the topic rather than deny it.
var qualifierRe = regexp.MustCompile(`(?i)\b(?:other than|except|save for|apart from|besides|beyond those|than those|as disclosed|described in note)\b`)

// gap is how the statements stand to one signal.
type gap struct {
	class string
	// evidence is the sentence that denies the signal (contradicted), covers it (disclosed), or
	// discusses the topic without covering this signal (not_disclosed with general coverage).
	evidence sentence
	found    bool
	topics   []string // labels of the signal's topics
}

// classify compares a signal with the statements. A sentence on the signal's topic that shares
// its particulars (names, amounts, dates) covers it; failing that, a sentence that denies the
// topic outright contradicts it; failing that it is not disclosed. A signal that names no topic
// (plain news) can only be covered, never contradicted.
func (st statements) classify(s Signal) gap {
	var mask uint
	g := gap{class: GapNotDisclosed}
	for i, t := range topics {
		if s.Type == t.name || t.signal.MatchString(s.Summary) {
			mask |= 1 << i
			g.topics = append(g.topics, t.label)
		}
	}
	want := particularsOf(s, st.entity)
	general, denial := -1, -1
	for i, sen := range st.sentences {
		onTopic := sen.discusses&mask != 0
		if onTopic && general < 0 && sen.discusses&^sen.denies&mask != 0 {
			general = i
		}
		if onTopic && denial < 0 && sen.denies&mask != 0 {
			denial = i
		}
		// Particulars may sit in the sentences around the one on topic: match the paragraph.
		if (onTopic || mask == 0) && want.coveredBy(sen.para, onTopic) {
			g.class, g.evidence, g.found = GapDisclosed, sen, true
			return g
		}
	}
	for i, t := range topics {
		if mask&(1<<i) == 0 || t.severe != nil && !t.severe.MatchString(s.Summary) {
			continue
		}
		for _, sen := range st.sentences {
			if sen.denies&(1<<i) != 0 {
				g.class, g.evidence, g.found = GapContradicted, sen, true
				return g
			}
		}
	}
	// Nothing covers or contradicts it: point to the nearest the statements come, an affirmative
	// sentence on the topic, or else a denial this signal is too mild to contradict.
	if general < 0 {
		general = denial
	}
	if general >= 0 {
		g.evidence, g.found = st.sentences[general], true
	}
	return g
}

// denies reports whether a sentence denies topic t without qualification.
func denies(t topic, text string) bool {
	// Every denial says "no", "not", "nor" or "complied": most sentences say none of them.
	low := " " + strings.ToLower(text) + " "
	if !strings.Contains(low, " no ") && !strings.Contains(low, " not ") && !strings.Contains(low, " nor ") &&
		!strings.Contains(low, "compli") {
		return false
	}
	if qualifierRe.MatchString(text) {
		return false
	}
	for _, re := range t.deny {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// particulars are the details of a signal that a disclosure of the same matter would repeat.
type particulars struct {
	strong  []string // proper names, amounts, month-and-year
	content []string // other distinctive words
}

// stopWords are words too common in statements and news to show that two texts speak of one
// matter: function words, and the vocabulary every results commentary uses. Measured on TAT-QA
// (TestCorpus), leaving these in let one company's commentary "cover" another's in 11 % of
// excerpts.
var stopWords = wordSet(`
	about above according additional after against alleged allegedly also amount amounts
	announced annual approximately average balance based because before being below between
	billion business certain change changes company company's companies compared comparison
	consist consisting consists could current customer customers decrease decreased
	decreases decreasing driven during effect entity expense expenses fiscal filed financial
	first following fourth further growth higher however impact impacted including included
	includes income increase increased increases increasing interest lower matter million
	millions net number offset operating operations other partially payment payments percent
	period potential previous price primarily prior products provided quarter rate
	recognized recorded regarding related relating report reported reportedly reports
	respectively result resulted results revenue revenues sales second segment services
	several shares should significant significantly since signal stated statements stock
	their there these third those through total under value which while within without would
	years`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

var (
	tokenRe  = regexp.MustCompile(`[\p{L}][\p{L}\p{N}'’\-]*|\d[\d,.]*`)
	monthYRe = regexp.MustCompile(`(?i)\b(` + monthNames + `)\s+(\d{4})\b`)
)

// particularsOf collects a signal's details: capitalised words other than at the start of a
// sentence (counterparties, courts, regulators), amounts, the month and year, and distinctive
// lower-case words. The entity's own name is no detail: the statements print it everywhere.
func particularsOf(s Signal, entity string) particulars {
	var p particulars
	seen := map[string]bool{}
	for _, w := range tokenRe.FindAllString(entity, -1) {
		seen[strings.ToLower(strings.Trim(w, "'’-.,"))] = true
	}
	add := func(list *[]string, w string) {
		if !seen[w] {
			seen[w] = true
			*list = append(*list, w)
		}
	}
	for _, sent := range splitSentences(s.Summary) {
		for i, tok := range tokenRe.FindAllString(sent, -1) {
			tok = strings.Trim(tok, "'’-.,")
			if tok == "" {
				continue
			}
			r, _ := utf8.DecodeRuneInString(tok)
			low := strings.ToLower(tok)
			switch {
			case unicode.IsDigit(r):
				if a := amountKey(tok); a != "" {
					add(&p.strong, a)
				}
			case unicode.IsUpper(r) && i > 0 && utf8.RuneCountInString(tok) > 2 &&
				!genericWords[low] && !titleWords[low] && !stopWords[low] && !noteWords[low] && monthNumber(tok) == 0:
				add(&p.strong, low)
			case unicode.IsLower(r) && utf8.RuneCountInString(tok) >= 5 && !stopWords[low] && !genericWords[low] && !noteWords[low]:
				add(&p.content, low)
			}
		}
	}
	for _, m := range monthYRe.FindAllStringSubmatch(s.Summary, -1) {
		add(&p.strong, fmt.Sprintf("%s %s", strings.ToLower(m[1]), m[2]))
	}
	if len(s.Date) >= 7 {
		if mon, err := strconv.Atoi(s.Date[5:7]); err == nil && mon >= 1 && mon <= 12 {
			add(&p.strong, fmt.Sprintf("%s %s", strings.ToLower(strings.Split(monthNames, "|")[mon-1]), s.Date[:4]))
		}
	}
	return p
}

// amountKey reduces a printed amount to its digits ("£1,200m" and "1,200.0" both give "1200",
// "17.6" gives "17.6"); years and one-digit figures say too little and give "".
func amountKey(tok string) string {
	n := strings.ReplaceAll(strings.TrimRight(tok, ".,"), ",", "")
	if strings.Contains(n, ".") {
		n = strings.TrimRight(strings.TrimRight(n, "0"), ".")
	}
	n = strings.TrimLeft(n, "0")
	if strings.Count(n, ".") > 1 || len(strings.ReplaceAll(n, ".", "")) < 2 || isYear(n) {
		return ""
	}
	return n
}

// coveredBy reports whether text repeats enough of the particulars to be about the same matter.
// On a topic the sentence already shares (a lawsuit and a paragraph on litigation), a proper
// name, amount or date and one more detail, or three distinctive words, are enough; plain news
// has no topic to lean on and needs two proper names, amounts or dates, or one and three words.
// Either way, a text that repeats three fifths of the signal's details covers it.
func (p particulars) coveredBy(pw *paragraphWords, onTopic bool) bool {
	low, words := pw.low, pw.words
	strong, content := 0, 0
	for _, w := range p.strong {
		if words[w] || strings.Contains(w, " ") && strings.Contains(low, w) {
			strong++
		}
	}
	for _, w := range p.content {
		if words[w] {
			content++
		}
	}
	// Most of the signal's details repeated: the statements tell the same story in other words.
	if total := len(p.strong) + len(p.content); total >= 3 && (strong+content)*5 >= total*3 {
		return true
	}
	if onTopic {
		return strong >= 1 && strong+content >= 2 || content >= 3
	}
	return strong >= 2 || strong >= 1 && content >= 3
}

// readWords lists a paragraph's words (lower case) and amounts (as amountKey gives them).
func readWords(text string) *paragraphWords {
	pw := &paragraphWords{low: strings.ToLower(text), words: map[string]bool{}}
	for _, tok := range tokenRe.FindAllString(text, -1) {
		tok = strings.Trim(tok, "'’-.,")
		if len(tok) > 0 && unicode.IsDigit(rune(tok[0])) {
			if a := amountKey(tok); a != "" {
				pw.words[a] = true
			}
			continue
		}
		pw.words[strings.ToLower(tok)] = true
	}
	return pw
}

// finding turns a signal the statements leave out or contradict into a finding.
func finding(q Query, s Signal, g gap, lookup string) schemas.Finding {
	sev := severity(s, g)
	kind := s.Type
	if kind == "" {
		kind = TypeNews
	}
	title := strings.ToUpper(kind[:1]) + kind[1:]
	var desc string
	switch g.class {
	case GapContradicted:
		desc = fmt.Sprintf("%s signal contradicts the statements: %s", title, clip(s.Summary, 180))
	default:
		desc = fmt.Sprintf("%s signal not disclosed in the statements: %s", title, clip(s.Summary, 180))
	}
	lines := []string{
		"Entity: " + q.Entity,
		"Period: " + orUnknown(q.Period),
		"Signal type: " + kind,
		"Signal: " + s.Summary,
		"Signal date: " + orUnknown(s.Date),
		"Confidence: " + confidenceText(s.Confidence),
		"Gap: " + g.class,
	}
	switch {
	case g.class == GapContradicted:
		lines = append(lines, "Statements say: "+g.evidence.ref())
	case g.found:
		lines = append(lines, "Closest disclosure: "+g.evidence.ref()+" (discusses the topic but not this matter)")
	case len(g.topics) > 0:
		lines = append(lines, "Closest disclosure: none; the statements do not discuss "+strings.Join(g.topics, " or "))
	default:
		lines = append(lines, "Closest disclosure: none repeats this signal's names, amounts or dates")
	}
	lines = append(lines,
		"Sources: "+strings.Join(s.SourceURLs, " "),
		"Source basis: "+basisText(s.SourceBasis),
		"Source: external look-up by "+lookup+"; the gap is judged by matching the signal's names, amounts and dates against the statements' own sentences",
	)
	refs := []string{}
	if g.found {
		refs = append(refs, g.evidence.ref())
	}
	refs = append(refs, s.SourceURLs...)
	urls := append([]string{}, s.SourceURLs...)
	return schemas.Finding{
		Severity:    sev,
		Description: desc,
		Reasoning:   strings.Join(lines, "\n"),
		SourceRefs:  refs,
		RawData: map[string]any{
			"signal_type":        kind,
			"summary":            s.Summary,
			"source_urls":        urls,
			"gap_classification": g.class,
		},
	}
}

// severity ranks a finding: a contradiction is high; an undisclosed litigation, regulatory or
// distress signal is high when the source is confident, otherwise medium; plain news one level
// lower. A topic the statements discuss in general terms, or a source only the model vouches
// for, lowers it a level; a source below 0.4 confidence makes it low.
func severity(s Signal, g gap) string {
	if g.class == GapContradicted {
		if s.SourceBasis == SourcesModel {
			return "medium"
		}
		return "high"
	}
	level := 1 // 2 high, 1 medium, 0 low
	if len(g.topics) > 0 && s.Confidence >= 0.7 {
		level = 2
	} else if len(g.topics) == 0 && s.Confidence < 0.7 {
		level = 0
	}
	if g.found {
		level--
	}
	if s.SourceBasis == SourcesModel {
		level--
	}
	if s.Confidence > 0 && s.Confidence < 0.4 {
		level = 0
	}
	switch {
	case level >= 2:
		return "high"
	case level == 1:
		return "medium"
	}
	return "low"
}

func confidenceText(c float64) string {
	if c == 0 {
		return "not stated"
	}
	return strconv.FormatFloat(c, 'f', 2, 64)
}

func basisText(b string) string {
	switch b {
	case SourcesMatched:
		return "search results the provider's grounding data ties to this signal"
	case SourcesAnswer:
		return "search results behind the provider's whole answer, not tied to this signal in particular"
	case SourcesModel:
		return "URLs written by the model; no search result confirms them"
	}
	return "as given by the provider"
}
