package statements

import (
	"fmt"
	"strings"
)

// Kinds of planted problems, as the manifest names them.
const (
	kindInTable      = "in_table" // a component or total that does not cast (down or across)
	kindNoteMismatch = "statement_vs_note"
	kindProfitCF     = "profit_is_vs_cf"
	kindCashCF       = "cash_cf_vs_bs"
	kindIdentity     = "balance_sheet_identity"
	kindRollForward  = "roll_forward"
	kindRatio        = "ratio"
	kindChange       = "change_claim" // direction or size of a change
	kindProfitWords  = "profit_wording"
	kindSign         = "impossible_sign"
	kindPeriod       = "period_date"
	kindMissing      = "missing_disclosure"
	kindConsequence  = "consequence"
	checkInTable     = "in_table"
	checkCrossTable  = "cross_table"
)

// spec is a Match whose table is still a key: plants run before omissions, which renumber the
// tables, so keys are resolved only once the document is final.
type spec struct {
	table                                          string
	checkType, row, column, fsli, claim, reference string
}

// pending is an Expectation with unresolved table keys.
type pending struct {
	agent, kind, note string
	optional          bool
	match             spec
	also              []spec
}

// planter applies plants to a clean document and records what each must produce.
type planter struct {
	w   *writer
	exp []pending
}

// plant is one planted problem.
type plant func(pl *planter) error

// cur and prior are the column headings of the current and comparative years.
func (pl *planter) cur() string   { return pl.w.y2() }
func (pl *planter) prior() string { return pl.w.y1() }

// expect records an expectation.
func (pl *planter) expect(agent, kind, note string, match spec, also ...spec) {
	pl.exp = append(pl.exp, pending{agent: agent, kind: kind, note: note, match: match, also: also})
}

// maybe records a consequence another agent may report without it counting as false.
func (pl *planter) maybe(agent, note string, match spec) {
	pl.exp = append(pl.exp, pending{agent: agent, kind: kindConsequence, note: note, optional: true, match: match})
}

// resolve turns the recorded expectations into the manifest's, with table indices of the
// final document.
func (pl *planter) resolve() ([]Expectation, error) {
	out := []Expectation{}
	conv := func(s spec) (Match, error) {
		m := Match{CheckType: s.checkType, Row: s.row, Column: s.column, FSLI: s.fsli, Claim: s.claim, Reference: s.reference}
		if s.table != "" {
			m.Table = pl.w.d.tableIndex(s.table)
			if m.Table == 0 {
				return m, fmt.Errorf("expectation refers to table %q, which is not in the document", s.table)
			}
		}
		return m, nil
	}
	for _, p := range pl.exp {
		e := Expectation{Agent: p.agent, Kind: p.kind, Optional: p.optional, Note: p.note}
		var err error
		if e.Match, err = conv(p.match); err != nil {
			return nil, err
		}
		for _, a := range p.also {
			m, err := conv(a)
			if err != nil {
				return nil, err
			}
			e.Also = append(e.Also, m)
		}
		out = append(out, e)
	}
	return out, nil
}

// castDown changes a component of a column so that its total no longer adds up.
func castDown(table, component, total string, delta int64) plant {
	return func(pl *planter) error {
		if err := pl.w.d.add(table, component, 0, pl.cur(), delta); err != nil {
			return err
		}
		pl.expect(agentNumeric, kindInTable,
			fmt.Sprintf("%q %s changed by %s; %q no longer equals the sum of its components", component, pl.cur(), pl.w.amt(delta), total),
			spec{checkType: checkInTable, table: table, row: total, column: pl.cur()},
			spec{table: table, row: component, column: pl.cur()})
		return nil
	}
}

// castAcross changes one cell of a row so that the row's total column no longer adds up. When
// totalRow is set, the same column's total row moves with it, so the columns still add down
// and only the total column is wrong (in both rows). consequences are further places the change
// legitimately shows (a roll-forward column).
func castAcross(table, row string, nth int, column, totalColumn, totalRow string, delta int64, consequences ...spec) plant {
	return func(pl *planter) error {
		if err := pl.w.d.add(table, row, nth, column, delta); err != nil {
			return err
		}
		also := append([]spec{{table: table, row: row, column: column}}, consequences...)
		if totalRow != "" {
			if err := pl.w.d.add(table, totalRow, 0, column, delta); err != nil {
				return err
			}
			also = append(also, spec{table: table, row: totalRow, column: totalColumn}, spec{table: table, row: totalRow, column: column})
		}
		pl.expect(agentNumeric, kindInTable,
			fmt.Sprintf("%q column %q changed by %s; the %q column no longer equals the sum of the columns beside it", row, column, pl.w.amt(delta), totalColumn),
			spec{checkType: checkInTable, table: table, row: row, column: totalColumn}, also...)
		return nil
	}
}

// noteDiffers changes a note so that it still casts but states a line item differently from
// the primary statement: every row in rows moves by delta in the current year. rowMatch is
// the label substring both places share; elsewhere lists the other places that state it.
func noteDiffers(table string, rows []string, rowMatch string, delta int64, elsewhere ...spec) plant {
	return func(pl *planter) error {
		for _, r := range rows {
			if err := pl.w.d.add(table, r, 0, pl.cur(), delta); err != nil {
				return err
			}
		}
		if table == tRevenue { // both totals of the revenue note, so the note stays consistent
			if err := pl.w.d.add(table, "Total revenue", 1, pl.cur(), delta); err != nil {
				return err
			}
		}
		pl.expect(agentNumeric, kindNoteMismatch,
			fmt.Sprintf("note states %q %s %s different from the primary statement (the note still casts)", rowMatch, pl.cur(), pl.w.amt(delta)),
			spec{checkType: checkCrossTable, table: table, row: rowMatch, column: pl.cur()}, elsewhere...)
		return nil
	}
}

// profitDiffers starts the cash flow statement from a profit that differs from the income
// statement, with the difference taken out of the payables movement so the statement casts.
func profitDiffers(delta int64) plant {
	return func(pl *planter) error {
		label := pl.w.profitLabel("Profit for the year")
		d := pl.w.d
		if err := d.add(tCashFlow, label, 0, pl.cur(), delta); err != nil {
			return err
		}
		if err := d.add(tCashFlow, "Increase/(decrease) in trade and other payables", 0, pl.cur(), -delta); err != nil {
			return err
		}
		pl.expect(agentNumeric, kindProfitCF,
			fmt.Sprintf("cash flow statement starts from a profit %s different from the income statement; the payables movement absorbs it so the cash flow still casts", pl.w.amt(delta)),
			spec{checkType: checkCrossTable, table: tCashFlow, row: "for the year", column: pl.cur()},
			spec{table: tIncome, row: "for the year", column: pl.cur()},
			spec{table: tCashFlow, row: "trade and other payables", column: pl.cur()})
		pl.maybe(agentLogic, "the narrative states the income statement's profit, which the cash flow statement contradicts", spec{fsli: "profit"})
		return nil
	}
}

// cashDiffers moves the cash flow statement's opening and closing cash of the current year by
// delta: the statement still casts, but its closing cash differs from the balance sheet.
func cashDiffers(delta int64) plant {
	return func(pl *planter) error {
		d := pl.w.d
		for _, r := range []string{"Cash and cash equivalents at beginning of year", "Cash and cash equivalents at end of year"} {
			if err := d.add(tCashFlow, r, 0, pl.cur(), delta); err != nil {
				return err
			}
		}
		pl.expect(agentNumeric, kindCashCF,
			fmt.Sprintf("closing cash in the cash flow statement %s different from the statement of financial position (opening cash moved with it)", pl.w.amt(delta)),
			spec{checkType: checkCrossTable, table: tCashFlow, row: "end of year", column: pl.cur()},
			spec{table: tCashFlow, row: "beginning of year"},
			spec{row: "cash and cash equivalents"})
		pl.maybe(agentLogic, "the narrative states the balance sheet's cash, which the cash flow statement contradicts", spec{fsli: "cash"})
		return nil
	}
}

// identityBroken raises prepayments with their subtotals, so the balance sheet casts but
// total assets no longer equal total equity and liabilities.
func identityBroken(delta int64) plant {
	return func(pl *planter) error {
		for _, r := range []string{"Prepayments", "Total current assets", "Total assets"} {
			if err := pl.w.d.add(tBalance, r, 0, pl.cur(), delta); err != nil {
				return err
			}
		}
		pl.expect(agentNumeric, kindIdentity,
			fmt.Sprintf("prepayments, total current assets and total assets raised by %s: total assets no longer equal total equity and liabilities", pl.w.amt(delta)),
			spec{checkType: checkCrossTable, table: tBalance, row: "Total assets", column: pl.cur()},
			spec{table: tBalance, row: "Total equity and liabilities", column: pl.cur()},
			spec{table: tBalance, row: "Prepayments", column: pl.cur()},
			spec{table: tBalance, row: "Total current assets", column: pl.cur()})
		return nil
	}
}

// rollBroken changes a movement of the current year in a roll-forward table (in its class
// column and the total column), leaving the closing amount unchanged, so opening + movements
// no longer equal closing.
func rollBroken(table, movement string, nth int, column string, delta int64, elsewhere ...spec) plant {
	return func(pl *planter) error {
		for _, c := range []string{column, "Total"} {
			if err := pl.w.d.add(table, movement, nth, c, delta); err != nil {
				return err
			}
		}
		closing := "At " + pl.w.p.endDate(2)
		also := append([]spec{
			{table: table, row: closing, column: "Total"},
			{table: table, row: movement, column: column},
			{table: table, row: movement, column: "Total"},
		}, elsewhere...)
		pl.expect(agentNumeric, kindRollForward,
			fmt.Sprintf("%q of the current year changed by %s in %q and the total column; the closing amount does not follow", movement, pl.w.amt(delta), column),
			spec{checkType: checkCrossTable, table: table, row: closing, column: column}, also...)
		return nil
	}
}

// ratioWrong prints a percentage that disagrees with the figures it is computed from.
func ratioWrong(table, row, column, text string, also ...spec) plant {
	return func(pl *planter) error {
		c, err := pl.w.d.cell(table, row, 0, column)
		if err != nil {
			return err
		}
		old := *c
		*c = text
		pl.expect(agentNumeric, kindRatio,
			fmt.Sprintf("%q %s printed as %s instead of %s", row, column, text, old),
			spec{checkType: checkCrossTable, table: table, row: row, column: column}, also...)
		return nil
	}
}

// claimWrong rewrites a sentence of the narrative so it contradicts the figures.
func claimWrong(kind, para, old, new, fsli, claim string) plant {
	return func(pl *planter) error {
		if err := pl.w.d.replace(para, old, new); err != nil {
			return err
		}
		pl.expect(agentLogic, kind, fmt.Sprintf("narrative %q changed to %q", old, new), spec{fsli: fsli, claim: claim})
		return nil
	}
}

// signWrong prints a figure of the five-year summary with an impossible sign.
func signWrong(row, fsli string) plant {
	return func(pl *planter) error {
		column := fmt.Sprint(pl.w.p.year(0) - 2)
		c, err := pl.w.d.cell(tFiveYear, row, 0, column)
		if err != nil {
			return err
		}
		old := *c
		*c = "(" + old + ")"
		pl.expect(agentLogic, kindSign, fmt.Sprintf("%s %s printed negative in the five-year summary", row, column),
			spec{fsli: fsli, claim: old})
		return nil
	}
}

// omitted removes one disclosure; reference is the paragraph the finding must cite and also
// lists other paragraphs the same omission legitimately leaves unmet.
func omitted(tag, reference, what string, also ...string) plant {
	return func(pl *planter) error {
		if err := pl.w.d.omit(tag); err != nil {
			return err
		}
		var as []spec
		for _, a := range also {
			as = append(as, spec{reference: a})
		}
		pl.expect(agentDisclosure, kindMissing, "omitted: "+what, spec{reference: reference}, as...)
		return nil
	}
}

// Variant is one file of the set: a profile, clean or with its plants.
type Variant struct {
	Profile Profile
	Planted bool
}

// File is the variant's file name: "nordhafen-clean.docx", "nordhafen-planted.docx".
func (v Variant) File() string {
	if v.Planted {
		return v.Profile.Slug + "-planted.docx"
	}
	return v.Profile.Slug + "-clean.docx"
}

// Set lists the variants of the test set: each profile clean, then with its plants.
func Set() []Variant {
	var vs []Variant
	for _, p := range Profiles() {
		vs = append(vs, Variant{Profile: p}, Variant{Profile: p, Planted: true})
	}
	return vs
}

// Generate builds a variant's .docx and its manifest entry. The same variant always gives the
// same bytes.
func Generate(v Variant) ([]byte, Entry, error) {
	p := v.Profile
	f, err := build(p)
	if err != nil {
		return nil, Entry{}, fmt.Errorf("build %s: %w", p.Slug, err)
	}
	w := render(p, f)
	d := w.d
	pl := &planter{w: w}
	if v.Planted {
		for i, pf := range plantsOf(w) {
			if err := pf(pl); err != nil {
				return nil, Entry{}, fmt.Errorf("%s plant %d: %w", v.File(), i+1, err)
			}
		}
	}
	exp, err := pl.resolve()
	if err != nil {
		return nil, Entry{}, fmt.Errorf("%s: %w", v.File(), err)
	}
	return d.docx(), Entry{File: v.File(), Entity: p.EntityName(), Clean: !v.Planted, Expect: exp}, nil
}

// GenerateAll builds every file of the set and the manifest.
func GenerateAll() (map[string][]byte, Manifest, error) {
	files := map[string][]byte{}
	m := Manifest{About: "Financial statements generated by internal/statements (go test ./internal/statements -run TestStatementSet -update). " +
		"Each profile has a clean file and a planted file; expect lists the findings each must produce. See README.md."}
	for _, v := range Set() {
		b, e, err := Generate(v)
		if err != nil {
			return nil, Manifest{}, err
		}
		files[e.File] = b
		m.Files = append(m.Files, e)
	}
	return files, m, nil
}

// plantsOf lists the planted problems of a profile's planted variant. Across the set every
// kind is planted at least three times, and no two plants of one file touch the same figure.
func plantsOf(w *writer) []plant {
	p, f := w.p, w.f
	y2, y1 := p.yearLabel(2), p.yearLabel(1)
	growth := pctValue(f.Revenue[2]-f.Revenue[1], f.Revenue[1])
	growthText := group(absInt(growth), 1) + "%"
	revDir := "increased"
	if growth < 0 {
		revDir = "decreased"
	}
	flip := map[string]string{"increased": "decreased", "decreased": "increased", "rose to": "fell to", "fell to": "rose to"}
	cashDir := "increased to"
	if f.Cash[2] < f.Cash[1] {
		cashDir = "decreased to"
	}
	ndDir := "fell to"
	if f.netDebt(2) > f.netDebt(1) {
		ndDir = "rose to"
	}
	// pct is a figure about a tenth of a per cent of revenue, rounded to a printable amount.
	pct := func(perMille int64) int64 { return pm(f.Revenue[2], perMille) }
	s := styleOf(p)
	switch p.Slug {
	case "nordhafen":
		return []plant{
			castDown(tStaff, "Social security costs", "Total staff costs", 420),
			noteDiffers(tRevenue, []string{"Contract warehousing", "Total revenue", "Transferred over time"}, "revenue", 1_500,
				spec{table: tIncome, row: "Revenue", column: y2}, spec{table: tKeyFigures, row: "Revenue", column: y2},
				spec{table: tFiveYear, row: "Revenue", column: y2}),
			profitDiffers(900),
			rollBroken(tPPE, "Depreciation charge", 1, s.ppe[1], -300,
				spec{table: tCashFlow, row: "Depreciation of property", column: y2}),
			claimWrong(kindChange, pRevenue, "by "+growthText, "by 9.6%", "revenue", "9.6%"),
			claimWrong(kindPeriod, pBalanceH, "as at "+p.endDate(2), "as at 31 March "+y2, "", "31 March "+y2),
			omitted(dLeaseMaturity, "IFRS 16.58", "maturity analysis of lease liabilities (note 11)", "IFRS 7.39"),
			omitted(dKMP, "IAS 24.17", "key management personnel compensation (note 18)"),
			omitted(dSensitivity, "IFRS 7.40", "market risk sensitivity analysis (note 16)"),
		}
	case "harlow-finch":
		return []plant{
			castAcross(tLiquidity, "Borrowings", 0, "1 to 5 years", "Total contractual cash flows", "Total", 120),
			cashDiffers(-250),
			identityBroken(85),
			ratioWrong(tKeyFigures, "Operating margin", y2, addPoints(percent(f.OperatingProfit[2], f.Revenue[2]), 15),
				spec{table: tKeyFigures, row: "Operating margin", column: "Change"}),
			claimWrong(kindChange, pRevenue, revDir+" by", flip[revDir]+" by", "revenue", flip[revDir]+" by "+growthText),
			claimWrong(kindProfitWords, pProfit, "and the profit for the year was", "and the Company made a loss for the year of", "", "a loss for the year of"),
			claimWrong(kindPeriod, pMargin, "("+y1+": ", "("+fmt.Sprint(p.year(0))+": ", "", fmt.Sprint(p.year(0))+": "),
			omitted(dFinancingRecon, "IAS 7.44A", "reconciliation of liabilities arising from financing activities (note 17)"),
			omitted(dContractBal, "IFRS 15.116", "contract balances and their changes (note 5)", "IFRS 15.118"),
			omitted(dCapital, "IAS 1.134", "capital management (note 16)"),
		}
	case "cascade":
		return []plant{
			castDown(tTax, "Current tax", "Income tax expense", 45),
			castAcross(tLiquidity, "Trade and other payables", 0, "Within 1 year", "Total contractual cash flows", "Total", 310),
			noteDiffers(tFinance, []string{"Interest on lease liabilities", "Total finance costs"}, "finance costs", 60,
				spec{table: tIncome, row: "Finance costs", column: y2},
				spec{table: tLeasePL, row: "Interest on lease liabilities", column: y2},
				spec{table: tCashFlow, row: "Interest paid", column: y2},
				spec{table: tCashFlow, row: "Net finance costs", column: y2}),
			ratioWrong(tTaxRec, "Effective tax rate", y2, addPoints(percent(f.Tax[2], f.ProfitBeforeTax[2]), 40)),
			profitDiffers(-pct(8)),
			claimWrong(kindChange, pRevenue, "by "+growthText, "by 0.8%", "revenue", "0.8%"),
			claimWrong(kindProfitWords, pProfit, "and a loss for the year of", "and returned to profit, with a profit for the year of", "", "returned to profit"),
			signWrong("Revenue", "revenue"),
			omitted(dLeaseCashOut, "IFRS 16.53(g)", "total cash outflow for leases (note 11)"),
			omitted(dParent, "IAS 24.13", "parent and ultimate controlling party (notes 1 and 18)"),
			omitted(dRemainingPO, "IFRS 15.120", "transaction price allocated to remaining performance obligations (note 5)"),
		}
	case "soleira":
		return []plant{
			castDown(tKMP, "Post-employment benefits", "Total key management personnel compensation", 6),
			cashDiffers(18),
			rollBroken(tProvisions, "Utilised", 0, s.prov[0], -9,
				spec{table: tCashFlow, row: "provisions", column: y2}),
			noteDiffers(tBorrowings, []string{"Current", "Total borrowings"}, "borrowings", 12,
				spec{row: "Borrowings"}),
			claimWrong(kindChange, pRevenue, "by "+growthText, "by 8.3%", "revenue", "8.3%"),
			signWrong("Cash and cash equivalents", "cash"),
			claimWrong(kindPeriod, pCash, "at "+p.endDate(2), "at 31 December "+y2, "", "31 December "+y2),
			omitted(dLiquidity, "IFRS 7.39", "liquidity risk maturity analysis (note 16)"),
			omitted(dShareCapital, "IAS 1.79(a)", "number and par value of shares issued (note 9)"),
			omitted(dDisaggregation, "IFRS 15.114", "disaggregation of revenue (note 5)"),
		}
	case "kestrel":
		return []plant{
			castAcross(tROU, "Additions", 1, s.rou[1], "Total", "", 240,
				spec{table: tROU, row: "At " + p.endDate(2), column: s.rou[1]}),
			identityBroken(600),
			ratioWrong(tCapital, "Net debt to equity ratio", y2, addPoints(percent(f.netDebt(2), f.Equity[2]), 52)),
			cashDiffers(1_150),
			claimWrong(kindChange, pCash, "net debt, defined as borrowings and lease liabilities less cash and cash equivalents, "+ndDir,
				"net debt, defined as borrowings and lease liabilities less cash and cash equivalents, "+flip[ndDir], "net debt", flip[ndDir]),
			claimWrong(kindPeriod, pIncomeH, "year ended "+p.endDate(2), "year ended "+p.endDate(1), "", "year ended "+p.endDate(1)),
			omitted(dCashComponents, "IAS 7.45", "components of cash and cash equivalents (note 13)"),
			omitted(dLeaseExpenses, "IFRS 16.53(c)", "short-term and low-value lease expenses recognised in profit or loss (note 11)", "IFRS 16.53(d)"),
			omitted(dRelatedTx, "IAS 24.18", "transactions and balances with related parties and their terms (note 18)", "IAS 24.19"),
		}
	case "lumen":
		return []plant{
			castDown(tIncome, "Administrative expenses", w.profitLabel("Operating profit"), -250),
			noteDiffers(tTax, []string{"Current tax", "Income tax expense"}, "income tax expense", 70,
				spec{table: tIncome, row: "Income tax expense", column: y2},
				spec{table: tTaxRec, row: "Income tax expense", column: y2},
				spec{table: tCashFlow, row: "Income tax expense", column: y2}),
			profitDiffers(pct(4)),
			rollBroken(tROU, "Depreciation charge", 1, s.rou[0], -60,
				spec{table: tCashFlow, row: "Depreciation of right-of-use", column: y2},
				spec{table: tLeasePL, row: "Depreciation of right-of-use", column: y2}),
			identityBroken(150),
			claimWrong(kindProfitWords, pProfit, "and the profit for the year was", "and the loss for the year was", "", "loss for the year was"),
			claimWrong(kindChange, pCash, "Cash and cash equivalents "+cashDir, "Cash and cash equivalents "+flip2(cashDir), "cash", flip2(cashDir)),
			signWrong("Revenue", "revenue"),
			omitted(dDividendProp, "IAS 1.137", "amount of the final dividend proposed after the reporting date (management commentary and note 9; note 19 still mentions the proposal)"),
			omitted(dAgeing, "IFRS 7.35M", "credit risk exposure: ageing of trade receivables (note 12)"),
			omitted(dFinancingRecon, "IAS 7.44A", "reconciliation of liabilities arising from financing activities (note 17)"),
		}
	}
	return nil
}

// flip2 turns "increased to" into "decreased to" and back.
func flip2(s string) string {
	if strings.HasPrefix(s, "in") {
		return "de" + strings.TrimPrefix(s, "in")
	}
	return "in" + strings.TrimPrefix(s, "de")
}

// addPoints adds tenths of a percentage point to a printed percentage: "9.8%" + 15 = "11.3%".
func addPoints(printed string, tenths int64) string {
	negative := strings.HasPrefix(printed, "(")
	digits := strings.NewReplacer("(", "", ")", "", "%", "", ".", "", ",", "").Replace(printed)
	var v int64
	fmt.Sscan(digits, &v)
	if negative {
		v = -v
	}
	v += tenths
	if v < 0 {
		return "(" + group(-v, 1) + ")%"
	}
	return group(v, 1) + "%"
}
