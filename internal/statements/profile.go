// Package statements generates the test set of small, complete financial statements that the
// audit agents are measured on: each entity profile is modelled as data, its figures are built
// so that every statement casts, balances and reconciles, and it is rendered to .docx both clean
// and with planted problems whose expected findings are listed in a manifest.
package statements

import (
	"fmt"
	"time"
)

// Profile describes one reporting entity: who it is, how it reports, and the drivers its
// figures are built from. Six profiles of different industries, currencies, scales, year-ends
// and sizes make the set differ in more than one cell from file to file.
type Profile struct {
	// Slug names the entity's files ("nordhafen" gives nordhafen-clean.docx).
	Slug string
	// Name is the entity's name without its legal form; LegalForm is "GmbH", "plc", "Inc.".
	Name, LegalForm string
	// Industry and Activities describe the business for the notes ("road freight, warehousing").
	Industry, Activities string
	// Country of incorporation and City of the registered office.
	Country, City string
	// Parent and UltimateParent name the controlling entities; empty for a widely held entity.
	Parent, UltimateParent string
	// Currency is the presentation currency in words ("euro"), Symbol its sign in text ("€"),
	// Scale the heading figures are stated in ("€000", "£m").
	Currency, Symbol, Scale string
	// Decimals is the number of decimals figures are printed with (1 for "£m").
	Decimals int
	// PerMillion is how many printed units make one million (1000 for "€000", 1 for "£m").
	PerMillion int64
	// YearEnd is the reporting date of the current year.
	YearEnd time.Time
	// TaxRate is the statutory income tax rate in per mille (300 = 30.0 %).
	TaxRate int64
	// Shares is the number of shares in issue, for dividends per share.
	Shares int64
	// Lines are the revenue lines of the disaggregation note with their share of revenue in
	// per mille; the last takes the remainder.
	Lines []RevenueLine
	// Drivers are the figures the statements are built from.
	Drivers Drivers
}

// RevenueLine is one line of the revenue disaggregation: its label, share of revenue (per
// mille) and whether it is recognised over time.
type RevenueLine struct {
	Label    string
	Share    int64
	OverTime bool
}

// Drivers hold the inputs a profile's statements are built from, in printed units (a figure of
// "148,312" in a "€000" statement is 148312). Index 0 of a per-year array is the year before
// the comparative (only its closing balances are used), 1 the comparative year, 2 the current
// year. Ratios are per mille of revenue unless said otherwise.
type Drivers struct {
	Revenue [3]int64
	// CostOfSales, Distribution and Admin are per mille of revenue, per year.
	CostOfSales, Distribution, Admin [3]int64
	OtherIncome                      [3]int64
	// Staff costs as per mille of revenue; Employees is the average headcount.
	Staff     int64
	Employees [3]int64
	// PPE is property, plant and equipment at the opening date by class (buildings, plant);
	// Capex the additions per year per class; DepRate the depreciation per mille of the
	// class's opening amount.
	PPE     [2]int64
	Capex   [3][2]int64
	DepRate [2]int64
	// ROU is right-of-use assets at the opening date by class (property, vehicles); NewLeases
	// the additions per year; LeaseLife the years over which each class is depreciated.
	ROU       [2]int64
	NewLeases [3][2]int64
	LeaseLife [2]int64
	// LeaseRate and BorrowRate are interest rates in per mille.
	LeaseRate, BorrowRate int64
	// Borrowings at the opening date, drawn and repaid per year.
	Borrowings      int64
	Drawn, Repaid   [3]int64
	DepositInterest [3]int64
	// Working capital in per mille of revenue (payables: of cost of sales).
	Inventories, Receivables, Prepayments, Payables, ContractLiabilities int64
	// Cash at the opening date.
	Cash int64
	// ShareCapital is constant; Payout is dividends paid as per mille of the year's profit.
	ShareCapital int64
	Payout       int64
	// ProposedDPS is the final dividend per share proposed after the year-end, in cents.
	ProposedDPS int64
}

// EntityName is the name as the statements print it: "Nordhafen Logistik GmbH".
func (p Profile) EntityName() string { return p.Name + " " + p.LegalForm }

// year returns the calendar year of the year-end of year index i (2 = current).
func (p Profile) year(i int) int { return p.YearEnd.Year() - 2 + i }

// yearLabel is the column heading of year index i: the calendar year of its year-end.
func (p Profile) yearLabel(i int) string { return fmt.Sprint(p.year(i)) }

// endDate is the reporting date of year index i, as printed: "31 December 2024".
func (p Profile) endDate(i int) string {
	return fmt.Sprintf("%d %s %d", p.YearEnd.Day(), p.YearEnd.Month(), p.year(i))
}

// startDate is the first day of year index i: "1 January 2024".
func (p Profile) startDate(i int) string {
	d := time.Date(p.year(i)-1, p.YearEnd.Month(), p.YearEnd.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return fmt.Sprintf("%d %s %d", d.Day(), d.Month(), d.Year())
}

// dateAfter is a date some days after the current year-end, for events and authorisation.
func (p Profile) dateAfter(days int) string {
	d := time.Date(p.year(2), p.YearEnd.Month(), p.YearEnd.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	return fmt.Sprintf("%d %s %d", d.Day(), d.Month(), d.Year())
}

// Profiles returns the six entity profiles of the test set, in file order.
func Profiles() []Profile {
	return []Profile{
		{
			Slug: "nordhafen", Name: "Nordhafen Logistik", LegalForm: "GmbH",
			Industry: "logistics", Activities: "road freight, contract warehousing and customs brokerage",
			Country: "Germany", City: "Hamburg",
			Parent: "Nordhafen Holding AG", UltimateParent: "Baltic Infrastructure Partners S.A.",
			Currency: "euro", Symbol: "€", Scale: "€000", PerMillion: 1000,
			YearEnd: date(2024, time.December, 31), TaxRate: 300, Shares: 5_000_000,
			Lines: []RevenueLine{
				{"Road freight", 560, false}, {"Contract warehousing", 310, true}, {"Customs brokerage", 130, false},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{136_900, 141_120, 148_310},
				CostOfSales: [3]int64{0, 742, 731}, Distribution: [3]int64{0, 92, 94}, Admin: [3]int64{0, 81, 80},
				OtherIncome: [3]int64{0, 640, 710}, Staff: 318, Employees: [3]int64{0, 1_124, 1_162},
				PPE: [2]int64{38_400, 22_600}, Capex: [3][2]int64{{}, {1_900, 5_400}, {2_300, 6_100}}, DepRate: [2]int64{30, 170},
				ROU: [2]int64{14_200, 3_100}, NewLeases: [3][2]int64{{}, {1_800, 1_200}, {2_600, 1_350}}, LeaseLife: [2]int64{8, 4},
				LeaseRate: 45, BorrowRate: 52, Borrowings: 31_000, Drawn: [3]int64{0, 0, 4_000}, Repaid: [3]int64{0, 5_000, 6_000},
				DepositInterest: [3]int64{0, 210, 260},
				Inventories:     9, Receivables: 148, Prepayments: 11, Payables: 118, ContractLiabilities: 21,
				Cash: 12_650, ShareCapital: 5_000, Payout: 400, ProposedDPS: 75,
			},
		},
		{
			Slug: "harlow-finch", Name: "Harlow & Finch Retail", LegalForm: "plc",
			Industry: "retail", Activities: "the sale of homeware and clothing through stores and online",
			Country: "England and Wales", City: "Leeds",
			Currency: "pound sterling", Symbol: "£", Scale: "£m", Decimals: 1, PerMillion: 10,
			YearEnd: date(2025, time.March, 31), TaxRate: 250, Shares: 412_000_000,
			Lines: []RevenueLine{
				{"Store sales", 640, false}, {"Online sales", 330, false}, {"Delivery and assembly services", 30, true},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{11_842, 12_176, 12_403},
				CostOfSales: [3]int64{0, 612, 618}, Distribution: [3]int64{0, 236, 239}, Admin: [3]int64{0, 88, 86},
				OtherIncome: [3]int64{0, 41, 37}, Staff: 164, Employees: [3]int64{0, 14_830, 14_610},
				PPE: [2]int64{1_932, 1_104}, Capex: [3][2]int64{{}, {71, 188}, {64, 203}}, DepRate: [2]int64{25, 160},
				ROU: [2]int64{2_806, 214}, NewLeases: [3][2]int64{{}, {233, 41}, {271, 38}}, LeaseLife: [2]int64{12, 4},
				LeaseRate: 51, BorrowRate: 61, Borrowings: 1_450, Drawn: [3]int64{0, 250, 0}, Repaid: [3]int64{0, 300, 350},
				DepositInterest: [3]int64{0, 19, 24},
				Inventories:     124, Receivables: 21, Prepayments: 14, Payables: 171, ContractLiabilities: 12,
				Cash: 1_175, ShareCapital: 412, Payout: 450, ProposedDPS: 3,
			},
		},
		{
			Slug: "cascade", Name: "Cascade Analytics", LegalForm: "Inc.",
			Industry: "software", Activities: "subscription analytics software and implementation services",
			Country: "the State of Delaware, United States", City: "Seattle",
			Parent: "Cascade Analytics Holdings LLC", UltimateParent: "Larchmont Growth Fund IV L.P.",
			Currency: "US dollar", Symbol: "$", Scale: "$000", PerMillion: 1000,
			YearEnd: date(2024, time.June, 30), TaxRate: 210, Shares: 20_000_000,
			Lines: []RevenueLine{
				{"Subscription licences", 720, true}, {"Implementation services", 210, true}, {"Training", 70, false},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{31_400, 35_260, 34_180},
				CostOfSales: [3]int64{0, 318, 352}, Distribution: [3]int64{0, 341, 398}, Admin: [3]int64{0, 262, 291},
				OtherIncome: [3]int64{0, 120, 95}, Staff: 532, Employees: [3]int64{0, 212, 226},
				PPE: [2]int64{4_150, 3_840}, Capex: [3][2]int64{{}, {90, 610}, {120, 540}}, DepRate: [2]int64{40, 250},
				ROU: [2]int64{4_620, 0}, NewLeases: [3][2]int64{{}, {310, 0}, {1_450, 0}}, LeaseLife: [2]int64{6, 1},
				LeaseRate: 68, BorrowRate: 85, Borrowings: 9_000, Drawn: [3]int64{0, 0, 3_000}, Repaid: [3]int64{0, 1_000, 1_000},
				DepositInterest: [3]int64{0, 184, 131},
				Inventories:     0, Receivables: 172, Prepayments: 31, Payables: 390, ContractLiabilities: 196,
				Cash: 12_400, ShareCapital: 200, Payout: 0, ProposedDPS: 0,
			},
		},
		{
			Slug: "soleira", Name: "Soleira Alimentación", LegalForm: "S.A.",
			Industry: "food processing", Activities: "the processing and packaging of citrus juices and preserved vegetables",
			Country: "Spain", City: "Valencia",
			Parent: "Grupo Soleira Inversiones S.L.", UltimateParent: "the Ferrer Puig family",
			Currency: "euro", Symbol: "€", Scale: "€m", Decimals: 1, PerMillion: 10,
			YearEnd: date(2024, time.September, 30), TaxRate: 250, Shares: 60_000_000,
			Lines: []RevenueLine{
				{"Juices and concentrates", 580, false}, {"Preserved vegetables", 370, false}, {"Co-packing services", 50, true},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{3_812, 3_954, 4_126},
				CostOfSales: [3]int64{0, 771, 764}, Distribution: [3]int64{0, 88, 86}, Admin: [3]int64{0, 52, 53},
				OtherIncome: [3]int64{0, 14, 9}, Staff: 141, Employees: [3]int64{0, 1_870, 1_905},
				PPE: [2]int64{1_036, 874}, Capex: [3][2]int64{{}, {42, 131}, {55, 162}}, DepRate: [2]int64{30, 120},
				ROU: [2]int64{118, 64}, NewLeases: [3][2]int64{{}, {12, 21}, {19, 18}}, LeaseLife: [2]int64{10, 4},
				LeaseRate: 42, BorrowRate: 48, Borrowings: 820, Drawn: [3]int64{0, 100, 0}, Repaid: [3]int64{0, 110, 120},
				DepositInterest: [3]int64{0, 3, 5},
				Inventories:     142, Receivables: 128, Prepayments: 6, Payables: 152, ContractLiabilities: 4,
				Cash: 316, ShareCapital: 600, Payout: 350, ProposedDPS: 18,
			},
		},
		{
			Slug: "kestrel", Name: "Kestrel Drilling Services", LegalForm: "Pty Ltd",
			Industry: "mining services", Activities: "exploration and production drilling for mining companies",
			Country: "Australia", City: "Perth",
			Parent: "Kestrel Resources Group Limited", UltimateParent: "Kestrel Resources Group Limited",
			Currency: "Australian dollar", Symbol: "A$", Scale: "A$000", PerMillion: 1000,
			YearEnd: date(2025, time.June, 30), TaxRate: 300, Shares: 40_000_000,
			Lines: []RevenueLine{
				{"Production drilling", 610, true}, {"Exploration drilling", 330, true}, {"Equipment hire", 60, true},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{79_450, 83_920, 80_610},
				CostOfSales: [3]int64{0, 702, 731}, Distribution: [3]int64{0, 38, 40}, Admin: [3]int64{0, 96, 101},
				OtherIncome: [3]int64{0, 420, 380}, Staff: 402, Employees: [3]int64{0, 512, 498},
				PPE: [2]int64{8_900, 41_300}, Capex: [3][2]int64{{}, {400, 9_800}, {350, 6_200}}, DepRate: [2]int64{40, 160},
				ROU: [2]int64{3_900, 6_200}, NewLeases: [3][2]int64{{}, {600, 1_900}, {0, 1_400}}, LeaseLife: [2]int64{7, 4},
				LeaseRate: 62, BorrowRate: 71, Borrowings: 22_500, Drawn: [3]int64{0, 6_000, 0}, Repaid: [3]int64{0, 4_500, 5_500},
				DepositInterest: [3]int64{0, 95, 120},
				Inventories:     46, Receivables: 161, Prepayments: 9, Payables: 124, ContractLiabilities: 8,
				Cash: 7_340, ShareCapital: 4_000, Payout: 500, ProposedDPS: 6,
			},
		},
		{
			Slug: "lumen", Name: "Lumen Diagnostics", LegalForm: "AG",
			Industry: "medical devices", Activities: "the development and manufacture of point-of-care diagnostic analysers and test cartridges",
			Country: "Switzerland", City: "Basel",
			Parent: "Helvetia MedTech Holding AG", UltimateParent: "Dr. Anna Brunner",
			Currency: "Swiss franc", Symbol: "CHF ", Scale: "CHF'000", PerMillion: 1000,
			YearEnd: date(2023, time.December, 31), TaxRate: 140, Shares: 2_400_000,
			Lines: []RevenueLine{
				{"Analysers", 380, false}, {"Test cartridges", 520, false}, {"Service contracts", 100, true},
			},
			Drivers: Drivers{
				Revenue:     [3]int64{22_180, 23_050, 24_690},
				CostOfSales: [3]int64{0, 468, 455}, Distribution: [3]int64{0, 182, 176}, Admin: [3]int64{0, 141, 137},
				OtherIncome: [3]int64{0, 85, 60}, Staff: 296, Employees: [3]int64{0, 131, 138},
				PPE: [2]int64{6_300, 3_900}, Capex: [3][2]int64{{}, {150, 820}, {210, 940}}, DepRate: [2]int64{25, 140},
				ROU: [2]int64{1_720, 180}, NewLeases: [3][2]int64{{}, {0, 60}, {420, 75}}, LeaseLife: [2]int64{9, 3},
				LeaseRate: 28, BorrowRate: 31, Borrowings: 8_800, Drawn: [3]int64{0, 0, 0}, Repaid: [3]int64{0, 600, 600},
				DepositInterest: [3]int64{0, 22, 41},
				Inventories:     168, Receivables: 154, Prepayments: 12, Payables: 143, ContractLiabilities: 33,
				Cash: 2_400, ShareCapital: 2_400, Payout: 300, ProposedDPS: 65,
			},
		},
	}
}

// date is midnight UTC of a calendar day.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
