package statements

import (
	"fmt"
	"strings"
)

// Note numbers, referred to from the face of the statements.
const (
	nGeneral = iota + 1
	nBasis
	nPolicies
	nJudgements
	nRevenue
	nStaff
	nFinance
	nTax
	nDividends
	nPPE
	nLeases
	nReceivables
	nCash
	nBorrowings
	nProvisions
	nRisk
	nFinancing
	nRelated
	nEvents
)

// style holds the wording that differs by industry and country.
type style struct {
	legalForm         string
	framework         string
	ppe, rou, prov    [2]string
	rate              string // the floating reference rate of the borrowings
	foreign           string // the main foreign currency of purchases
	security          string
	ppeLife, rouTerms string
}

// styleOf picks the wording for a profile.
func styleOf(p Profile) style {
	s := style{
		legalForm: map[string]string{
			"GmbH": "a private limited liability company (Gesellschaft mit beschränkter Haftung)",
			"plc":  "a public limited company", "Inc.": "a corporation",
			"S.A.":    "a public limited company (sociedad anónima)",
			"Pty Ltd": "a proprietary company limited by shares",
			"AG":      "a stock corporation (Aktiengesellschaft)",
		}[p.LegalForm],
		framework: "IFRS Accounting Standards as issued by the International Accounting Standards Board (IASB)",
		ppe:       [2]string{"Land and buildings", "Plant and equipment"},
		rou:       [2]string{"Property", "Vehicles"},
		prov:      [2]string{"Warranties", "Restructuring"},
		rate:      map[string]string{"euro": "three-month EURIBOR", "pound sterling": "SONIA", "US dollar": "SOFR", "Australian dollar": "BBSY", "Swiss franc": "SARON"}[p.Currency],
		foreign:   "US dollar",
		security:  "a first-ranking charge over the Company's land and buildings",
		ppeLife:   "buildings 25 to 40 years, plant and equipment 4 to 10 years",
		rouTerms:  "property leases run for 5 to 15 years and vehicle leases for 3 to 5 years",
	}
	switch p.Country {
	case "Germany", "Spain":
		s.framework = "IFRS Accounting Standards as adopted by the European Union"
	case "England and Wales":
		s.framework = "UK-adopted international accounting standards and with IFRS Accounting Standards as issued by the International Accounting Standards Board (IASB)"
	}
	switch p.Industry {
	case "logistics":
		s.prov = [2]string{"Cargo claims", "Restructuring"}
		s.rou = [2]string{"Warehouses", "Vehicles"}
	case "retail":
		s.ppe = [2]string{"Land and buildings", "Fixtures and fittings"}
		s.rou = [2]string{"Stores", "Vehicles"}
		s.prov = [2]string{"Customer returns", "Store closures"}
		s.rouTerms = "store leases run for 10 to 20 years, usually with a break option after 5 or 10 years, and vehicle leases for 3 to 5 years"
	case "software":
		s.ppe = [2]string{"Leasehold improvements", "Computer equipment"}
		s.rou = [2]string{"Offices", "Equipment"}
		s.prov = [2]string{"Customer credits", "Office restoration"}
		s.foreign = "euro"
		s.security = "a pledge over the Company's receivables"
		s.ppeLife = "leasehold improvements over the shorter of the lease term and 10 years, computer equipment 3 years"
		s.rouTerms = "office leases run for 5 to 7 years"
	case "food processing":
		s.prov = [2]string{"Product claims", "Environmental"}
	case "mining services":
		s.ppe = [2]string{"Land and buildings", "Drilling rigs and equipment"}
		s.rou = [2]string{"Property", "Equipment"}
		s.prov = [2]string{"Site restoration", "Employee claims"}
		s.ppeLife = "buildings 20 to 30 years, drilling rigs and equipment 4 to 8 years"
		s.rouTerms = "property leases run for 5 to 10 years and equipment leases for 3 to 5 years"
	default:
		s.foreign = "euro"
	}
	if p.Currency == "US dollar" {
		s.foreign = "euro"
	}
	return s
}

// nh writes a note heading: "5. Revenue".
func (w *writer) nh(n int, title string) { w.d.heading(2, fmt.Sprintf("%d. %s", n, title)) }

// sub writes a sub-heading inside a note.
func (w *writer) sub(title string) { w.d.heading(3, title) }

// yearTable is a note table with the two year columns and no note column.
func (w *writer) yearTable(key string, rows ...[]string) {
	w.d.table(key, append([][]string{w.header(false)}, rows...))
}

// r is a row of a yearTable.
func (w *writer) r(label string, a [3]int64) []string { return w.row(label, "", a, false) }

// pair is the year-on-year sentence fragment "€1.2 million (2023: €1.0 million)" in the
// statement's own units ("€1,204 thousand" would be odd, so amounts stay in the table scale).
func (w *writer) pair(a [3]int64) string {
	return fmt.Sprintf("%s (%s: %s)", w.scaled(a[2]), w.y1(), w.scaled(a[1]))
}

// scaled prints an amount with its scale for text: "€1,204 thousand", "£12.4 million".
func (w *writer) scaled(v int64) string {
	if w.p.PerMillion == 1000 {
		return w.p.Symbol + group(absInt(v), w.p.Decimals) + " thousand"
	}
	return w.money(v)
}

// notes writes the notes to the financial statements.
func (w *writer) notes() {
	p, f, d := w.p, w.f, w.d
	s := styleOf(p)
	d.heading(2, "Notes to the financial statements")

	w.nh(nGeneral, "General information")
	d.para("", fmt.Sprintf("%s (the Company) is %s incorporated and domiciled in %s. Its registered office is in %s. The Company's principal activities are %s.",
		p.EntityName(), s.legalForm, p.Country, p.City, p.Activities))
	if p.Parent != "" {
		d.disclosure(dParent, func() {
			d.para("", fmt.Sprintf("The Company is a wholly owned subsidiary of %s, and the financial statements of the Company are included in the consolidated financial statements of %s (note %d).",
				p.Parent, p.UltimateParent, nRelated))
		})
	}

	w.nh(nBasis, "Basis of preparation")
	d.para("", fmt.Sprintf("These financial statements of the Company for the year ended %s have been prepared in accordance with %s. They comprise the statement of profit or loss and other comprehensive income, the statement of financial position, the statement of changes in equity, the statement of cash flows and these notes, with comparative information for the year ended %s.",
		p.endDate(2), s.framework, p.endDate(1)))
	d.para("", fmt.Sprintf("The financial statements have been prepared on the historical cost basis. They are presented in %s, which is the Company's functional currency, and amounts are rounded to the nearest %s (%s) unless otherwise indicated.",
		p.Currency, map[bool]string{true: "thousand", false: "hundred thousand"}[p.PerMillion == 1000], p.Scale))
	d.disclosure(dGoingConcern, func() {
		d.para(pGoing, fmt.Sprintf("Going concern. The directors have assessed the Company's ability to continue as a going concern for at least twelve months from the date these financial statements were approved, taking into account the forecast cash flows, the committed borrowing facilities (note %d) and the covenants attached to them. They have a reasonable expectation that the Company has adequate resources to continue in operational existence, and the financial statements are therefore prepared on the going concern basis.", nBorrowings))
	})
	d.para("", "Several amendments to IFRS Accounting Standards became effective for the first time in the year, including Classification of Liabilities as Current or Non-current and Non-current Liabilities with Covenants (Amendments to IAS 1) and Supplier Finance Arrangements (Amendments to IAS 7 and IFRS 7). None had a material effect; the Company has no supplier finance arrangements. IFRS 18 Presentation and Disclosure in Financial Statements, effective for annual periods beginning on or after 1 January 2027, will change the presentation of the statement of profit or loss; the Company is assessing its effect.")

	w.nh(nPolicies, "Material accounting policies")
	d.para("", "The accounting policies below have been applied consistently to all years presented.")
	w.sub("Revenue")
	d.para("", "Revenue is measured at the consideration to which the Company expects to be entitled in exchange for transferring promised goods or services to a customer, net of sales taxes and discounts. Revenue is recognised when, or as, control of the goods or services passes to the customer, as described in note 5.")
	w.sub("Leases")
	d.para("", "At the commencement of a lease the Company recognises a right-of-use asset and a lease liability, measured at the present value of the lease payments not yet paid, discounted at the interest rate implicit in the lease or, where that cannot be readily determined, the Company's incremental borrowing rate. Right-of-use assets are depreciated on a straight-line basis over the shorter of the lease term and the useful life of the asset. Payments for short-term leases and leases of low-value assets are recognised as an expense on a straight-line basis.")
	w.sub("Property, plant and equipment")
	d.para("", fmt.Sprintf("Property, plant and equipment is stated at cost less accumulated depreciation and impairment losses. Depreciation is charged on a straight-line basis over the estimated useful lives: %s. Land is not depreciated.", s.ppeLife))
	w.sub("Financial instruments")
	d.para("", "Trade receivables, cash and cash equivalents, trade payables and borrowings are measured at amortised cost using the effective interest method. Loss allowances for trade receivables are measured at lifetime expected credit losses using a provision matrix based on the ageing of balances and historical loss experience, adjusted for forward-looking information. A financial asset is written off when there is no reasonable expectation of recovery.")
	w.sub("Cash and cash equivalents")
	d.para("", "Cash and cash equivalents comprise cash at bank and in hand and short-term deposits with an original maturity of three months or less that are readily convertible to known amounts of cash and subject to an insignificant risk of changes in value.")
	w.sub("Income tax")
	d.para("", "The tax expense comprises current and deferred tax. Deferred tax is recognised on temporary differences between the carrying amounts of assets and liabilities and their tax bases, using tax rates enacted or substantively enacted at the reporting date.")
	w.sub("Provisions")
	d.para("", "A provision is recognised when the Company has a present obligation as a result of a past event, it is probable that an outflow of resources will be required to settle it and a reliable estimate can be made. Provisions are measured at the best estimate of the expenditure required to settle the obligation.")

	w.nh(nJudgements, "Critical accounting judgements and key sources of estimation uncertainty")
	d.disclosure(dJudgements, func() {
		w.sub("Critical judgements in applying accounting policies")
		d.para("", fmt.Sprintf("In determining the lease term, management judges whether the Company is reasonably certain to exercise extension options or not to exercise termination options. For %s, the Company has assumed that options will not be exercised unless there is a significant economic incentive to do so; this judgement has the most significant effect on the amounts recognised in the financial statements.",
			strings.ToLower(s.rou[0])))
	})
	d.disclosure(dEstimates, func() {
		w.sub("Key sources of estimation uncertainty")
		d.para("", fmt.Sprintf("The %s provision is the estimate with a significant risk of a material adjustment to carrying amounts within the next financial year. It is based on historical claim rates and known cases at the reporting date; a 10%% increase in the expected claim rate would increase the provision by %s.",
			strings.ToLower(s.prov[0]), w.scaled(pm(f.Provisions[2][0], 100))))
	})

	w.revenueNote(s)

	w.nh(nStaff, "Staff costs")
	w.yearTable(tStaff,
		w.r("Wages and salaries", f.Wages),
		w.r("Social security costs", f.Social),
		w.r("Pension costs (defined contribution plans)", f.Pensions),
		w.r("Total staff costs", f.StaffCosts),
	)
	d.para("", fmt.Sprintf("The average number of employees during the year was %s (%s: %s).",
		group(p.Drivers.Employees[2], 0), w.y1(), group(p.Drivers.Employees[1], 0)))

	w.nh(nFinance, "Finance income and finance costs")
	w.yearTable(tFinance,
		section("Finance income", 3),
		w.r("Interest income on bank deposits", f.FinanceIncome),
		section("Finance costs", 3),
		w.r("Interest on bank borrowings", f.BorrowInterest),
		w.r("Interest on lease liabilities", f.LeaseInterest),
		w.r("Total finance costs", f.FinanceCosts),
	)

	w.nh(nTax, "Income tax")
	w.yearTable(tTax,
		w.r("Current tax", f.CurrentTax),
		w.r("Deferred tax", f.DeferredTax),
		w.r("Income tax expense", f.Tax),
	)
	d.para("", "Reconciliation of the tax expense to the tax at the statutory rate:")
	rate := fmt.Sprintf("%s%%", group(p.TaxRate, 1))
	other := "Other differences"
	if w.loss {
		other = "Tax losses for which no deferred tax asset is recognised and other differences"
	}
	w.yearTable(tTaxRec,
		w.r(w.profitLabel("Profit before tax"), f.ProfitBeforeTax),
		[]string{"", "", ""},
		w.r("Tax at the statutory rate of "+rate, f.TaxAtStatutory),
		w.r("Non-deductible expenses", f.TaxNonDeductible),
		w.r(other, f.TaxOther),
		w.r("Income tax expense", f.Tax),
		[]string{"Effective tax rate", percent(f.Tax[2], f.ProfitBeforeTax[2]), percent(f.Tax[1], f.ProfitBeforeTax[1])},
	)
	d.para("", fmt.Sprintf("The deferred tax liability of %s arises mainly on accelerated tax depreciation of property, plant and equipment.",
		w.scaled(f.DeferredTaxLiab[2])))

	w.nh(nDividends, "Share capital and dividends")
	d.disclosure(dShareCapital, func() {
		d.para("", fmt.Sprintf("The issued share capital comprises %s ordinary shares of %s%s each, authorised, issued and fully paid (%s: the same number); there were no movements in the number of shares during either year. Retained earnings are the accumulated profits of the Company less dividends paid.",
			group(p.Shares, 0), p.Symbol, group(div(f.ShareCapital[2]*100*1_000_000, p.PerMillion*p.Shares), 2), w.y1()))
	})
	if f.Dividends[2] > 0 || f.Dividends[1] > 0 {
		dps := func(y int) string {
			return p.Symbol + group(div(f.Dividends[y]*100*1_000_000, p.PerMillion*p.Shares), 2)
		}
		d.para("", fmt.Sprintf("Dividends recognised as distributions to owners in the year amounted to %s, or %s per share (%s: %s, or %s per share).",
			w.scaled(f.Dividends[2]), dps(2), w.y1(), w.scaled(f.Dividends[1]), dps(1)))
		d.disclosure(dDividendProp, func() {
			d.para("", fmt.Sprintf("After the reporting date the directors proposed a final dividend of %s%s per share, %s in total. It has not been recognised as a liability at %s.",
				p.Symbol, group(p.Drivers.ProposedDPS, 2), w.scaled(w.proposedTotal()), p.endDate(2)))
		})
	} else {
		d.para("", fmt.Sprintf("No dividends were declared or paid in the year (%s: none), and no final dividend is proposed.", w.y1()))
	}

	w.ppeNote(s)
	w.leaseNote(s)
	w.receivablesNote()

	w.nh(nCash, "Cash and cash equivalents")
	var deposits, bank [3]int64
	for y := range 3 {
		deposits[y] = pm(f.Cash[y], 250)
		bank[y] = f.Cash[y] - deposits[y]
	}
	d.disclosure(dCashComponents, func() {
		w.yearTable(tCash,
			w.r("Cash at bank and in hand", bank),
			w.r("Short-term deposits", deposits),
			w.r("Cash and cash equivalents", f.Cash),
		)
		d.para("", "Short-term deposits have original maturities of up to three months. Cash and cash equivalents in the statement of cash flows are the same as in the statement of financial position; there are no bank overdrafts, and no cash balances are restricted or unavailable for use by the Company.")
	})
	d.para("", "Interest paid is classified as an operating cash flow, interest received as an investing cash flow and dividends paid as a financing cash flow. Income taxes paid are classified as operating cash flows.")

	w.nh(nBorrowings, "Borrowings")
	bnc := [3]int64{f.Borrowings[0] - f.BorrowCurrent[0], f.Borrowings[1] - f.BorrowCurrent[1], f.Borrowings[2] - f.BorrowCurrent[2]}
	w.yearTable(tBorrowings,
		w.r("Non-current", bnc),
		w.r("Current", f.BorrowCurrent),
		w.r("Total borrowings", f.Borrowings),
	)
	pledged := f.PPE[2][0]
	if p.Industry == "software" {
		pledged = f.Receivables[2]
	}
	d.para("", fmt.Sprintf("Borrowings are a bank term loan bearing interest at %s plus a margin of 1.75%%, repayable in instalments until %d and secured by %s, which had a carrying amount of %s at the reporting date. The facility requires net debt to be no more than 3.0 times earnings before interest, tax, depreciation and amortisation and interest cover of at least 4.0 times; the Company complied with these covenants throughout the year and at the reporting date, and there were no defaults or breaches of loan agreements.",
		s.rate, p.year(2)+4, s.security, w.scaled(pledged)))

	w.nh(nProvisions, "Provisions")
	var opening, charged, utilised, closing [2]int64
	for c := range 2 {
		opening[c], charged[c], utilised[c], closing[c] = f.Provisions[1][c], f.ProvCharged[2][c], f.ProvUtilised[2][c], f.Provisions[2][c]
	}
	d.table(tProvisions, [][]string{
		{p.Scale, s.prov[0], s.prov[1], "Total"},
		{"At " + p.startDate(2), w.amt(opening[0]), w.amt(opening[1]), w.amt(opening[0] + opening[1])},
		{"Charged to profit or loss", w.amt(charged[0]), w.amt(charged[1]), w.amt(charged[0] + charged[1])},
		{"Utilised", w.amt(-utilised[0]), w.amt(-utilised[1]), w.amt(-utilised[0] - utilised[1])},
		{"At " + p.endDate(2), w.amt(closing[0]), w.amt(closing[1]), w.amt(closing[0] + closing[1])},
	})
	d.para("", fmt.Sprintf("The %s provision covers claims notified and expected on work performed before the reporting date and is expected to be used within one year. The %s provision is expected to be used within two years.",
		strings.ToLower(s.prov[0]), strings.ToLower(s.prov[1])))

	w.riskNote(s)
	w.financingNote()
	w.relatedNote()

	w.nh(nEvents, "Events after the reporting period")
	d.para(pEvents, fmt.Sprintf("On %s the Company signed a five-year agreement with a new customer in its %s business. The agreement does not affect the amounts recognised at %s, and there have been no other events after the reporting period that require adjustment of, or disclosure in, these financial statements.",
		p.dateAfter(35), p.Industry, p.endDate(2)))
	if f.Dividends[2] > 0 || f.Dividends[1] > 0 {
		d.para("", fmt.Sprintf("The directors have proposed a final dividend for the year, subject to approval by shareholders at the annual general meeting (note %d).", nDividends))
	}
	d.para(pAuthorise, fmt.Sprintf("These financial statements were authorised for issue by the board of directors on %s.", p.dateAfter(70)))
}

// revenueNote writes note 5: performance obligations, disaggregation, contract balances,
// remaining performance obligations and judgements (IFRS 15).
func (w *writer) revenueNote(s style) {
	p, f, d := w.p, w.f, w.d
	w.nh(nRevenue, "Revenue from contracts with customers")
	d.disclosure(dPerformanceObl, func() {
		var overTime, pointInTime []string
		for _, l := range p.Lines {
			if l.OverTime {
				overTime = append(overTime, strings.ToLower(l.Label))
			} else {
				pointInTime = append(pointInTime, strings.ToLower(l.Label))
			}
		}
		text := "The Company's performance obligations are as follows."
		if len(pointInTime) > 0 {
			text += fmt.Sprintf(" Revenue from %s is recognised at a point in time, when control passes to the customer on delivery or completion of the service.", join(pointInTime))
		}
		if len(overTime) > 0 {
			text += fmt.Sprintf(" Revenue from %s is recognised over time as the services are rendered, measured by the time elapsed or the work performed to date, which depicts the transfer of the services to the customer.", join(overTime))
		}
		text += " Invoices are generally payable within 30 to 60 days, and contracts contain no significant financing component."
		if goods(p) {
			text += fmt.Sprintf(" Customers may return goods only if they are defective; the Company gives assurance-type warranties covering defects for 12 months, and expected returns and warranty claims are estimated from historical experience and provided for (note %d).", nProvisions)
		}
		text += " Where a contract contains more than one performance obligation, the transaction price is allocated on the basis of relative stand-alone selling prices."
		d.para("", text)
	})
	d.disclosure(dDisaggregation, func() {
		d.para("", "Disaggregation of revenue by major service or product line and by timing of recognition:")
		rows := [][]string{w.header(false), section("By service or product line", 3)}
		for i, l := range p.Lines {
			rows = append(rows, w.r(l.Label, [3]int64{0, f.RevenueLines[1][i], f.RevenueLines[2][i]}))
		}
		rows = append(rows, w.r("Total revenue", f.Revenue), section("By timing of recognition", 3))
		rows = append(rows,
			w.r("Transferred at a point in time", f.PointInTime),
			w.r("Transferred over time", f.OverTime),
			w.r("Total revenue", f.Revenue),
		)
		d.table(tRevenue, rows)
	})
	recognised := [3]int64{0, pm(f.ContractLiabilities[0], 920), pm(f.ContractLiabilities[1], 930)}
	d.disclosure(dContractBal, func() {
		d.para("", "Contract balances")
		w.yearTable(tContract,
			w.r("Trade receivables (note 12)", f.Receivables),
			w.r("Contract liabilities", f.ContractLiabilities),
		)
		d.para("", fmt.Sprintf("Contract liabilities are payments received in advance of performance. Revenue recognised in the year that was included in the contract liability balance at the beginning of the year was %s. Contract liabilities at %s were %s. The changes in contract liabilities reflect the timing of advance billings; there were no other significant changes in contract balances.",
			w.pair(recognised), p.endDate(0), w.scaled(f.ContractLiabilities[0])))
	})
	d.disclosure(dRemainingPO, func() {
		rpo := [3]int64{0, pm(f.OverTime[1], 430), pm(f.OverTime[2], 450)}
		d.para("", fmt.Sprintf("Remaining performance obligations: the transaction price allocated to performance obligations that were unsatisfied or partially unsatisfied at the reporting date was %s. Management expects about 70%% of this amount to be recognised as revenue in the next financial year and the remainder within the following three years.",
			w.pair(rpo)))
	})
	d.disclosure(dRevenueJudgment, func() {
		d.para("", "Significant judgements: the main judgements in recognising revenue are whether services provided over time form a single performance obligation and the method used to measure progress towards complete satisfaction, which the Company bases on time elapsed for stand-ready services and on work performed for project services. Variable consideration such as volume rebates is estimated using the expected value method, based on historical and forecast volumes, and is included only to the extent that a significant reversal is highly unlikely.")
	})
}

// goods reports whether the entity sells goods (and so gives warranties and takes returns).
func goods(p Profile) bool {
	switch p.Industry {
	case "retail", "food processing", "medical devices":
		return true
	}
	return false
}

// join lists words as "a, b and c".
func join(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// ppeNote writes note 10, the roll-forward of property, plant and equipment for both years.
func (w *writer) ppeNote(s style) {
	p, f, d := w.p, w.f, w.d
	w.nh(nPPE, "Property, plant and equipment")
	line := func(label string, a, b int64) []string { return []string{label, w.amt(a), w.amt(b), w.amt(a + b)} }
	rows := [][]string{{p.Scale, s.ppe[0], s.ppe[1], "Total"}}
	rows = append(rows, line("At "+p.startDate(1), f.PPE[0][0], f.PPE[0][1]))
	for y := 1; y <= 2; y++ {
		rows = append(rows,
			line("Additions", f.PPEAdditions[y][0], f.PPEAdditions[y][1]),
			line("Disposals", -f.PPEDisposals[y][0], -f.PPEDisposals[y][1]),
			line("Depreciation charge", -f.PPEDepreciation[y][0], -f.PPEDepreciation[y][1]),
			line("At "+p.endDate(y), f.PPE[y][0], f.PPE[y][1]),
		)
	}
	d.para("", "Carrying amounts:")
	d.table(tPPE, rows)
	d.para("", fmt.Sprintf("Disposals were sold at their carrying amount. The security given for borrowings is described in note %d. There were no significant contractual commitments for the acquisition of property, plant and equipment at the reporting date.",
		nBorrowings))
}

// leaseNote writes note 11 (IFRS 16): right-of-use assets by class, lease liabilities and their
// maturity, amounts in profit or loss and the cash outflow.
func (w *writer) leaseNote(s style) {
	p, f, d := w.p, w.f, w.d
	w.nh(nLeases, "Leases")
	d.para("", fmt.Sprintf("The Company leases %s and %s. %s. Some property leases contain extension options exercisable by the Company; potential future lease payments under options that are not reasonably certain to be exercised are not included in lease liabilities and amount to %s undiscounted.",
		strings.ToLower(s.rou[0]), strings.ToLower(s.rou[1]), capFirst(s.rouTerms), w.scaled(pm(f.LeaseLiability[2], 180))))
	d.disclosure(dROUByClass, func() {
		d.para("", "Right-of-use assets")
		line := func(label string, a, b int64) []string { return []string{label, w.amt(a), w.amt(b), w.amt(a + b)} }
		rows := [][]string{{p.Scale, s.rou[0], s.rou[1], "Total"}}
		rows = append(rows, line("At "+p.startDate(1), f.ROU[0][0], f.ROU[0][1]))
		for y := 1; y <= 2; y++ {
			rows = append(rows,
				line("Additions", f.ROUAdditions[y][0], f.ROUAdditions[y][1]),
				line("Depreciation charge", -f.ROUDepreciation[y][0], -f.ROUDepreciation[y][1]),
				line("At "+p.endDate(y), f.ROU[y][0], f.ROU[y][1]),
			)
		}
		d.table(tROU, rows)
	})
	d.para("", "Lease liabilities")
	lnc := [3]int64{f.LeaseLiability[0] - f.LeaseCurrent[0], f.LeaseLiability[1] - f.LeaseCurrent[1], f.LeaseLiability[2] - f.LeaseCurrent[2]}
	w.yearTable(tLeaseSplit,
		w.r("Current", f.LeaseCurrent),
		w.r("Non-current", lnc),
		w.r("Total lease liabilities", f.LeaseLiability),
	)
	d.disclosure(dLeaseMaturity, func() {
		d.para("", "Maturity analysis of lease liabilities (contractual undiscounted cash flows):")
		var within, mid, late, total, interest [3]int64
		for y := 1; y <= 2; y++ {
			within[y], mid[y], late[y] = w.leaseBands(y)
			total[y] = within[y] + mid[y] + late[y]
			interest[y] = total[y] - f.LeaseLiability[y]
		}
		w.yearTable(tLeaseMaturity,
			w.r("Within one year", within),
			w.r("Between one and five years", mid),
			w.r("After five years", late),
			w.r("Total undiscounted lease payments", total),
			w.r("Less: future finance charges", neg(interest)),
			w.r("Lease liabilities", f.LeaseLiability),
		)
	})
	shortTerm := [3]int64{0, pm(f.Revenue[1], 2), pm(f.Revenue[2], 2)}
	lowValue := [3]int64{0, pm(f.Revenue[1], 1), pm(f.Revenue[2], 1)}
	d.disclosure(dLeaseExpenses, func() {
		d.para("", "Amounts recognised in profit or loss:")
		w.yearTable(tLeasePL,
			w.r("Depreciation of right-of-use assets", both(f.ROUDepreciation)),
			w.r("Interest on lease liabilities", f.LeaseInterest),
			w.r("Expense relating to short-term leases", shortTerm),
			w.r("Expense relating to leases of low-value assets", lowValue),
		)
	})
	d.disclosure(dLeaseCashOut, func() {
		d.para("", fmt.Sprintf("The total cash outflow for leases in the year, including short-term and low-value leases, was %s.",
			w.pair(plus(f.LeasePayments, shortTerm, lowValue))))
	})
	d.para("", fmt.Sprintf("At the reporting date the Company was committed to short-term leases with payments of %s over the next twelve months, similar to the short-term lease expense of the year.",
		w.scaled(shortTerm[2])))
}

// leaseBands splits the undiscounted lease payments at date y into time bands.
func (w *writer) leaseBands(y int) (within, mid, late int64) {
	f := w.f
	li := pm(f.LeaseLiability[y], w.p.Drivers.LeaseRate)
	lnc := f.LeaseLiability[y] - f.LeaseCurrent[y]
	within = f.LeaseCurrent[y] + li
	mid = pm(lnc, 800) + 2*li
	late = lnc - pm(lnc, 800) + pm(li, 500)
	return within, mid, late
}

// receivablesNote writes note 12: trade receivables, their ageing and the loss allowance.
func (w *writer) receivablesNote() {
	p, f, d := w.p, w.f, w.d
	w.nh(nReceivables, "Trade receivables")
	gross := sum4(f.AgeingGross)
	allowance := sum4(f.AgeingAllowance)
	related := "fellow subsidiaries"
	if p.Parent == "" {
		related = "entities controlled by key management personnel"
	}
	d.para("", fmt.Sprintf("Trade receivables of %s are stated net of a loss allowance of %s. Impairment losses of %s on receivables from contracts with customers were recognised in administrative expenses in the year. Trade receivables include %s due from %s (note %d).",
		w.scaled(f.Receivables[2]), w.scaled(allowance), w.scaled(f.AllowanceCharge), w.scaled(f.RPOwedBy[2]), related, nRelated))
	d.disclosure(dAgeing, func() {
		d.para("", fmt.Sprintf("Credit risk exposure: ageing of trade receivables and the loss allowance at %s, by the provision matrix:", p.endDate(2)))
		labels := []string{"Not past due", "1 to 30 days past due", "31 to 90 days past due", "More than 90 days past due"}
		rows := [][]string{{p.Scale, "Gross carrying amount", "Expected loss rate", "Loss allowance"}}
		for i, l := range labels {
			rows = append(rows, []string{l, w.amt(f.AgeingGross[i]), percent(f.AgeingAllowance[i], f.AgeingGross[i]), w.amt(f.AgeingAllowance[i])})
		}
		rows = append(rows, []string{"Total", w.amt(gross), percent(allowance, gross), w.amt(allowance)})
		d.table(tAgeing, rows)
	})
	d.disclosure(dAllowance, func() {
		d.para("", "Movement in the loss allowance:")
		d.table(tAllowance, [][]string{
			{p.Scale, w.y2()},
			{"At " + p.startDate(2), w.amt(f.AllowanceOpening)},
			{"Charged to profit or loss", w.amt(f.AllowanceCharge)},
			{"Amounts written off", w.amt(-f.AllowanceWrittenOff)},
			{"At " + p.endDate(2), w.amt(allowance)},
		})
		d.para("", "The Company holds no collateral over trade receivables. Balances more than 90 days past due are assessed individually; amounts written off are still subject to enforcement activity.")
	})
}

// riskNote writes note 16: categories, risk management, credit, liquidity and market risk,
// fair values and capital management.
func (w *writer) riskNote(s style) {
	p, f, d := w.p, w.f, w.d
	w.nh(nRisk, "Financial instruments and risk management")
	d.disclosure(dCategories, func() {
		d.para("", "Categories of financial instruments (carrying amounts):")
		w.yearTable(tCategories,
			section("Financial assets at amortised cost", 3),
			w.r("Trade receivables", f.Receivables),
			w.r("Cash and cash equivalents", f.Cash),
			w.r("Total financial assets", plus(f.Receivables, f.Cash)),
			section("Financial liabilities at amortised cost", 3),
			w.r("Trade and other payables", f.Payables),
			w.r("Borrowings", f.Borrowings),
			w.r("Lease liabilities", f.LeaseLiability),
			w.r("Total financial liabilities", plus(f.Payables, f.Borrowings, f.LeaseLiability)),
		)
	})
	d.disclosure(dRiskObjectives, func() {
		d.para("", "Risk management. The Company is exposed to credit risk, liquidity risk and market risk (interest rate and foreign currency risk). The board sets the policies for managing each of these risks and the finance function carries them out, reporting to the board quarterly; the Company does not use derivative financial instruments for speculative purposes. The policies and the way risks are measured have not changed from the previous year.")
	})
	d.disclosure(dCreditRisk, func() {
		d.para("", fmt.Sprintf("Credit risk. The maximum exposure to credit risk is the carrying amount of trade receivables and cash and cash equivalents. New customers are subject to credit checks, and credit limits are reviewed regularly. Cash is held with banks rated at least A. Concentration of credit risk is limited: no customer accounted for more than 10%% of trade receivables. The ageing of trade receivables and the loss allowance are shown in note %d.", nReceivables))
	})
	d.disclosure(dLiquidity, func() {
		d.para("", "Liquidity risk. The Company manages liquidity by forecasting cash flows and keeping committed facilities available. Contractual undiscounted cash flows of financial liabilities, including interest, at the reporting date:")
		i1 := f.BorrowInterest[2]
		bc, bnc := f.BorrowCurrent[2], f.Borrowings[2]-f.BorrowCurrent[2]
		bWithin, bMid, bLate := bc+i1, pm(bnc, 900)+2*i1, bnc-pm(bnc, 900)
		pay := f.Payables[2]
		line := func(label string, a, b, c, carrying int64) []string {
			return []string{label, w.amt(a), w.amt(b), w.amt(c), w.amt(a + b + c), w.amt(carrying)}
		}
		d.table(tLiquidity, [][]string{
			{p.Scale, "Within 1 year", "1 to 5 years", "Over 5 years", "Total contractual cash flows", "Carrying amount"},
			line("Trade and other payables", pay, 0, 0, pay),
			line("Borrowings", bWithin, bMid, bLate, f.Borrowings[2]),
			line("Total", pay+bWithin, bMid, bLate, pay+f.Borrowings[2]),
		})
	})
	d.disclosure(dLeaseMaturity, func() {
		d.para("", fmt.Sprintf("The maturity of lease liabilities is analysed separately in note %d.", nLeases))
	})
	d.para("", fmt.Sprintf("Market risk. Borrowings bear interest at floating rates (%s plus a margin), which exposes the Company to interest rate risk; the board reviews the mix of fixed and floating debt when facilities are renewed. Purchases denominated in %s expose the Company to foreign currency risk, which is managed by matching the timing of purchases with sales where possible.",
		s.rate, s.foreign+"s"))
	d.disclosure(dSensitivity, func() {
		ir := [3]int64{0, pm(f.Borrowings[1], 10), pm(f.Borrowings[2], 10)}
		fx := [3]int64{0, pm(f.CostOfSales[1], 6), pm(f.CostOfSales[2], 6)}
		d.para("", fmt.Sprintf("Sensitivity analysis. If interest rates had been 100 basis points higher throughout the year, with all other variables held constant, profit before tax would have been %s lower. A 10%% strengthening of the %s against the %s would have reduced profit before tax by %s. The analyses assume the year-end balances were outstanding for the whole year; the methods and assumptions are unchanged from the prior year.",
			w.pair(ir), s.foreign, p.Currency, w.pair(fx)))
	})
	d.disclosure(dFairValue, func() {
		d.para("", fmt.Sprintf("Fair values. The carrying amounts of trade receivables, cash and cash equivalents and trade and other payables approximate their fair values because of their short maturities. The fair value of borrowings, which is measured for disclosure only and falls within Level 2 of the fair value hierarchy, is estimated by discounting the contractual cash flows at current market rates for similar loans; it was %s against a carrying amount of %s.",
			w.scaled(pm(f.Borrowings[2], 985)), w.scaled(f.Borrowings[2])))
	})
	d.disclosure(dCapital, func() {
		w.sub("Capital management")
		d.para("", "The Company's objectives when managing capital are to safeguard its ability to continue as a going concern, to fund its investment plans and to provide returns to shareholders. Capital is managed as total equity plus net debt, and the board monitors the ratio of net debt to equity. The only externally imposed capital requirements are the borrowing covenants described in note 14, which were met.")
		var nd [3]int64
		for y := range 3 {
			nd[y] = f.netDebt(y)
		}
		w.yearTable(tCapital,
			w.r("Borrowings", f.Borrowings),
			w.r("Lease liabilities", f.LeaseLiability),
			w.r("Cash and cash equivalents", neg(f.Cash)),
			w.r("Net debt", nd),
			[]string{"", "", ""},
			w.r("Total equity", f.Equity),
			[]string{"Net debt to equity ratio", percent(nd[2], f.Equity[2]), percent(nd[1], f.Equity[1])},
		)
	})
}

// financingNote writes note 17, the reconciliation of liabilities arising from financing
// activities (IAS 7.44A–E), and the non-cash transactions.
func (w *writer) financingNote() {
	p, f, d := w.p, w.f, w.d
	w.nh(nFinancing, "Liabilities arising from financing activities")
	d.disclosure(dFinancingRecon, func() {
		d.para("", "Reconciliation of movements in liabilities arising from financing activities:")
		line := func(label string, a, b int64) []string { return []string{label, w.amt(a), w.amt(b), w.amt(a + b)} }
		rows := [][]string{{p.Scale, "Borrowings", "Lease liabilities", "Total"}}
		rows = append(rows, line("At "+p.startDate(1), f.Borrowings[0], f.LeaseLiability[0]))
		for y := 1; y <= 2; y++ {
			rows = append(rows,
				line("Financing cash flows", f.Drawn[y]-f.Repaid[y], -(f.LeasePayments[y]-f.LeaseInterest[y])),
				line("New leases (non-cash)", 0, f.ROUAdditions[y][0]+f.ROUAdditions[y][1]),
				line("At "+p.endDate(y), f.Borrowings[y], f.LeaseLiability[y]),
			)
		}
		d.table(tFinancing, rows)
		d.para("", "Interest on borrowings and lease liabilities accrues and is paid within the year and is shown in operating cash flows.")
	})
	d.disclosure(dNonCash, func() {
		newLeases := [3]int64{0, f.ROUAdditions[1][0] + f.ROUAdditions[1][1], f.ROUAdditions[2][0] + f.ROUAdditions[2][1]}
		d.para("", fmt.Sprintf("Non-cash investing and financing transactions: right-of-use assets of %s were acquired under new leases; these additions did not involve cash and are excluded from the statement of cash flows.",
			w.pair(newLeases)))
	})
}

// relatedNote writes note 18 (IAS 24): parent and ultimate controlling party, key management
// compensation, and transactions and balances with related parties.
func (w *writer) relatedNote() {
	p, f, d := w.p, w.f, w.d
	w.nh(nRelated, "Related party transactions")
	d.disclosure(dParent, func() {
		if p.Parent == "" {
			d.para("", "The Company's shares are listed and widely held; the Company has no parent entity and no ultimate controlling party.")
			return
		}
		d.para("", fmt.Sprintf("The Company's immediate parent is %s. The ultimate parent and ultimate controlling party is %s", p.Parent, p.UltimateParent)+
			map[bool]string{true: "", false: "."}[strings.HasSuffix(p.UltimateParent, ".")])
	})
	d.disclosure(dKMP, func() {
		d.para("", "Key management personnel are the members of the board of directors and the executive committee. Their compensation was:")
		w.yearTable(tKMP,
			w.r("Short-term employee benefits", f.KMPShortTerm),
			w.r("Post-employment benefits", f.KMPPost),
			w.r("Total key management personnel compensation", f.KMPTotal),
		)
		d.para("", "No other long-term benefits, termination benefits or share-based payments were granted to key management personnel.")
	})
	d.disclosure(dRelatedTx, func() {
		sales, purchases, fees := "Sales of services to fellow subsidiaries", "Purchases from fellow subsidiaries", "Management fees charged by the parent"
		owedBy, owedTo := "Amounts owed by fellow subsidiaries", "Amounts owed to the parent and fellow subsidiaries"
		if p.Parent == "" {
			sales, purchases, fees = "Sales to entities controlled by key management personnel", "Purchases from entities controlled by key management personnel", "Consultancy fees paid to an entity controlled by a non-executive director"
			owedBy, owedTo = "Amounts owed by entities controlled by key management personnel", "Amounts owed to entities controlled by key management personnel"
		}
		d.para("", "Transactions with other related parties during the year and balances at the year-end:")
		w.yearTable(tRelated,
			section("Transactions", 3),
			w.r(sales, f.RPSales),
			w.r(purchases, f.RPPurchases),
			w.r(fees, f.RPFees),
			section("Balances at the year-end", 3),
			w.r(owedBy, f.RPOwedBy),
			w.r(owedTo, f.RPOwedTo),
		)
		d.para("", "Transactions with related parties are made on terms equivalent to those that prevail in arm's length transactions. Outstanding balances are unsecured, interest free and settled in cash within 60 days; no guarantees have been given or received, and no loss allowance has been recognised on amounts owed by related parties.")
	})
}
