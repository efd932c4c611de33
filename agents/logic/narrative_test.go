package logic

import (
	"context"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
)

// narrativeFindings runs the agent on paragraphs alone (no table) and returns the findings of
// one kind.
func narrativeFindings(t *testing.T, kind string, paras ...string) []map[string]any {
	t.Helper()
	doc := &extract.Document{}
	for _, p := range paras {
		doc.Paragraphs = append(doc.Paragraphs, extract.Paragraph{Text: p})
	}
	fs, err := New(Options{}).Run(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, f := range fs {
		if f.RawData["kind"] == kind {
			raw := f.RawData
			raw["description"] = f.Description
			raw["severity"] = f.Severity
			raw["refs"] = f.SourceRefs
			out = append(out, raw)
		}
	}
	return out
}

// narrativeCase is a passage and what the check must say of it: nothing, or a finding whose
// description holds every one of want.
type narrativeCase struct {
	name  string
	paras []string
	want  []string // nil: no finding
}

func runNarrativeCases(t *testing.T, kind string, cases []narrativeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := narrativeFindings(t, kind, tt.paras...)
			if tt.want == nil {
				if len(got) != 0 {
					t.Fatalf("false finding: %v", got[0]["description"])
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d findings, want 1: %v", len(got), got)
			}
			d := got[0]["description"].(string)
			for _, w := range tt.want {
				if !strings.Contains(d, w) {
					t.Fatalf("description %q lacks %q", d, w)
				}
			}
		})
	}
}

func TestQuotedGrowth(t *testing.T) {
	runNarrativeCases(t, kindQuoted, []narrativeCase{
		{"the issue's sentence", []string{"Revenue tripled to $7.2m (2023: $2.4m), growth of 250%."},
			[]string{"rise of 250%", "$7.2m against $2.4m", "+200%"}},
		{"from and to", []string{"Operating profit increased by 35% from €2.0 million to €2.4 million."},
			[]string{"35%", "+20%"}},
		{"a fall", []string{"Net debt fell by 10% to $45m, compared with $60m in 2023."},
			[]string{"fall of 10%", "-25%"}},
		{"a multiple", []string{"Subscription revenue doubled to £9.6m (prior year: £3.2m)."},
			[]string{"doubled", "3.00 times"}},
		{"right within rounding", []string{"Revenue tripled to $7.2m (2023: $2.4m), growth of 200%."}, nil},
		{"rounded figures allow it", []string{"Revenue increased 41.5% from $124.0 million to $175.5 million."}, nil},
		{"the rate of another thing", []string{"Revenue rose to $7.2m (2023: $2.4m), while headcount grew 15%."}, nil},
		{"a change amount, not a level", []string{"Revenue increased by $1.2m, or 20%, to $7.2m."}, nil},
		{"a forecast", []string{"We expect revenue to grow 50% to $7.2m (2023: $2.4m)."}, nil},
		{"two rates", []string{"Revenue grew 30% to $2.6m from $2.0m, and margin rose 2%."}, nil},
		{"different currencies", []string{"Revenue grew 10% to €7.2m from $2.4m."}, nil},
		{"approximately", []string{"Revenue grew approximately 20% to $1.19m from $1.0m."}, nil},
		{"a yearly rate", []string{"Revenue showed annual growth of 10% from $1.0m in 2019 to $1.46m in 2023."}, nil},
		{"per year", []string{"Revenue grew 10% a year, from $1.0m in 2019 to $1.46m in 2023."}, nil},
	})
}

func TestSharesOfOneWhole(t *testing.T) {
	runNarrativeCases(t, kindShares, []narrativeCase{
		{"the issue's sentence", []string{"We now hold 40% of the regional market, while the two established players still share 70% of it."},
			[]string{"regional market", "40% and 70%", "110%"}},
		{"across sentences of one passage", []string{"The Group owns 60% of Alpha Ltd. Its partner holds 45% of it."},
			[]string{"alpha ltd", "105%"}},
		{"adding to exactly 100", []string{"We hold 40% of the regional market, while the two established players share 60% of it."}, nil},
		{"different wholes", []string{"We hold 40% of the regional market and the incumbents hold 70% of the national market."}, nil},
		{"the same holder over time", []string{"We held 40% of the market in 2020 and we hold 70% of it today."}, nil},
		{"growth, not a share", []string{"Our share of the market rose from 40% to 70%."}, nil},
		{"separate passages", []string{"We hold 40% of the regional market.", "The two established players share 70% of it."}, nil},
		{"a share of a share", []string{"We own 80% of Beta, which owns 60% of Gamma."}, nil},
	})
}

func TestDepreciationAfterHeldForSale(t *testing.T) {
	runNarrativeCases(t, kindHeldForSale, []narrativeCase{
		{"the issue's passage", []string{
			"The warehouse in Leeds was vacated in March 2024 and classified as held for sale from 31 March 2024.",
			"Depreciation of $120k on the warehouse for the year is included in administrative expenses."},
			[]string{"warehouse", "March 2024", "IFRS 5.25"}},
		{"decommissioned, one sentence", []string{"The Hull plant was decommissioned on 30 June 2024, and its depreciation for the full year was $0.4m."},
			[]string{"plant", "30 June 2024"}},
		{"decommissioned, the plant named", []string{"The plant was decommissioned on 30 June 2024. Depreciation on the plant for the year was $0.4m."},
			[]string{"plant", "30 June 2024"}},
		{"depreciation stopped at the date", []string{
			"The warehouse was classified as held for sale from 31 March 2024.",
			"Depreciation on the warehouse for the year was charged up to the date of classification."}, nil},
		{"held for sale at the year end", []string{
			"The warehouse was classified as held for sale on 31 December 2024.",
			"Depreciation of $120k on the warehouse for the year is included in administrative expenses."}, nil},
		{"a class of assets", []string{
			"We closed a store in March 2024.",
			"Depreciation of property, plant and equipment for the year was $3.1m."}, nil},
		{"a plan, not a fact", []string{
			"The warehouse will be closed from March 2025.",
			"Depreciation on the warehouse for the year was $120k."}, nil},
		{"another asset", []string{
			"The warehouse was vacated in March 2024.",
			"Depreciation on the office for the year was $80k."}, nil},
	})
}
