package external

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeProvider answers with fixed signals and records the queries it was asked.
type fakeProvider struct {
	signals []Signal
	err     error
	mu      sync.Mutex
	queries []Query
}

func (p *fakeProvider) Signals(ctx context.Context, q Query) ([]Signal, error) {
	p.mu.Lock()
	p.queries = append(p.queries, q)
	p.mu.Unlock()
	return p.signals, p.err
}

func (p *fakeProvider) Name() string { return "a test provider" }

// progressLog collects progress messages.
type progressLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *progressLog) report(done, total int, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msg)
}

func (l *progressLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

// statement builds a .docx through docxgen and reads it back with extract.Docx, the way an
// upload reaches the agent.
func statement(t *testing.T, title string, paragraphs ...string) *extract.Document {
	t.Helper()
	d := docxgen.New()
	if title != "" {
		d.Heading(1, title)
	}
	for _, p := range paragraphs {
		d.Paragraph(p)
	}
	d.Heading(2, "Consolidated income statement")
	d.Table([][]string{
		{"", "2024", "2023"},
		{"", "£m", "£m"},
		{"Revenue", "1,452.4", "1,146.2"},
		{"Operating profit", "144.1", "156.7"},
	})
	doc, err := extract.Docx(d.Bytes(), extract.Limits{})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return doc
}

func run(t *testing.T, p Provider, doc *extract.Document) ([]schemas.Finding, *progressLog, error) {
	t.Helper()
	log := &progressLog{}
	fs, err := New(p).Run(context.Background(), doc, log.report)
	for _, f := range fs {
		if err := schemas.Validate(f); err != nil {
			t.Errorf("finding fails the schema: %v", err)
		}
		keys := make([]string, 0, len(f.RawData))
		for k := range f.RawData {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"gap_classification", "signal_type", "source_urls", "summary"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("raw_data keys %v, want %v", keys, want)
		}
	}
	return fs, log, err
}

func TestNotConfigured(t *testing.T) {
	a := New(nil)
	info := a.Info()
	if info.Available || info.Reason != "external_signal is not configured: set VERITAS_GEMINI_API_KEY" {
		t.Errorf("Info = %+v, want unavailable with the configuration reason", info)
	}
	if info.ID != schemas.AgentExternal || info.Category != "external" {
		t.Errorf("Info id/category = %q/%q", info.ID, info.Category)
	}
	if err := schemas.Validate(info); err != nil {
		t.Errorf("Info fails the schema: %v", err)
	}
	fs, err := a.Run(context.Background(), statement(t, "Acme Widgets plc"), nil)
	if !errors.Is(err, ErrNotConfigured) || err.Error() != "external_signal is not configured" || fs != nil {
		t.Errorf("Run = %v, %v; want no findings and %q", fs, err, "external_signal is not configured")
	}
	if got := New(&fakeProvider{}).Info(); !got.Available || got.Reason != "" {
		t.Errorf("configured Info = %+v, want available", got)
	}
}

const lawsuit = "In March 2024 Beta Corp sued Acme Widgets plc for £120m over a failed supply contract."

func TestGapClassification(t *testing.T) {
	src := []string{"https://news.example/acme-beta"}
	tests := []struct {
		name     string
		paras    []string
		signal   Signal
		wantGap  string // "" = no finding (disclosed)
		wantSev  string
		wantText string // in the reasoning
	}{
		{
			name:    "statements deny litigation",
			paras:   []string{"There is no pending litigation against the Group."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Date: "2024-03-14", Confidence: 0.85},
			wantGap: GapContradicted, wantSev: "high", wantText: `Statements say: Paragraph`,
		},
		{
			name: "statements disclose the same claim",
			paras: []string{"Contingent liabilities. In March 2024 a claim for £120m was brought against the Company by Beta Corp " +
				"in relation to a supply contract. The directors consider the claim without merit."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.85},
			wantGap: "",
		},
		{
			name:    "statements discuss claims only in general",
			paras:   []string{"From time to time the Group is involved in claims arising in the ordinary course of business."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.85},
			wantGap: GapNotDisclosed, wantSev: "medium", wantText: "discusses the topic but not this matter",
		},
		{
			name:    "statements silent",
			paras:   []string{"Revenue grew on higher volumes."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.85},
			wantGap: GapNotDisclosed, wantSev: "high", wantText: "the statements do not discuss litigation or legal claims",
		},
		{
			name:    "qualified denial is not a contradiction",
			paras:   []string{"Other than as disclosed in note 24, there is no litigation against the Group."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.85},
			wantGap: GapNotDisclosed, wantSev: "medium",
		},
		{
			name:    "default against no material uncertainty",
			paras:   []string{"The directors have concluded that there is no material uncertainty that casts doubt on the going concern basis."},
			signal:  Signal{Type: TypeDistress, Summary: "Acme Widgets plc defaulted on interest due on its £300m notes in February 2025.", SourceURLs: src, SourceBasis: SourcesMatched, Date: "2025-02-10", Confidence: 0.9},
			wantGap: GapContradicted, wantSev: "high",
		},
		{
			name:    "downgrade does not contradict going concern",
			paras:   []string{"The directors have concluded that there is no material uncertainty that casts doubt on the going concern basis."},
			signal:  Signal{Type: TypeDistress, Summary: "S&P cut Acme Widgets plc's credit rating to BB in May 2024.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.9},
			wantGap: GapNotDisclosed, wantSev: "medium", wantText: "Closest disclosure: Paragraph 2: \"The directors have concluded that there is no material uncertainty",
		},
		{
			name:    "tax penalties are not regulatory denials",
			paras:   []string{"The Company had no accrued interest or penalties related to uncertain tax positions."},
			signal:  Signal{Type: TypeRegulatory, Summary: "The FCA fined Acme Widgets plc £12m in June 2024 over complaint handling.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.9},
			wantGap: GapNotDisclosed, wantSev: "high",
		},
		{
			name:    "the entity's own name is no detail",
			paras:   []string{"Acme Widgets plc is subject to regulatory review by the FCA from time to time."},
			signal:  Signal{Type: TypeRegulatory, Summary: "The FCA fined Acme Widgets plc £12m in June 2024 over complaint handling.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.9},
			wantGap: GapNotDisclosed, wantSev: "medium", wantText: "discusses the topic but not this matter",
		},
		{
			name:    "regulatory denial",
			paras:   []string{"The Group is not subject to any regulatory investigation."},
			signal:  Signal{Type: TypeRegulatory, Summary: "The FCA opened an investigation into Acme Widgets plc in June 2024.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.9},
			wantGap: GapContradicted, wantSev: "high",
		},
		{
			name:    "plain news, silent statements",
			paras:   []string{"Revenue grew on higher volumes."},
			signal:  Signal{Type: TypeNews, Summary: "Acme Widgets plc announced the closure of its Leeds plant in October 2024.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.6},
			wantGap: GapNotDisclosed, wantSev: "low",
		},
		{
			name:    "plain news the statements cover",
			paras:   []string{"In October 2024 the Group announced the closure of its Leeds plant; restructuring costs of £14m are included."},
			signal:  Signal{Type: TypeNews, Summary: "Acme Widgets plc announced the closure of its Leeds plant in October 2024.", SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.6},
			wantGap: "",
		},
		{
			name:    "source only the model vouches for",
			paras:   []string{"There is no pending litigation against the Group."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesModel, Confidence: 0.85},
			wantGap: GapContradicted, wantSev: "medium", wantText: "no search result confirms them",
		},
		{
			name:    "low confidence",
			paras:   []string{"Revenue grew on higher volumes."},
			signal:  Signal{Type: TypeLitigation, Summary: lawsuit, SourceURLs: src, SourceBasis: SourcesMatched, Confidence: 0.2},
			wantGap: GapNotDisclosed, wantSev: "low",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := statement(t, "Acme Widgets plc", tt.paras...)
			fs, log, err := run(t, &fakeProvider{signals: []Signal{tt.signal}}, doc)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if tt.wantGap == "" {
				if len(fs) != 0 {
					t.Fatalf("got %d finding(s), want none: %+v", len(fs), fs)
				}
				if !strings.Contains(log.text(), "is covered by the statements: Paragraph") {
					t.Errorf("progress does not say where it is covered: %s", log.text())
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if got := f.RawData["gap_classification"]; got != tt.wantGap {
				t.Errorf("gap %v, want %s\n%s", got, tt.wantGap, f.Reasoning)
			}
			if f.Severity != tt.wantSev {
				t.Errorf("severity %s, want %s\n%s", f.Severity, tt.wantSev, f.Reasoning)
			}
			if !strings.Contains(f.Reasoning, tt.wantText) {
				t.Errorf("reasoning lacks %q:\n%s", tt.wantText, f.Reasoning)
			}
			if f.RawData["summary"] != tt.signal.Summary || f.RawData["signal_type"] != tt.signal.Type ||
				!reflect.DeepEqual(f.RawData["source_urls"], src) {
				t.Errorf("raw_data %+v does not carry the signal", f.RawData)
			}
			if !strings.Contains(f.Reasoning, "Source: external look-up by a test provider") {
				t.Errorf("reasoning does not name the look-up:\n%s", f.Reasoning)
			}
		})
	}
}

func TestRunFindsTheEntityAndPeriod(t *testing.T) {
	tests := []struct {
		name       string
		title      string
		paras      []string
		wantEntity string
		wantPeriod string
	}{
		{"legal name in the title", "Acme Widgets plc", []string{"Annual report for the year ended 31 December 2024."}, "Acme Widgets plc", "2024-12-31"},
		{"title with report words", "Annual Report and Accounts 2024 of Bank of Ireland Group plc", nil, "Bank of Ireland Group plc", "2024"},
		{"all capitals", "OMEGA ENERGY INC.", []string{"Fiscal year ended December 31, 2023."}, "OMEGA ENERGY INC.", "2023-12-31"},
		{"definition", "Consolidated financial statements", []string{
			`Gamma Industries ("the Company") is a manufacturer of pumps.`, "As at 31 March 2024 the Company had 400 employees."},
			"Gamma Industries", "2024-03-31"},
		{"definition after subsidiaries", "Notes to the financial statements", []string{
			`The consolidated financial statements of Delta Corp. and its subsidiaries (together, the "Group") are presented in euros.`},
			"Delta Corp", "2024"},
		{"name printed most often", "Notes", []string{
			"Epsilon Holdings Limited is a private company.", "Epsilon Holdings Limited reports in sterling."},
			"Epsilon Holdings Limited", "2024"},
		{"title recurring in the text", "Zeta Foods", []string{"Zeta Foods sells bakery products.", "Zeta Foods employs 300 people."},
			"Zeta Foods", "2024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{}
			fs, _, err := run(t, p, statement(t, tt.title, tt.paras...))
			if err != nil || len(fs) != 0 {
				t.Fatalf("Run = %v, %v", fs, err)
			}
			if len(p.queries) != 1 {
				t.Fatalf("%d queries, want 1", len(p.queries))
			}
			q := p.queries[0]
			if q.Entity != tt.wantEntity || q.Period != tt.wantPeriod {
				t.Errorf("query entity %q period %q, want %q %q", q.Entity, q.Period, tt.wantEntity, tt.wantPeriod)
			}
		})
	}
}

func TestRunWithoutEntity(t *testing.T) {
	tests := []struct {
		name  string
		title string
		paras []string
	}{
		{"note heading only", "Liquidity Risk", []string{"Liquidity Risk is managed by treasury. Liquidity Risk is reviewed monthly."}},
		{"only a company the entity bought", "Acquisitions", []string{
			"On 21 November 2017 the Company acquired all shares of Cloudmark, Inc., a messaging security firm."}},
		{"a customer named once", "Revenue", []string{"Sales to Northwind Traders Ltd were 12% of revenue."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{}
			fs, _, err := run(t, p, statement(t, tt.title, tt.paras...))
			if !errors.Is(err, ErrNoEntity) || fs != nil {
				t.Fatalf("Run = %v, %v; want ErrNoEntity", fs, err)
			}
			if !strings.Contains(err.Error(), `"the Company" or "the Group" definition`) {
				t.Errorf("error does not say what was looked for: %v", err)
			}
			if len(p.queries) != 0 {
				t.Errorf("the provider was asked about nobody: %+v", p.queries)
			}
		})
	}
}

func TestQueryCarriesHintsAndContext(t *testing.T) {
	p := &fakeProvider{}
	doc := statement(t, "Acme Widgets plc",
		"Acme Widgets plc is incorporated in England and Wales. These are its statements for the year ended 31 December 2024.",
		"The directors have a reasonable expectation that the Group has adequate resources; there is no material uncertainty over going concern.",
		"The Group's borrowings comprise a £200m revolving credit facility with one financial covenant.",
		"No events have occurred after the reporting period that require disclosure.",
		"Revenue grew on higher volumes.")
	if _, _, err := run(t, p, doc); err != nil {
		t.Fatal(err)
	}
	q := p.queries[0]
	if q.Country != "England and Wales" || q.Currency != "£" || q.Period != "2024-12-31" {
		t.Errorf("hints: country %q currency %q period %q", q.Country, q.Currency, q.Period)
	}
	for _, s := range []string{"no material uncertainty", "revolving credit facility", "after the reporting period"} {
		if !strings.Contains(q.Context, s) {
			t.Errorf("context lacks %q: %s", s, q.Context)
		}
	}
	if strings.Contains(q.Context, "higher volumes") {
		t.Errorf("context carries an unrelated sentence: %s", q.Context)
	}
	if len(q.Context) > 1600 {
		t.Errorf("context is %d bytes", len(q.Context))
	}
}

func TestRunSetsAsideUnreportableSignals(t *testing.T) {
	p := &fakeProvider{signals: []Signal{
		{Type: "litigation", Summary: lawsuit, Confidence: 0.9},                                                                              // no source
		{Type: "litigation", Summary: lawsuit, SourceURLs: []string{"javascript:alert(1)"}, Confidence: 0.9},                                 // no usable source
		{Type: "news", Summary: "Acme Widgets plc was sold to Kappa in 2027.", SourceURLs: []string{"https://n.example/1"}, Date: "2027-05"}, // too late
		{Type: "Litigation ", Summary: "  " + lawsuit + " ", SourceURLs: []string{"https://n.example/2"}, SourceBasis: SourcesMatched, Confidence: 0.9},
		{Type: "litigation", Summary: lawsuit, SourceURLs: []string{"https://n.example/3"}, Confidence: 0.9}, // duplicate
		{Type: "news", Summary: "   ", SourceURLs: []string{"https://n.example/4"}},
	}}
	fs, log, err := run(t, p, statement(t, "Acme Widgets plc", "Revenue grew."))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].RawData["summary"] != lawsuit || fs[0].RawData["signal_type"] != "litigation" {
		t.Fatalf("findings %+v, want the one sourced lawsuit", fs)
	}
	for _, s := range []string{"2 signal(s) without a source", "1 duplicate signal(s)", "1 signal(s) dated more than 12 months after the year-end"} {
		if !strings.Contains(log.text(), s) {
			t.Errorf("progress lacks %q:\n%s", s, log.text())
		}
	}
}

func TestRunProviderError(t *testing.T) {
	cause := errors.New("Gemini rate limit reached; tried 4 times")
	_, _, err := run(t, &fakeProvider{err: cause}, statement(t, "Acme Widgets plc"))
	if !errors.Is(err, cause) || err.Error() != "external_signal: Gemini rate limit reached; tried 4 times" {
		t.Errorf("Run error %v", err)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &fakeProvider{signals: []Signal{{Type: "litigation", Summary: lawsuit, SourceURLs: []string{"https://n.example/2"}}}}
	_, err := New(p).Run(ctx, statement(t, "Acme Widgets plc"), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error %v, want context.Canceled", err)
	}
}
