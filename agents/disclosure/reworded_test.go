package disclosure

import (
	"reflect"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract/docxgen"
)

// reword replaces the parts with key by adds, at the first of them, leaving the rest of the
// complete statement as it is.
func reword(parts []part, key string, adds ...func(*docxgen.Doc)) []part {
	var out []part
	done := false
	for _, p := range parts {
		if p.key != key {
			out = append(out, p)
			continue
		}
		if !done {
			for _, a := range adds {
				out = append(out, part{key, a})
			}
			done = true
		}
	}
	return out
}

// insertAfter puts adds after the last part with key.
func insertAfter(parts []part, key string, adds ...func(*docxgen.Doc)) []part {
	last := -1
	for i, p := range parts {
		if p.key == key {
			last = i
		}
	}
	out := append([]part(nil), parts[:last+1]...)
	for _, a := range adds {
		out = append(out, part{"added", a})
	}
	return append(out, parts[last+1:]...)
}

// cashNote is the cash note with its figures grouped by sep instead of commas.
func cashNote(sep string) []func(*docxgen.Doc) {
	g := func(s string) string { return strings.ReplaceAll(s, ",", sep) }
	return []func(*docxgen.Doc){
		heading(2, "13. Cash and cash equivalents"),
		table(
			r("£000", "2024", "2023"),
			r("Cash at bank and in hand", g("4,920"), g("3,980")),
			r("Short-term deposits", g("2,000"), g("1,500")),
			r("", g("6,920"), g("5,480")),
		),
	}
}

// cashProse is the cash note as a sentence, its figures grouped by sep.
func cashProse(sep string) []func(*docxgen.Doc) {
	return []func(*docxgen.Doc){
		heading(2, "13. Cash and cash equivalents"),
		para(strings.ReplaceAll("Cash and cash equivalents comprise cash at bank and in hand of 4,920 and short-term deposits of 2,450 (2023: 3,980 and 1,520), in thousands of pounds.", ",", sep)),
	}
}

const (
	fairValueLevel2  = "The carrying amounts of trade receivables, cash and trade payables approximate their fair values. The fair value of borrowings, which falls within Level 2 of the fair value hierarchy, is estimated by discounting the contractual cash flows at current market rates for similar loans."
	leaseDiscounting = "At the start of a lease the Group recognises a right-of-use asset and a lease liability measured by discounting the remaining lease payments at the incremental borrowing rate."
	shareScheme      = "The Group operates an equity-settled share option scheme for senior employees."
)

// TestRewordedCompleteStatement runs meaning-preserving rewrites of the complete statement,
// which must stay quiet, next to the same rewrites with the disclosure really gone, which must
// still be reported.
func TestRewordedCompleteStatement(t *testing.T) {
	tests := []struct {
		name  string
		parts func() []part
		want  []string
	}{
		{"fair value by discounting cash flows, lease policy without present value", func() []part {
			p := reword(brightwater(), "lease-policy", para(leaseDiscounting))
			return reword(p, "fair-value", para(fairValueLevel2))
		}, nil},
		{"level 2 fair value without a technique", func() []part {
			p := reword(brightwater(), "lease-policy", para(leaseDiscounting))
			return reword(p, "fair-value", para("The fair value of borrowings falls within Level 2 of the fair value hierarchy and approximates their carrying amount."))
		}, []string{"IFRS7-VALUATION-TECHNIQUES"}},
		{"executive committee as key management", func() []part {
			return insertAfter(brightwater(), "parent", para("The directors and the executive committee are the key management personnel of the Group."))
		}, nil},
		{"commitment with the parent outside the related party note", func() []part {
			return insertAfter(brightwater(), "payables", para("The Group has a commitment to buy components of £500,000 from its parent in 2025."))
		}, []string{"IAS24-COMMITMENTS"}},
		{"no share-based payments granted to the directors", func() []part {
			p := insertAfter(brightwater(), "pension", para(shareScheme))
			return insertAfter(p, "rp-terms", para("No loans, guarantees or share-based payments were granted to the directors during the year."))
		}, nil},
		{"share scheme without a word on key management", func() []part {
			return insertAfter(brightwater(), "pension", para(shareScheme))
		}, []string{"IAS24-KMP-SHARE-BASED"}},
		{"related party note titled by a plain paragraph", func() []part {
			return reword(brightwater(), "rp", para("19. Related party transactions"))
		}, nil},
		{"related party note titled by an unnumbered plain paragraph", func() []part {
			return reword(brightwater(), "rp", para("Related party transactions"))
		}, nil},
		{"plain paragraph title, terms left out", func() []part {
			return reword(reword(brightwater(), "rp", para("19. Related party transactions")), "rp-terms")
		}, []string{"IAS24-TERMS"}},
		{"cash figures grouped by spaces", func() []part { return reword(brightwater(), "cash-note", cashNote(" ")...) }, nil},
		{"cash figures grouped by no-break spaces", func() []part { return reword(brightwater(), "cash-note", cashNote("\u00a0")...) }, nil},
		{"cash figures grouped by thin spaces", func() []part { return reword(brightwater(), "cash-note", cashNote("\u202f")...) }, nil},
		{"cash figures grouped by apostrophes", func() []part { return reword(brightwater(), "cash-note", cashNote("'")...) }, nil},
		{"cash stated in prose, space grouped", func() []part { return reword(brightwater(), "cash-note", cashProse(" ")...) }, nil},
		{"cash stated in prose, no-break space grouped", func() []part { return reword(brightwater(), "cash-note", cashProse("\u00a0")...) }, nil},
		{"cash stated in prose, thin space grouped", func() []part { return reword(brightwater(), "cash-note", cashProse("\u2009")...) }, nil},
		{"cash stated in prose, apostrophe grouped", func() []part { return reword(brightwater(), "cash-note", cashProse("'")...) }, nil},
		{"cash described without amounts", func() []part {
			return reword(brightwater(), "cash-note", heading(2, "13. Cash and cash equivalents"),
				para("Cash and cash equivalents comprise cash at bank and in hand and short-term deposits."))
		}, []string{"IAS7-CASH-COMPONENTS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expectFindings(t, tt.parts(), tt.want)
		})
	}
}

// TestGroupedAmounts checks that figures grouped by spaces or apostrophes are amounts, in a
// table cell and in prose, and that a thousands-grouped figure in the year range is no year.
func TestGroupedAmounts(t *testing.T) {
	for _, s := range []string{"8 555", "8\u00a0555", "8\u202f555", "8\u2009555", "8'555", "2 000", "2\u00a0000", "2'000", "(1 950)"} {
		if !isAmount(s) {
			t.Errorf("isAmount(%q) = false, want true", s)
		}
		if p := textPiece("Cash at bank was "+s+" at the year end.", "", false); !p.figure {
			t.Errorf("prose with %q states no figure", s)
		}
	}
	for _, s := range []string{"2024", "2023"} {
		if isAmount(s) {
			t.Errorf("isAmount(%q) = true, want false (a year)", s)
		}
	}
	if p := textPiece("Cash at bank at 31 December 2024 was held with two banks.", "", false); p.figure {
		t.Error("a date reads as a figure")
	}
}

// expectFindings runs the agent on the document and checks it reports exactly the items want
// (none when want is nil), logging the findings when it does not.
func expectFindings(t *testing.T, doc []part, want []string) {
	t.Helper()
	fs, _ := run(t, build(doc))
	if want == nil {
		want = []string{}
	}
	if got := ids(fs); !reflect.DeepEqual(got, want) {
		t.Errorf("findings %q, want %q", got, want)
		for _, f := range fs {
			t.Logf("%s\n%s", f.Description, f.Reasoning)
		}
	}
}
