package disclosure

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// checklistJSON is the disclosure checklist the agent ships with; see Checklist for its shape.
//
//go:embed checklist.json
var checklistJSON []byte

// Checklist is the data the agent checks a statement against: the standards it knows, how to
// tell a set of financial statements, and the disclosures each standard requires. It is kept as
// JSON in the repository so that an auditor can read and extend it without reading Go.
type Checklist struct {
	// About says what the checklist is and how its patterns read, for a reader of the JSON.
	About string `json:"about"`
	// Statements are the primary statements by which a document shows itself to be a set of
	// financial statements (IAS 1.10).
	Statements []PrimaryStatement `json:"primary_statements"`
	// MinStatements is how many different primary statements a document must name to be read as
	// a set; a lone balance sheet table is not one.
	MinStatements int        `json:"min_statements"`
	Standards     []Standard `json:"standards"`
	Items         []Item     `json:"items"`
}

// PrimaryStatement is one statement of a complete set, found by its title.
type PrimaryStatement struct {
	// Name is how progress messages call the statement.
	Name string `json:"name"`
	// Pattern finds the statement's title in a heading, table title or title line.
	Pattern string `json:"pattern"`
	re      *regexp.Regexp
}

// Standard is one IFRS standard and what in a document brings it into play.
type Standard struct {
	// ID is the standard as findings cite it ("IFRS 16"); items name it in Item.Standard.
	ID string `json:"id"`
	// Title completes the ID in a finding's Standard line.
	Title string `json:"title"`
	// AppliesWhen says when the standard applies: to every set of financial statements, or
	// when one of its signals is found.
	AppliesWhen StandardTrigger `json:"applies_when"`
}

// StandardTrigger is a standard's applicability.
type StandardTrigger struct {
	// Description says when the standard applies, for the progress message when it does not.
	Description string `json:"description"`
	// EverySet makes the standard apply to every set of financial statements (IAS 1, IAS 7,
	// and IAS 24 through key management compensation). Signals, if any, are still quoted.
	EverySet bool `json:"every_set"`
	// Signals are what in a document shows the standard's subject; the first found is quoted.
	Signals []Group `json:"signals"`
}

// Item is one required disclosure.
type Item struct {
	// ID is stable, upper case, prefixed by the standard: "IFRS16-MATURITY".
	ID string `json:"id"`
	// Standard is the Standard.ID the item belongs to.
	Standard string `json:"standard"`
	// Reference is the paragraph of the standard: "IFRS 16.58".
	Reference string `json:"reference"`
	// Subject names the disclosure in a finding's title: "maturity analysis of lease liabilities".
	Subject string `json:"subject"`
	// Requirement restates the paragraph's demand in the checklist's own words.
	Requirement string `json:"requirement"`
	// Severity is the findings' severity: high, medium or low.
	Severity string `json:"severity"`
	// AppliesWhen narrows the item below its standard: with no signals the item applies
	// whenever its standard does.
	AppliesWhen Condition `json:"applies_when"`
	// Evidence is what satisfies the item; its description becomes "Searched for:".
	Evidence Condition `json:"evidence"`
	// Why explains to the reader why the disclosure matters; findings carry it.
	Why string `json:"why"`
	// PartOf names an item this one is a detail of: when that item is missing, this one is not
	// reported on its own, since the finding on the whole already covers it.
	PartOf string `json:"part_of,omitempty"`
}

// Condition is a described set of alternative groups: it holds when any group is found.
type Condition struct {
	// Description says in words what the groups look for.
	Description string `json:"description"`
	// Signals hold an applicability condition's groups, Any an evidence condition's.
	Signals []Group `json:"signals,omitempty"`
	Any     []Group `json:"any,omitempty"`
}

// Group is a set of terms that must all be found in one place of the given scope.
//
// Terms are regular expressions over the normalised text (see normalize): lower case,
// singular words, spaces for hyphens, no apostrophes, "|" between table cells read as a space
// and " \n " between the rows and paragraphs of a place. Each term is anchored at a word start
// but not at a word end, so "lease liabilit" finds "lease liabilities" and "disaggregat" finds
// "disaggregation".
type Group struct {
	// All are the terms, every one of which must be found.
	All []string `json:"all"`
	// Scope is where the terms must be found together: "sentence", "line" (a sentence or a
	// table row), "paragraph" (a paragraph or a table row), "text" (a paragraph, not a table
	// row), "row" (a table row),
	// "table" (its title and rows), "leaf" (the text under one heading), "section"
	// (a note with its subsections), "title" (a heading, table title or title-like line),
	// "heading" or "document".
	Scope string `json:"scope"`
	// Except are phrases blanked out before the terms are sought: "owners of the parent" is
	// not a parent.
	Except []string `json:"except,omitempty"`
	// Figures requires an amount in the same place: a table row or table with a figure, or
	// prose stating one.
	Figures bool `json:"figures,omitempty"`
	// TimeBands requires a maturity layout: a table with time-band columns or rows ("within
	// one year", "1–5 years"), or a paragraph stating a time band.
	TimeBands bool `json:"time_bands,omitempty"`
	// Title, when set, requires the headings above the place, or the title of the table it is
	// in, to match: "right of use|lease" keeps a row to the leases note.
	Title string `json:"title,omitempty"`

	all, except []*regexp.Regexp
	title       *regexp.Regexp
	// key identifies the group by its content, so that a search shared by many items (the
	// same lessee signal) runs once per document.
	key string
}

var (
	severities = []string{"high", "medium", "low"}
	scopes     = []string{"sentence", "line", "paragraph", "text", "row", "table", "leaf", "section", "title", "heading", "document"}
	itemID     = regexp.MustCompile(`^[A-Z0-9]+(?:-[A-Z0-9]+)+$`)
)

// LoadChecklist reads and validates the embedded checklist.
func LoadChecklist() (*Checklist, error) {
	return ParseChecklist(checklistJSON)
}

// ParseChecklist reads a checklist and validates all of it, so that a mistake in the data
// (a duplicate id, an unknown standard, an empty requirement, a pattern that does not
// compile or can never match normalised text) stops the agent at construction rather than
// silently dropping a disclosure. All problems are reported together.
func ParseChecklist(data []byte) (*Checklist, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Checklist
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("read checklist: %w", err)
	}
	if err := c.compile(); err != nil {
		return nil, fmt.Errorf("invalid checklist: %w", err)
	}
	return &c, nil
}

// compile validates the checklist and compiles its patterns.
func (c *Checklist) compile() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(c.About) == "" {
		bad("about is empty")
	}
	if c.MinStatements < 2 {
		bad("min_statements must be at least 2, got %d", c.MinStatements)
	}
	if len(c.Statements) < c.MinStatements {
		bad("%d primary statements listed, fewer than min_statements %d", len(c.Statements), c.MinStatements)
	}
	for i := range c.Statements {
		s := &c.Statements[i]
		re, err := compileTerm(s.Pattern)
		if err != nil || strings.TrimSpace(s.Name) == "" {
			bad("primary statement %d (%q): %v", i, s.Name, errors.Join(err, emptyErr(s.Name, "name")))
		}
		s.re = re
	}
	known := map[string]bool{}
	for i := range c.Standards {
		s := &c.Standards[i]
		where := fmt.Sprintf("standard %q", s.ID)
		if s.ID == "" || s.Title == "" || s.AppliesWhen.Description == "" {
			bad("%s: id, title and applies_when.description are required", where)
		}
		if known[s.ID] {
			bad("%s: listed twice", where)
		}
		known[s.ID] = true
		if !s.AppliesWhen.EverySet && len(s.AppliesWhen.Signals) == 0 {
			bad("%s: applies_when needs every_set or signals", where)
		}
		for j := range s.AppliesWhen.Signals {
			if err := s.AppliesWhen.Signals[j].compile(); err != nil {
				bad("%s: signal %d: %w", where, j, err)
			}
		}
	}
	ids := map[string]*Item{}
	for i := range c.Items {
		it := &c.Items[i]
		where := fmt.Sprintf("item %q", it.ID)
		if !itemID.MatchString(it.ID) {
			bad("%s: id must be upper case words joined by hyphens", where)
		}
		if ids[it.ID] != nil {
			bad("%s: duplicate id", where)
		}
		ids[it.ID] = it
		if !known[it.Standard] {
			bad("%s: unknown standard %q", where, it.Standard)
		}
		if !strings.HasPrefix(it.ID, strings.ReplaceAll(it.Standard, " ", "")+"-") {
			bad("%s: id must start with its standard %q", where, strings.ReplaceAll(it.Standard, " ", "")+"-")
		}
		if !strings.HasPrefix(it.Reference, it.Standard+".") && !strings.HasPrefix(it.Reference, "IFRS 13.") {
			bad("%s: reference %q must cite a paragraph of %s", where, it.Reference, it.Standard)
		}
		for field, v := range map[string]string{
			"subject": it.Subject, "requirement": it.Requirement, "why": it.Why,
			"applies_when.description": it.AppliesWhen.Description, "evidence.description": it.Evidence.Description,
		} {
			if strings.TrimSpace(v) == "" {
				bad("%s: %s is empty", where, field)
			}
		}
		if !slices.Contains(severities, it.Severity) {
			bad("%s: severity %q is not high, medium or low", where, it.Severity)
		}
		if len(it.AppliesWhen.Any) > 0 {
			bad("%s: applies_when lists its groups under signals", where)
		}
		if len(it.Evidence.Signals) > 0 || len(it.Evidence.Any) == 0 {
			bad("%s: evidence needs at least one group under any", where)
		}
		for j := range it.AppliesWhen.Signals {
			if err := it.AppliesWhen.Signals[j].compile(); err != nil {
				bad("%s: applies_when signal %d: %w", where, j, err)
			}
		}
		for j := range it.Evidence.Any {
			if err := it.Evidence.Any[j].compile(); err != nil {
				bad("%s: evidence group %d: %w", where, j, err)
			}
		}
	}
	for _, it := range c.Items {
		if it.PartOf == "" {
			continue
		}
		parent := ids[it.PartOf]
		switch {
		case parent == nil:
			bad("item %q: part_of names unknown item %q", it.ID, it.PartOf)
		case parent.Standard != it.Standard || parent.PartOf != "":
			bad("item %q: part_of must name a top-level item of the same standard", it.ID)
		}
	}
	return errors.Join(errs...)
}

func emptyErr(v, field string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return nil
}

// compile checks and compiles a group's patterns.
func (g *Group) compile() error {
	if !slices.Contains(scopes, g.Scope) {
		return fmt.Errorf("unknown scope %q (want one of %s)", g.Scope, strings.Join(scopes, ", "))
	}
	if len(g.All) == 0 {
		return errors.New("no terms")
	}
	if g.TimeBands && !slices.Contains([]string{"table", "row", "line", "paragraph", "text", "sentence"}, g.Scope) {
		return fmt.Errorf("time_bands needs scope table, row, line, paragraph, text or sentence, not %q", g.Scope)
	}
	g.all, g.except = nil, nil
	for _, t := range g.All {
		re, err := compileTerm(t)
		if err != nil {
			return err
		}
		g.all = append(g.all, re)
	}
	for _, t := range g.Except {
		re, err := compileTerm(t)
		if err != nil {
			return err
		}
		g.except = append(g.except, re)
	}
	if g.Title != "" {
		re, err := compileTerm(g.Title)
		if err != nil {
			return err
		}
		g.title = re
	}
	g.key = fmt.Sprintf("%s\x00%q\x00%q\x00%t\x00%t\x00%s", g.Scope, g.All, g.Except, g.Figures, g.TimeBands, g.Title)
	return nil
}

// patternWord picks out the literal words of a pattern, to check they are in normalised form.
var patternWord = regexp.MustCompile(`\\[a-zA-Z]|[a-zA-Z]+`)

// compileTerm compiles one pattern, anchored at a word start. It refuses a pattern that cannot
// match normalised text: upper case, an apostrophe or hyphen, or a word the stemmer would change
// ("assets" never occurs once the document reads "asset"). A stem that ends in "s" is written
// with an explicit continuation, "propos[a-z]*", to show it is meant as a prefix.
func compileTerm(p string) (*regexp.Regexp, error) {
	if strings.TrimSpace(p) == "" {
		return nil, errors.New("empty pattern")
	}
	if strings.ContainsAny(p, "'’-") && !strings.Contains(p, "[") {
		return nil, fmt.Errorf("pattern %q has an apostrophe or hyphen; normalised text has neither", p)
	}
	for _, loc := range patternWord.FindAllStringIndex(p, -1) {
		w := p[loc[0]:loc[1]]
		if strings.HasPrefix(w, `\`) || strings.HasPrefix(p[loc[1]:], "[") {
			continue // a regexp escape, or a stem written as a prefix: "propos[a-z]*"
		}
		if w != strings.ToLower(w) {
			return nil, fmt.Errorf("pattern %q has upper case; normalised text is lower case", p)
		}
		if stem(w) != w {
			return nil, fmt.Errorf("pattern %q has the word %q, which normalised text reads as %q", p, w, stem(w))
		}
	}
	// A word start is "not after a letter or digit" rather than \b, so that a pattern may
	// begin with a currency sign.
	re, err := regexp.Compile(`(?:^|[^\pL\pN])(?:` + p + `)`)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", p, err)
	}
	return re, nil
}
