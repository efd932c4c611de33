package logic

// This file reads what follows a claim's verb: sizes, levels, the prior-year figure and the
// years compared, up to the end of the clause.

// complement reads what follows a trigger: sizes ("by 12%", "$15.5 billion or 14%"), levels
// ("to €1.2m", "from €1.1m"), years ("in 2024", "compared with 2023") and the prior-year
// comparison, up to the end of the clause. ofSize says "of" introduces the size ("an increase
// of 12%"). It returns the index after the clause.
func (p *parser) complement(toks []token, i int, c *claim, ofSize bool) int {
	j := i
	role := "size" // what a bare figure is: the size right after the trigger
	lastRole := ""
	lastEnd := -1
	qualifiedFrom := -1
	for j < len(toks) {
		t := toks[j]
		if t.kind == tokPunct {
			switch t.text {
			case ";", ":", "!", "?":
				return j
			case "(":
				if q, y, e, ok := comparativeParen(toks, j); ok {
					c.prior, c.compYear, j = &q, y, e
					continue
				}
				// Other parentheses ("(3.2% normalised)") hold qualified figures: skip them.
				depth := 0
				for j < len(toks) {
					if punct(toks, j, "(") {
						depth++
					}
					if punct(toks, j, ")") {
						depth--
						if depth == 0 {
							j++
							break
						}
					}
					j++
				}
				continue
			case ",":
				// A comma continues the clause only into another figure or a comparison.
				n := j + 1
				if word(toks, n, "or", "to", "from", "compared", "versus", "vs", "up", "down", "reaching", "at", "against", "representing") && !word(toks, n+1, "the") ||
					startsQuantity(toks, n) || word(toks, n, "an", "a") && (word(toks, n+1, "increase", "decrease", "rise", "fall", "decline", "reduction", "improvement")) {
					if word(toks, n, "representing") {
						return j
					}
					j++
					continue
				}
				if word(toks, n, "year-on-year", "year-over-year") {
					c.relative = true
					j += 2
					continue
				}
				if word(toks, n, "compared") || word(toks, n, "as") && word(toks, n+1, "compared") {
					j++
					continue
				}
				return j
			case ")", "%", "-", "–", "—", "/", "\"", "“", "”":
				j++
				continue
			}
			if currencySymbols[t.text] == "" {
				return j
			}
		}
		// A word that opens a figure ("approximately €5m", "EUR 1.2m", "over 10%") is read as
		// the figure; any other word is a preposition, a period or the end of the clause.
		if t.kind == tokWord && !startsQuantity(toks, j) {
			switch {
			case qualifiers[t.low] && t.low != "before" && t.low != "per" || t.low == "excluding":
				if qualifiedFrom < 0 {
					qualifiedFrom = j
					// The figure just before ("12%, or 8% at constant currency") is qualified too.
					if lastEnd >= 0 && j-lastEnd <= 3 && len(c.sizes) > 1 {
						c.sizes = c.sizes[:len(c.sizes)-1]
					}
				}
				j++
				continue
			case t.low == "by":
				role = "size"
				j++
				continue
			case (t.low == "up" || t.low == "down") && punct(toks, j-1, ",") && triggers[t.low].dir == c.dir:
				// "A slump in revenue, down 5.1% to €148.3m": the movement restated with its size.
				role = "size"
				j++
				continue
			case t.low == "or":
				if lastRole == "size" || lastRole == "" {
					role = "size"
				} else {
					role = "skip"
				}
				j++
				continue
			case t.low == "to" || t.low == "reaching" || t.low == "totalling" || t.low == "totaling" || t.low == "at":
				if y, ok := readYear(toks, j+1); ok {
					c.year = y.year
					j = y.to
					continue
				}
				role = "level"
				j++
				continue
			case t.low == "from":
				if y, _, e, ok := periodPhrase(toks, j+1); ok {
					if y != 0 {
						c.compYear = y
					} else {
						c.relative = true
					}
					j = e
					continue
				}
				role = "prior"
				j++
				// "from net sales of $1,502.9 million": the metric repeated.
				if q, ok := repeatedMetricLevel(toks, j); ok {
					c.prior = &q
					lastRole, lastEnd = "prior", q.to
					j = q.to
				}
				continue
			case t.low == "compared" || t.low == "versus" || t.low == "vs" || t.low == "against" || t.low == "than" || t.low == "relative" || t.low == "over" || t.low == "on":
				k := j + 1
				if word(toks, k, "with", "to") {
					k++
				}
				if word(toks, k, "in", "for", "during") {
					k++
				}
				if y, _, e, ok := periodPhrase(toks, k); ok {
					if y != 0 {
						c.compYear = y
					} else {
						c.relative = true // "compared with the prior year", "than last year"
					}
					j = e
					continue
				}
				if word(toks, k, "last", "prior", "previous") || word(toks, k, "the") && word(toks, k+1, "prior", "previous", "same") {
					c.relative = true
					j = k + 1
					continue
				}
				if t.low == "on" || t.low == "over" {
					return j // "on the back of", "over the period"
				}
				role = "prior"
				j = k
				if q, ok := repeatedMetricLevel(toks, j); ok {
					c.prior = &q
					lastRole, lastEnd = "prior", q.to
					j = q.to
				}
				continue
			case t.low == "of":
				if ofSize || c.state != stateNone {
					if role != "level" && role != "prior" {
						role = "size"
					}
				}
				j++
				continue
			case (t.low == "in" || t.low == "across" || t.low == "at" || t.low == "within") && lastEnd < 0 && len(c.sizes) == 0 && scoped(toks, j):
				// "decreased in the Asian region": a part of the metric, not the whole.
				c.scoped = true
				return j
			case t.low == "in" || t.low == "for" || t.low == "during" || t.low == "as":
				k := j + 1
				if t.low == "as" && word(toks, k, "of", "at") {
					k++
				}
				if d, ok := readDate(toks, k, false); ok && t.low == "as" {
					c.dates = append(c.dates, d)
				}
				if y, comp, e, ok := periodPhrase(toks, k); ok {
					switch {
					case comp:
						c.relative = true
					case y == 0:
					case lastRole == "prior" && j-lastEnd <= 1:
						c.compYear = y
					default:
						if c.year == 0 || lastRole == "level" {
							c.year = y
						}
					}
					j = e
					continue
				}
				if t.low == "as" {
					return j
				}
				j++
				continue
			case t.low == "year-on-year" || t.low == "year-over-year" || t.low == "yoy":
				c.relative = true
				j++
				continue
			case t.low == "year" && word(toks, j+1, "on", "over") && word(toks, j+2, "year"):
				c.relative = true
				j += 3
				continue
			case (auxiliaries[t.low] || t.low == "the" || t.low == "a" || t.low == "an" || t.low == "was" || t.low == "were" || t.low == "per" || t.low == "cent") && !startsQuantity(toks, j):
				j++
				continue
			case t.low == "respectively":
				return j
			case hardStops[t.low] || triggers[t.low].dir != dirNone && triggers[t.low].pos == posVerb:
				return j
			}
			// A date or year without a preposition: "… to $12.3 million at December 31, 2019".
			if _, ok := readDate(toks, j, false); ok {
				d, _ := readDate(toks, j, false)
				c.dates = append(c.dates, d)
				if lastRole == "prior" {
					c.compYear = d.year
				} else if c.year == 0 {
					c.year = d.year
				}
				j = d.to
				continue
			}
			if y, ok := readYear(toks, j); ok {
				if lastRole == "prior" {
					c.compYear = y.year
				} else if c.year == 0 {
					c.year = y.year
				}
				j = y.to
				continue
			}
			// Any other word: a clause of its own starts ("revenue increased in Europe").
			return j
		}
		if d, ok := readDate(toks, j, false); ok {
			c.dates = append(c.dates, d)
			if lastRole == "prior" {
				c.compYear = d.year
			} else if c.year == 0 {
				c.year = d.year
			}
			j = d.to
			continue
		}
		if y, ok := readYear(toks, j); ok && !(role == "level" || role == "prior") {
			if lastRole == "prior" || role == "prior" {
				c.compYear = y.year
			} else if c.year == 0 {
				c.year = y.year
			}
			j = y.to
			continue
		}
		q, ok := readQuantity(toks, j)
		if !ok {
			return j
		}
		// "3.9% of gross sales": a share of something else, not a change.
		if q.kind == qPercent && word(toks, q.to, "of") && !word(toks, q.to+1, "revenue", "sales") {
			j = q.to + 1
			continue
		}
		if qualifiedFrom >= 0 {
			j = q.to
			continue
		}
		switch role {
		case "size":
			c.sizes = append(c.sizes, q)
			lastRole = "size"
		case "level":
			c.level = &q // the figure after the verb wins over one in the subject
			lastRole = "level"
		case "prior":
			c.prior = &q
			lastRole = "prior"
		}
		// A following qualifier ("12% in constant currency") takes the figure back.
		if k := q.to; k < len(toks) && qualifiedAfter(toks, k) {
			switch lastRole {
			case "size":
				c.sizes = c.sizes[:len(c.sizes)-1]
			case "level":
				c.level = nil
			case "prior":
				c.prior = nil
			}
		}
		lastEnd = q.to
		role = "skip"
		j = q.to
	}
	return j
}

// qualifiedAfter reports whether a figure at k is followed by a qualifier that makes it a
// measure other than the reported one: "8% at constant currency", "5% on an underlying basis".
func qualifiedAfter(toks []token, k int) bool {
	for j := k; j < min(len(toks), k+5); j++ {
		t := toks[j]
		if t.kind == tokWord && (qualifiers[t.low] && t.low != "per" && t.low != "before" && t.low != "rate" && t.low != "rates" && t.low != "price" && t.low != "prices" || t.low == "excluding") {
			return true
		}
		if t.kind == tokWord && !(t.low == "on" || t.low == "at" || t.low == "in" || t.low == "a" || t.low == "an" || t.low == "the") {
			return false
		}
		if t.kind != tokWord && !punct(toks, j, "(") {
			return false
		}
	}
	return false
}

// repeatedMetricLevel reads "net sales of $1,502.9 million" after "from" or "compared to":
// the metric named again, then its level.
func repeatedMetricLevel(toks []token, j int) (quantity, bool) {
	for k := j; k < min(len(toks), j+6); k++ {
		if toks[k].kind != tokWord {
			return quantity{}, false
		}
		if toks[k].low == "of" {
			q, ok := readQuantity(toks, k+1)
			if ok && q.kind != qPlain && q.kind != qPercent {
				return q, true
			}
			return quantity{}, false
		}
		if hardStops[toks[k].low] {
			return quantity{}, false
		}
	}
	return quantity{}, false
}

// comparativeParen reads the comparative a statement gives in parentheses at token j:
// "(2023: €1.1m)", "(2023: loss of €0.8m)". It returns the figure, its year and the index after.
func comparativeParen(toks []token, j int) (quantity, int, int, bool) {
	if !punct(toks, j, "(") {
		return quantity{}, 0, 0, false
	}
	y, ok := readYear(toks, j+1)
	if !ok || !punct(toks, y.to, ":") {
		return quantity{}, 0, 0, false
	}
	k := y.to + 1
	neg := false
	if word(toks, k, "loss", "losses") && word(toks, k+1, "of") {
		neg, k = true, k+2
	} else if word(toks, k, "profit") && word(toks, k+1, "of") {
		k += 2
	}
	q, ok := readQuantity(toks, k)
	if !ok || q.kind == qPlain && q.value < 10 || q.kind == qYear {
		return quantity{}, 0, 0, false
	}
	if neg {
		q.negative = !q.negative
	}
	e := q.to
	if punct(toks, e, ")") {
		e++
	}
	return q, y.year, e, true
}
