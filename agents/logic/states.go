package logic

// This file reads claims about the sign of a result ("returned to profit", "made a loss of
// €2.1m") and stated levels without a movement ("revenue was €12.5 million").

// stateClaim reads a claim about the sign of a result: "returned to profit", "swung to a
// loss", "turned cash positive", "made a loss of €2.1m", "remained profitable".
func (p *parser) stateClaim(toks []token, i int, s string) (claim, int, bool) {
	w := toks[i].low
	c := claim{verb: toks[i].text}
	j := i + 1
	key := ""
	explicit := false // the words after the verb name the result ("an operating loss")
	switch w {
	case "returned", "swung", "turned", "moved", "slipped", "fell", "dropped", "swinging", "returning", "turning":
		if word(toks, j, "back") {
			j++
		}
		if !word(toks, j, "to", "into") {
			// "turned cash positive", "swung to cash-positive" aside, these verbs need "to".
			if w != "turned" && w != "swung" {
				return claim{}, 0, false
			}
			switch {
			case word(toks, j, "cash-positive"):
				j++
			case word(toks, j, "cash") && word(toks, j+1, "positive"):
				j += 2
			default:
				return claim{}, 0, false
			}
			c.state, key = stateCashPositive, "net_debt"
			c.verb = joinTokens(toks, i, j)
			break
		}
		j++
		if word(toks, j, "a", "an") {
			j++
		}
		j0 := j
		k, kind := resultKind(toks, j)
		switch {
		case word(toks, k, "profit", "profitability", "profits", "black"):
			if w == "fell" || w == "slipped" || w == "dropped" {
				return claim{}, 0, false
			}
			c.state = stateReturnedProfit
		case word(toks, k, "loss", "losses", "red"):
			if w == "returned" || w == "returning" {
				c.state = stateLoss // "returned to a loss": a loss now; the prior year is not claimed
			} else {
				c.state = stateSwungLoss
			}
		default:
			return claim{}, 0, false
		}
		if !resultEnds(toks, k+1) {
			return claim{}, 0, false
		}
		key = kind
		c.verb = joinTokens(toks, i, k+1)
		j = k + 1
		explicit = k > j0
	case "made", "reported", "recorded", "posted", "generated", "delivered", "achieved", "incurred", "booked", "realised", "realized":
		if !word(toks, j, "a", "an") {
			return claim{}, 0, false
		}
		j++
		j0 := j
		k, kind := resultKind(toks, j)
		switch {
		case word(toks, k, "profit"):
			c.state = stateProfit
		case word(toks, k, "loss"):
			c.state = stateLoss
		default:
			return claim{}, 0, false
		}
		if !resultEnds(toks, k+1) {
			return claim{}, 0, false // "a loss on disposal", "a profit margin of"
		}
		key = kind
		c.verb = joinTokens(toks, i, k+1)
		j = k + 1
		explicit = k > j0
	case "remained", "was", "were", "became", "is", "remains", "stayed":
		switch {
		case word(toks, j, "profitable") || word(toks, j, "in") && word(toks, j+1, "profit"):
			c.state = stateProfit
		case word(toks, j, "loss-making") || word(toks, j, "in") && word(toks, j+1, "loss", "losses"):
			c.state = stateLoss
		case word(toks, j, "cash-positive") || word(toks, j, "cash") && word(toks, j+1, "positive"):
			c.state = stateCashPositive
			key = "net_debt"
		default:
			return claim{}, 0, false
		}
		if key == "" {
			key = "net_profit"
		}
		c.verb = joinTokens(toks, i, j+1)
		j++
		if word(toks, j-1, "in", "cash") {
			j++
		}
	default:
		return claim{}, 0, false
	}
	// "a profit before tax of", "a profit after tax of", "a loss for the year of €2.1m".
	if c.state != stateCashPositive {
		if word(toks, j, "before") && word(toks, j+1, "tax", "taxation") {
			key, explicit = "pbt", true
			j += 2
		}
		if word(toks, j, "after") && word(toks, j+1, "tax", "taxation") {
			key, explicit = "net_profit", true
			j += 2
		}
		if word(toks, j, "for") && word(toks, j+1, "the") && word(toks, j+2, "year", "period") {
			j += 3
		}
		if word(toks, j, "of") {
			if q, ok := readQuantity(toks, j+1); ok && (q.kind == qAmount || q.kind == qPlain) {
				c.level = &q
				j = q.to
			}
		}
	}
	for k := i - 1; k >= max(0, i-3); k-- {
		if toks[k].kind == tokWord && negations[toks[k].low] {
			return claim{}, 0, false
		}
	}
	if key == "" {
		key = "net_profit"
	}
	// "Operating profit swung to a loss": the metric named before the verb, when it is a result.
	if !explicit && c.state != stateCashPositive {
		var tmp claim
		if sj, ok := p.subjectBefore(toks, i, &tmp, false); ok && sj.ref.m != nil && !sj.qualified {
			switch sj.ref.m.key {
			case "gross_profit", "operating_profit", "pbt", "net_profit", "ebitda":
				key = sj.ref.m.key
			}
		}
	}
	m := p.lx.byKey[key]
	c.ref = metricRef{key: key, m: m, label: m.name}
	if c.state == stateCashPositive {
		c.ref.negated = true
	}
	c.subject = m.name
	// Years in the rest of the clause.
	end := p.complement(toks, j, &c, true)
	last := end - 1
	for last >= j && danglingEnd(toks[last]) {
		last--
	}
	c.start, c.end = toks[i].start, toks[max(last, j-1, i)].end
	// Include the subject words before the verb in the quoted text.
	k := i - 1
	for k >= 0 && toks[k].kind == tokWord && !hardStops[toks[k].low] && i-k <= 6 {
		k--
	}
	c.start = toks[k+1].start
	c.text = s[c.start:c.end]
	return c, end, true
}

// resultEnds reports whether the words after "profit" or "loss" leave it the year's result:
// "a loss of", "a profit for the year", "a loss before tax", but not "a loss on disposal" or
// "a profit margin".
func resultEnds(toks []token, k int) bool {
	t := tokAt(toks, k)
	if t.kind == tokPunct {
		return true
	}
	switch t.low {
	case "of", "for", "before", "after", "and", "during", "this", "last", "compared", "versus", "while", "but", "which", "as", "with", "again":
		return true
	case "in":
		_, _, _, ok := periodPhrase(toks, k+1)
		return ok
	}
	return false
}

// resultKind reads the words naming which result a state claim speaks of ("an operating loss",
// "a pre-tax profit", "a net loss"), returning the index of "profit"/"loss" and the metric key.
func resultKind(toks []token, j int) (int, string) {
	key := "net_profit"
	for range 3 {
		switch {
		case word(toks, j, "operating", "trading"):
			key = "operating_profit"
			j++
		case word(toks, j, "pre-tax", "pretax"):
			key = "pbt"
			j++
		case word(toks, j, "gross"):
			key = "gross_profit"
			j++
		case word(toks, j, "net", "statutory", "reported", "small", "modest", "significant", "substantial", "full-year", "overall"):
			j++
		}
	}
	return j, key
}

// levelClaim reads a stated figure without a movement: "Revenue was €1.2 million", "profit for
// the year amounted to €3.4m". Only money amounts of canonical metrics count, so that a level
// claim always names one printed figure.
func (p *parser) levelClaim(toks []token, i int, s string) (claim, int, bool) {
	w := toks[i].low
	j := i + 1
	if (w == "was" || w == "were") && word(toks, j, "paid", "recognised", "recognized", "recorded", "incurred", "generated", "reported") {
		return p.passiveLevelClaim(toks, i, s)
	}
	switch w {
	case "was", "were", "totalled", "totaled", "reached", "stood":
		if w == "stood" {
			if !word(toks, j, "at") {
				return claim{}, 0, false
			}
			j++
		}
	case "amounted":
		if !word(toks, j, "to") {
			return claim{}, 0, false
		}
		j++
	default:
		return claim{}, 0, false
	}
	q, ok := readQuantity(toks, j)
	if !ok || q.kind != qAmount || q.minor {
		return claim{}, 0, false
	}
	// "Revenue was €1.2m, up 12%": the movement claim that follows carries the level.
	if punct(toks, q.to, ",") {
		n := q.to + 1
		if word(toks, n, "a", "an") {
			n++
		}
		if tr, ok := triggers[tokAt(toks, n).low]; ok && tr.dir != dirNone {
			return claim{}, 0, false
		}
	}
	c := claim{verb: toks[i].text}
	sj, ok := p.subjectBefore(toks, i, &c, false)
	if !ok || sj.qualified || sj.ref.m == nil || sj.ref.m.ratio || len(c.sizes) > 0 || sj.level != nil {
		return claim{}, 0, false
	}
	c.ref, c.subject = sj.ref, sj.text
	c.year = sj.year
	c.level = &q
	c.dates = append(c.dates, sj.dates...)
	end := q.to
	if word(toks, end, "at", "as") {
		k := end + 1
		if word(toks, k, "at", "of") {
			k++
		}
		if d, ok := readDate(toks, k, false); ok {
			c.dates = append(c.dates, d)
		}
	}
	if word(toks, end, "in", "for", "at", "as") {
		k := end + 1
		if word(toks, k, "of", "at") {
			k++
		}
		if y, comp, e, ok := periodPhrase(toks, k); ok && !comp {
			if y != 0 {
				c.year = y
			}
			end = e
		}
	}
	if q, y, e, ok := comparativeParen(toks, end); ok {
		c.prior, c.compYear, end = &q, y, e
	}
	// The figure must be the clause's only one: "Revenue was €1.2m and €1.1m in 2023" is
	// better left alone than half read.
	if startsQuantity(toks, end) {
		return claim{}, 0, false
	}
	from := sj.from
	for from < i && (word(toks, from, "and", "but", "while", "whilst", "whereas") || punct(toks, from, ",")) {
		from++
	}
	c.start, c.end = toks[from].start, toks[max(end-1, i)].end
	c.text = s[c.start:c.end]
	return c, end, true
}

// passiveLevelClaim reads "Dividends of €2.9 million were paid during the year (2023: €4.1
// million)": the level named with the metric, then a passive verb.
func (p *parser) passiveLevelClaim(toks []token, i int, s string) (claim, int, bool) {
	c := claim{verb: toks[i].text + " " + toks[i+1].text}
	sj, ok := p.subjectBefore(toks, i, &c, false)
	if !ok || sj.qualified || sj.ref.m == nil || sj.ref.m.ratio || sj.level == nil || len(c.sizes) > 0 {
		return claim{}, 0, false
	}
	c.ref, c.subject, c.year, c.level = sj.ref, sj.text, sj.year, sj.level
	c.dates = append(c.dates, sj.dates...)
	end := i + 2
	if word(toks, end, "during", "in", "for") {
		if y, comp, e, ok := periodPhrase(toks, end+1); ok && !comp {
			if y != 0 {
				c.year = y
			}
			end = e
		}
	}
	if q, y, e, ok := comparativeParen(toks, end); ok {
		c.prior, c.compYear, end = &q, y, e
	}
	from := sj.from
	for from < i && (word(toks, from, "and", "but", "while", "whilst", "whereas") || punct(toks, from, ",")) {
		from++
	}
	c.start, c.end = toks[from].start, toks[end-1].end
	c.text = s[c.start:c.end]
	return c, end, true
}
