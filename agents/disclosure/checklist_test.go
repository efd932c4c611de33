package disclosure

import (
	"strings"
	"testing"
)

// TestEmbeddedChecklist checks the shipped checklist: it loads (so every id is unique, every
// standard known, every field filled and every pattern compiles against normalised text) and
// covers each standard the issue names with at least fifteen disclosures.
func TestEmbeddedChecklist(t *testing.T) {
	c, err := LoadChecklist()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, it := range c.Items {
		count[it.Standard]++
	}
	for _, std := range []string{"IAS 1", "IAS 7", "IAS 24", "IFRS 7", "IFRS 15", "IFRS 16"} {
		if count[std] < 15 {
			t.Errorf("%s has %d checklist items, want at least 15", std, count[std])
		}
	}
}

// validChecklist is the smallest checklist that loads; the rejection cases break one thing.
const validChecklist = `{
 "about": "test",
 "primary_statements": [
  {"name": "statement of financial position", "pattern": "balance sheet"},
  {"name": "statement of profit or loss", "pattern": "income statement"}],
 "min_statements": 2,
 "standards": [{"id": "IFRS 16", "title": "Leases", "applies_when": {"description": "leases", "signals": [{"all": ["lease"], "scope": "paragraph"}]}}],
 "items": [{
  "id": "IFRS16-MATURITY", "standard": "IFRS 16", "reference": "IFRS 16.58", "subject": "maturity analysis",
  "requirement": "Disclose a maturity analysis.", "severity": "high",
  "applies_when": {"description": "lease liabilities"},
  "evidence": {"description": "a maturity table", "any": [{"all": ["lease"], "scope": "table", "time_bands": true}]},
  "why": "Liquidity."}]
}`

func TestParseChecklistRejects(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown standard", `"standard": "IFRS 16"`, `"standard": "IFRS 99"`, `unknown standard "IFRS 99"`},
		{"empty requirement", `"Disclose a maturity analysis."`, `" "`, "requirement is empty"},
		{"bad severity", `"severity": "high"`, `"severity": "urgent"`, `severity "urgent"`},
		{"pattern does not compile", `"all": ["lease"], "scope": "table"`, `"all": ["lease("], "scope": "table"`, "missing closing )"},
		{"plural pattern word", `"all": ["lease"], "scope": "table"`, `"all": ["leases"], "scope": "table"`, `reads as "lease"`},
		{"upper case pattern", `"all": ["lease"], "scope": "table"`, `"all": ["Lease"], "scope": "table"`, "upper case"},
		{"hyphen in pattern", `"all": ["lease"], "scope": "table"`, `"all": ["right-of-use"], "scope": "table"`, "hyphen"},
		{"unknown scope", `"scope": "table"`, `"scope": "chapter"`, `unknown scope "chapter"`},
		{"reference of another standard", `"reference": "IFRS 16.58"`, `"reference": "IAS 1.58"`, "must cite a paragraph of IFRS 16"},
		{"part_of unknown item", `"why": "Liquidity."`, `"why": "Liquidity.", "part_of": "IFRS16-NOPE"`, "unknown item"},
		{"unknown field", `"why": "Liquidity."`, `"why": "Liquidity.", "weight": 3`, "unknown field"},
		{"standard without trigger", `"signals": [{"all": ["lease"], "scope": "paragraph"}]`, `"signals": []`, "every_set or signals"},
	}
	if _, err := ParseChecklist([]byte(validChecklist)); err != nil {
		t.Fatalf("the base checklist must load: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validChecklist, tt.old) {
				t.Fatalf("case does not apply: %q not in the base checklist", tt.old)
			}
			_, err := ParseChecklist([]byte(strings.Replace(validChecklist, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("duplicate id", func(t *testing.T) {
		i := strings.Index(validChecklist, `{
  "id"`)
		item := validChecklist[i : len(validChecklist)-3]
		dup := validChecklist[:len(validChecklist)-3] + "," + item + "]\n}"
		_, err := ParseChecklist([]byte(dup))
		if err == nil || !strings.Contains(err.Error(), "duplicate id") {
			t.Fatalf("error %v, want a duplicate id", err)
		}
	})
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Right-of-use assets", "right of use asset"},
		{"Lease liabilities", "lease liability"},
		{"The Group's subsidiaries", "the group subsidiary"},
		{"Impairment losses on receivables", "impairment loss on receivable"},
		{"Income taxes paid", "income tax paid"},
		{"Prepared in accordance with IFRS", "prepared in accordance with ifrs"},
		{"basis of analysis", "basis of analysis"},
		{"Amounts in €000 (2023: 1,234.5)", "amount in €000 2023 1,234.5"},
		{"Within 1–5 years", "within 1 5 year"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
