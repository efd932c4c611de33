// Package external is the external_signal agent: it asks an outside source (news, court and
// regulatory records, credit events) what is known about the entity whose statements are being
// audited, and reports what the statements leave out or contradict. The source is a Provider, so
// the agent's reading of the document and its gap rules are tested without any network.
package external

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Provider looks up signals about an entity. Implementations must return only what their source
// actually said, never a placeholder, and must stop when ctx ends.
type Provider interface {
	Signals(ctx context.Context, q Query) ([]Signal, error)
}

// Query is what the agent read from the statements: enough for a search to find the right
// entity and period, and a short excerpt of what the statements already disclose so a source can
// concentrate on what might be missing.
type Query struct {
	// Entity is the reporting entity's name as printed ("Acme Widgets plc").
	Entity string
	// Period is the year-end: "2024-12-31" when the statements print the date, "2024" when only
	// the year is known, empty when neither is.
	Period string
	// Country is where the statements say the entity is incorporated or registered, if they say.
	Country string
	// Currency is the presentation currency as printed ("£", "EUR", "$"), if one could be read.
	Currency string
	// Context is a short excerpt (at most about 1,500 characters) of the statements' own words on
	// going concern, litigation and contingencies, events after the reporting period and borrowings.
	Context string
}

// Signal types a provider reports. Other values are kept as given but lose the type-specific
// rules (a "news" item is matched on its details only).
const (
	TypeNews       = "news"
	TypeLitigation = "litigation"
	TypeDistress   = "distress"
	TypeRegulatory = "regulatory"
)

// Where a signal's source URLs come from, from strongest to weakest.
const (
	// SourcesMatched: the search engine's own grounding data ties these pages to this signal.
	SourcesMatched = "matched"
	// SourcesAnswer: pages the search engine returned for the whole answer; not tied to this
	// signal in particular.
	SourcesAnswer = "answer"
	// SourcesModel: URLs the model wrote itself; no search result confirms them.
	SourcesModel = "model"
)

// Signal is one thing an outside source says about the entity.
type Signal struct {
	// Type is news, litigation, distress, regulatory or another short word.
	Type string
	// Summary says what happened, in one or two sentences.
	Summary string
	// SourceURLs are the pages the summary rests on.
	SourceURLs []string
	// SourceBasis says where SourceURLs come from: SourcesMatched, SourcesAnswer or SourcesModel.
	SourceBasis string
	// Date is when it happened (YYYY-MM-DD, YYYY-MM or YYYY), empty when unknown.
	Date string
	// Confidence is the source's confidence from 0 to 1; 0 means it did not say.
	Confidence float64
}

// Gap classifications, as they appear in raw_data.gap_classification.
const (
	GapDisclosed    = "disclosed"
	GapNotDisclosed = "not_disclosed"
	GapContradicted = "contradicted"
)

// notConfiguredReason is what GET /api/v1/agents shows and the runner stores as the error row
// when no provider is configured.
const notConfiguredReason = "external_signal is not configured: set VERITAS_GEMINI_API_KEY"

// ErrNotConfigured is returned by Run when the agent has no provider.
var ErrNotConfigured = errors.New("external_signal is not configured")

// ErrNoEntity is returned by Run when the statements do not name the entity: a search without a
// name would be about nobody in particular, and an empty result would read as a clean bill.
var ErrNoEntity = errors.New("external_signal could not find the entity's name in the document")

// maxSignals bounds how many signals one run considers, whatever the provider returns, and
// maxSummary how long a summary may be (in runes).
const (
	maxSignals = 20
	maxSummary = 1000
)

// lateSignal is how long after the year-end a signal can still bear on the statements: events
// later than that come after any plausible date of approval.
const lateSignal = 12 // months

// Agent is the external_signal agent.
type Agent struct {
	provider Provider
}

var _ agents.Agent = (*Agent)(nil)

// New returns the agent. A nil provider gives an agent that is listed as unavailable and fails
// every run with ErrNotConfigured, so a job never gets made-up external findings.
func New(p Provider) *Agent { return &Agent{provider: p} }

// Info describes the agent for GET /api/v1/agents.
func (a *Agent) Info() schemas.AgentInfo {
	info := schemas.AgentInfo{
		ID:       schemas.AgentExternal,
		Category: schemas.Category(schemas.AgentExternal),
		Name:     "External signals",
		Description: "Looks up news, litigation, distress and regulatory signals about the entity " +
			"named in the statements and reports those the statements do not disclose or contradict.",
		Available: a.provider != nil,
	}
	if a.provider == nil {
		info.Reason = notConfiguredReason
	}
	return info
}

// Run reads the entity, period and disclosures from doc, asks the provider, and returns one
// finding per signal the statements do not disclose or contradict. Signals without a source are
// dropped: an unsourced claim of litigation or distress cannot be put before an auditor.
func (a *Agent) Run(ctx context.Context, doc *extract.Document, progress agents.Progress) ([]schemas.Finding, error) {
	if a.provider == nil {
		return nil, ErrNotConfigured
	}
	if doc == nil {
		return nil, errors.New("external_signal: no document")
	}
	if progress == nil {
		progress = func(int, int, string) {}
	}
	st := readStatements(doc)
	if st.entity == "" {
		return nil, fmt.Errorf("%w (looked for a title, a name ending in plc, Inc., Ltd, Limited, AG, SE, S.A., GmbH or N.V., and a \"the Company\" or \"the Group\" definition)", ErrNoEntity)
	}
	q := st.query()
	progress(0, 1, fmt.Sprintf("looking up %s (%s, period %s)", q.Entity, st.entitySource, orUnknown(q.Period)))

	signals, err := a.provider.Signals(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("external_signal: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("external_signal: %w", err)
	}
	signals, dropped := usable(signals, q.Period)
	if len(dropped) > 0 {
		progress(0, len(signals), "set aside "+strings.Join(dropped, "; "))
	}
	lookup := providerName(a.provider)
	findings := []schemas.Finding{}
	for i, s := range signals {
		g := st.classify(s)
		if g.class == GapDisclosed {
			progress(i+1, len(signals), fmt.Sprintf("signal %d of %d (%s) is covered by the statements: %s",
				i+1, len(signals), s.Type, g.evidence.ref()))
			continue
		}
		findings = append(findings, finding(q, s, g, lookup))
		progress(i+1, len(signals), fmt.Sprintf("signal %d of %d (%s): %s", i+1, len(signals), s.Type, g.class))
	}
	return findings, nil
}

// providerName names the look-up in a finding's reasoning, when the provider can say what it is.
func providerName(p Provider) string {
	if n, ok := p.(interface{ Name() string }); ok {
		if name := strings.TrimSpace(n.Name()); name != "" {
			return name
		}
	}
	return "the configured provider"
}

// usable normalises the provider's signals and sets aside those that cannot be reported: no
// summary, no source, a duplicate, or dated too long after the year-end to bear on these
// statements. It returns the kept signals and one phrase per reason something was set aside.
func usable(in []Signal, period string) ([]Signal, []string) {
	var (
		out                           []Signal
		noSource, late, dup, overflow int
		seen                          = map[string]bool{}
	)
	limit, hasLimit := latestRelevant(period)
	for _, s := range in {
		s.Type = strings.ToLower(strings.TrimSpace(s.Type))
		if s.Type == "" {
			s.Type = TypeNews
		}
		s.Summary = clip(strings.Join(strings.Fields(s.Summary), " "), maxSummary)
		s.SourceURLs = cleanURLs(s.SourceURLs)
		if s.Confidence < 0 || s.Confidence > 1 || s.Confidence != s.Confidence {
			s.Confidence = 0
		}
		switch key := strings.ToLower(s.Summary); {
		case s.Summary == "":
			continue
		case len(s.SourceURLs) == 0:
			noSource++
		case seen[key]:
			dup++
		case hasLimit && s.Date != "" && dateAfter(s.Date, limit):
			late++
		case len(out) == maxSignals:
			overflow++
		default:
			seen[key] = true
			out = append(out, s)
		}
	}
	var why []string
	if noSource > 0 {
		why = append(why, fmt.Sprintf("%d signal(s) without a source", noSource))
	}
	if dup > 0 {
		why = append(why, fmt.Sprintf("%d duplicate signal(s)", dup))
	}
	if late > 0 {
		why = append(why, fmt.Sprintf("%d signal(s) dated more than %d months after the year-end", late, lateSignal))
	}
	if overflow > 0 {
		why = append(why, fmt.Sprintf("%d signal(s) beyond the first %d", overflow, maxSignals))
	}
	return out, why
}

// cleanURLs keeps the http(s) URLs of a signal, once each, at most five.
func cleanURLs(urls []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range urls {
		u = strings.TrimSpace(u)
		low := strings.ToLower(u)
		if len(u) > 1000 || seen[u] || !(strings.HasPrefix(low, "https://") || strings.HasPrefix(low, "http://")) ||
			strings.ContainsAny(u, " \t\n\"<>") {
			continue
		}
		seen[u] = true
		out = append(out, u)
		if len(out) == 5 {
			break
		}
	}
	return out
}

// latestRelevant is the last date a signal may carry and still bear on statements for period.
func latestRelevant(period string) (time.Time, bool) {
	end, ok := periodEnd(period)
	if !ok {
		return time.Time{}, false
	}
	return end.AddDate(0, lateSignal, 0), true
}

// periodEnd reads a Query.Period: a full date, or a year read as its 31 December.
func periodEnd(period string) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", period); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006", period); err == nil {
		return t.AddDate(1, 0, -1), true
	}
	return time.Time{}, false
}

// dateAfter reports whether a signal date (YYYY-MM-DD, YYYY-MM or YYYY) lies wholly after limit.
// A date it cannot read is never "after": the signal is kept and judged on its content.
func dateAfter(date string, limit time.Time) bool {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, date); err == nil {
			return t.After(limit)
		}
	}
	return false
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
