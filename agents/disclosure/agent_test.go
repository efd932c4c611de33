package disclosure

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// sharedAgent is built once for the package's tests: an Agent holds nothing that a run
// changes, and compiling the checklist for every case would dominate the race-enabled run.
var sharedAgent = sync.OnceValue(New)

// run extracts d as an upload would and runs the agent on it, checking every finding against
// the wire schema. It returns the findings and the progress messages.
func run(t *testing.T, d *docxgen.Doc) ([]schemas.Finding, []string) {
	t.Helper()
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatalf("Docx: %v", err)
	}
	var msgs []string
	fs, err := sharedAgent().Run(context.Background(), doc, func(_, _ int, m string) { msgs = append(msgs, m) })
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range fs {
		if err := schemas.Validate(f); err != nil {
			t.Errorf("finding fails the schema: %v", err)
		}
	}
	return fs, msgs
}

// ids lists the disclosure ids of findings, sorted.
func ids(fs []schemas.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.RawData["disclosure_id"].(string))
	}
	sort.Strings(out)
	return out
}

func TestCompleteStatementReportsNothing(t *testing.T) {
	fs, msgs := run(t, build(brightwater()))
	if len(fs) != 0 {
		for _, f := range fs {
			t.Errorf("false finding: %s\n%s", f.Description, f.Reasoning)
		}
	}
	for _, std := range []string{"IAS 1", "IAS 7", "IAS 24", "IFRS 7", "IFRS 15", "IFRS 16"} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, std+" applies") }) {
			t.Errorf("no progress message says %s applies; got %q", std, msgs)
		}
	}
}

// TestOmissionReportsThatDisclosure leaves one disclosure out of the complete statement and
// expects exactly its checklist item, plus the items the same text legitimately carried.
func TestOmissionReportsThatDisclosure(t *testing.T) {
	tests := []struct {
		omit string
		want []string
	}{
		{"sfp", []string{"IAS1-FINANCIAL-POSITION", "IFRS16-LIABILITY-PRESENTATION", "IFRS16-ROU-PRESENTATION"}},
		{"socie", []string{"IAS1-CHANGES-IN-EQUITY"}},
		{"scf", []string{"IAS7-STATEMENT"}},
		{"compliance", []string{"IAS1-COMPLIANCE-STATEMENT"}},
		{"judgements", []string{"IAS1-JUDGEMENTS"}},
		{"estimates", []string{"IAS1-ESTIMATION-UNCERTAINTY"}},
		{"capital", []string{"IAS1-CAPITAL-MANAGEMENT"}},
		{"share-capital", []string{"IAS1-SHARE-CAPITAL"}},
		{"dividend-paid", []string{"IAS1-DIVIDENDS-PER-SHARE"}},
		{"dividend-proposed", []string{"IAS1-DIVIDENDS-PROPOSED"}},
		{"cash-note", []string{"IAS7-CASH-COMPONENTS"}},
		{"net-debt", []string{"IAS7-FINANCING-LIABILITIES", "IAS7-NON-CASH-TRANSACTIONS"}},
		{"parent", []string{"IAS24-PARENT"}},
		{"kmp", []string{"IAS24-KMP-COMPENSATION"}},
		{"rp-transactions", []string{"IAS24-TRANSACTIONS"}},
		{"rp-terms", []string{"IAS24-TERMS"}},
		{"fi-categories", []string{"IFRS7-CATEGORIES"}},
		{"fi-maturity", []string{"IFRS7-MATURITY"}},
		{"ageing", []string{"IFRS7-CREDIT-QUALITY"}},
		{"allowance-movement", []string{"IFRS7-ECL-RECONCILIATION"}},
		{"interest-sensitivity", []string{"IFRS7-SENSITIVITY-INTEREST"}},
		{"currency-sensitivity", []string{"IFRS7-SENSITIVITY-CURRENCY"}},
		{"fair-value", []string{"IFRS7-FAIR-VALUE"}},
		{"disaggregation", []string{"IFRS15-DISAGGREGATION"}},
		{"contract-liab-opening", []string{"IFRS15-REVENUE-FROM-OPENING-LIABILITY"}},
		{"remaining-po", []string{"IFRS15-REMAINING-OBLIGATIONS"}},
		{"lease-maturity", []string{"IFRS16-MATURITY"}},
		{"lease-cash", []string{"IFRS16-CASH-OUTFLOW"}},
		{"operating-profit", []string{"IFRS16-LOW-VALUE-EXPENSE", "IFRS16-SHORT-TERM-EXPENSE"}},
		{"rou-table", []string{"IFRS16-ROU-ADDITIONS", "IFRS16-ROU-CARRYING-BY-CLASS", "IFRS16-ROU-DEPRECIATION"}},
		{"lease-exemption", []string{"IFRS16-EXEMPTIONS-POLICY"}},
	}
	for _, tt := range tests {
		t.Run(tt.omit, func(t *testing.T) {
			t.Parallel()
			fs, _ := run(t, build(brightwater(), tt.omit))
			if got := ids(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindingSaysWhatIsMissingAndWhy(t *testing.T) {
	fs, _ := run(t, build(brightwater(), "lease-maturity"))
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if want := "Missing disclosure: maturity analysis of lease liabilities (IFRS 16.58)"; f.Description != want {
		t.Errorf("description %q, want %q", f.Description, want)
	}
	if f.Severity != "high" {
		t.Errorf("severity %q, want high", f.Severity)
	}
	for _, want := range []string{
		"Standard: IFRS 16 Leases\n", "Reference: IFRS 16.58\n", "Requirement: Disclose a maturity analysis",
		`Why it applies: IFRS 16 applies because the statements mention "Right-of-use assets"`,
		`this disclosure applies because the statements mention "Lease liabilities"`, "Searched for: ",
	} {
		if !strings.Contains(f.Reasoning, want) {
			t.Errorf("reasoning lacks %q:\n%s", want, f.Reasoning)
		}
	}
	keys := make([]string, 0, len(f.RawData))
	for k := range f.RawData {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"applies_because", "disclosure_id", "reference", "requirement", "standard"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("raw_data keys %q, want %q", keys, want)
	}
	if f.RawData["standard"] != "IFRS 16" || f.RawData["disclosure_id"] != "IFRS16-MATURITY" || f.RawData["reference"] != "IFRS 16.58" {
		t.Errorf("raw_data %v", f.RawData)
	}
	if len(f.SourceRefs) == 0 || !strings.Contains(f.SourceRefs[0], "row 'Right-of-use assets'") {
		t.Errorf("source refs %q should name where leases were seen", f.SourceRefs)
	}
}

// TestNotASetReportsNothing runs documents that are not financial statements: they get no
// finding, only a progress message saying why nothing was checked.
func TestNotASetReportsNothing(t *testing.T) {
	tests := []struct {
		name string
		doc  *docxgen.Doc
	}{
		{"board minutes", docxgen.New().Heading(1, "Minutes of the board meeting of 12 March 2025").
			Paragraph("The board discussed the lease of a new warehouse, the bank loan and revenue from new customers. Related parties were not discussed.").
			Table([][]string{{"Attendee", "Role"}, {"A. Smith", "Chair"}, {"B. Jones", "Finance director"}})},
		{"a single balance sheet", docxgen.New().Heading(1, "Balance sheet at 31 December 2024").
			Table([][]string{{"£000", "2024", "2023"}, {"Right-of-use assets", "1,200", "1,100"}, {"Lease liabilities", "(1,250)", "(1,140)"}, {"Net assets", "(50)", "(40)"}})},
		{"a single table", docxgen.New().Table([][]string{{"Revenue", "2024"}, {"Product sales", "12,400"}, {"Services", "3,100"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, msgs := run(t, tt.doc)
			if len(fs) != 0 {
				t.Errorf("%d findings on a document that is not a set of financial statements: %q", len(fs), ids(fs))
			}
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "not a set of financial statements") {
				t.Errorf("progress %q, want one message saying it is not a set of financial statements", msgs)
			}
		})
	}
}

// minimalSet is a bare pair of primary statements with the given notes.
func minimalSet(notes ...string) *docxgen.Doc {
	d := docxgen.New().
		Heading(1, "Statement of financial position as at 31 December 2024").
		Table([][]string{{"€000", "2024", "2023"}, {"Trade receivables", "410", "380"}, {"Cash", "220", "150"}, {"Share capital", "100", "100"}}).
		Heading(1, "Statement of profit or loss for the year ended 31 December 2024").
		Table([][]string{{"€000", "2024", "2023"}, {"Revenue", "2,400", "2,250"}, {"Profit for the year", "180", "150"}})
	for _, n := range notes {
		d.Paragraph(n)
	}
	return d
}

// TestStandardsApplyOnlyWhenTheirSubjectAppears checks applicability: IFRS 16 only with
// leases, and a mention under a negation is no sign of the subject.
func TestStandardsApplyOnlyWhenTheirSubjectAppears(t *testing.T) {
	tests := []struct {
		name      string
		notes     []string
		standard  string
		applies   bool
		wantItems []string // items of the standard that must be reported
	}{
		{"no leases", nil, "IFRS 16", false, nil},
		{"leases mentioned", []string{"The Company leases its office under a ten-year lease and recognises a right-of-use asset and a lease liability."},
			"IFRS 16", true, []string{"IFRS16-MATURITY", "IFRS16-CASH-OUTFLOW"}},
		{"negated supplier finance", []string{"The Company has no supplier finance arrangements."}, "IAS 7", true, nil},
		{"supplier finance used", []string{"The Company pays some suppliers through a supplier finance arrangement with its bank."},
			"IAS 7", true, []string{"IAS7-SUPPLIER-FINANCE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, msgs := run(t, minimalSet(tt.notes...))
			prefix := tt.standard + " does not apply"
			if tt.applies {
				prefix = tt.standard + " applies"
			}
			if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, prefix) }) {
				t.Errorf("progress %q lacks %q", msgs, prefix)
			}
			got := map[string]bool{}
			for _, f := range fs {
				if f.RawData["standard"] == tt.standard {
					got[f.RawData["disclosure_id"].(string)] = true
				}
			}
			if !tt.applies && len(got) > 0 {
				t.Errorf("%s does not apply but reported %v", tt.standard, got)
			}
			for _, id := range tt.wantItems {
				if !got[id] {
					t.Errorf("%s not reported; got %v", id, got)
				}
			}
			if tt.name == "negated supplier finance" && got["IAS7-SUPPLIER-FINANCE"] {
				t.Error("a statement that there are no supplier finance arrangements triggered IAS 7.44H")
			}
		})
	}
}

func TestRunIsDeterministic(t *testing.T) {
	d := build(brightwater(), "kmp", "lease-cash", "ageing", "disaggregation")
	first, _ := run(t, d)
	again, _ := run(t, d)
	if len(first) != 4 || !reflect.DeepEqual(first, again) {
		t.Errorf("two runs differ or miss findings: %q then %q", ids(first), ids(again))
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	doc, err := extract.Docx(build(brightwater()).Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs, err := New().Run(ctx, doc, nil)
	if !errors.Is(err, context.Canceled) || fs != nil {
		t.Fatalf("Run on a cancelled context = %d findings, %v; want context.Canceled", len(fs), err)
	}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.ID != schemas.AgentDisclosure || info.Category != "disclosure" || !info.Available || info.Name == "" {
		t.Errorf("info %+v", info)
	}
	if err := schemas.Validate(info); err != nil {
		t.Errorf("info fails the schema: %v", err)
	}
}

func BenchmarkRun(b *testing.B) {
	doc, err := extract.Docx(build(brightwater()).Bytes(), extract.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	a := New()
	for b.Loop() {
		if _, err := a.Run(context.Background(), doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}
