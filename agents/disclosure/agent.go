// Package disclosure is the disclosure_compliance agent: it decides which IFRS standards a set
// of financial statements falls under and reports each disclosure those standards require that
// the statements do not make, against a checklist kept as data (checklist.json).
package disclosure

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Agent is the disclosure_compliance agent. It reports only what the document shows: a
// standard applies when the statements show its subject (leases for IFRS 16, revenue for
// IFRS 15), an item applies when its own condition is visible too, and a disclosure is missing
// only when none of its evidence is found anywhere in the statements. A document that is not a
// set of financial statements gets no findings at all.
type Agent struct {
	list *Checklist
}

var _ agents.Agent = (*Agent)(nil)

// New returns the agent with the embedded checklist. The checklist is validated by the
// package's tests, so an invalid one is a build defect and New panics on it.
func New() *Agent {
	c, err := LoadChecklist()
	if err != nil {
		panic("disclosure: " + err.Error())
	}
	return &Agent{list: c}
}

// Checklist returns the checklist the agent runs, for tests and for listing it to users.
func (a *Agent) Checklist() *Checklist { return a.list }

// Info describes the agent for GET /api/v1/agents.
func (a *Agent) Info() schemas.AgentInfo {
	ids := make([]string, len(a.list.Standards))
	for i, s := range a.list.Standards {
		ids[i] = s.ID
	}
	return schemas.AgentInfo{
		ID:       schemas.AgentDisclosure,
		Category: "disclosure",
		Name:     "Disclosure compliance",
		Description: fmt.Sprintf("Decides which IFRS standards apply (%s) from what the statements show, "+
			"and reports each required disclosure of a %d-item checklist that the statements do not make.",
			strings.Join(ids, ", "), len(a.list.Items)),
		Available: true,
	}
}

// Run checks doc against the checklist, one standard at a time, reporting progress after each
// and stopping between standards and items when ctx ends. Findings come in checklist order.
func (a *Agent) Run(ctx context.Context, doc *extract.Document, progress agents.Progress) ([]schemas.Finding, error) {
	if doc == nil {
		return nil, fmt.Errorf("disclosure compliance: no document")
	}
	report := func(done, total int, msg string) {
		if progress != nil {
			progress(done, total, msg)
		}
	}
	v := newView(doc)
	set := a.findSet(v)
	findings := []schemas.Finding{}
	total := len(a.list.Standards)
	if len(set.found) < a.list.MinStatements {
		report(total, total, notASetMessage(set, a.list.MinStatements))
		return findings, nil
	}
	for i, std := range a.list.Standards {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("disclosure compliance stopped at %s: %w", std.ID, err)
		}
		trig, applies := a.standardApplies(std, v, set)
		if !applies {
			report(i+1, total, fmt.Sprintf("%s does not apply: %s", std.ID, std.AppliesWhen.Description))
			continue
		}
		missing, checked, err := a.checkStandard(ctx, std, v)
		if err != nil {
			return nil, err
		}
		for _, m := range missing {
			findings = append(findings, finding(std, m, trig))
		}
		report(i+1, total, fmt.Sprintf("%s applies (%s): %d disclosures applicable, %d missing",
			std.ID, trig.because, checked, len(missing)))
	}
	return findings, nil
}

// statementSet is what made the document read as a set of financial statements.
type statementSet struct {
	found []string // primary statement names, in checklist order
	hits  []hit
}

// findSet finds the primary statements the document names in its titles.
func (a *Agent) findSet(v *view) statementSet {
	var s statementSet
	for _, ps := range a.list.Statements {
		g := Group{Scope: "title", all: []*regexp.Regexp{ps.re}, key: "primary statement\x00" + ps.Pattern}
		if h, ok := g.find(v); ok {
			s.found = append(s.found, ps.Name)
			s.hits = append(s.hits, h)
		}
	}
	return s
}

func notASetMessage(s statementSet, minimum int) string {
	if len(s.found) == 0 {
		return "not a set of financial statements: no primary statement (statement of financial position, " +
			"profit or loss, cash flows, changes in equity) is named; no disclosure checked"
	}
	return fmt.Sprintf("not a set of financial statements: only %s is named, at least %d primary statements "+
		"are needed; no disclosure checked", strings.Join(s.found, ", "), minimum)
}

// trigger is why a standard or an item applies: a sentence for the reader and where it was seen.
type trigger struct {
	because string
	refs    []string
}

// standardApplies decides whether std applies to the set, and why.
func (a *Agent) standardApplies(std Standard, v *view, set statementSet) (trigger, bool) {
	if h, ok := findSignal(std.AppliesWhen.Signals, v); ok {
		return trigger{because: fmt.Sprintf("the statements mention %q (%s)", h.quote, h.ref), refs: []string{h.ref}}, true
	}
	if !std.AppliesWhen.EverySet {
		return trigger{}, false
	}
	var names, refs []string
	for _, h := range set.hits {
		names = append(names, fmt.Sprintf("%q", h.quote))
		refs = append(refs, h.ref)
	}
	return trigger{
		because: fmt.Sprintf("the document is a set of financial statements (it presents %s)", strings.Join(names, ", ")),
		refs:    refs,
	}, true
}

// gap is one applicable disclosure whose evidence was not found.
type gap struct {
	item Item
	why  trigger // the item's own condition, when it has one
}

// checkStandard evaluates every item of std and returns the missing ones, without the details
// of a missing whole, and how many items applied.
func (a *Agent) checkStandard(ctx context.Context, std Standard, v *view) ([]gap, int, error) {
	var gaps []gap
	missing := map[string]bool{}
	checked := 0
	for _, it := range a.list.Items {
		if it.Standard != std.ID {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("disclosure compliance stopped at %s: %w", it.ID, err)
		}
		var why trigger
		if len(it.AppliesWhen.Signals) > 0 {
			h, ok := findSignal(it.AppliesWhen.Signals, v)
			if !ok {
				continue
			}
			why = trigger{because: fmt.Sprintf("the statements mention %q (%s)", h.quote, h.ref), refs: []string{h.ref}}
		}
		checked++
		if _, ok := findAny(it.Evidence.Any, v); ok {
			continue
		}
		missing[it.ID] = true
		gaps = append(gaps, gap{item: it, why: why})
	}
	out := gaps[:0]
	for _, g := range gaps {
		if g.item.PartOf != "" && missing[g.item.PartOf] {
			continue
		}
		out = append(out, g)
	}
	return out, checked, nil
}

// finding words a missing disclosure for the auditor: what is missing, where the standard asks
// for it, why it applies to these statements (quoting them) and what was searched for.
func finding(std Standard, g gap, stdWhy trigger) schemas.Finding {
	it := g.item
	because := fmt.Sprintf("%s applies because %s", std.ID, stdWhy.because)
	if g.why.because != "" {
		because += fmt.Sprintf("; this disclosure applies because %s", g.why.because)
	}
	var rs strings.Builder
	fmt.Fprintf(&rs, "Standard: %s %s\n", std.ID, std.Title)
	fmt.Fprintf(&rs, "Reference: %s\n", it.Reference)
	fmt.Fprintf(&rs, "Requirement: %s\n", it.Requirement)
	fmt.Fprintf(&rs, "Why it applies: %s\n", because)
	fmt.Fprintf(&rs, "Why it matters: %s\n", it.Why)
	fmt.Fprintf(&rs, "Searched for: %s\n", it.Evidence.Description)
	fmt.Fprintf(&rs, "Result: none of it was found in the headings, paragraphs or tables of the statements")
	var refs []string
	for _, r := range append(append([]string(nil), stdWhy.refs...), g.why.refs...) {
		if !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return schemas.Finding{
		Severity:    it.Severity,
		Description: fmt.Sprintf("Missing disclosure: %s (%s)", it.Subject, it.Reference),
		Reasoning:   rs.String(),
		SourceRefs:  refs,
		RawData: map[string]any{
			"standard":        it.Standard,
			"disclosure_id":   it.ID,
			"reference":       it.Reference,
			"requirement":     it.Requirement,
			"applies_because": because,
		},
	}
}
