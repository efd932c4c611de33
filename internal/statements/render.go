package statements

import (
	"fmt"
	"strings"
)

// Keys of the tables and paragraphs that plants and the manifest refer to.
const (
	tKeyFigures    = "key-figures"
	tFiveYear      = "five-year"
	tIncome        = "income"
	tBalance       = "balance"
	tEquity        = "equity"
	tCashFlow      = "cash-flow"
	tRevenue       = "revenue"
	tContract      = "contract-balances"
	tStaff         = "staff"
	tFinance       = "finance"
	tTax           = "tax"
	tTaxRec        = "tax-reconciliation"
	tPPE           = "ppe"
	tROU           = "rou"
	tLeaseSplit    = "lease-split"
	tLeaseMaturity = "lease-maturity"
	tLeasePL       = "lease-pl"
	tAgeing        = "ageing"
	tAllowance     = "allowance"
	tCash          = "cash"
	tBorrowings    = "borrowings"
	tProvisions    = "provisions"
	tCategories    = "categories"
	tLiquidity     = "liquidity"
	tCapital       = "capital"
	tFinancing     = "financing-liabilities"
	tKMP           = "kmp"
	tRelated       = "related"

	pTitle     = "title"
	pRevenue   = "mc-revenue"
	pMargin    = "mc-margin"
	pProfit    = "mc-profit"
	pCash      = "mc-cash"
	pDividend  = "mc-dividend"
	pBalanceH  = "balance-heading"
	pIncomeH   = "income-heading"
	pGoing     = "going-concern"
	pAuthorise = "authorised"
	pEvents    = "events"
)

// Disclosure tags: each is one disclosure a planted variant may leave out.
const (
	dJudgements      = "judgements"
	dEstimates       = "estimates"
	dCapital         = "capital-management"
	dDividendProp    = "dividend-proposed"
	dCashComponents  = "cash-components"
	dFinancingRecon  = "financing-reconciliation"
	dNonCash         = "non-cash"
	dParent          = "parent"
	dKMP             = "kmp"
	dRelatedTx       = "related-transactions"
	dLiquidity       = "liquidity"
	dSensitivity     = "sensitivity"
	dCreditRisk      = "credit-risk"
	dAgeing          = "credit-ageing"
	dAllowance       = "loss-allowance"
	dFairValue       = "fair-value"
	dDisaggregation  = "disaggregation"
	dContractBal     = "contract-balances"
	dRemainingPO     = "remaining-obligations"
	dPerformanceObl  = "performance-obligations"
	dROUByClass      = "rou-by-class"
	dLeaseMaturity   = "lease-maturity"
	dLeaseExpenses   = "lease-expenses"
	dLeaseCashOut    = "lease-cash-outflow"
	dCategories      = "categories"
	dGoingConcern    = "going-concern"
	dRiskObjectives  = "risk-objectives"
	dRevenueJudgment = "revenue-judgements"
	dShareCapital    = "share-capital"
)

// writer renders one profile's statements into a document.
type writer struct {
	p Profile
	f Figures
	d *document
	// loss is set when a year shows a loss, so labels read "Profit/(loss)".
	loss bool
}

// render builds the clean statement of a profile and returns its writer, which plants use.
func render(p Profile, f Figures) *writer {
	w := &writer{p: p, f: f, d: &document{decimals: p.Decimals}}
	for y := 1; y <= 2; y++ {
		if f.Profit[y] < 0 || f.OperatingProfit[y] < 0 {
			w.loss = true
		}
	}
	w.front()
	w.commentary()
	w.incomeStatement()
	w.balanceSheet()
	w.equityStatement()
	w.cashFlowStatement()
	w.notes()
	return w
}

// amt prints an amount in the statement's format.
func (w *writer) amt(v int64) string { return w.d.amount(v) }

// money prints an amount for the narrative, in millions: "€148.3 million".
func (w *writer) money(v int64) string {
	tenths := div(v*10, w.p.PerMillion)
	s := w.p.Symbol + group(absInt(tenths), 1) + " million"
	if tenths < 0 {
		return "minus " + s
	}
	return s
}

// y2, y1 are the column headings of the current and comparative years.
func (w *writer) y2() string { return w.p.yearLabel(2) }
func (w *writer) y1() string { return w.p.yearLabel(1) }

// header is a statement's heading row: scale, optional note column, the two years.
func (w *writer) header(note bool) []string {
	if note {
		return []string{w.p.Scale, "Note", w.y2(), w.y1()}
	}
	return []string{w.p.Scale, w.y2(), w.y1()}
}

// row is a line with figures for the current and comparative year.
func (w *writer) row(label, note string, a [3]int64, noteCol bool) []string {
	if noteCol {
		return []string{label, note, w.amt(a[2]), w.amt(a[1])}
	}
	return []string{label, w.amt(a[2]), w.amt(a[1])}
}

// neg is -a for each year (costs printed in parentheses).
func neg(a [3]int64) [3]int64 { return [3]int64{-a[0], -a[1], -a[2]} }

// section is a label row without figures.
func section(label string, width int) []string {
	r := make([]string, width)
	r[0] = label
	return r
}

// plus adds per-year arrays.
func plus(as ...[3]int64) [3]int64 {
	var s [3]int64
	for _, a := range as {
		for i := range 3 {
			s[i] += a[i]
		}
	}
	return s
}

// class picks one class of a per-class series.
func class(a [3][2]int64, c int) [3]int64 { return [3]int64{a[0][c], a[1][c], a[2][c]} }

// both adds the two classes of a per-class series.
func both(a [3][2]int64) [3]int64 { return plus(class(a, 0), class(a, 1)) }

// profitLabel is "Profit for the year" or, when a year is a loss, "Profit/(loss) for the year".
func (w *writer) profitLabel(base string) string {
	if !w.loss {
		return base
	}
	if strings.HasPrefix(base, "Profit") {
		return "Profit/(loss)" + strings.TrimPrefix(base, "Profit")
	}
	return strings.Replace(base, "profit", "profit/(loss)", 1)
}

// cap capitalises the first letter.
func capFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// front writes the title page.
func (w *writer) front() {
	p := w.p
	w.d.heading(1, p.EntityName())
	w.d.blocks[len(w.d.blocks)-1].key = pTitle
	w.d.para("", fmt.Sprintf("Annual report and financial statements for the year ended %s", p.endDate(2)))
	w.d.para("", fmt.Sprintf("Registered office: %s, %s. All amounts are in %s (%s) unless otherwise stated.",
		p.City, p.Country, p.Currency, p.Scale))
}

// commentary writes the management commentary: key figures, the narrative and the five-year
// summary. Every claim is computed from the figures, so the clean variant is true to them.
func (w *writer) commentary() {
	p, f, d := w.p, w.f, w.d
	d.heading(2, "Management commentary")
	d.para("", "Key figures")
	kf := [][]string{{p.Scale, w.y2(), w.y1(), "Change"}}
	amountRow := func(label string, a [3]int64) {
		kf = append(kf, []string{label, w.amt(a[2]), w.amt(a[1]), change(a[2], a[1])})
	}
	marginRow := func(label string, a [3]int64) {
		m2, m1 := pctValue(a[2], f.Revenue[2]), pctValue(a[1], f.Revenue[1])
		kf = append(kf, []string{label, percent(a[2], f.Revenue[2]), percent(a[1], f.Revenue[1]), points(m2 - m1)})
	}
	amountRow("Revenue", f.Revenue)
	amountRow("Gross profit", f.GrossProfit)
	marginRow("Gross margin", f.GrossProfit)
	amountRow(w.profitLabel("Operating profit"), f.OperatingProfit)
	marginRow("Operating margin", f.OperatingProfit)
	amountRow(w.profitLabel("Profit for the year"), f.Profit)
	amountRow("Cash and cash equivalents", f.Cash)
	var nd [3]int64
	for y := range 3 {
		nd[y] = f.netDebt(y)
	}
	amountRow("Net debt", nd)
	d.table(tKeyFigures, kf)

	g := pctValue(f.Revenue[2]-f.Revenue[1], f.Revenue[1])
	dir := "increased"
	if g < 0 {
		dir = "decreased"
	}
	d.para(pRevenue, fmt.Sprintf("Revenue %s by %s to %s (%s: %s). %s",
		dir, group(absInt(g), 1)+"%", w.money(f.Revenue[2]), w.y1(), w.money(f.Revenue[1]), revenueContext(p)))

	gm2, gm1 := pctValue(f.GrossProfit[2], f.Revenue[2]), pctValue(f.GrossProfit[1], f.Revenue[1])
	mdir := "improved to"
	switch {
	case gm2 < gm1:
		mdir = "narrowed to"
	case gm2 == gm1:
		mdir = "was unchanged at"
	}
	d.para(pMargin, fmt.Sprintf("Gross margin %s %s (%s: %s), as purchasing and pricing decisions taken during the year worked through.",
		mdir, percent(f.GrossProfit[2], f.Revenue[2]), w.y1(), percent(f.GrossProfit[1], f.Revenue[1])))

	d.para(pProfit, w.profitSentence())

	cdir := "increased to"
	if f.Cash[2] < f.Cash[1] {
		cdir = "decreased to"
	}
	ndir := "fell to"
	if nd[2] > nd[1] {
		ndir = "rose to"
	}
	d.para(pCash, fmt.Sprintf("Cash and cash equivalents %s %s at %s (%s: %s) and net debt, defined as borrowings and lease liabilities less cash and cash equivalents, %s %s (%s: %s).",
		cdir, w.money(f.Cash[2]), p.endDate(2), w.y1(), w.money(f.Cash[1]), ndir, w.money(nd[2]), w.y1(), w.money(nd[1])))

	if f.Dividends[2] > 0 || f.Dividends[1] > 0 {
		d.para(pDividend, fmt.Sprintf("Dividends of %s were paid during the year (%s: %s).",
			w.money(f.Dividends[2]), w.y1(), w.money(f.Dividends[1])))
		d.disclosure(dDividendProp, func() { d.para("", w.proposedSentence()) })
	} else {
		d.para(pDividend, fmt.Sprintf("No dividends were paid during the year (%s: none) and the directors do not propose a final dividend, so that cash is kept for investment in the product.", w.y1()))
	}
	d.para("", outlook(p))

	d.para("", "Five-year summary")
	years := []string{p.Scale, w.y2(), w.y1()}
	for i := 2; i >= 0; i-- {
		years = append(years, fmt.Sprint(p.year(0)-(2-i)))
	}
	fy := [][]string{years}
	hist := func(label string, cur [3]int64, h [3]int64) {
		r := []string{label, w.amt(cur[2]), w.amt(cur[1])}
		for i := 2; i >= 0; i-- {
			r = append(r, w.amt(h[i]))
		}
		fy = append(fy, r)
	}
	hist("Revenue", f.Revenue, f.HistRevenue)
	hist(w.profitLabel("Operating profit"), f.OperatingProfit, f.HistOperating)
	hist(w.profitLabel("Profit for the year"), f.Profit, f.HistProfit)
	hist("Cash and cash equivalents", f.Cash, f.HistCash)
	d.table(tFiveYear, fy)
}

// change is the key-figures change column: the percentage change of an amount, or "n/m" when
// the comparative is nil or negative.
func change(cur, prior int64) string {
	if prior <= 0 || cur < 0 {
		return "n/m"
	}
	return percent(cur-prior, prior)
}

// points prints a change of a margin in percentage points, from tenths of a per cent.
func points(tenths int64) string {
	s := group(absInt(tenths), 1) + " pp"
	if tenths < 0 {
		return "(" + group(absInt(tenths), 1) + ") pp"
	}
	return s
}

// profitSentence states operating profit and profit for the year with their comparatives.
func (w *writer) profitSentence() string {
	f := w.f
	res := func(label string, v int64) string {
		text := label + " of " + w.money(v)
		if v < 0 {
			text = strings.Replace(label, "profit", "loss", 1) + " of " + w.money(-v)
		}
		if strings.ContainsAny(text[:1], "aeiou") {
			return "an " + text
		}
		return "a " + text
	}
	short := func(label string, v int64) string {
		if v < 0 {
			return strings.Replace(label, "profit", "loss", 1) + " of " + w.money(-v)
		}
		return label + " of " + w.money(v)
	}
	if f.OperatingProfit[2] >= 0 && f.OperatingProfit[1] >= 0 && f.Profit[2] >= 0 && f.Profit[1] >= 0 {
		odir := "rose to"
		if f.OperatingProfit[2] < f.OperatingProfit[1] {
			odir = "fell to"
		}
		return fmt.Sprintf("Operating profit %s %s (%s: %s) and the profit for the year was %s (%s: %s).",
			odir, w.money(f.OperatingProfit[2]), w.y1(), w.money(f.OperatingProfit[1]),
			w.money(f.Profit[2]), w.y1(), w.money(f.Profit[1]))
	}
	return fmt.Sprintf("The Company reported %s (%s: %s) and %s (%s: %s), as the investment in sales capacity made during the year has not yet been matched by revenue.",
		res("operating profit", f.OperatingProfit[2]), w.y1(), short("operating profit", f.OperatingProfit[1]),
		res("profit for the year", f.Profit[2]), w.y1(), short("profit", f.Profit[1]))
}

// proposedSentence states the final dividend proposed after the year-end (IAS 1.137).
func (w *writer) proposedSentence() string {
	p := w.p
	return fmt.Sprintf("The directors propose a final dividend of %s%s per share (%s in total) for the year ended %s; it is subject to approval by shareholders and has not been recognised as a liability in these financial statements.",
		p.Symbol, group(p.Drivers.ProposedDPS, 2), w.money(w.proposedTotal()), p.endDate(2))
}

// proposedTotal is the proposed final dividend in printed units.
func (w *writer) proposedTotal() int64 {
	return div(w.p.Drivers.ProposedDPS*w.p.Shares*w.p.PerMillion, 100*1_000_000)
}

// revenueContext is a sentence on what drove revenue, with no figures to check.
func revenueContext(p Profile) string {
	switch p.Industry {
	case "logistics":
		return "Volumes with existing customers in the automotive and chemicals sectors remained the main driver, while two new warehousing contracts started in the second half."
	case "retail":
		return "Online sales continued to grow faster than store sales, and the store estate was reduced by four loss-making stores."
	case "software":
		return "Subscription renewals remained strong, but fewer new implementation projects started than planned."
	case "food processing":
		return "A longer citrus season and new private-label contracts with two supermarket chains supported volumes."
	case "mining services":
		return "Exploration activity slowed as junior miners found funding harder to raise, while production drilling held up."
	default:
		return "Demand from hospital laboratories grew, and the installed base of analysers continued to rise."
	}
}

// outlook is the closing paragraph of the commentary, with no figures.
func outlook(p Profile) string {
	return fmt.Sprintf("Looking ahead, the directors expect demand in the %s market to remain resilient and will continue to invest in %s while keeping a close watch on costs and working capital.",
		p.Industry, strings.SplitN(p.Activities, ",", 2)[0])
}

// incomeStatement writes the statement of profit or loss and other comprehensive income.
func (w *writer) incomeStatement() {
	p, f, d := w.p, w.f, w.d
	d.heading(2, fmt.Sprintf("Statement of profit or loss and other comprehensive income for the year ended %s", p.endDate(2)))
	d.blocks[len(d.blocks)-1].key = pIncomeH
	rows := [][]string{
		w.header(true),
		w.row("Revenue", "5", f.Revenue, true),
		w.row("Cost of sales", "", neg(f.CostOfSales), true),
		w.row("Gross profit", "", f.GrossProfit, true),
		w.row("Distribution costs", "", neg(f.Distribution), true),
		w.row("Administrative expenses", "", neg(f.Admin), true),
		w.row("Other operating income", "", f.OtherIncome, true),
		w.row(w.profitLabel("Operating profit"), "", f.OperatingProfit, true),
		w.row("Finance income", "7", f.FinanceIncome, true),
		w.row("Finance costs", "7", neg(f.FinanceCosts), true),
		w.row(w.profitLabel("Profit before tax"), "", f.ProfitBeforeTax, true),
		w.row("Income tax expense", "8", neg(f.Tax), true),
		w.row(w.profitLabel("Profit for the year"), "", f.Profit, true),
		w.row("Other comprehensive income", "", [3]int64{}, true),
		w.row("Total comprehensive income for the year", "", f.Profit, true),
	}
	d.table(tIncome, rows)
}

// balanceSheet writes the statement of financial position.
func (w *writer) balanceSheet() {
	p, f, d := w.p, w.f, w.d
	d.heading(2, fmt.Sprintf("Statement of financial position as at %s", p.endDate(2)))
	d.blocks[len(d.blocks)-1].key = pBalanceH
	var ppe, rou, nca, ca, ncl, cl, lnc, bnc, prov [3]int64
	for y := range 3 {
		ppe[y] = f.PPE[y][0] + f.PPE[y][1]
		rou[y] = f.ROU[y][0] + f.ROU[y][1]
		nca[y] = ppe[y] + rou[y]
		ca[y] = f.Inventories[y] + f.Receivables[y] + f.Prepayments[y] + f.Cash[y]
		bnc[y] = f.Borrowings[y] - f.BorrowCurrent[y]
		lnc[y] = f.LeaseLiability[y] - f.LeaseCurrent[y]
		prov[y] = f.Provisions[y][0] + f.Provisions[y][1]
		ncl[y] = bnc[y] + lnc[y] + f.DeferredTaxLiab[y]
		cl[y] = f.Payables[y] + f.ContractLiabilities[y] + f.BorrowCurrent[y] + f.LeaseCurrent[y] + prov[y] + f.TaxPayable[y]
	}
	rows := [][]string{
		w.header(true),
		section("Non-current assets", 4),
		w.row("Property, plant and equipment", "10", ppe, true),
		w.row("Right-of-use assets", "11", rou, true),
		w.row("Total non-current assets", "", nca, true),
		section("Current assets", 4),
	}
	if f.Inventories[2] != 0 || f.Inventories[1] != 0 {
		rows = append(rows, w.row("Inventories", "", f.Inventories, true))
	}
	rows = append(rows,
		w.row("Trade receivables", "12", f.Receivables, true),
		w.row("Prepayments", "", f.Prepayments, true),
		w.row("Cash and cash equivalents", "13", f.Cash, true),
		w.row("Total current assets", "", ca, true),
		w.row("Total assets", "", plus(nca, ca), true),
		section("Equity", 4),
		w.row("Share capital", "", f.ShareCapital, true),
		w.row("Retained earnings", "", f.RetainedEarnings, true),
		w.row("Total equity", "", f.Equity, true),
		section("Non-current liabilities", 4),
		w.row("Borrowings", "14", bnc, true),
		w.row("Lease liabilities", "11", lnc, true),
		w.row("Deferred tax liabilities", "8", f.DeferredTaxLiab, true),
		w.row("Total non-current liabilities", "", ncl, true),
		section("Current liabilities", 4),
		w.row("Trade and other payables", "", f.Payables, true),
		w.row("Contract liabilities", "5", f.ContractLiabilities, true),
		w.row("Borrowings", "14", f.BorrowCurrent, true),
		w.row("Lease liabilities", "11", f.LeaseCurrent, true),
		w.row("Provisions", "15", prov, true),
		w.row("Current tax liabilities", "", f.TaxPayable, true),
		w.row("Total current liabilities", "", cl, true),
		w.row("Total liabilities", "", plus(ncl, cl), true),
		w.row("Total equity and liabilities", "", plus(f.Equity, ncl, cl), true),
	)
	d.table(tBalance, rows)
}

// equityStatement writes the statement of changes in equity over both years.
func (w *writer) equityStatement() {
	p, f, d := w.p, w.f, w.d
	d.heading(2, fmt.Sprintf("Statement of changes in equity for the year ended %s", p.endDate(2)))
	r := func(label string, sc, re int64) []string {
		return []string{label, w.amt(sc), w.amt(re), w.amt(sc + re)}
	}
	rows := [][]string{
		{p.Scale, "Share capital", "Retained earnings", "Total equity"},
		r("Balance at "+p.startDate(1), f.ShareCapital[0], f.RetainedEarnings[0]),
		r(w.profitLabel("Profit for the year"), 0, f.Profit[1]),
		r("Dividends paid", 0, -f.Dividends[1]),
		r("Balance at "+p.endDate(1), f.ShareCapital[1], f.RetainedEarnings[1]),
		r(w.profitLabel("Profit for the year"), 0, f.Profit[2]),
		r("Dividends paid", 0, -f.Dividends[2]),
		r("Balance at "+p.endDate(2), f.ShareCapital[2], f.RetainedEarnings[2]),
	}
	d.table(tEquity, rows)
}

// cashFlowStatement writes the statement of cash flows (indirect method).
func (w *writer) cashFlowStatement() {
	p, f, d := w.p, w.f, w.d
	d.heading(2, fmt.Sprintf("Statement of cash flows for the year ended %s", p.endDate(2)))
	var delta = func(a [3]int64, sign int64) [3]int64 {
		return [3]int64{0, sign * (a[1] - a[0]), sign * (a[2] - a[1])}
	}
	var prov, rouDep, netFin, leasePrincipal, capex, disposals [3]int64
	for y := range 3 {
		prov[y] = f.Provisions[y][0] + f.Provisions[y][1]
		rouDep[y] = f.ROUDepreciation[y][0] + f.ROUDepreciation[y][1]
		netFin[y] = f.FinanceCosts[y] - f.FinanceIncome[y]
		leasePrincipal[y] = f.LeasePayments[y] - f.LeaseInterest[y]
		capex[y] = f.PPEAdditions[y][0] + f.PPEAdditions[y][1]
		disposals[y] = f.PPEDisposals[y][1]
	}
	rows := [][]string{
		w.header(true),
		section("Cash flows from operating activities", 4),
		w.row(w.profitLabel("Profit for the year"), "", f.Profit, true),
		section("Adjustments for:", 4),
		w.row("Depreciation of property, plant and equipment", "10", both(f.PPEDepreciation), true),
		w.row("Depreciation of right-of-use assets", "11", rouDep, true),
		w.row("Net finance costs", "7", netFin, true),
		w.row("Income tax expense", "8", f.Tax, true),
	}
	if f.Inventories[2] != 0 || f.Inventories[1] != 0 {
		rows = append(rows, w.row("(Increase)/decrease in inventories", "", delta(f.Inventories, -1), true))
	}
	rows = append(rows,
		w.row("(Increase)/decrease in trade receivables", "", delta(f.Receivables, -1), true),
		w.row("(Increase)/decrease in prepayments", "", delta(f.Prepayments, -1), true),
		w.row("Increase/(decrease) in trade and other payables", "", delta(f.Payables, 1), true),
		w.row("Increase/(decrease) in contract liabilities", "", delta(f.ContractLiabilities, 1), true),
		w.row("Increase/(decrease) in provisions", "", delta(prov, 1), true),
		w.row("Cash generated from operations", "", f.CashFromOps, true),
		w.row("Interest paid", "", neg(f.FinanceCosts), true),
		w.row("Income tax paid", "", neg(f.TaxPaid), true),
		w.row("Net cash from operating activities", "", f.OperatingCF, true),
		section("Cash flows from investing activities", 4),
		w.row("Purchase of property, plant and equipment", "10", neg(capex), true),
		w.row("Proceeds from disposal of property, plant and equipment", "", disposals, true),
		w.row("Interest received", "", f.FinanceIncome, true),
		w.row("Net cash used in investing activities", "", f.InvestingCF, true),
		section("Cash flows from financing activities", 4),
		w.row("Proceeds from borrowings", "17", f.Drawn, true),
		w.row("Repayment of borrowings", "17", neg(f.Repaid), true),
		w.row("Principal elements of lease payments", "17", neg(leasePrincipal), true),
		w.row("Dividends paid", "9", neg(f.Dividends), true),
		w.row("Net cash used in financing activities", "", f.FinancingCF, true),
		w.row("Net increase/(decrease) in cash and cash equivalents", "", f.NetCashFlow, true),
		w.row("Cash and cash equivalents at beginning of year", "", [3]int64{0, f.Cash[0], f.Cash[1]}, true),
		w.row("Cash and cash equivalents at end of year", "13", f.Cash, true),
	)
	d.table(tCashFlow, rows)
}
