package logic

import (
	"strings"
	"testing"
)

// vocabReport is the sample report with profit before tax falling, 1,780 against 1,990
// (-10.6%), so that words of improvement have a figure to contradict. Revenue rises 12.0%, net
// debt falls 36.9%, gross margin rises 1.0 point, operating profit rises 27.4% and cost of
// sales 10.2%.
func vocabReport() report {
	r := sampleReport()
	setCell(r.income, "Profit before tax", 3, "1,990")
	return r
}

// lossYear turns the profit for the year into a loss that narrowed, 420 against 970.
func lossYear(r *report) {
	setCell(r.income, "Profit for the year", 0, "Loss for the year")
	setCell(r.income, "Loss for the year", 2, "(420)")
	setCell(r.income, "Loss for the year", 3, "(970)")
	setCell(r.cashflow, "Profit for the year", 0, "Loss for the year")
	setCell(r.cashflow, "Loss for the year", 1, "(420)")
	setCell(r.cashflow, "Loss for the year", 2, "(970)")
}

// TestMovementVocabulary checks each movement word, in each of its forms, against the figures:
// the true sentence must be read as a claim with that word and confirmed, the false one (the
// same word said of a figure that moved the other way) must draw exactly one direction finding
// that quotes it.
func TestMovementVocabulary(t *testing.T) {
	cases := []struct {
		word      string // the trigger as written, particle included
		mod       func(r *report)
		ok, wrong string
	}{
		// Up.
		{word: "climbed", ok: "Revenue climbed 12% to €12.5m.", wrong: "Net debt climbed to €3.0m."},
		{word: "climbs", ok: "Revenue climbs 12% to €12.5m.", wrong: "Net debt climbs to €3.0m."},
		{word: "climb", ok: "There was a 12% climb in revenue.", wrong: "There was a climb in net debt."},
		{word: "jumped", ok: "Revenue jumped 12% to €12.5m.", wrong: "Net debt jumped to €3.0m."},
		{word: "jumps", ok: "Revenue jumps 12%.", wrong: "Net debt jumps to €3.0m."},
		{word: "jump", ok: "There was a 12% jump in revenue.", wrong: "There was a sharp jump in net debt."},
		{word: "surged", ok: "Revenue surged 12% to €12.5m.", wrong: "Net debt surged to €3.0m."},
		{word: "surges", ok: "Revenue surges 12%.", wrong: "Net debt surges to €3.0m."},
		{word: "surge", ok: "The year saw a 12% surge in revenue.", wrong: "The year saw a surge in net debt."},
		{word: "soared", ok: "Revenue soared 12% to €12.5m.", wrong: "Net debt soared to €3.0m."},
		{word: "soars", ok: "Revenue soars 12%.", wrong: "Net debt soars to €3.0m."},
		{word: "rebounded", ok: "Revenue rebounded 12% to €12.5m.", wrong: "Net debt rebounded to €3.0m."},
		{word: "rebounds", ok: "Revenue rebounds 12%.", wrong: "Net debt rebounds to €3.0m."},
		{word: "rebound", ok: "There was a 12% rebound in revenue.", wrong: "There was a rebound in net debt."},
		{word: "advanced", ok: "Revenue advanced 12% to €12.5m.", wrong: "Net debt advanced to €3.0m."},
		{word: "expanded", ok: "Gross margin expanded by 1.0 percentage point to 40.0%.", wrong: "Net debt expanded to €3.0m."},
		{word: "expands", ok: "Gross margin expands to 40.0%.", wrong: "Net debt expands to €3.0m."},
		{word: "widened", ok: "Gross margin widened to 40.0%.", wrong: "Net debt widened to €3.0m."},
		{word: "widened", mod: lossYear, ok: "Gross margin widened to 40.0%.", wrong: "The loss for the year widened to €0.4 million."},
		{word: "widens", mod: lossYear, ok: "Gross margin widens to 40.0%.", wrong: "The loss for the year widens to €0.4 million."},
		// Down.
		{word: "dropped", ok: "Net debt dropped 37% to €3.0m.", wrong: "Revenue dropped to €12.5m."},
		{word: "drops", ok: "Net debt drops 37% to €3.0m.", wrong: "Revenue drops to €12.5m."},
		{word: "drop", ok: "There was a 37% drop in net debt.", wrong: "There was a drop in revenue."},
		{word: "dipped", ok: "Net debt dipped to €3.0m.", wrong: "Revenue dipped to €12.5m."},
		{word: "dips", ok: "Net debt dips to €3.0m.", wrong: "Revenue dips to €12.5m."},
		{word: "dip", ok: "There was a dip in net debt.", wrong: "There was a 12% dip in revenue."},
		{word: "plunged", ok: "Net debt plunged 37% to €3.0m.", wrong: "Revenue plunged to €12.5m."},
		{word: "plunges", ok: "Net debt plunges 37%.", wrong: "Revenue plunges to €12.5m."},
		{word: "plunge", ok: "There was a plunge in net debt.", wrong: "There was a plunge in revenue."},
		{word: "slumped", ok: "Net debt slumped to €3.0m.", wrong: "Revenue slumped to €12.5m."},
		{word: "slumps", ok: "Net debt slumps to €3.0m.", wrong: "Revenue slumps to €12.5m."},
		{word: "slump", ok: "There was a slump in net debt.", wrong: "There was a slump in revenue."},
		{word: "tumbled", ok: "Net debt tumbled to €3.0m.", wrong: "Revenue tumbled to €12.5m."},
		{word: "tumbles", ok: "Net debt tumbles to €3.0m.", wrong: "Revenue tumbles to €12.5m."},
		{word: "tumble", ok: "There was a tumble in net debt.", wrong: "There was a tumble in revenue."},
		{word: "shrank", ok: "Net debt shrank to €3.0m.", wrong: "Revenue shrank to €12.5m."},
		{word: "shrunk", ok: "Net debt has shrunk to €3.0m.", wrong: "Revenue has shrunk to €12.5m."},
		{word: "shrinks", ok: "Net debt shrinks to €3.0m.", wrong: "Revenue shrinks to €12.5m."},
		{word: "contracted", ok: "Net debt contracted by 37% to €3.0m.", wrong: "Revenue contracted by 12% to €12.5m."},
		{word: "contraction", ok: "There was a contraction in net debt of €1.8m.", wrong: "There was a 12% contraction in revenue."},
		{word: "slipped", ok: "Net debt slipped to €3.0m.", wrong: "Revenue slipped to €12.5m."},
		{word: "slips", ok: "Net debt slips to €3.0m.", wrong: "Revenue slips to €12.5m."},
		{word: "eased", ok: "Finance costs eased to €310k.", wrong: "Cost of sales eased to €7.5 million."},
		{word: "eases", ok: "Net debt eases to €3.0m.", wrong: "Revenue eases to €12.5m."},
		{word: "softened", ok: "Finance costs softened to €310k.", wrong: "Revenue softened to €12.5m."},
		{word: "softens", ok: "Net debt softens to €3.0m.", wrong: "Revenue softens to €12.5m."},
		{word: "narrowed", ok: "Net debt narrowed to €3.0m.", wrong: "Gross margin narrowed to 40.0%."},
		{word: "narrowed", mod: lossYear, ok: "The loss for the year narrowed to €0.4 million.", wrong: "Gross margin narrowed to 40.0%."},
		{word: "narrows", mod: lossYear, ok: "The loss for the year narrows to €0.4 million.", wrong: "Gross margin narrows to 40.0%."},
		// Better or worse: up for a profit, down for a cost or net debt.
		{word: "improved", ok: "Operating profit improved to €2.1m.", wrong: "Profit before tax improved to €1.8m."},
		{word: "improves", ok: "Net debt improves to €3.0m.", wrong: "Cost of sales improves to €7.5 million."},
		{word: "strengthened", ok: "Operating profit strengthened to €2.1m.", wrong: "Profit before tax strengthened to €1.8m."},
		{word: "strengthens", ok: "Operating profit strengthens to €2.1m.", wrong: "Profit before tax strengthens to €1.8m."},
		{word: "deteriorated", ok: "Profit before tax deteriorated to €1.8m.", wrong: "Operating profit deteriorated to €2.1m."},
		{word: "deteriorates", ok: "Profit before tax deteriorates to €1.8m.", wrong: "Net debt deteriorates to €3.0m."},
		{word: "worsened", ok: "Profit before tax worsened to €1.8m.", wrong: "Operating profit worsened to €2.1m."},
		{word: "worsens", ok: "Cost of sales worsens to €7.5 million.", wrong: "Finance costs worsens to €310k."},
		{word: "weakened", ok: "Profit before tax weakened to €1.8m.", wrong: "Operating profit weakened to €2.1m."},
		{word: "weakens", ok: "Profit before tax weakens to €1.8m.", wrong: "Operating profit weakens to €2.1m."},
		// Phrasal verbs: the particle gives the direction.
		{word: "edged up", ok: "Revenue edged up 12% to €12.5m.", wrong: "Net debt edged up to €3.0m."},
		{word: "edged down", ok: "Net debt edged down to €3.0m.", wrong: "Revenue edged down to €12.5m."},
		{word: "edged lower", ok: "Net debt edged lower to €3.0m.", wrong: "Revenue edged lower to €12.5m."},
		{word: "edged slightly higher", ok: "Revenue edged slightly higher to €12.5m.", wrong: "Net debt edged slightly higher to €3.0m."},
		{word: "edges up", ok: "Revenue edges up 12%.", wrong: "Net debt edges up to €3.0m."},
		{word: "ticked up", ok: "Gross margin ticked up to 40.0%.", wrong: "Net debt ticked up to €3.0m."},
		{word: "ticked down", ok: "Finance costs ticked down to €310k.", wrong: "Gross margin ticked down to 40.0%."},
		{word: "ticks down", ok: "Net debt ticks down to €3.0m.", wrong: "Revenue ticks down to €12.5m."},
		{word: "inched up", ok: "Gross margin inched up to 40.0%.", wrong: "Finance costs inched up to €310k."},
		{word: "inched higher", ok: "Revenue inched higher to €12.5m.", wrong: "Net debt inched higher to €3.0m."},
		{word: "inches lower", ok: "Net debt inches lower to €3.0m.", wrong: "Revenue inches lower to €12.5m."},
		{word: "crept up", ok: "Cost of sales crept up to €7.5 million.", wrong: "Net debt crept up to €3.0m."},
		{word: "crept down", ok: "Net debt crept down to €3.0m.", wrong: "Revenue crept down to €12.5m."},
		{word: "creeps up", ok: "Cost of sales creeps up to €7.5 million.", wrong: "Finance costs creeps up to €310k."},
		{word: "drifted lower", ok: "Net debt drifted lower to €3.0m.", wrong: "Revenue drifted lower to €12.5m."},
		{word: "drifted down", ok: "Finance costs drifted down to €310k.", wrong: "Trade receivables drifted down to €2.3m (2023: €2.1m)."},
		{word: "drifted higher", ok: "Revenue drifted higher to €12.5m.", wrong: "Net debt drifted higher to €3.0m."},
		{word: "drifted up", ok: "Gross margin drifted up to 40.0%.", wrong: "Finance costs drifted up to €310k."},
		{word: "drifts lower", ok: "Net debt drifts lower to €3.0m.", wrong: "Revenue drifts lower to €12.5m."},
		{word: "picked up", ok: "Revenue picked up 12% to €12.5m.", wrong: "Net debt picked up to €3.0m."},
		{word: "picked up", ok: "Operating profit picked up to €2.1m (2023: €1.6m).", wrong: "Profit before tax picked up to €1.8m (2023: €2.0m)."},
		{word: "picks up", ok: "Revenue picks up 12%.", wrong: "Finance costs picks up to €310k."},
		{word: "firmed", ok: "Revenue firmed to €12.5m.", wrong: "Net debt firmed to €3.0m."},
		{word: "firmed up", ok: "Gross margin firmed up to 40.0%.", wrong: "Net debt firmed up to €3.0m (2023: €4.8m)."},
		{word: "retreated", ok: "Net debt retreated to €3.0m.", wrong: "Operating profit retreated to €2.1m (2023: €1.6m)."},
		{word: "retreated", ok: "Profit before tax retreated 10.6% to €1.8m.", wrong: "Revenue retreated to €12.5m."},
		// A tail that belongs to the verb: the level after it is read.
		{word: "fell back", ok: "Net debt fell back to €3.0m.", wrong: "Revenue fell back to €12.5m."},
		{word: "eased back", ok: "Finance costs eased back to €310k.", wrong: "Cost of sales eased back to €7.5 million."},
	}
	for _, tc := range cases {
		saying := func(line string) report {
			r := vocabReport()
			if tc.mod != nil {
				tc.mod(&r)
			}
			r.commentary = []string{line}
			return r
		}
		t.Run(tc.ok, func(t *testing.T) {
			d := saying(tc.ok).doc(t)
			if fs := run(t, d); len(fs) > 0 {
				t.Fatalf("want no findings, got:%s", describe(fs))
			}
			read := false
			for _, cc := range consistentClaims(d) {
				read = read || strings.EqualFold(cc.c.verb, tc.word)
			}
			if !read {
				t.Errorf("no claim confirmed with %q", tc.word)
			}
		})
		t.Run(tc.wrong, func(t *testing.T) {
			fs := run(t, saying(tc.wrong).doc(t))
			if len(fs) != 1 || fs[0].RawData["kind"] != kindDirection {
				t.Fatalf("want one direction finding, got:%s", describe(fs))
			}
			if !strings.Contains(fs[0].Description, tc.word) {
				t.Errorf("finding does not quote %q: %s", tc.word, fs[0].Description)
			}
		})
	}
}

// TestMovementWordsInOtherSenses checks that words of movement make no claim where a report
// uses them otherwise. Each sentence would draw a finding if the word were read as a movement of
// the figure it names, or as the end of a name ("surge pricing revenue" is not revenue).
func TestMovementWordsInOtherSenses(t *testing.T) {
	revenueFell := func(r *report) { setCell(r.income, "Revenue", 2, "10,450") }
	cases := []struct {
		line string
		mod  func(r *report)
	}{
		// "contracted": a loan taken out, a commitment, revenue under contract. Borrowings fell
		// and revenue rose.
		{line: "The Group contracted borrowings of €5.0m during the year."},
		{line: "Revenue contracted with customers for delivery in 2025 was €4.0m."},
		{line: "Contracted revenue increased by 30%."},
		{line: "Gross margin contracted."}, // bare, "contracted" is too often a commitment to read
		// "advanced": money lent or drawn, an adjective of a product line.
		{line: "Bank loans advanced to the Group were €0.5m."},
		{line: "Borrowings advanced to the joint venture amounted to €0.5m."},
		{line: "Advanced manufacturing revenue fell by 5%."},
		{line: "Revenue from advanced materials fell by 5%."},
		// "expanded": the scope of a disclosure or an offering.
		{line: "We expanded our disclosure of net debt in note 12."},
		{line: "The expanded product range reduced net debt by 5%."},
		// Words left out: "recovered" (costs passed on), "expansion" (a strategy).
		{line: "Finance costs recovered from customers were €0.1m."},
		{line: "Sales expansion into new markets continued.", mod: revenueFell},
		// Phrasal verbs without their particle state no direction.
		{line: "Net debt edged towards €3.0m."},
		{line: "Net debt crept towards €3.0m over the year."},
		// Nouns of movement in the name of another line item.
		{line: "Surge pricing revenue fell by 5%."},
		{line: "Drop shipment revenue fell by 5%."},
		// "drifted" without a particle, "picked" without "up", a passive "picked up": no
		// movement. Finance costs fell, net debt fell.
		{line: "Net debt drifted towards €3.0m over the year."},
		{line: "Finance costs were picked up by the lender under the facility agreement."},
		{line: "Finance costs picked up by the customer amounted to €0.1m."},
		{line: "The Group picked its lenders carefully to keep finance costs to €310k."},
		// Transitive senses: arranging a facility is not a movement of the figure.
		{line: "The Group firmed up borrowings of €5.0m with its banks."},
		{line: "We picked up borrowings of €0.5m from a new lender."},
		// "moderated" is not read: growth that moderated is still growth. Revenue rose 12%; it
		// would draw a direction finding if "moderated" were read as a fall.
		{line: "Revenue moderated to €12.5m."},
		{line: "Revenue growth moderated to 12%."},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			r := vocabReport()
			if tc.mod != nil {
				tc.mod(&r)
			}
			r.commentary = []string{tc.line}
			if fs := run(t, r.doc(t)); len(fs) > 0 {
				t.Errorf("want no findings, got:%s", describe(fs))
			}
		})
	}
}
