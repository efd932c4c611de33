package statements

import "fmt"

// Figures are every amount the statements print, in printed units, built from a profile's
// drivers so that the statements are consistent by construction: the income statement casts,
// the balance sheet balances (every balance-sheet movement goes through the cash flow), the cash
// flow ends at the balance-sheet cash, and every note agrees with the statement it explains.
// Index 0 of a per-year array is the opening date (the year before the comparative), 1 the
// comparative year and 2 the current year.
type Figures struct {
	Revenue, CostOfSales, GrossProfit, Distribution, Admin, OtherIncome, OperatingProfit [3]int64
	FinanceIncome, FinanceCosts, BorrowInterest, LeaseInterest                           [3]int64
	ProfitBeforeTax, Tax, CurrentTax, DeferredTax, Profit                                [3]int64
	// Revenue lines by RevenueLine, and split by timing of recognition.
	RevenueLines            [3][]int64
	OverTime, PointInTime   [3]int64
	Wages, Social, Pensions [3]int64
	StaffCosts              [3]int64

	PPE, PPEAdditions, PPEDisposals, PPEDepreciation [3][2]int64
	ROU, ROUAdditions, ROUDepreciation               [3][2]int64
	LeaseLiability, LeaseCurrent, LeasePayments      [3]int64
	Borrowings, BorrowCurrent, Drawn, Repaid         [3]int64
	Inventories, Receivables, Prepayments, Cash      [3]int64
	Payables, ContractLiabilities, DeferredTaxLiab   [3]int64
	TaxPayable, TaxPaid                              [3]int64
	// Provisions by class (warranty or claims, restructuring or site restoration).
	Provisions, ProvCharged, ProvUtilised  [3][2]int64
	ShareCapital, RetainedEarnings, Equity [3]int64
	Dividends                              [3]int64

	// Cash flow subtotals.
	WorkingCapital, CashFromOps, OperatingCF, InvestingCF, FinancingCF, NetCashFlow [3]int64

	// Credit risk: ageing of trade receivables at the current date (gross, allowance).
	AgeingGross, AgeingAllowance                           [4]int64
	AllowanceOpening, AllowanceCharge, AllowanceWrittenOff int64

	// Related parties and key management.
	KMPShortTerm, KMPPost, KMPTotal [3]int64
	RPSales, RPPurchases, RPFees    [3]int64
	RPOwedBy, RPOwedTo              [3]int64

	// Tax reconciliation of each year.
	TaxAtStatutory, TaxNonDeductible, TaxOther [3]int64

	// Five-year history before the comparative year (index 0 = four years before the current).
	HistRevenue, HistOperating, HistProfit, HistCash [3]int64
}

// pm is x per mille, rounded half away from zero.
func pm(x, perMille int64) int64 { return div(x*perMille, 1000) }

// div divides rounding half away from zero.
func div(a, b int64) int64 {
	if b < 0 {
		a, b = -a, -b
	}
	if a >= 0 {
		return (a + b/2) / b
	}
	return -((-a + b/2) / b)
}

// build computes a profile's figures from its drivers. It returns an error when the drivers
// give a figure a real statement could not print (a negative balance), so a bad profile is
// caught by the tests rather than rendered.
func build(p Profile) (Figures, error) {
	d := p.Drivers
	var f Figures
	f.ShareCapital = [3]int64{d.ShareCapital, d.ShareCapital, d.ShareCapital}
	f.Revenue = d.Revenue

	// Opening balances (index 0).
	f.PPE[0] = d.PPE
	f.ROU[0] = d.ROU
	f.LeaseLiability[0] = pm(d.ROU[0]+d.ROU[1], 1050)
	f.Borrowings[0] = d.Borrowings
	f.Cash[0] = d.Cash
	f.Inventories[0] = pm(d.Revenue[0], d.Inventories)
	f.Receivables[0] = pm(d.Revenue[0], d.Receivables)
	f.Prepayments[0] = pm(d.Revenue[0], d.Prepayments)
	f.Payables[0] = pm(pm(d.Revenue[0], 700), d.Payables)
	f.ContractLiabilities[0] = pm(d.Revenue[0], d.ContractLiabilities)
	f.Provisions[0] = [2]int64{pm(d.Revenue[0], 7), pm(d.Revenue[0], 3)}
	f.DeferredTaxLiab[0] = pm(d.PPE[0]+d.PPE[1], 50)
	f.TaxPayable[0] = pm(d.Revenue[0], 4)

	for y := 1; y <= 2; y++ {
		r := f.Revenue[y]
		f.CostOfSales[y] = pm(r, d.CostOfSales[y])
		f.GrossProfit[y] = r - f.CostOfSales[y]
		f.Distribution[y] = pm(r, d.Distribution[y])
		f.Admin[y] = pm(r, d.Admin[y])
		f.OtherIncome[y] = d.OtherIncome[y]
		f.OperatingProfit[y] = f.GrossProfit[y] - f.Distribution[y] - f.Admin[y] + f.OtherIncome[y]

		f.FinanceIncome[y] = d.DepositInterest[y]
		f.BorrowInterest[y] = pm(f.Borrowings[y-1], d.BorrowRate)
		f.LeaseInterest[y] = pm(f.LeaseLiability[y-1], d.LeaseRate)
		f.FinanceCosts[y] = f.BorrowInterest[y] + f.LeaseInterest[y]
		f.ProfitBeforeTax[y] = f.OperatingProfit[y] + f.FinanceIncome[y] - f.FinanceCosts[y]
		if f.ProfitBeforeTax[y] > 0 {
			f.Tax[y] = pm(f.ProfitBeforeTax[y], p.TaxRate+18)
			f.DeferredTax[y] = pm(f.Tax[y], 120)
		} else {
			// A loss-making year: a minimum tax on state and foreign income, no deferred tax
			// asset recognised.
			f.Tax[y] = pm(r, 4)
			f.DeferredTax[y] = 0
		}
		f.CurrentTax[y] = f.Tax[y] - f.DeferredTax[y]
		f.Profit[y] = f.ProfitBeforeTax[y] - f.Tax[y]

		stat := pm(f.ProfitBeforeTax[y], p.TaxRate)
		f.TaxAtStatutory[y] = stat
		f.TaxNonDeductible[y] = pm(absInt(f.ProfitBeforeTax[y]), 9) + pm(r, 1)
		f.TaxOther[y] = f.Tax[y] - stat - f.TaxNonDeductible[y]

		// Revenue disaggregation: each line its share, the last the remainder.
		lines := make([]int64, len(p.Lines))
		rest := r
		for i, l := range p.Lines {
			if i == len(p.Lines)-1 {
				lines[i] = rest
				break
			}
			lines[i] = pm(r, l.Share+int64(y-1)*int64(4-4*i))
			rest -= lines[i]
		}
		f.RevenueLines[y] = lines
		for i, l := range p.Lines {
			if l.OverTime {
				f.OverTime[y] += lines[i]
			} else {
				f.PointInTime[y] += lines[i]
			}
		}

		f.StaffCosts[y] = pm(r, d.Staff)
		f.Social[y] = pm(f.StaffCosts[y], 121)
		f.Pensions[y] = pm(f.StaffCosts[y], 58)
		f.Wages[y] = f.StaffCosts[y] - f.Social[y] - f.Pensions[y]

		// Property, plant and equipment: depreciation on the opening amount; a small disposal
		// of plant at its carrying amount.
		for c := range 2 {
			f.PPEAdditions[y][c] = d.Capex[y][c]
			f.PPEDepreciation[y][c] = pm(f.PPE[y-1][c], d.DepRate[c])
			if c == 1 {
				f.PPEDisposals[y][c] = pm(f.PPE[y-1][c], 12)
			}
			f.PPE[y][c] = f.PPE[y-1][c] + f.PPEAdditions[y][c] - f.PPEDisposals[y][c] - f.PPEDepreciation[y][c]
		}
		// Right-of-use assets and lease liabilities: payments cover the interest and about the
		// depreciation of the assets, so the liability tracks the assets.
		var rouDep int64
		for c := range 2 {
			f.ROUAdditions[y][c] = d.NewLeases[y][c]
			f.ROUDepreciation[y][c] = div(f.ROU[y-1][c], d.LeaseLife[c])
			f.ROU[y][c] = f.ROU[y-1][c] + f.ROUAdditions[y][c] - f.ROUDepreciation[y][c]
			rouDep += f.ROUDepreciation[y][c]
		}
		f.LeasePayments[y] = f.LeaseInterest[y] + rouDep + pm(rouDep, 30)
		f.LeaseLiability[y] = f.LeaseLiability[y-1] + f.ROUAdditions[y][0] + f.ROUAdditions[y][1] +
			f.LeaseInterest[y] - f.LeasePayments[y]

		f.Drawn[y], f.Repaid[y] = d.Drawn[y], d.Repaid[y]
		f.Borrowings[y] = f.Borrowings[y-1] + f.Drawn[y] - f.Repaid[y]

		f.Inventories[y] = pm(r, d.Inventories)
		f.Receivables[y] = pm(r, d.Receivables)
		f.Prepayments[y] = pm(r, d.Prepayments)
		f.Payables[y] = pm(f.CostOfSales[y], d.Payables)
		f.ContractLiabilities[y] = pm(r, d.ContractLiabilities)
		for c := range 2 {
			f.ProvCharged[y][c] = pm(r, [2]int64{5, 2}[c])
			f.ProvUtilised[y][c] = pm(f.Provisions[y-1][c], 600) + pm(f.ProvCharged[y][c], 150)
			f.Provisions[y][c] = f.Provisions[y-1][c] + f.ProvCharged[y][c] - f.ProvUtilised[y][c]
		}
		f.DeferredTaxLiab[y] = f.DeferredTaxLiab[y-1] + f.DeferredTax[y]
		f.TaxPayable[y] = pm(f.CurrentTax[y], 300)
		f.TaxPaid[y] = f.TaxPayable[y-1] + f.CurrentTax[y] - f.TaxPayable[y]

		if f.Profit[y] > 0 {
			f.Dividends[y] = pm(f.Profit[y], d.Payout)
		}

		f.WorkingCapital[y] = -(f.Inventories[y] - f.Inventories[y-1]) - (f.Receivables[y] - f.Receivables[y-1]) -
			(f.Prepayments[y] - f.Prepayments[y-1]) + (f.Payables[y] - f.Payables[y-1]) +
			(f.ContractLiabilities[y] - f.ContractLiabilities[y-1]) +
			(f.Provisions[y][0] + f.Provisions[y][1] - f.Provisions[y-1][0] - f.Provisions[y-1][1])
		f.CashFromOps[y] = f.Profit[y] + f.PPEDepreciation[y][0] + f.PPEDepreciation[y][1] + rouDep +
			f.FinanceCosts[y] - f.FinanceIncome[y] + f.Tax[y] + f.WorkingCapital[y]
		f.OperatingCF[y] = f.CashFromOps[y] - f.FinanceCosts[y] - f.TaxPaid[y]
		f.InvestingCF[y] = -(f.PPEAdditions[y][0] + f.PPEAdditions[y][1]) + f.PPEDisposals[y][1] + f.FinanceIncome[y]
		f.FinancingCF[y] = f.Drawn[y] - f.Repaid[y] - (f.LeasePayments[y] - f.LeaseInterest[y]) - f.Dividends[y]
		f.NetCashFlow[y] = f.OperatingCF[y] + f.InvestingCF[y] + f.FinancingCF[y]
		f.Cash[y] = f.Cash[y-1] + f.NetCashFlow[y]

		f.KMPShortTerm[y] = pm(f.StaffCosts[y], 9) + pm(r, 1)
		f.KMPPost[y] = pm(f.KMPShortTerm[y], 110)
		f.KMPTotal[y] = f.KMPShortTerm[y] + f.KMPPost[y]
		f.RPSales[y] = pm(r, 21)
		f.RPPurchases[y] = pm(f.CostOfSales[y], 14)
		f.RPFees[y] = pm(r, 6)
		f.RPOwedBy[y] = pm(f.RPSales[y], 160)
		f.RPOwedTo[y] = pm(f.RPPurchases[y]+f.RPFees[y], 110)
	}
	for y := range 3 {
		f.BorrowCurrent[y] = pm(f.Borrowings[y], 180)
		f.LeaseCurrent[y] = pm(f.LeaseLiability[y], 220)
	}

	// Retained earnings: the opening amount balances the opening statement of financial
	// position; after that every movement is profit less dividends.
	assets0 := f.PPE[0][0] + f.PPE[0][1] + f.ROU[0][0] + f.ROU[0][1] + f.Inventories[0] + f.Receivables[0] + f.Prepayments[0] + f.Cash[0]
	f.RetainedEarnings[0] = assets0 - f.ShareCapital[0] - f.liabilities(0)
	for y := 1; y <= 2; y++ {
		f.RetainedEarnings[y] = f.RetainedEarnings[y-1] + f.Profit[y] - f.Dividends[y]
	}
	for y := range 3 {
		f.Equity[y] = f.ShareCapital[y] + f.RetainedEarnings[y]
	}

	// Credit risk at the current date: ageing buckets with rising loss rates whose net equals
	// the receivables in the statement of financial position.
	rates := [4]int64{5, 20, 80, 400}
	shares := [4]int64{720, 170, 75, 35}
	gross := pm(f.Receivables[2], 1015)
	for i := range 4 {
		f.AgeingGross[i] = pm(gross, shares[i])
		f.AgeingAllowance[i] = pm(f.AgeingGross[i], rates[i])
	}
	net := int64(0)
	for i := range 4 {
		net += f.AgeingGross[i] - f.AgeingAllowance[i]
	}
	f.AgeingGross[0] += f.Receivables[2] - net
	allowance := sum4(f.AgeingAllowance)
	f.AllowanceOpening = pm(allowance, 880)
	f.AllowanceWrittenOff = pm(f.AllowanceOpening, 300)
	f.AllowanceCharge = allowance - f.AllowanceOpening + f.AllowanceWrittenOff

	// History for the five-year summary: years before the comparative, growing towards it.
	for i := range 3 {
		k := int64(3 - i) // 3, 2, 1 years before the comparative
		f.HistRevenue[i] = pm(f.Revenue[0], 1000-45*(k-1))
		f.HistOperating[i] = pm(f.HistRevenue[i], 52+3*int64(i))
		f.HistProfit[i] = pm(f.HistOperating[i], 640)
		f.HistCash[i] = pm(f.Cash[0], 780+60*int64(i))
	}
	f.HistCash[2] = f.Cash[0] // the opening cash is printed in the cash flow statement too
	return f, f.check()
}

// liabilities is the total of liabilities at date y.
func (f *Figures) liabilities(y int) int64 {
	return f.Borrowings[y] + f.LeaseLiability[y] + f.Provisions[y][0] + f.Provisions[y][1] +
		f.DeferredTaxLiab[y] + f.Payables[y] + f.ContractLiabilities[y] + f.TaxPayable[y]
}

// totalAssets is the total of assets at date y.
func (f *Figures) totalAssets(y int) int64 {
	return f.PPE[y][0] + f.PPE[y][1] + f.ROU[y][0] + f.ROU[y][1] + f.Inventories[y] + f.Receivables[y] +
		f.Prepayments[y] + f.Cash[y]
}

// netDebt is borrowings and lease liabilities less cash at date y.
func (f *Figures) netDebt(y int) int64 { return f.Borrowings[y] + f.LeaseLiability[y] - f.Cash[y] }

// check refuses figures a statement could not print.
func (f *Figures) check() error {
	for y := range 3 {
		for name, v := range map[string]int64{
			"cash": f.Cash[y], "borrowings": f.Borrowings[y], "lease liabilities": f.LeaseLiability[y],
			"retained earnings": f.RetainedEarnings[y], "tax payable": f.TaxPayable[y],
			"deferred tax": f.DeferredTaxLiab[y], "provision (first class)": f.Provisions[y][0],
			"provision (second class)": f.Provisions[y][1], "net debt": f.netDebt(y),
		} {
			if v < 0 {
				return fmt.Errorf("%s at date %d is negative (%d)", name, y, v)
			}
		}
		if a, le := f.totalAssets(y), f.Equity[y]+f.liabilities(y); a != le {
			return fmt.Errorf("assets %d differ from equity and liabilities %d at date %d", a, le, y)
		}
	}
	for y := 1; y <= 2; y++ {
		if f.TaxPaid[y] < 0 {
			return fmt.Errorf("tax paid in year %d is negative (%d)", y, f.TaxPaid[y])
		}
	}
	return nil
}

// absInt is |x|.
func absInt(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// sum4 adds an ageing row.
func sum4(a [4]int64) int64 { return a[0] + a[1] + a[2] + a[3] }
