package numeric

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadLineItem(t *testing.T) {
	tests := []struct {
		label   string
		key     string
		balance int
		instant int
	}{
		{"Revenue", "revenue", balanceNone, 0},
		{"Turnover (note 3)", "revenue", balanceNone, 0},
		{"Total revenue", "revenue", balanceNone, 0},
		{"Net income", "profit for the year", balanceNone, 0},
		{"Profit/(loss) for the year", "profit for the year", balanceNone, 0},
		{"Loss for the year", "profit for the year", balanceNone, 0},
		{"Impairment loss on receivables", "impairment loss on receivables", balanceNone, 0},
		{"Total shareholders’ equity", "total equity", balanceNone, 0},
		{"Total liabilities and equity", "total equity and liabilities", balanceNone, 0},
		{"Property, plant & equipment", "property plant and equipment", balanceNone, 0},
		{"Right-of-use assets", "right of use assets", balanceNone, 0},
		{"Cash and cash equivalents at 1 January", "cash and cash equivalents", balanceOpening, 0},
		{"Cash and cash equivalents at end of year", "cash and cash equivalents", balanceClosing, 0},
		{"At 31 December 2024", "", balanceClosing, 2024},
		{"Balance at 1 January 2024", "", balanceOpening, 2023},
		{"Carrying amount at 30 June 2025", "carrying amount", balanceClosing, 2025},
		{"Opening balance", "", balanceOpening, 0},
		{"Balance brought forward", "", balanceOpening, 0},
		{"Nonvested as of December 31, 2019", "nonvested", balanceClosing, 2019},
		{"Other", "other", balanceNone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			li := readLineItem(tt.label)
			if li.key != tt.key || li.balance != tt.balance || li.instant != tt.instant {
				t.Errorf("readLineItem(%q) = key %q balance %d instant %d, want %q %d %d",
					tt.label, li.key, li.balance, li.instant, tt.key, tt.balance, tt.instant)
			}
		})
	}
}

func TestReadColumnPeriod(t *testing.T) {
	tests := []struct {
		name string
		year int
		qual string
		ok   bool
	}{
		{"2024", 2024, "", true},
		{"31 December 2024", 2024, "", true},
		{"Year ended 30 June 2025 €000", 2025, "", true},
		{"1 January 2024", 2023, "", true},
		{"FY24", 2024, "", true},
		{"2023/24", 2024, "", true},
		{"Group 2024", 2024, "group", true},
		{"2024 restated", 2024, "", true},
		{"Change %", 0, "", false},
		{"2024 vs 2023", 0, "", false},
		{"Q4 2024", 0, "", false},
		{"Budget 2025", 0, "", false},
		{"Total", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := readColumnPeriod(tt.name)
			if ok != tt.ok || (ok && (p.year != tt.year || p.qual != tt.qual)) {
				t.Errorf("readColumnPeriod(%q) = %+v, %v; want year %d qual %q, %v", tt.name, p, ok, tt.year, tt.qual, tt.ok)
			}
		})
	}
}

// FuzzReadLineItem checks that no label or heading makes the readers panic, and that what they
// return is well formed: a key of lower-case words, a balance kind, a plausible year.
func FuzzReadLineItem(f *testing.F) {
	for _, s := range []string{
		"Revenue", "At 31 December 2024", "Cash and cash equivalents at 1 January", "Profit/(loss)",
		"note 12", "1 January", "FY24", "2023/24", "Balance at beginning of year", "", "31 31 December",
		"December 31, 2019", "(note 4 and 5)", "Loss", "Group 2024 €000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		li := readLineItem(s)
		if li.balance < balanceNone || li.balance > balanceClosing {
			t.Fatalf("readLineItem(%q) balance %d", s, li.balance)
		}
		if li.instant != 0 && (li.instant < 1989 || li.instant > 2100) {
			t.Fatalf("readLineItem(%q) instant %d", s, li.instant)
		}
		if !utf8.ValidString(li.key) || li.key != strings.ToLower(li.key) || li.key != strings.TrimSpace(li.key) {
			t.Fatalf("readLineItem(%q) key %q", s, li.key)
		}
		if p, ok := readColumnPeriod(s); ok && (p.year < 1989 || p.year > 2101) {
			t.Fatalf("readColumnPeriod(%q) year %d", s, p.year)
		}
		_ = noteTopic(s)
		_, _ = readRatioLabel(s)
	})
}
