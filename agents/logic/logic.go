// Package logic is the logic_consistency agent: it reads the narrative of a statement (the
// management commentary, the notes' prose) and checks what it says against the tables.
//
// It parses claims from paragraphs ("revenue increased by 12% to €1.2 million", "a decrease in
// net debt", "returned to profit", "gross margin improved by 1.5 percentage points"), ties each
// to one line item of the tables (primary statements before summaries and notes), and checks
// the direction, the size, the level and the years. It also checks the tables' own signs
// (negative revenue or cash, a "profit" line showing a loss) and that the document states one
// year end. A claim it cannot tie to a figure unambiguously is never a finding: at most it is
// passed to the optional language-model Reviewer. Some narrative is checked against itself
// (quoted.go): a growth rate or multiple against the two amounts the same sentence quotes,
// shares of one whole that different parties hold adding to more than 100 % in one paragraph,
// and depreciation for the whole year on an asset the text took out of use from a date inside it.
//
// Severity rule:
//   - high: a stated direction the figures contradict; profit or loss (or net cash) wording
//     the sign of the figure contradicts; a sign no statement can print (negative revenue, cash
//     or total assets).
//   - medium: a size or level outside the rounding of both figures by more than a quarter of
//     the larger; "flat" or "unchanged" for a change over 5 %; a reporting date or year that
//     disagrees with the rest of the document; a line labelled profit that shows a loss;
//     "returned to profit" when the prior year was a profit too; shares of one whole over
//     100 %; depreciation the text itself rules out (IFRS 5.25).
//   - low: a size or level outside the rounding, but by a quarter or less.
package logic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Reviewer reads paragraphs the rules could not parse (an optional language-model pass).
type Reviewer interface {
	ReviewParagraphs(ctx context.Context, paragraphs []string, doc *extract.Document) ([]schemas.Finding, error)
}

// Options configure the agent. The zero value is the deterministic agent.
type Options struct {
	// Reviewer, when set, gets the narrative paragraphs that speak of figures or changes but
	// that the rules could not turn into a checkable claim; its findings are appended. Its
	// failure never fails the agent.
	Reviewer Reviewer
}

// Agent is the logic_consistency agent.
type Agent struct {
	opt Options
	lx  *lexicon
}

var _ agents.Agent = (*Agent)(nil)

// New returns the agent. It needs no outside service; a Reviewer adds an optional second pass.
func New(opt Options) *Agent {
	return &Agent{opt: opt, lx: newLexicon()}
}

// reviewSource tags the reasoning of findings that come from the Reviewer.
const reviewSource = "Source: language-model review"

// Info describes the agent for GET /api/v1/agents.
func (a *Agent) Info() schemas.AgentInfo {
	desc := "Checks the narrative against the numbers: stated direction and size of changes, " +
		"levels and years against the tables (within rounding), profit and loss wording against " +
		"signs, impossible signs, and reporting dates that disagree; and the narrative against itself: " +
		"a growth against the two amounts quoted beside it, shares of one whole over 100%, and " +
		"depreciation on assets held for sale or closed (IFRS 5.25)."
	if a.opt.Reviewer != nil {
		desc += " Paragraphs the rules cannot parse go to a language-model review."
	}
	return schemas.AgentInfo{
		ID:          schemas.AgentLogic,
		Category:    schemas.Category(schemas.AgentLogic),
		Name:        "Logic consistency",
		Description: desc,
		Available:   true,
	}
}

// Run checks doc. Findings come in document order: claims by paragraph, then the tables'
// signs, then reporting dates, then the narrative against itself (a growth against the amounts
// quoted beside it, shares of one whole, depreciation of assets out of use), then the
// Reviewer's findings.
func (a *Agent) Run(ctx context.Context, doc *extract.Document, progress agents.Progress) ([]schemas.Finding, error) {
	if doc == nil {
		return nil, errors.New("logic consistency: no document")
	}
	if progress == nil {
		progress = func(int, int, string) {}
	}
	ix := buildIndex(doc, a.lx)
	p := newParser(a.lx, ix)
	ck := &checker{ix: ix, latest: ix.latest()}
	total := len(doc.Paragraphs) + 2
	if a.opt.Reviewer != nil {
		total++
	}

	findings := []schemas.Finding{}
	var open []string
	var dates []dateMention // balance dates the claims name
	var ctxYear, ctxComp int
	claims, checkedClaims := 0, 0
	contradicted := map[sentenceKey]bool{} // sentences whose claims the tables contradict
	for i, para := range doc.Paragraphs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("logic consistency stopped at paragraph %d of %d: %w", i+1, len(doc.Paragraphs), err)
		}
		if para.Heading > 0 {
			ctxYear, ctxComp = headingYears(para.Text)
			continue
		}
		if isCaption(para.Text) {
			// "2024 compared with 2023" sets the years of what follows; "Revenue up 12%" is
			// a claim of its own.
			if y, c := headingYears(para.Text); y != 0 {
				ctxYear, ctxComp = y, c
				continue
			}
		}
		// A paragraph goes to the Reviewer when it speaks of figures or changes but none of
		// its claims could be compared with the tables.
		mentions, compared := false, false
		for _, sr := range p.paragraph(para.Text, ctxYear, ctxComp) {
			mentions = mentions || sr.open || len(sr.claims) > 0
			for _, c := range sr.claims {
				claims++
				for _, d := range c.dates {
					dates = append(dates, dateMention{day: d.day, month: d.month, year: d.year, text: d.text,
						phrase: clip(c.text, 200), where: fmt.Sprintf("Paragraph %d '%s'", i+1, clip(para.Text, 60))})
				}
				v, ok := ck.check(c)
				if ok {
					compared = true
					checkedClaims++
				}
				if v != nil {
					findings = append(findings, claimIssue(c, v, i, para.Text).finding())
					contradicted[sentenceKey{i, sr.text}] = true
				}
			}
		}
		if mentions && !compared {
			open = append(open, para.Text)
		}
		if (i+1)%20 == 0 || i+1 == len(doc.Paragraphs) {
			progress(i+1, total, fmt.Sprintf("read %d of %d paragraphs: %d claims, %d checked against the tables, %d finding(s)",
				i+1, len(doc.Paragraphs), claims, checkedClaims, len(findings)))
		}
	}
	for _, is := range signFindings(ix) {
		findings = append(findings, is.finding())
	}
	progress(len(doc.Paragraphs)+1, total, fmt.Sprintf("checked the signs of %d tables", len(ix.tables)))
	for _, is := range periodFindings(doc, ix, dates) {
		findings = append(findings, is.finding())
	}
	sentences := bodySentences(doc)
	// A growth the tables already contradict is reported once, against the tables.
	quoted := func(doc *extract.Document, paras [][]textSentence) []issue {
		return quotedGrowthIssues(doc, paras, contradicted)
	}
	for _, rule := range []func(*extract.Document, [][]textSentence) []issue{quoted, shareIssues, heldForSaleIssues} {
		for _, is := range rule(doc, sentences) {
			findings = append(findings, is.finding())
		}
	}
	progress(len(doc.Paragraphs)+2, total, fmt.Sprintf("checked reporting dates and the narrative against itself: %d finding(s) in all", len(findings)))

	if a.opt.Reviewer != nil && len(open) > 0 {
		reviewed, err := a.review(ctx, open, doc, progress)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("logic consistency stopped during the language-model review: %w", ctx.Err())
			}
			progress(total, total, fmt.Sprintf("language-model review failed (%s); the %d rule finding(s) stand", clip(err.Error(), 200), len(findings)))
		} else {
			findings = append(findings, reviewed...)
			progress(total, total, fmt.Sprintf("language-model review of %d paragraph(s): %d finding(s)", len(open), len(reviewed)))
		}
	}
	return findings, nil
}

// review runs the Reviewer and keeps the findings the runner can store, tagged as its own. A
// panic in the Reviewer is its error, not the agent's.
func (a *Agent) review(ctx context.Context, paragraphs []string, doc *extract.Document, progress agents.Progress) (out []schemas.Finding, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("review %d paragraphs: reviewer panicked: %v", len(paragraphs), v)
		}
	}()
	got, err := a.opt.Reviewer.ReviewParagraphs(ctx, paragraphs, doc)
	if err != nil {
		return nil, fmt.Errorf("review %d paragraphs: %w", len(paragraphs), err)
	}
	dropped := 0
	for _, f := range got {
		if !strings.Contains(f.Reasoning, reviewSource) {
			if f.Reasoning != "" && !strings.HasSuffix(f.Reasoning, "\n") {
				f.Reasoning += "\n"
			}
			f.Reasoning += reviewSource
		}
		raw := map[string]any{"fsli_name": "", "claim": "", "contradiction": f.Description, "reasoning": f.Reasoning, "kind": "review"}
		for k, v := range f.RawData {
			raw[k] = v
		}
		f.RawData = raw
		if f.SourceRefs == nil {
			f.SourceRefs = []string{}
		}
		if err := schemas.Validate(f); err != nil {
			dropped++ // a malformed finding must not fail the agent when the runner stores it
			continue
		}
		out = append(out, f)
	}
	if dropped > 0 {
		progress(0, 0, fmt.Sprintf("language-model review: dropped %d malformed finding(s)", dropped))
	}
	return out, nil
}

// isCaption reports whether a body paragraph is a heading in all but style: short, no full
// stop, such as "2024 compared with 2023" or "Revenue".
func isCaption(text string) bool {
	t := strings.TrimSpace(text)
	return utf8.RuneCountInString(t) <= 60 && !strings.ContainsAny(t, ".;")
}

// headingYears reads "2024 compared with 2023", "Fiscal 2019 vs. 2018" from a heading: the
// years the paragraphs under it discuss.
func headingYears(text string) (int, int) {
	toks := tokenize(text)
	var ys []int
	comp := false
	for i := 0; i < len(toks); i++ {
		if word(toks, i, "compared", "versus", "vs", "against", "over") {
			comp = true
		}
		if y, ok := readYear(toks, i); ok {
			ys = append(ys, y.year)
			i = y.to - 1
		}
	}
	if comp && len(ys) == 2 && ys[0] != ys[1] {
		return ys[0], ys[1]
	}
	return 0, 0
}

// issue is a finding before it is worded for the runner.
type issue struct {
	kind          string
	severity      string
	fsli          string
	description   string
	claim         string
	contradiction string
	figures       string
	tolerance     string
	location      string
	refs          []string
	rule          string
}

// finding words an issue as the API's Result row carries it.
func (is issue) finding() schemas.Finding {
	var rs strings.Builder
	fmt.Fprintf(&rs, "Claim: %s\n", is.claim)
	fmt.Fprintf(&rs, "Contradiction: %s\n", upperFirst(is.contradiction))
	fmt.Fprintf(&rs, "Figures: %s\n", is.figures)
	fmt.Fprintf(&rs, "Tolerance: %s\n", is.tolerance)
	fmt.Fprintf(&rs, "Location: %s\n", is.location)
	fmt.Fprintf(&rs, "Severity: %s (%s)", is.severity, is.rule)
	reasoning := rs.String()
	refs := is.refs
	if refs == nil {
		refs = []string{}
	}
	return schemas.Finding{
		Severity:    is.severity,
		Description: clip(is.description, 400),
		Reasoning:   reasoning,
		SourceRefs:  refs,
		RawData: map[string]any{
			"fsli_name":     is.fsli,
			"claim":         is.claim,
			"contradiction": upperFirst(is.contradiction),
			"reasoning":     reasoning,
			"kind":          is.kind,
		},
	}
}

// severityRank orders problems: the worst is reported first.
func severityRank(s string) int {
	switch s {
	case "high":
		return 3
	case "medium":
		return 2
	}
	return 1
}

// claimIssue words a contradicted claim.
func claimIssue(c claim, v *verdict, para int, paraText string) issue {
	s := v.s
	worst := v.problems[0]
	for _, p := range v.problems[1:] {
		if severityRank(p.severity) > severityRank(worst.severity) {
			worst = p
		}
	}
	var contra, tol []string
	contra = append(contra, worst.contradiction)
	tol = append(tol, worst.tolerance)
	for _, p := range v.problems {
		if p.contradiction != worst.contradiction {
			contra = append(contra, p.contradiction)
			if !slices.Contains(tol, p.tolerance) {
				tol = append(tol, p.tolerance)
			}
		}
	}
	claimText := lowerFirst(clip(c.text, 160))
	if c.state != stateNone && strings.HasPrefix(c.text, c.verb) {
		claimText = "'" + claimText + "'" // "returned to profit" without its subject
	}
	desc := fmt.Sprintf("Narrative says %s, but the %s shows %s", claimText, s.t.kind.String(), worst.actual)
	if worst.kind == kindPeriod {
		desc = fmt.Sprintf("Narrative says %s, but the statements present %d against %d", claimText, v.cur, v.comp)
	}
	paraRef := fmt.Sprintf("Paragraph %d '%s'", para+1, clip(paraText, 60))
	tableRef := s.location(v.cur, v.comp)
	figs := []string{}
	for _, y := range []int{v.cur, v.comp} {
		if x, ok := s.at(y); ok && y != 0 {
			raw := x.raw
			if raw == "" {
				raw = fmtFig(x.v, s)
			}
			figs = append(figs, fmt.Sprintf("%d = %s", y, raw))
		}
	}
	figures := fmt.Sprintf("%s: %s%s", upperFirst(s.label), strings.Join(figs, "; "), unitNote(s))
	if s.derived != "" {
		figures += fmt.Sprintf(" (derived: %s)", s.derived)
	}
	if v.comp != 0 {
		if o, ok := orient(s, v.cur, v.comp); ok {
			figures += fmt.Sprintf("; change %s", describeMove(o[0], o[1], s))
		}
	}
	return issue{
		kind:          worst.kind,
		severity:      worst.severity,
		fsli:          upperFirst(s.label),
		description:   desc,
		claim:         fmt.Sprintf("'%s' (%s)", clip(strings.TrimSpace(c.text), 300), paraRef),
		contradiction: strings.Join(contra, "; also, "),
		figures:       figures,
		tolerance:     strings.Join(tol, "; "),
		location:      fmt.Sprintf("Paragraph %d; %s", para+1, tableRef),
		refs:          []string{paraRef, tableRef},
		rule:          ruleFor(worst.kind, worst.severity),
	}
}

// ruleFor states the severity rule that applied.
func ruleFor(kind, severity string) string {
	switch kind {
	case kindDirection:
		if severity == "high" {
			return "a stated direction the figures contradict is high"
		}
		return "'flat' or 'unchanged' for a change over 5% is medium"
	case kindWording:
		if severity == "high" {
			return "profit or loss wording against the sign of the figure is high"
		}
		return "wording that misstates the prior year's result is medium"
	case kindPeriod:
		return "a year the statements do not present is medium"
	case kindSize, kindLevel:
		if severity == "medium" {
			return "a size or level off by more than a quarter beyond rounding is medium"
		}
		return "a size or level off by a quarter or less beyond rounding is low"
	}
	return severity
}

// upperFirst capitalises the first letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst lowers the first letter of a sentence quoted mid-sentence, unless the first word
// is an acronym ("EBITDA", "EPS").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
