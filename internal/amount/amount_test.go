package amount

import (
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		ok       bool
		value    float64
		decimals int
		percent  bool
		dash     bool
		currency string
		scale    float64
	}{
		// Plain figures, separators, decimals.
		{in: "44.1", ok: true, value: 44.1, decimals: 1},
		{in: "1,452.4", ok: true, value: 1452.4, decimals: 1},
		{in: "1,234,567", ok: true, value: 1234567},
		{in: "0.060", ok: true, value: 0.06, decimals: 3},
		// Thousands separated by spaces (plain, no-break, thin) or apostrophes (Swiss).
		{in: "8 555", ok: true, value: 8555},
		{in: "8\u00a0555", ok: true, value: 8555},
		{in: "8\u2009555", ok: true, value: 8555},
		{in: "1 234 567.8", ok: true, value: 1234567.8, decimals: 1},
		{in: "8'555", ok: true, value: 8555},
		{in: "CHF 8’555", ok: true, value: 8555, currency: "CHF"},
		{in: "(8 555)", ok: true, value: -8555},
		{in: "2019 2018", ok: false},
		{in: "12 34", ok: false},
		{in: ".5", ok: true, value: 0.5, decimals: 1},
		// Unit headings that look like figures: "€000" is thousands of euros, not zero.
		{in: "€000", ok: false},
		{in: "000", ok: false},
		{in: "$ 0,000", ok: false},
		{in: "0", ok: true, value: 0},
		{in: "+5", ok: true, value: 5},
		{in: "  16  ", ok: true, value: 16},
		// Currency symbols and codes, before or after.
		{in: "$  1,452.4", ok: true, value: 1452.4, decimals: 1, currency: "$"},
		{in: "$1,496.5", ok: true, value: 1496.5, decimals: 1, currency: "$"},
		{in: "€ 12", ok: true, value: 12, currency: "€"},
		{in: "£0.2", ok: true, value: 0.2, decimals: 1, currency: "£"},
		{in: "¥100", ok: true, value: 100, currency: "¥"},
		{in: "USD 1,200", ok: true, value: 1200, currency: "USD"},
		{in: "US$ 3.5", ok: true, value: 3.5, decimals: 1, currency: "US$"},
		{in: "1,200 EUR", ok: true, value: 1200, currency: "EUR"},
		{in: "$                          725", ok: true, value: 725, currency: "$"},
		// Negatives: parentheses, leading and trailing minus, Unicode minus and en dash.
		{in: "(346)", ok: true, value: -346},
		{in: "$(9.8)", ok: true, value: -9.8, decimals: 1, currency: "$"},
		{in: "($1,234)", ok: true, value: -1234, currency: "$"},
		{in: "$ (29.7)", ok: true, value: -29.7, decimals: 1, currency: "$"},
		{in: "(35,569 )", ok: true, value: -35569},
		{in: "-8.7", ok: true, value: -8.7, decimals: 1},
		{in: "−136", ok: true, value: -136},
		{in: "–136", ok: true, value: -136},
		{in: "1,234-", ok: true, value: -1234},
		{in: "-$5", ok: true, value: -5, currency: "$"},
		{in: "$-5", ok: true, value: -5, currency: "$"},
		{in: "(1)", ok: true, value: -1},
		// Percentages.
		{in: "4.00%", ok: true, value: 4, decimals: 2, percent: true},
		{in: "(248%)", ok: true, value: -248, percent: true},
		{in: "(48.3)%", ok: true, value: -48.3, decimals: 1, percent: true},
		{in: "7 %", ok: true, value: 7, percent: true},
		{in: "(2.1% )", ok: true, value: -2.1, decimals: 1, percent: true},
		// Lone dashes: nothing printed, read as zero.
		{in: "-", ok: true, dash: true},
		{in: "—", ok: true, dash: true},
		{in: "–", ok: true, dash: true},
		{in: "- -", ok: true, dash: true},
		{in: "- - %", ok: true, dash: true, percent: true},
		{in: "$—", ok: true, dash: true, currency: "$"},
		{in: "$ -", ok: true, dash: true, currency: "$"},
		{in: "__", ok: true, dash: true},
		{in: "Nil", ok: true, dash: true},
		// Footnote markers.
		{in: "1,234(1)", ok: true, value: 1234},
		{in: "1,234 (a)", ok: true, value: 1234},
		{in: "1,234*", ok: true, value: 1234},
		{in: "$130,000 (1)", ok: true, value: 130000, currency: "$"},
		{in: "(1,392)(2)", ok: true, value: -1392},
		{in: "12.5%(3)", ok: true, value: 12.5, decimals: 1, percent: true},
		{in: "1,234¹", ok: true, value: 1234},
		// A scale attached to the figure: the value stays as printed.
		{in: "7,200k", ok: true, value: 7200, scale: 1e3},
		{in: "€1.2m", ok: true, value: 1.2, decimals: 1, currency: "€", scale: 1e6},
		{in: "($3.4bn)", ok: true, value: -3.4, decimals: 1, currency: "$", scale: 1e9},
		{in: "12mn", ok: true, value: 12, scale: 1e6},
		{in: "$7.2M", ok: true, value: 7.2, decimals: 1, currency: "$", scale: 1e6},
		{in: "-1,000", ok: true, value: -1000},
		{in: "($3,100)", ok: true, value: -3100, currency: "$"},
		{in: "(900)", ok: true, value: -900},
		// Not numbers.
		{in: ""},
		{in: "10-K"},
		{in: "1.2 m"},
		{in: "5mkm"},
		{in: "m"},
		{in: "5%m"},
		{in: "   "},
		{in: "n/a"},
		{in: "N/A"},
		{in: "nm"},
		{in: "NM"},
		{in: "None"},
		{in: "Total"},
		{in: "$"},
		{in: "%"},
		{in: "()"},
		{in: "(55) bps"},
		{in: "3 - 4.35"},
		{in: "53 WEEKS"},
		{in: "$ 11,54"},
		{in: "2.978,478"},
		{in: "1.2.3"},
		{in: "65.4%)"},
		{in: "((5))"},
		{in: "--5"},
		{in: "5%%"},
		{in: "2 0 1 8"},
		{in: "USDm"},
		{in: "12x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, ok := Parse(tt.in)
			if ok != tt.ok {
				t.Fatalf("Parse(%q) ok = %v, want %v (got %+v)", tt.in, ok, tt.ok, n)
			}
			if !ok {
				return
			}
			if n.Value != tt.value || n.Decimals != tt.decimals || n.Percent != tt.percent ||
				n.Dash != tt.dash || n.Currency != tt.currency || n.Scale != tt.scale {
				t.Errorf("Parse(%q) = %+v, want value %v decimals %d percent %v dash %v currency %q scale %v",
					tt.in, n, tt.value, tt.decimals, tt.percent, tt.dash, tt.currency, tt.scale)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v        float64
		decimals int
		want     string
	}{
		{1496.5, 1, "1,496.5"},
		{-1496.5, 1, "-1,496.5"},
		{1234567, 0, "1,234,567"},
		{999, 0, "999"},
		{0.06, 3, "0.060"},
		{-0.04, 1, "0.0"},
		{10, 1, "10.0"},
	}
	for _, tt := range tests {
		if got := Format(tt.v, tt.decimals); got != tt.want {
			t.Errorf("Format(%v, %d) = %q, want %q", tt.v, tt.decimals, got, tt.want)
		}
	}
}

// FuzzParse checks that no cell text makes the parser panic or return a non-finite value,
// and that every figure it reads prints back (with separators, in parentheses, with a currency
// sign) to text it reads as the same figure.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"$ 1,452.4", "(346)", "- - %", "", "1,234(1)", "1,234*", "(48.3)%", "−136", "n/a", "€m",
		"$—", "12.5%", "1,234-", "US$ 3.5", "(35,569 )", "2 0 1 8", "0.060", ".5", "((1))", "$(",
		"7,200k", "€1.2m", "(3bn)", "10-K",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Parse(s)
		if !ok {
			return
		}
		if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) || n.Decimals < 0 || n.Decimals > len(s) {
			t.Fatalf("Parse(%q) = %+v", s, n)
		}
		// What the figure says is printed in the cell: a percent sign, its currency, a sign.
		if n.Percent && !strings.Contains(s, "%") {
			t.Fatalf("Parse(%q) = %+v: a percentage without a %% sign", s, n)
		}
		if n.Currency != "" && !strings.Contains(strings.ToLower(s), strings.ToLower(n.Currency)) {
			t.Fatalf("Parse(%q) = %+v: a currency the cell does not print", s, n)
		}
		if n.Scale != 0 && (!strings.ContainsAny(strings.ToLower(s), "kmb") || n.Scaled() != n.Value*n.Scale) {
			t.Fatalf("Parse(%q) = %+v: a scale the cell does not print", s, n)
		}
		if n.Value < 0 && !strings.ContainsAny(s, "("+minusRunes) {
			t.Fatalf("Parse(%q) = %+v: negative without a minus or parentheses", s, n)
		}
		// Spacing does not change a figure: the parser normalises it first, and only once.
		if again, ok := Parse(NormalizeSpaces(s)); !ok || again != n {
			t.Fatalf("Parse(%q) = %+v, but with its spaces normalised %+v, %v", s, n, again, ok)
		}
		if n.Dash {
			if n.Value != 0 {
				t.Fatalf("dash with a value: Parse(%q) = %+v", s, n)
			}
			return
		}
		if math.Abs(n.Value) >= 1e15 {
			return // beyond the figures a statement prints; float64 no longer holds every digit
		}
		printed := Format(math.Abs(n.Value), n.Decimals)
		suffix := ""
		if n.Percent {
			suffix = "%"
		}
		for _, text := range []string{printed + suffix, "$ " + printed + suffix, strings.ReplaceAll(printed, ",", "") + suffix} {
			back, ok := Parse(text)
			if !ok || back.Value != math.Abs(n.Value) || back.Decimals != n.Decimals || back.Percent != n.Percent {
				t.Fatalf("Parse(%q) = %+v; printed back as %q it reads %+v, %v", s, n, text, back, ok)
			}
		}
		if n.Value != 0 {
			neg, ok := Parse("(" + printed + ")" + suffix)
			if !ok || neg.Value != -math.Abs(n.Value) {
				t.Fatalf("Parse(%q) = %+v; in parentheses reads %+v, %v", s, n, neg, ok)
			}
		}
	})
}
