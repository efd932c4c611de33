package disclosure

import (
	"slices"

	"github.com/veritas-audit/veritas/extract/docxgen"
)

// part is one removable piece of the test statement: a note, a paragraph or a table. Tests
// leave parts out to plant a missing disclosure.
type part struct {
	key string
	add func(d *docxgen.Doc)
}

func heading(level int, text string) func(*docxgen.Doc) {
	return func(d *docxgen.Doc) { d.Heading(level, text) }
}

func para(text string) func(*docxgen.Doc) {
	return func(d *docxgen.Doc) { d.Paragraph(text) }
}

func table(rows ...[]string) func(*docxgen.Doc) {
	return func(d *docxgen.Doc) { d.Table(rows) }
}

func r(cells ...string) []string { return cells }

// brightwater is a small but complete set of IFRS statements of a UK manufacturer with a parent,
// leases, bank debt, euro sales and revenue over time, worded the way preparers write, not the
// way the checklist does. Each part has a key; parts sharing a key are removed together.
func brightwater() []part {
	return []part{
		{"cover", heading(1, "Brightwater Components Limited")},
		{"cover", para("Annual report and consolidated financial statements for the year ended 31 December 2024")},

		{"sfp", heading(1, "Consolidated statement of financial position as at 31 December 2024")},
		{"sfp", table(
			r("£000", "Note", "2024", "2023"),
			r("Non-current assets", "", "", ""),
			r("Property, plant and equipment", "10", "18,420", "17,960"),
			r("Right-of-use assets", "11", "6,310", "6,050"),
			r("", "", "24,730", "24,010"),
			r("Current assets", "", "", ""),
			r("Inventories", "", "7,240", "6,880"),
			r("Trade and other receivables", "12", "9,115", "8,470"),
			r("Cash and cash equivalents", "13", "6,920", "5,480"),
			r("", "", "23,275", "20,830"),
			r("Total assets", "", "48,005", "44,840"),
			r("Equity", "", "", ""),
			r("Share capital", "16", "2,000", "2,000"),
			r("Retained earnings", "", "22,705", "20,090"),
			r("Total equity", "", "24,705", "22,090"),
			r("Non-current liabilities", "", "", ""),
			r("Borrowings", "14", "7,500", "8,500"),
			r("Lease liabilities", "11", "5,180", "5,020"),
			r("Current liabilities", "", "", ""),
			r("Trade and other payables", "15", "7,050", "6,310"),
			r("Contract liabilities", "5", "1,240", "1,020"),
			r("Borrowings", "14", "1,000", "1,000"),
			r("Lease liabilities", "11", "1,330", "900"),
			r("Total equity and liabilities", "", "48,005", "44,840"),
		)},

		{"pl", heading(1, "Consolidated statement of profit or loss for the year ended 31 December 2024")},
		{"pl", table(
			r("£000", "Note", "2024", "2023"),
			r("Revenue", "5", "52,360", "49,870"),
			r("Cost of sales", "", "(36,650)", "(35,100)"),
			r("Gross profit", "", "15,710", "14,770"),
			r("Distribution costs", "", "(3,940)", "(3,760)"),
			r("Administrative expenses", "", "(5,880)", "(5,610)"),
			r("Operating profit", "6", "5,890", "5,400"),
			r("Finance income", "7", "140", "95"),
			r("Finance costs", "7", "(820)", "(860)"),
			r("Profit before tax", "", "5,210", "4,635"),
			r("Income tax expense", "8", "(1,295)", "(1,150)"),
			r("Profit for the year", "", "3,915", "3,485"),
		)},

		{"socie", heading(1, "Consolidated statement of changes in equity for the year ended 31 December 2024")},
		{"socie", table(
			r("£000", "Share capital", "Retained earnings", "Total"),
			r("At 1 January 2023", "2,000", "17,805", "19,805"),
			r("Profit for the year", "", "3,485", "3,485"),
			r("Dividends paid", "", "(1,200)", "(1,200)"),
			r("At 31 December 2023", "2,000", "20,090", "22,090"),
			r("Profit for the year", "", "3,915", "3,915"),
			r("Dividends paid", "", "(1,300)", "(1,300)"),
			r("At 31 December 2024", "2,000", "22,705", "24,705"),
		)},

		{"scf", heading(1, "Consolidated statement of cash flows for the year ended 31 December 2024")},
		{"scf", table(
			r("£000", "2024", "2023"),
			r("Cash flows from operating activities", "", ""),
			r("Profit before tax", "5,210", "4,635"),
			r("Adjustments for:", "", ""),
			r("Depreciation of property, plant and equipment", "2,010", "1,950"),
			r("Depreciation of right-of-use assets", "1,220", "1,160"),
			r("Net finance costs", "680", "765"),
			r("Increase in inventories", "(360)", "(210)"),
			r("Increase in trade and other receivables", "(645)", "(390)"),
			r("Increase in trade and other payables", "740", "280"),
			r("Increase in contract liabilities", "220", "60"),
			r("Cash generated from operations", "9,075", "8,250"),
			r("Income tax paid", "(1,210)", "(1,090)"),
			r("Net cash from operating activities", "7,865", "7,160"),
			r("Cash flows from investing activities", "", ""),
			r("Purchase of property, plant and equipment", "(2,470)", "(2,130)"),
			r("Interest received", "140", "95"),
			r("Net cash used in investing activities", "(2,330)", "(2,035)"),
			r("Cash flows from financing activities", "", ""),
			r("Repayment of borrowings", "(1,000)", "(1,000)"),
			r("Principal elements of lease payments", "(1,090)", "(1,020)"),
			r("Interest paid", "(705)", "(750)"),
			r("Dividends paid to shareholders", "(1,300)", "(1,200)"),
			r("Net cash used in financing activities", "(4,095)", "(3,970)"),
			r("Net increase in cash and cash equivalents", "1,440", "1,155"),
			r("Cash and cash equivalents at 1 January", "5,480", "4,325"),
			r("Cash and cash equivalents at 31 December", "6,920", "5,480"),
		)},

		{"notes", heading(1, "Notes to the consolidated financial statements")},

		{"general", heading(2, "1. General information")},
		{"domicile", para("Brightwater Components Limited (the Company) is a private company limited by shares, incorporated and domiciled in England and Wales. Its registered office is 4 Canal Street, Leeds LS1 4AB.")},
		{"operations", para("The Company and its subsidiaries (the Group) design and manufacture precision hydraulic components for agricultural and construction machinery, sold to equipment makers in the UK and continental Europe.")},

		{"subsidiaries", para("The Group's only subsidiary is Brightwater Fluid Power GmbH, a wholly owned sales company incorporated in Germany.")},

		{"basis", heading(2, "2. Basis of preparation")},
		{"compliance", para("These consolidated financial statements have been prepared in accordance with UK-adopted International Financial Reporting Standards.")},
		{"measurement", para("They have been prepared on the historical cost basis.")},
		{"currency", para("The financial statements are presented in pounds sterling, the Company's functional currency, and all values are rounded to the nearest thousand pounds (£000) except where otherwise indicated.")},
		{"going-concern", para("Going concern: the directors have reviewed forecasts for the period to June 2026 and are satisfied that the Group has adequate resources to continue in operation; the going concern basis has therefore been adopted.")},

		{"policies", heading(2, "3. Material accounting policies")},
		{"policies", heading(3, "Revenue")},
		{"rev-nature", para("The Group earns revenue from the sale of hydraulic components and from maintenance contracts for installed systems.")},
		{"rev-timing", para("Revenue from components is recognised at the point in time when control passes to the customer, which is on dispatch from our Leeds plant. Maintenance revenue is recognised over time, evenly over the term of each contract, because the customer receives the benefit of the cover as it is provided.")},
		{"rev-payment", para("Customers are invoiced on dispatch and invoices are due within 45 days; maintenance contracts are billed annually in advance.")},
		{"rev-variable", para("Some customers earn volume rebates; revenue is stated net of the rebates expected to be earned, estimated from forecast purchase volumes, and only to the extent that a significant reversal is highly probable not to occur.")},
		{"rev-warranty", para("Components carry a standard 12-month warranty against manufacturing defects. These are assurance-type warranties, and a provision is recognised for expected repair costs based on historical claim rates.")},
		{"policies", heading(3, "Leases")},
		{"lease-policy", para("At the start of a lease the Group recognises a right-of-use asset and a lease liability measured at the present value of the remaining lease payments, discounted at the incremental borrowing rate.")},
		{"lease-exemption", para("The Group has elected not to recognise right-of-use assets and lease liabilities for short-term leases of 12 months or less and leases of low-value assets; the payments are expensed on a straight-line basis.")},
		{"policies", heading(3, "Financial instruments")},
		{"fi-policy", para("Trade receivables, cash and borrowings are initially recognised at fair value and subsequently measured at amortised cost using the effective interest method.")},
		{"ecl-method", para("Loss allowances for trade receivables are always measured at lifetime expected credit losses using the simplified approach, with a provision matrix based on historical loss rates adjusted for forward-looking information.")},
		{"policies", heading(3, "Cash and cash equivalents")},
		{"cash-policy", para("Cash and cash equivalents comprise cash at bank and deposits with an original maturity of three months or less that are readily convertible to known amounts of cash.")},

		{"judgements", heading(2, "4. Critical accounting judgements and key sources of estimation uncertainty")},
		{"judgements", para("Judgement – lease terms: in determining the lease term, management considers whether it is reasonably certain that extension options on the Leeds factory lease will be exercised.")},
		{"estimates", para("Estimate – warranty provision: the provision depends on the assumption that claim rates stay in line with the last three years; a 20% rise in claims would increase the provision by £60,000.")},

		{"revenue-note", heading(2, "5. Revenue")},
		{"disaggregation", para("Revenue by product line and timing of recognition:")},
		{"disaggregation", table(
			r("£000", "2024", "2023"),
			r("Hydraulic cylinders", "31,420", "30,050"),
			r("Valves and manifolds", "17,140", "16,300"),
			r("Maintenance contracts", "3,800", "3,520"),
			r("Total revenue", "52,360", "49,870"),
			r("Transferred at a point in time", "48,560", "46,350"),
			r("Transferred over time", "3,800", "3,520"),
		)},
		{"contract-liab-opening", para("Contract liabilities are advance payments for maintenance cover. Revenue of £1,020,000 recognised in 2024 was included in the contract liability balance at the beginning of the year.")},
		{"contract-changes", para("The increase in contract liabilities in 2024 reflects the larger number of maintenance contracts signed in the fourth quarter.")},
		{"remaining-po", para("At 31 December 2024 revenue of £1,240,000 allocated to unsatisfied performance obligations on maintenance contracts is expected to be recognised within the next twelve months.")},

		{"operating-profit", heading(2, "6. Operating profit")},
		{"operating-profit", para("Operating profit is stated after charging:")},
		{"operating-profit", table(
			r("£000", "2024", "2023"),
			r("Depreciation of property, plant and equipment", "2,010", "1,950"),
			r("Depreciation of right-of-use assets", "1,220", "1,160"),
			r("Staff costs", "14,860", "14,120"),
			r("Expense relating to short-term leases", "85", "70"),
			r("Expense relating to leases of low-value assets", "22", "20"),
		)},

		{"finance-note", heading(2, "7. Finance income and finance costs")},
		{"finance-note", table(
			r("£000", "2024", "2023"),
			r("Interest income on bank deposits", "140", "95"),
			r("Interest on bank loans", "(585)", "(640)"),
			r("Interest on lease liabilities", "(235)", "(220)"),
		)},

		{"tax-note", heading(2, "8. Income tax")},
		{"tax-note", para("The tax charge of £1,295,000 (2023: £1,150,000) is based on the UK corporation tax rate of 25%.")},

		{"dividends", heading(2, "9. Dividends")},
		{"dividend-paid", para("A final dividend for 2023 of 6.5p per ordinary share (£1,300,000) was paid in May 2024 (2023: 6.0p per share, £1,200,000).")},
		{"dividend-proposed", para("The directors propose a final dividend for 2024 of 7.0p per share, amounting to £1,400,000, subject to approval at the annual general meeting; it has not been recognised as a liability at 31 December 2024.")},

		{"ppe", heading(2, "10. Property, plant and equipment")},
		{"ppe", para("Additions in the year were £2,470,000 (2023: £2,130,000), mainly new machining centres.")},

		{"leases", heading(2, "11. Leases")},
		{"lease-activities", para("The Group leases its Leeds factory, two warehouses and a fleet of delivery vans. Property leases run for 10 to 15 years and vehicle leases for four years.")},
		{"rou-table", para("Right-of-use assets")},
		{"rou-table", table(
			r("£000", "Property", "Vehicles", "Total"),
			r("At 1 January 2024", "5,470", "580", "6,050"),
			r("Additions", "1,150", "330", "1,480"),
			r("Depreciation charge", "(980)", "(240)", "(1,220)"),
			r("At 31 December 2024", "5,640", "670", "6,310"),
		)},
		{"lease-maturity", para("Maturity analysis of lease liabilities (contractual undiscounted cash flows)")},
		{"lease-maturity", table(
			r("£000", "Within one year", "One to five years", "After five years", "Total"),
			r("Lease liabilities", "1,560", "4,120", "1,490", "7,170"),
		)},
		{"lease-cash", para("The total cash outflow for leases in 2024 was £1,432,000 (2023: £1,310,000).")},
		{"lease-options", para("The factory lease contains an option to extend for a further five years. Management has assessed that exercise is not reasonably certain, so the potential future payments of £2.9 million are not included in the lease liability.")},

		{"receivables", heading(2, "12. Trade and other receivables")},
		{"receivables", table(
			r("£000", "2024", "2023"),
			r("Trade receivables", "8,460", "7,850"),
			r("Less: loss allowance", "(210)", "(190)"),
			r("Prepayments", "865", "810"),
			r("", "9,115", "8,470"),
		)},
		{"ageing", para("Ageing of trade receivables and expected credit loss rates at 31 December 2024:")},
		{"ageing", table(
			r("£000", "Gross", "Loss rate", "Loss allowance"),
			r("Not past due", "6,950", "0.5%", "35"),
			r("1–60 days past due", "1,180", "3.0%", "35"),
			r("More than 60 days past due", "330", "42.4%", "140"),
		)},
		{"allowance-movement", para("Movement in the loss allowance")},
		{"allowance-movement", table(
			r("£000", "2024", "2023"),
			r("At 1 January", "190", "175"),
			r("Charge for the year", "65", "50"),
			r("Amounts written off", "(45)", "(35)"),
			r("At 31 December", "210", "190"),
		)},

		{"cash-note", heading(2, "13. Cash and cash equivalents")},
		{"cash-note", table(
			r("£000", "2024", "2023"),
			r("Cash at bank and in hand", "4,920", "3,980"),
			r("Short-term deposits", "2,000", "1,500"),
			r("", "6,920", "5,480"),
		)},

		{"borrowings", heading(2, "14. Borrowings")},
		{"borrowings", para("The Group has a £12.0 million term loan from Northern Counties Bank, repayable in equal annual instalments of £1.0 million until 2033. It bears interest at SONIA plus a margin of 2.1%.")},
		{"security", para("The loan is secured by a fixed charge over the Group's freehold land and buildings, which had a carrying amount of £9.4 million at 31 December 2024.")},
		{"net-debt", para("Changes in liabilities arising from financing activities")},
		{"net-debt", table(
			r("£000", "Borrowings", "Lease liabilities", "Total"),
			r("At 1 January 2024", "9,500", "5,920", "15,420"),
			r("Financing cash flows", "(1,000)", "(1,090)", "(2,090)"),
			r("New leases (non-cash)", "", "1,480", "1,480"),
			r("Interest accrued", "585", "235", "820"),
			r("Interest paid", "(585)", "(35)", "(620)"),
			r("At 31 December 2024", "8,500", "6,510", "15,010"),
		)},

		{"payables", heading(2, "15. Trade and other payables")},
		{"payables", para("Trade payables are normally settled within 60 days of the invoice date.")},

		{"share-capital", heading(2, "16. Share capital")},
		{"share-capital", para("The issued share capital comprises 20,000,000 ordinary shares of 10p each, allotted and fully paid; there was no change in the year.")},

		{"fi-note", heading(2, "17. Financial instruments and risk management")},
		{"fi-categories", para("Financial assets and liabilities by category")},
		{"fi-categories", table(
			r("£000", "2024", "2023"),
			r("Financial assets at amortised cost: trade receivables and cash", "15,170", "13,140"),
			r("Financial liabilities at amortised cost: borrowings, trade payables and lease liabilities", "21,340", "20,760"),
		)},
		{"fair-value", para("The carrying amounts of these financial assets and liabilities are a reasonable approximation of their fair values.")},
		{"risk-management", para("The board sets the Group's financial risk management policies, which cover credit, liquidity and market risk, and reviews them twice a year.")},
		{"fi-note", heading(3, "Credit risk")},
		{"credit-risk", para("Credit risk arises mainly from trade receivables. New customers are credit checked and given credit limits, which are reviewed quarterly.")},
		{"credit-exposure", para("The maximum exposure to credit risk is the carrying amount of trade receivables and cash, £15.2 million.")},
		{"concentration", para("The two largest customers account for 31% of trade receivables; the concentration is monitored monthly by the finance director.")},
		{"fi-note", heading(3, "Liquidity risk")},
		{"liquidity", para("The Group manages liquidity by keeping cash and an undrawn £3.0 million revolving facility sufficient to cover forecast needs for at least twelve months.")},
		{"fi-maturity", para("Contractual undiscounted cash flows of financial liabilities")},
		{"fi-maturity", table(
			r("£000", "Less than 1 year", "1–5 years", "Over 5 years"),
			r("Borrowings including interest", "1,560", "5,780", "3,300"),
			r("Trade payables", "6,120", "", ""),
		)},
		{"fi-note", heading(3, "Market risk")},
		{"interest-rate-risk", para("Interest rate risk: the term loan carries a floating rate, so the Group is exposed to changes in SONIA.")},
		{"interest-sensitivity", para("If interest rates had been 100 basis points higher throughout 2024, profit before tax would have been £90,000 lower.")},
		{"currency-risk", para("Currency risk: about 28% of sales are to customers in the euro area and are denominated in euro. The Group sells euro receipts forward for up to six months.")},
		{"currency-sensitivity", para("A 10% strengthening of sterling against the euro at 31 December 2024 would have reduced profit before tax by £75,000 through the revaluation of euro receivables.")},

		{"capital", heading(2, "18. Capital management")},
		{"capital", para("The Group's objective in managing capital is to keep net debt below twice EBITDA while funding investment and dividends. Capital comprises equity and net debt.")},

		{"rp", heading(2, "19. Related party transactions")},
		{"parent", para("The Company's immediate parent is Brightwater Holdings Limited; the ultimate controlling party is Mr J. Ashworth.")},
		{"kmp", para("Compensation of key management personnel (the directors)")},
		{"kmp", table(
			r("£000", "2024", "2023"),
			r("Salaries and other short-term employee benefits", "1,240", "1,180"),
			r("Post-employment benefits", "96", "90"),
			r("Total", "1,336", "1,270"),
		)},
		{"rp-transactions", para("During the year the Group paid management fees of £240,000 (2023: £220,000) to Brightwater Holdings Limited for group treasury and insurance services.")},
		{"rp-balances", para("At 31 December 2024 £40,000 (2023: £35,000) was owed to the parent company.")},
		{"rp-terms", para("The balance is unsecured, interest-free and settled in cash within 30 days.")},

		{"pension", heading(2, "20. Retirement benefits")},
		{"pension", para("The Group operates a defined contribution pension plan; contributions of £610,000 (2023: £580,000) were charged to profit or loss.")},
	}
}

// build renders the parts of the statement whose keys are not in omit.
func build(parts []part, omit ...string) *docxgen.Doc {
	d := docxgen.New()
	for _, p := range parts {
		if !slices.Contains(omit, p.key) {
			p.add(d)
		}
	}
	return d
}
