package logic

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// testParser reads claims as if the tables held every canonical metric and a few line items
// under their own names.
func testParser() *parser {
	labels := map[string]bool{
		"label:selling general and administrative expense": true,
		"label:service revenue":                            true,
		"label:administrative expense":                     true,
	}
	return &parser{lx: newLexicon(), names: stopNames(nil), afterNames: afterStopNames(nil), known: func(key string) bool {
		return !strings.HasPrefix(key, "label:") || labels[key]
	}}
}

// summary prints what a claim says, for comparison in tests.
func summary(c claim) string {
	var b strings.Builder
	b.WriteString(c.ref.key)
	if c.ref.negated {
		b.WriteString(" (negated)")
	}
	switch c.dir {
	case dirUp:
		b.WriteString(" up")
	case dirDown:
		b.WriteString(" down")
	case dirFlat:
		b.WriteString(" flat")
	}
	switch c.state {
	case stateProfit:
		b.WriteString(" profit")
	case stateLoss:
		b.WriteString(" loss")
	case stateReturnedProfit:
		b.WriteString(" returned-to-profit")
	case stateSwungLoss:
		b.WriteString(" swung-to-loss")
	case stateCashPositive:
		b.WriteString(" cash-positive")
	}
	if c.multiple != 0 {
		fmt.Fprintf(&b, " x%g", c.multiple)
	}
	for _, q := range c.sizes {
		fmt.Fprintf(&b, " by %s", q.text)
	}
	if c.level != nil {
		fmt.Fprintf(&b, " to %s", c.level.text)
	}
	if c.prior != nil {
		fmt.Fprintf(&b, " from %s", c.prior.text)
	}
	if c.year != 0 {
		fmt.Fprintf(&b, " in %d", c.year)
	}
	if c.compYear != 0 {
		fmt.Fprintf(&b, " vs %d", c.compYear)
	}
	return b.String()
}

func TestParseClaims(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		// Direction, size, level, comparative.
		{"Revenue increased by 12% to €1.2 million in 2024, compared with €1.07 million in 2023.",
			[]string{"revenue up by 12% to €1.2 million from €1.07 million in 2024 vs 2023"}},
		{"Revenue increased $15.5 billion or 14%, driven by growth across each of our segments.",
			[]string{"revenue up by $15.5 billion by 14%"}},
		{"Net sales of $1.2 billion for fiscal year 2018 increased 58.5% from $757.3 million for fiscal year 2017.",
			[]string{"revenue up by 58.5% to $1.2 billion from $757.3 million in 2018 vs 2017"}},
		{"Net sales for the fiscal year ended June 1, 2019 were $1,361.2 million, a decrease of $141.7 million, or 9.4%, from net sales of $1,502.9 million for fiscal 2018.",
			[]string{"revenue down by $141.7 million by 9.4% to $1,361.2 million from $1,502.9 million in 2019 vs 2018"}},
		{"EBITDA improved from $62.6 million in FY18 to $85.1 million in FY19.",
			[]string{"ebitda up to $85.1 million from $62.6 million in 2019 vs 2018"}},
		{"In 2024, the Group's revenue rose 5% while operating profit fell 3% to €310.5 thousand.",
			[]string{"revenue up by 5% in 2024", "operating_profit down by 3% to €310.5 thousand"}},
		{"Revenue was €1.2m, up 12% on last year.", []string{"revenue up by 12% to €1.2m"}},
		{"Revenue was €12.5 million (2023: €11.1 million).", []string{"revenue to €12.5 million from €11.1 million vs 2023"}},
		{"Revenue reached 12,450 thousand euros, an increase of 1,330 thousand euros on 2023.",
			[]string{"revenue up by 1,330 thousand euros to 12,450 thousand euros vs 2023"}},
		{"Revenue increased by over 10% to approximately €12.5 million.", []string{"revenue up by over 10% to approximately €12.5 million"}},
		// Nouns, transitive verbs, appositives.
		{"We saw a decrease in net debt of €3.2m to €10.1m.", []string{"net_debt down by €3.2m to €10.1m"}},
		{"The year saw a 5% decrease in revenue.", []string{"revenue down by 5%"}},
		{"We reduced net debt by €2.8 million over the year.", []string{"net_debt down by €2.8 million"}},
		{"Net debt, defined as borrowings and lease liabilities less cash, rose to A$18.4 million (2024: A$24.1 million).",
			[]string{"net_debt up to A$18.4 million from A$24.1 million vs 2024"}},
		{"Selling, general and administrative expense increased $9.6 million to $24.4 million.",
			[]string{"label:selling general and administrative expense up by $9.6 million to $24.4 million"}},
		// Margins, points, multiples, per-share figures, loss wording.
		{"Gross margin improved by 1.5 percentage points to 40.0%.", []string{"gross_margin up by 1.5 percentage points to 40.0%"}},
		{"Gross margin expanded by 97 basis points.", []string{"gross_margin up by 97 basis points"}},
		{"Revenue more than doubled to €5.0m.", []string{"revenue up x2 to €5.0m"}},
		{"Basic earnings per share fell 8% to 12.3p.", []string{"eps down by 8% to 12.3p"}},
		{"The operating loss narrowed to €0.4 million.", []string{"operating_profit (negated) down to €0.4 million"}},
		{"Administrative expenses improved by 3%.", []string{"label:administrative expense down by 3%"}},
		{"Revenue was broadly flat at €1.2m.", []string{"revenue flat to €1.2m"}},
		// States.
		{"The Group returned to profit in 2024.", []string{"net_profit returned-to-profit in 2024"}},
		{"Operating profit swung to a loss of €0.3m.", []string{"operating_profit swung-to-loss to €0.3m"}},
		{"The Company made a loss for the year of £38.2 million (2024: £43.1 million).",
			[]string{"net_profit loss to £38.2 million from £43.1 million vs 2024"}},
		{"The Group turned cash positive during the year.", []string{"net_debt (negated) cash-positive"}},
		{"The loss for the year was CHF 4.7 million.", []string{"net_profit (negated) to CHF 4.7 million"}},
		{"The Group generated a profit after tax of €1.3m.", []string{"net_profit profit to €1.3m"}},
		{"The Group made a loss on disposal of €0.2m.", nil},
		{"Dividends of €2.9 million were paid during the year (2023: €4.1 million).",
			[]string{"dividends to €2.9 million from €4.1 million vs 2023"}},
		{"The Group reported a profit margin of 12%.", nil},
		// Quiet: forecasts, qualifiers, parts of a metric, drivers, other comparisons.
		{"We expect revenue to grow by 10% in 2025.", nil},
		{"A 1% increase in interest rates would reduce profit before tax by €51,000.", nil},
		{"Revenue grew 12%, or 8% at constant currency.", []string{"revenue up by 12%"}},
		{"On an underlying basis, operating profit increased by 35%.", nil},
		{"Services revenue increased by 20%.", []string{"label:service revenue up by 20%"}},
		{"Revenue in Germany decreased by 5%.", nil},
		{"Revenue decreased in the Asian region while increasing in Europe.", nil},
		{"Costs related to revenue increased by 4%.", nil},
		{"Revenue was higher than expected.", nil},
		{"The increase was primarily due to higher volumes.", nil},
		{"This was partially offset by a reduction in interest expense.", nil},
		{"Revenue did not increase.", nil},
		{"Revenue for the second quarter rose 4%.", nil},
	}
	p := testParser()
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			var got []string
			for _, sr := range p.paragraph(tc.text, 0, 0) {
				for _, c := range sr.claims {
					got = append(got, summary(c))
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParagraphCarriesYears(t *testing.T) {
	p := testParser()
	rs := p.paragraph("Fiscal 2018 compared with fiscal 2017. Revenue rose 4%. Operating profit fell 2%.", 0, 0)
	var got []string
	for _, r := range rs {
		for _, c := range r.claims {
			got = append(got, summary(c))
		}
	}
	want := []string{"revenue up by 4% in 2018 vs 2017", "operating_profit down by 2% in 2018 vs 2017"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A heading's years reach the paragraphs under it.
	rs = p.paragraph("Revenue rose 4%.", 2019, 2018)
	if len(rs) != 1 || len(rs[0].claims) != 1 || rs[0].claims[0].year != 2019 || rs[0].claims[0].compYear != 2018 {
		t.Errorf("heading years not carried: %+v", rs)
	}
}

func TestOpenSentences(t *testing.T) {
	p := testParser()
	cases := []struct {
		text string
		open bool
	}{
		{"Momentum in our digital channels accelerated, up 40% on 2023.", true},
		{"The increase was primarily due to higher volumes.", true},
		{"Revenue increased by 12%.", false}, // a claim
		{"Our people are our greatest strength.", false},
		{"We expect revenue to grow by 10% in 2025.", false}, // a forecast: nothing to check
	}
	for _, tc := range cases {
		rs := p.paragraph(tc.text, 0, 0)
		open := false
		for _, r := range rs {
			open = open || r.open
		}
		if open != tc.open {
			t.Errorf("%q: open %v, want %v", tc.text, open, tc.open)
		}
	}
}

func TestReadQuantity(t *testing.T) {
	cases := []struct {
		text  string
		kind  qkind
		value float64
		scale float64
		abs   float64
	}{
		{"€1.2m", qAmount, 1.2, 1e6, 1.2e6},
		{"$15.5 billion", qAmount, 15.5, 1e9, 15.5e9},
		{"EUR 1.2 million", qAmount, 1.2, 1e6, 1.2e6},
		{"A$18.4 million", qAmount, 18.4, 1e6, 18.4e6},
		{"1,330 thousand euros", qAmount, 1330, 1e3, 1.33e6},
		{"€445,000", qAmount, 445000, 0, 445000},
		{"12.5%", qPercent, 12.5, 0, 12.5},
		{"12 per cent", qPercent, 12, 0, 12},
		{"1.5 percentage points", qPoints, 1.5, 0, 1.5},
		{"120 bps", qPoints, 1.2, 0, 1.2},
		{"13.4 cents", qAmount, 13.4, 0, 13.4},
		{"2x", qMultiple, 2, 0, 2},
	}
	for _, tc := range cases {
		q, ok := readQuantity(tokenize(tc.text), 0)
		if !ok || q.kind != tc.kind || q.value != tc.value || q.scale != tc.scale || q.absolute() != tc.abs {
			t.Errorf("%q: got %+v ok=%v", tc.text, q, ok)
		}
	}
	for _, s := range []string{"3D printing", "4G network", "revenue"} {
		if q, ok := readQuantity(tokenize(s), 0); ok && q.kind != qPlain {
			t.Errorf("%q read as a figure: %+v", s, q)
		}
	}
}

func TestReadDateAndYear(t *testing.T) {
	for _, tc := range []struct {
		text            string
		day, month, yr  int
		yearless, isDay bool
	}{
		{text: "31 December 2024", day: 31, month: 12, yr: 2024, isDay: true},
		{text: "31st Dec 2024", day: 31, month: 12, yr: 2024, isDay: true},
		{text: "June 30, 2019", day: 30, month: 6, yr: 2019, isDay: true},
		{text: "30 September", day: 30, month: 9, yearless: true, isDay: true},
	} {
		d, ok := readDate(tokenize(tc.text), 0, tc.yearless)
		if !ok || d.day != tc.day || d.month != tc.month || d.year != tc.yr {
			t.Errorf("%q: got %+v ok=%v", tc.text, d, ok)
		}
	}
	for text, want := range map[string]int{"FY24": 2024, "fiscal 2019": 2019, "2023/24": 2024, "FY2025": 2025, "fiscal year 2018": 2018} {
		y, ok := readYear(tokenize(text), 0)
		if !ok || y.year != want {
			t.Errorf("%q: got %d ok=%v, want %d", text, y.year, ok, want)
		}
	}
	if _, ok := readYear(tokenize("2024 million"), 0); ok {
		t.Error("an amount read as a year")
	}
}

// FuzzParseClaims feeds the claim parser arbitrary text: it must never panic, and every claim
// and figure it returns must point inside its sentence.
func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		"Revenue increased by 12% to €1.2 million in 2024, compared with €1.07 million in 2023.",
		"Net sales for the fiscal year ended June 1, 2019 were $1,361.2 million, a decrease of $141.7 million, or 9.4%, from net sales of $1,502.9 million for fiscal 2018.",
		"The Group returned to profit in 2024, with a profit for the year of €2.1m (2023: loss of €0.8m).",
		"Net debt, defined as borrowings and lease liabilities less cash, rose to A$18.4 million (2024: A$24.1 million).",
		"Gross margin improved by 120 bps to 40.0%; EBITDA more than doubled.",
		"• Cost of revenue increased $4.1 billion or 12%, mainly due to growth (see note 3.).",
		"up up down , , ( ( 2023: : €", "31 December 2024 FY24 2023/24 ’s ‐ —", "\x00\xff(((",
	} {
		f.Add(s)
	}
	p := testParser()
	f.Fuzz(func(t *testing.T, text string) {
		for _, r := range p.paragraph(text, 0, 0) {
			if r.start < 0 || r.start+len(r.text) > len(text) || text[r.start:r.start+len(r.text)] != r.text {
				t.Fatalf("sentence %q not at %d of %q", r.text, r.start, text)
			}
			for _, c := range r.claims {
				if c.start < 0 || c.end > len(r.text) || c.start > c.end || r.text[c.start:c.end] != c.text {
					t.Fatalf("claim %q at [%d,%d) outside %q", c.text, c.start, c.end, r.text)
				}
				if c.ref.key == "" {
					t.Fatalf("claim without a metric: %+v", c)
				}
				qs := append([]quantity(nil), c.sizes...)
				for _, q := range []*quantity{c.level, c.prior} {
					if q != nil {
						qs = append(qs, *q)
					}
				}
				for _, q := range qs {
					if q.start < 0 || q.end > len(r.text) || q.start > q.end {
						t.Fatalf("figure %q at [%d,%d) outside %q", q.text, q.start, q.end, r.text)
					}
				}
			}
		}
	})
}
