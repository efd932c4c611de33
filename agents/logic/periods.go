package logic

import (
	"fmt"
	"slices"
	"strings"

	"github.com/veritas-audit/veritas/extract"
)

// This file checks that the document names one reporting date: "the year ended 31 December
// 2024" in the narrative, "as at 31 March 2024" over the balance sheet and "31 December 2024"
// over a column must agree on the day and month, and no "year ended" may name a year after the
// latest the statements present.

// dateMention is a reporting date the document states.
type dateMention struct {
	day, month, year int
	text             string // the date as written
	phrase           string // the words around it, for the reasoning
	where            string // "Paragraph 2 '…'" or "Table 3 'Balance sheet' heading"
	primary          bool   // stated by a primary statement's heading
	ended            bool   // "year ended": a period end, which cannot be after the statements' latest year
}

// monthNames print a date's month the way statements do.
var monthNames = []string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// dayMonth prints the day and month of a date.
func (d dateMention) dayMonth() string { return fmt.Sprintf("%d %s", d.day, monthNames[d.month]) }

// reportingDates finds the year ends a text states: after "year(s) ended/ending", "financial
// year ended", and, when asAt is set (headings and statement titles), after "as at"/"as of".
func reportingDates(text string, asAt bool) []dateMention {
	toks := tokenize(text)
	var out []dateMention
	for i := 0; i < len(toks); i++ {
		j := -1
		ended := false
		switch {
		case word(toks, i, "year", "years") && word(toks, i+1, "ended", "ending"):
			j = i + 2
			ended = toks[i+1].low == "ended"
			if word(toks, j, "on") {
				j++
			}
		case asAt && word(toks, i, "as") && word(toks, i+1, "at", "of"):
			j = i + 2
		case asAt && word(toks, i, "at") && i == 0:
			j = i + 1
		}
		if j < 0 {
			continue
		}
		// Interim periods ("six months ended") are not the year end.
		if word(toks, i-1, "months", "weeks", "quarter", "half") {
			continue
		}
		d, ok := readDate(toks, j, asAt)
		if !ok {
			continue
		}
		lo := toks[max(0, i-3)].start
		out = append(out, dateMention{day: d.day, month: d.month, year: d.year, text: d.text,
			phrase: strings.TrimSpace(text[lo:toks[d.to-1].end]), ended: ended})
		i = d.to - 1
	}
	return out
}

// headerDates reads the reporting dates a table states in its title and column headings.
func headerDates(ft *figTable, headers [][]string) []dateMention {
	where := fmt.Sprintf("Table %d", ft.index)
	if ft.title != "" {
		where += fmt.Sprintf(" '%s'", clip(ft.title, 80))
	}
	var out []dateMention
	for _, d := range reportingDates(ft.title, ft.kind.primary()) {
		d.where = where + " title"
		d.primary = ft.kind.primary()
		out = append(out, d)
	}
	if !ft.kind.primary() {
		return out // a note's columns may be any date: acquisition, valuation, quarter ends
	}
	for _, r := range headers {
		for j, c := range r {
			if j == 0 || strings.TrimSpace(c) == "" {
				continue
			}
			toks := tokenize(c)
			for i := 0; i < len(toks); i++ {
				d, ok := readDate(toks, i, false)
				if !ok {
					continue
				}
				out = append(out, dateMention{day: d.day, month: d.month, year: d.year, text: d.text,
					phrase: strings.TrimSpace(c), where: where + fmt.Sprintf(" column heading '%s'", clip(c, 40)),
					primary: ft.kind.primary()})
				i = d.to - 1
			}
		}
	}
	return out
}

// periodFindings compares every reporting date the document states.
func periodFindings(doc *extract.Document, ix *index, claimed []dateMention) []issue {
	var all []dateMention
	for i, p := range doc.Paragraphs {
		for _, d := range reportingDates(p.Text, p.Heading > 0) {
			d.where = fmt.Sprintf("Paragraph %d '%s'", i+1, clip(p.Text, 60))
			if len(p.Text) <= 120 {
				d.phrase = p.Text
			}
			all = append(all, d)
		}
	}
	for _, t := range ix.tables {
		all = append(all, t.yearEnds...)
	}
	all = append(all, claimed...)
	var out []issue
	// Day and month: the one most places state (a primary statement's heading breaks ties).
	// Year ends a few days apart are one year end of a 52/53-week year.
	for i := range all {
		for j := range i {
			if sameYearEnd(all[i], all[j]) {
				all[i].day, all[i].month = all[j].day, all[j].month
				break
			}
		}
	}
	type dm struct{ day, month int }
	count := map[dm]int{}
	primary := map[dm]bool{}
	var order []dm
	for _, d := range all {
		k := dm{d.day, d.month}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
		primary[k] = primary[k] || d.primary
	}
	if len(order) > 1 {
		ref := order[0]
		for _, k := range order[1:] {
			if count[k] > count[ref] || count[k] == count[ref] && primary[k] && !primary[ref] {
				ref = k
			}
		}
		var refAt []dateMention
		for _, d := range all {
			if (dm{d.day, d.month}) == ref {
				refAt = append(refAt, d)
			}
		}
		for _, k := range order {
			if k == ref {
				continue
			}
			var odd []dateMention
			for _, d := range all {
				if (dm{d.day, d.month}) == k {
					odd = append(odd, d)
				}
			}
			out = append(out, yearEndIssue(odd, refAt))
		}
	}
	// A "year ended" after the latest year the statements present, when primary statements
	// say which years those are (a lone note may print only older years).
	if latest := ix.latest(); latest != 0 && ix.hasPrimary() {
		for _, d := range all {
			if d.ended && d.year > latest {
				out = append(out, futureYearIssue(d, latest, ix))
			}
		}
	}
	out = append(out, columnYearIssues(ix)...)
	// A primary statement whose title names a year other than its own latest column.
	for _, t := range ix.tables {
		if !t.kind.primary() || len(t.years) == 0 {
			continue
		}
		for _, d := range t.yearEnds {
			if strings.HasSuffix(d.where, " title") && d.year != 0 && d.year != t.years[0] && d.year <= ix.latest() {
				out = append(out, titleYearIssue(d, t))
			}
		}
	}
	return out
}

// columnYearIssues reports statements whose two columns present other years than the rest of
// the statements do ("2024 | 2022" where every other statement shows "2024 | 2023"): a
// comparative labelled with the wrong year.
func columnYearIssues(ix *index) []issue {
	type set struct {
		key    string
		tables []*figTable
	}
	var sets []*set
	for _, t := range ix.tables {
		if !(t.kind.primary() || t.kind == stmtHighlights) || len(t.years) != 2 {
			continue
		}
		k := joinYears(t.years)
		i := slices.IndexFunc(sets, func(s *set) bool { return s.key == k })
		if i < 0 {
			sets = append(sets, &set{key: k})
			i = len(sets) - 1
		}
		sets[i].tables = append(sets[i].tables, t)
	}
	if len(sets) < 2 {
		return nil
	}
	slices.SortStableFunc(sets, func(a, b *set) int { return len(b.tables) - len(a.tables) })
	ref := sets[0]
	if len(ref.tables) < 2 || len(ref.tables) == len(sets[1].tables) {
		return nil // no clear majority: the document does not say which years are right
	}
	var out []issue
	for _, odd := range sets[1:] {
		for _, t := range odd.tables {
			var heads []string
			for _, y := range t.years {
				for col, cy := range t.colYear {
					if cy == y {
						heads = append(heads, "'"+clip(t.colName[col], 40)+"'")
					}
				}
			}
			var names []string
			for _, r := range ref.tables {
				names = append(names, tableName(r))
			}
			loc := tableName(t) + ", columns " + strings.Join(heads, " and ")
			out = append(out, issue{
				kind:          kindPeriod,
				severity:      "medium",
				fsli:          "Reporting period",
				description:   fmt.Sprintf("%s presents %s, but the other statements present %s", capitalize(t.kind.String()), strings.ReplaceAll(odd.key, ", ", " and "), strings.ReplaceAll(ref.key, ", ", " and ")),
				claim:         fmt.Sprintf("column headings %s in %s", strings.Join(heads, " and "), tableName(t)),
				contradiction: fmt.Sprintf("%s presents the years %s, but %s present %s: a column names the wrong year", tableName(t), odd.key, strings.Join(names, ", "), ref.key),
				figures:       fmt.Sprintf("years by statement: %s: %s; %d other statement(s): %s", tableName(t), odd.key, len(ref.tables), ref.key),
				tolerance:     "years must match exactly",
				location:      loc,
				refs:          []string{loc},
				rule:          "a year the other statements do not present is medium",
			})
		}
	}
	return out
}

// yearEndIssue reports places that state a different year end from the rest of the document.
func yearEndIssue(odd, ref []dateMention) issue {
	o, r := odd[0], ref[0]
	var refs []string
	for _, d := range odd {
		refs = append(refs, d.where)
	}
	for _, d := range ref[:min(len(ref), 2)] {
		refs = append(refs, d.where)
	}
	refs = dedupe(refs)
	oPlaces := places(odd)
	rPlaces := places(ref)
	claim := fmt.Sprintf("'%s'", clip(o.phrase, 120))
	contradiction := fmt.Sprintf("%s states a reporting date of %s, but %s state%s %s", oPlaces, o.dayMonth(), rPlaces, plural(len(ref)), r.dayMonth())
	return issue{
		kind:          kindPeriod,
		severity:      "medium",
		fsli:          "Reporting period",
		description:   fmt.Sprintf("Year-end stated as %s in one place and %s elsewhere", o.dayMonth(), r.dayMonth()),
		claim:         claim,
		contradiction: contradiction,
		figures:       fmt.Sprintf("%s: '%s'; %s: '%s'", o.where, clip(o.phrase, 80), r.where, clip(r.phrase, 80)),
		tolerance:     "the day and month of the year end must match everywhere",
		location:      strings.Join(refs, "; "),
		refs:          refs,
		rule:          "a disagreeing reporting date is medium: the reader cannot tell which period the figures cover",
	}
}

// futureYearIssue reports a "year ended" later than any year the statements present.
func futureYearIssue(d dateMention, latest int, ix *index) issue {
	return issue{
		kind:          kindPeriod,
		severity:      "medium",
		fsli:          "Reporting period",
		description:   fmt.Sprintf("Text refers to the year ended %s, but the statements' latest year is %d", d.text, latest),
		claim:         fmt.Sprintf("'%s'", clip(d.phrase, 120)),
		contradiction: fmt.Sprintf("%s names a year ended %s, but no table presents figures after %d", d.where, d.text, latest),
		figures:       fmt.Sprintf("years presented: %s", joinYears(ix.years)),
		tolerance:     "years must match exactly",
		location:      d.where,
		refs:          []string{d.where},
		rule:          "a reporting period the statements do not cover is medium",
	}
}

// titleYearIssue reports a statement headed with one year whose latest column is another.
func titleYearIssue(d dateMention, t *figTable) issue {
	return issue{
		kind:          kindPeriod,
		severity:      "medium",
		fsli:          "Reporting period",
		description:   fmt.Sprintf("%s is headed %s, but its latest column is %d", capitalize(t.kind.String()), d.text, t.years[0]),
		claim:         fmt.Sprintf("'%s'", clip(t.title, 120)),
		contradiction: fmt.Sprintf("the title names %d, but the columns present %s", d.year, joinYears(t.years)),
		figures:       fmt.Sprintf("column years: %s", joinYears(t.years)),
		tolerance:     "years must match exactly",
		location:      d.where,
		refs:          []string{d.where},
		rule:          "a reporting period the statement does not present is medium",
	}
}

// places lists where dates are stated, shortened when there are many.
func places(ds []dateMention) string {
	var w []string
	for _, d := range ds {
		w = append(w, d.where)
	}
	w = dedupe(w)
	if len(w) > 3 {
		return fmt.Sprintf("%s and %d other places", strings.Join(w[:2], ", "), len(w)-2)
	}
	return strings.Join(w, " and ")
}

// plural is the verb ending for one place ("states") or several ("state").
func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// dedupe drops repeated references, keeping the first of each.
func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// joinYears lists years for a Figures line.
func joinYears(ys []int) string {
	var s []string
	for _, y := range ys {
		s = append(s, fmt.Sprint(y))
	}
	return strings.Join(s, ", ")
}

// capitalize starts a description with a capital.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sameYearEnd reports whether two dates are within a week of each other in the calendar year,
// as the year ends of a 52/53-week year are ("29 December 2024", "31 December 2023").
func sameYearEnd(a, b dateMention) bool {
	cum := []int{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}
	da, db := cum[a.month]+a.day, cum[b.month]+b.day
	d := da - db
	if d < 0 {
		d = -d
	}
	return min(d, 365-d) <= 7
}
