package disclosure

import (
	"testing"
)

// TestTableShapedEvidence covers the items whose requirement is an analysis (a maturity
// analysis, a reconciliation of movements, a disaggregation): the caption of a deleted table,
// or a passing mention of the same words, is not the analysis, while the analysis stated in
// prose with its figures, or its table under a plain note heading, still is.
func TestTableShapedEvidence(t *testing.T) {
	tests := []struct {
		name  string
		parts func() []part
		want  []string
	}{
		// The table is gone; its caption and a mention elsewhere are left.
		{"lease maturity caption without its table", func() []part {
			return reword(brightwater(), "lease-maturity",
				para("Maturity analysis of lease liabilities (contractual undiscounted cash flows):"),
				para("At the reporting date the Group was committed to short-term leases with payments of £68,000 over the next twelve months."))
		}, []string{"IFRS16-MATURITY"}},
		{"disaggregation caption without its table", func() []part {
			return reword(brightwater(), "disaggregation",
				para("Disaggregation of revenue by product line and by timing of recognition:"))
		}, []string{"IFRS15-DISAGGREGATION"}},
		{"loss allowance caption without its table", func() []part {
			// A movement in provisions in the cash flow statement is no loss allowance reconciliation.
			p := reword(brightwater(), "allowance-movement", para("Movement in the loss allowance:"))
			return insertAfter(p, "scf", table(
				r("£000", "2024", "2023"),
				r("Increase in provisions", "40", "25"),
				r("Cash and cash equivalents at 1 January", "5,480", "4,900"),
			))
		}, []string{"IFRS7-ECL-RECONCILIATION"}},
		{"financing liabilities caption without its table", func() []part {
			return reword(brightwater(), "net-debt", para("Reconciliation of movements in liabilities arising from financing activities:"))
		}, []string{"IAS7-FINANCING-LIABILITIES", "IAS7-NON-CASH-TRANSACTIONS"}},

		// The analysis in prose with figures, or its table without a caption.
		{"lease maturity in prose", func() []part {
			return reword(brightwater(), "lease-maturity",
				para("Lease liabilities fall due as follows (undiscounted): within one year £1,560,000; one to five years £4,120,000; after five years £1,490,000."))
		}, nil},
		{"lease payments due in prose", func() []part {
			return reword(brightwater(), "lease-maturity",
				para("Undiscounted lease payments of £1.56 million are due within one year, £4.12 million in one to five years and £1.49 million after five years."))
		}, nil},
		{"disaggregation in prose", func() []part {
			return reword(brightwater(), "disaggregation",
				para("Revenue is disaggregated by product line: hydraulic cylinders £31.4 million, valves and manifolds £17.1 million and maintenance contracts £3.8 million. Maintenance revenue is transferred over time, the rest at a point in time."))
		}, nil},
		{"disaggregation table without a caption", func() []part {
			return reword(brightwater(), "disaggregation", table(
				r("£000", "2024", "2023"),
				r("Hydraulic cylinders", "31,420", "30,050"),
				r("Valves and manifolds", "17,140", "16,300"),
				r("Maintenance contracts", "3,800", "3,520"),
				r("Transferred at a point in time", "48,560", "46,350"),
				r("Transferred over time", "3,800", "3,520"),
			))
		}, nil},
		{"loss allowance movement in prose", func() []part {
			return reword(brightwater(), "allowance-movement",
				para("The loss allowance increased from £190,000 to £210,000: a charge of £65,000 for the year less £45,000 written off."))
		}, nil},
		{"loss allowance table under the receivables heading only", func() []part {
			return reword(brightwater(), "allowance-movement", table(
				r("£000", "2024", "2023"),
				r("At 1 January", "190", "175"),
				r("Charge for the year", "65", "50"),
				r("Amounts written off", "(45)", "(35)"),
				r("At 31 December", "210", "190"),
			))
		}, nil},
		{"financing liabilities in prose", func() []part {
			return reword(brightwater(), "net-debt",
				para("Changes in liabilities arising from financing activities: borrowings fell from £9.5 million to £8.5 million through repayments of £1.0 million; lease liabilities rose from £5.9 million to £6.5 million, after financing cash flows of £1.1 million and new leases of £1.5 million, a non-cash change."))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expectFindings(t, tt.parts(), tt.want)
		})
	}
}
