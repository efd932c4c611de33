package numeric

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/amount"
)

// This file checks figures across the tables of one document: the same line item for the same
// period stated in two places (a primary statement and its note, the income statement and the
// cash-flow statement, the cash-flow statement's closing cash and the balance sheet, the
// statement of changes in equity and the balance sheet), and the balance sheet identity.
//
// Each table is read once into facts: a line item (a normalised label key, synonyms folded), a
// period (the year of a column heading, or of a dated balance row in a roll-forward laid out by
// rows), an optional qualifier ("Group", "Company") and a printed figure with its scale. Two
// facts are compared only when key, period and qualifier agree, at least one of them sits in a
// primary statement, and neither table is about something else (a segment, a discontinued
// operation, an acquisition). Figures are compared by magnitude, after scaling: a cost printed
// "(1,234)" in one table and "1,234" in another is the same figure.

// statementRole says which statement a table is.
type statementRole uint8

const (
	roleNote statementRole = iota
	roleIncome
	roleBalance
	roleCashFlow
	roleEquity
)

// roleNames name the primary statements in findings.
var roleNames = map[statementRole]string{
	roleIncome:   "income statement",
	roleBalance:  "balance sheet",
	roleCashFlow: "cash flow statement",
	roleEquity:   "statement of changes in equity",
}

// trust orders the places a figure is stated in, most authoritative first: the statement where
// the line item is presented, then the statements that carry it over, then the notes.
func (r statementRole) trust() int {
	switch r {
	case roleIncome, roleBalance:
		return 0
	case roleCashFlow:
		return 1
	case roleEquity:
		return 2
	}
	return 3
}

// docTable is one table of the document read for the cross-table checks.
type docTable struct {
	m       *tableModel
	role    statementRole
	heading string
	topic   string
	factor  float64 // multiplier of the printed figures (1000 for "€000")
	scale   string
	entity  string // "company" for the parent's own statements, else ""
	skip    bool   // about something other than the entity's own figures for the period
	// bySegment marks a note broken down by segment: only its totals are the entity's.
	bySegment bool
	place     string // how findings name it
	// flagged holds the suspicion of cells (row index, column) after the in-table checks: a
	// figure that does not cast is the likelier culprit when two places disagree.
	flagged map[[2]int]int
	// unbalanced marks the years in which this balance sheet does not balance: its figures
	// for those years are suspect too.
	unbalanced map[int]bool
}

// fact is one printed figure with what it stands for.
type fact struct {
	key     string
	year    int
	qual    string
	kind    int // balance kind of the row: a table may state the opening and closing of a year
	value   float64
	dec     int
	t       *docTable
	row     *tableRow
	col     int
	colName string
	// name is the line item as the place prints it, for findings: the row label, or for a
	// roll-forward laid out by rows the column and the dated row ("Retained earnings at 31
	// December 2024"), which then carries its own period.
	name  string
	dated bool
	// part is "current" or "non current" for a line the balance sheet splits by maturity.
	part string
	// derived marks a figure this reader added up (a line the balance sheet prints under both
	// current and non-current liabilities): it is compared, never reported itself.
	derived bool
	slack   float64 // extra allowance, in units of the last digit, for a derived sum
}

// scaled is the figure's magnitude in units of currency.
func (f fact) scaled() float64 { return math.Abs(f.value) * f.t.factor }

// unit is the size of the printed last digit, in units of currency.
func (f fact) unit() float64 { return math.Pow10(-f.dec) * f.t.factor }

// suspicion is how suspect the in-table checks left this cell: suspectReported, suspectComponent
// or 0.
func (f fact) suspicion() int {
	s := f.t.flagged[[2]int{f.row.index, f.col}]
	if s == 0 && f.t.unbalanced[f.year] {
		s = suspectComponent
	}
	return s
}

// crossTableChecks runs the checks across the tables of a document. models are the tables read
// by readTable, in document order; flagged lists, per table, the cells the in-table checks
// reported.
func crossTableChecks(doc *extract.Document, models []*tableModel, flagged []map[[2]int]int) []discrepancy {
	if len(models) < 1 {
		return nil
	}
	tables := readDocTables(doc, models, flagged)
	facts := collectFacts(tables)
	identity := balanceIdentity(facts)
	for _, d := range identity {
		for _, t := range tables {
			if t.m == d.table {
				if t.unbalanced == nil {
					t.unbalanced = map[int]bool{}
				}
				t.unbalanced[d.year] = true
			}
		}
	}
	var out []discrepancy
	out = append(out, compareFacts(facts)...)
	out = append(out, identity...)
	out = append(out, crossRatios(tables, facts)...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.table.index != b.table.index {
			return a.table.index < b.table.index
		}
		return a.row.index < b.row.index
	})
	return out
}

// readDocTables classifies every table: which statement it is, what it is about, its scale.
func readDocTables(doc *extract.Document, models []*tableModel, flagged []map[[2]int]int) []*docTable {
	headings := tableHeadings(doc.Markdown, len(models))
	tables := make([]*docTable, len(models))
	stated := map[string]int{}
	for i, m := range models {
		t := &docTable{m: m, heading: headings[i], flagged: flagged[i]}
		t.role = statementRoleOf(m, t.heading)
		t.scale = m.scale
		if t.scale == "" {
			t.scale = scaleOfText(t.heading)
		}
		if t.scale != "" {
			stated[t.scale]++
		}
		t.entity = entityOf(m.title, t.heading)
		t.skip = t.role == roleNote && otherSubject(m.title+" "+t.heading)
		t.bySegment = t.role == roleNote && hasWord(m.title+" "+t.heading, "segment", "segments", "segmental")
		tables[i] = t
	}
	// Tables that state no unit take the one the document states most often (the statements
	// usually say "€000" once, at the top of each primary statement).
	common, best := "", 0
	for s, n := range stated {
		if n > best || (n == best && s < common) {
			common, best = s, n
		}
	}
	if common == "" {
		for _, p := range doc.Paragraphs {
			if s := scaleOfText(p.Text); s != "" {
				common = s
				break
			}
		}
	}
	count := map[statementRole]int{}
	for _, t := range tables {
		if t.scale == "" {
			t.scale = common
		}
		t.factor = scaleFactor(t.scale)
		count[t.role]++
	}
	for _, t := range tables {
		switch {
		case t.role != roleNote && count[t.role] == 1:
			t.place = roleNames[t.role]
		case t.role != roleNote:
			t.place = fmt.Sprintf("%s (table %d)", roleNames[t.role], t.m.index)
		default:
			t.place = notePlace(t)
		}
	}
	return tables
}

// tableHeadings finds, for each table of the markdown, the nearest heading above it. It returns
// empty headings when the markdown's tables do not line up with the extracted ones.
func tableHeadings(md string, n int) []string {
	out := make([]string, n)
	var found []string
	heading := ""
	inTable := false
	for _, line := range strings.Split(md, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "|"):
			if !inTable {
				found = append(found, heading)
			}
			inTable = true
		case strings.HasPrefix(l, "#"):
			heading = strings.TrimSpace(strings.TrimLeft(l, "#"))
			inTable = false
		default:
			inTable = false
		}
	}
	if len(found) == n {
		copy(out, found)
	}
	return out
}

// statementTitles are the words that name each primary statement.
var statementTitles = []struct {
	role  statementRole
	words []string
}{
	{roleEquity, []string{"changes in equity", "statement of equity", "changes in shareholders equity",
		"changes in stockholders equity", "changes in net assets"}},
	{roleCashFlow, []string{"cash flow", "cash flows", "cashflow"}},
	{roleBalance, []string{"financial position", "balance sheet", "financial condition"}},
	{roleIncome, []string{"income statement", "profit or loss", "profit and loss", "comprehensive income",
		"statement of operations", "statement of income", "statement of earnings", "statements of operations",
		"statements of income", "statement of profit"}},
}

// statementRoleOf decides which primary statement a table is, from its title or heading (short
// texts that name the statement, not sentences that mention it) confirmed by its rows.
func statementRoleOf(m *tableModel, heading string) statementRole {
	has := func(keys ...string) bool {
		for _, r := range m.rows {
			if r.kind != rowData && r.kind != rowSection {
				continue
			}
			k := r.item.key
			for _, want := range keys {
				if k == want || strings.Contains(" "+k+" ", " "+want+" ") {
					return true
				}
			}
		}
		return false
	}
	for _, text := range []string{m.title, heading} {
		toks := itemTokens(text)
		if len(toks) == 0 || len(toks) > 16 || toks[0] == "note" || toks[0] == "notes" {
			continue
		}
		joined := " " + strings.Join(toks, " ") + " "
		for _, st := range statementTitles {
			named := false
			for _, w := range st.words {
				if strings.Contains(joined, " "+w+" ") {
					named = true
				}
			}
			if !named {
				continue
			}
			var ok bool
			switch st.role {
			case roleEquity:
				ok = rowPeriodShape(m)
			case roleCashFlow:
				ok = has("operating activities", "investing activities", "financing activities")
			case roleBalance:
				ok = has("total assets", "total equity and liabilities", "total equity", "net assets")
			case roleIncome:
				ok = has("revenue", "profit for the year", "profit before tax", "operating profit",
					"gross profit", "total comprehensive income")
			}
			if ok {
				return st.role
			}
		}
	}
	return roleNote
}

// rowPeriodShape reports whether a table dates its rows ("At 31 December 2024") rather than its
// columns: a roll-forward laid out by rows, such as a statement of changes in equity.
func rowPeriodShape(m *tableModel) bool {
	for _, r := range m.rows {
		if r.kind == rowData && r.item.instant != 0 {
			return true
		}
	}
	return false
}

// otherSubjects mark a table about figures other than the entity's own for the year: they may
// print "Revenue" or "Total assets" for a segment, an acquiree or a subsidiary.
var otherSubjects = []string{"discontinued", "pro forma", "acquisition", "acquired",
	"business combination", "subsidiary", "subsidiaries", "associate", "associates", "joint venture",
	"quarter", "quarterly", "budget", "forecast", "previously reported", "restatement",
	"held for sale", "sensitivity", "by geography", "geographical", "by region", "parent company",
	"interim"}

// otherSubject reports whether a title names such a subject.
func otherSubject(text string) bool {
	joined := " " + strings.Join(itemTokens(text), " ") + " "
	for _, w := range otherSubjects {
		if strings.Contains(joined, " "+w+" ") {
			return true
		}
	}
	return false
}

// entityOf tells the parent company's own statements apart from the group's.
func entityOf(title, heading string) string {
	for _, text := range []string{title, heading} {
		joined := " " + strings.Join(itemTokens(text), " ") + " "
		if strings.Contains(joined, " company balance sheet ") || strings.Contains(joined, " parent company ") ||
			strings.Contains(joined, " company statement ") || strings.Contains(joined, " separate ") {
			return "company"
		}
	}
	return ""
}

// notePlace names a note table: "note 12" when the heading numbers it, else the table.
func notePlace(t *docTable) string {
	for _, text := range []string{t.heading, t.m.title} {
		toks := itemTokens(text)
		if len(toks) >= 2 && (toks[0] == "note" || toks[0] == "notes") && isDigits(toks[1]) {
			return "note " + toks[1]
		}
		if len(toks) >= 2 && isDigits(toks[0]) && len(toks[0]) <= 2 {
			trimmed := strings.TrimSpace(text)
			if len(trimmed) > len(toks[0]) && strings.ContainsRune(". )", rune(trimmed[len(toks[0])])) {
				return "note " + toks[0]
			}
		}
	}
	name := strings.TrimSpace(t.heading)
	if name == "" {
		name = t.m.title
	}
	if name == "" {
		return tableRef(t.m)
	}
	return fmt.Sprintf("Table %d '%s'", t.m.index, clip(name, 60))
}

// scaleOfText finds a unit stated in free text: "in thousands", "€m", "$'000".
func scaleOfText(s string) string {
	if s == "" {
		return ""
	}
	return tableScale(&tableModel{title: s})
}

// scaleFactor is the multiplier a scale stands for.
func scaleFactor(scale string) float64 {
	switch scale {
	case "in thousands":
		return 1e3
	case "in millions":
		return 1e6
	case "in billions":
		return 1e9
	}
	return 1
}

// collectFacts reads every table's figures as facts.
func collectFacts(tables []*docTable) []fact {
	// Topics of notes are only kept when a primary statement presents the item: "Total" in a
	// note on provisions is then the provisions line of the balance sheet.
	primaryKeys := map[string]bool{}
	for _, t := range tables {
		if t.role == roleNote {
			continue
		}
		for _, r := range t.m.rows {
			if r.kind == rowData {
				primaryKeys[r.item.key] = true
			}
		}
	}
	for _, t := range tables {
		if t.role == roleEquity {
			t.topic = "total equity"
			continue
		}
		for _, text := range []string{t.m.title, t.heading} {
			if k := noteTopic(text); k != "" && (t.topic == "" || primaryKeys[k] && !primaryKeys[t.topic]) {
				t.topic = k
			}
		}
	}
	if len(primaryKeys) == 0 {
		return nil // nothing to compare with: every comparison involves a primary statement
	}
	read := func(t *docTable) []fact {
		var mine []fact
		for _, b := range t.m.bands {
			if hasPeriodColumns(b) {
				mine = append(mine, columnPeriodFacts(t, b)...)
			} else {
				mine = append(mine, rowPeriodFacts(t, b)...)
			}
		}
		return unambiguous(mine)
	}
	// The primary statements first; a note's figures are kept only for the line items a
	// primary statement states.
	var facts []fact
	stated := map[string]bool{}
	for _, t := range tables {
		if t.role != roleNote && !t.skip {
			for _, f := range read(t) {
				facts = append(facts, f)
				stated[f.key] = true
			}
		}
	}
	for _, t := range tables {
		if t.role == roleNote && !t.skip {
			for _, f := range read(t) {
				if stated[f.key] {
					facts = append(facts, f)
				}
			}
		}
	}
	return facts
}

// hasPeriodColumns reports whether any amount column of a band is headed by a period.
func hasPeriodColumns(b *band) bool {
	for j, k := range b.kinds {
		if k == colAmount {
			if _, ok := readColumnPeriod(b.names[j]); ok {
				return true
			}
		}
	}
	return false
}

// unambiguous drops a table's facts for a line item that the table states twice with different
// figures for the same period (the same label in two sections): which one a reader means is not
// clear.
func unambiguous(facts []fact) []fact {
	type id struct {
		key  string
		year int
		qual string
		kind int
	}
	seen := map[id]int{}
	bad := map[id]bool{}
	var out []fact
	for _, f := range facts {
		k := id{f.key, f.year, f.qual, f.kind}
		if i, ok := seen[k]; ok {
			if math.Abs(out[i].value-f.value) > 1e-9 {
				bad[k] = true
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, f)
	}
	kept := out[:0]
	for _, f := range out {
		if !bad[id{f.key, f.year, f.qual, f.kind}] {
			kept = append(kept, f)
		}
	}
	return kept
}

// depreciationTopics are the items whose depreciation or amortisation a note's movement rows
// state, with the word for it.
var depreciationTopics = map[string]string{
	"property plant and equipment": "depreciation",
	"right of use assets":          "depreciation",
	"intangible assets":            "amortisation",
}

// movementKey reads a movement row of a note about topic: "Depreciation charge" in a note on
// property, plant and equipment is the depreciation of property, plant and equipment.
func movementKey(key, section, topic string) string {
	verb, ok := depreciationTopics[topic]
	if !ok {
		return key
	}
	switch {
	case key == "depreciation" || key == "amortisation" || key == "depreciation and amortisation":
		return key + " of " + topic
	case key == "charge for the year" && (strings.Contains(section, "depreciation") ||
		strings.Contains(section, "amortisation") || strings.Contains(section, "amortization")):
		return verb + " of " + topic
	}
	return key
}

// periodColumn is an amount column whose heading names a period.
type periodColumn struct {
	col int
	p   columnPeriodInfo
}

// periodColumns lists the band's amount columns whose headings name a period, left to right.
func periodColumns(b *band) []periodColumn {
	var cols []periodColumn
	for j, k := range b.kinds {
		if k != colAmount {
			continue
		}
		if p, ok := readColumnPeriod(b.names[j]); ok {
			cols = append(cols, periodColumn{j, p})
		}
	}
	return cols
}

// columnPeriodFacts reads a band whose columns are periods: each line item's figure per year.
func columnPeriodFacts(t *docTable, b *band) []fact {
	cols := periodColumns(b)
	lastData := -1
	for _, r := range b.rows {
		if r.kind == rowData {
			lastData = r.index
		}
	}
	var facts []fact
	section, part := "", ""
	for _, r := range b.rows {
		if r.kind == rowSection {
			section = r.item.key
			part = maturityPart(r.label)
			continue
		}
		if r.kind != rowData || r.percent || r.perUnit {
			continue
		}
		li := r.item
		if li.year != 0 {
			continue // a dated label under period columns: which period it means is unclear
		}
		key := li.key
		if t.bySegment && !li.total {
			continue // "Revenue" in a segment's table is that segment's
		}
		switch {
		case t.role == roleNote && t.topic != "" && !li.total && (key == "current" || key == "non current"):
			// "Current" and "Non-current" in a note on borrowings: the two balance sheet lines.
			key = t.topic + " | " + key
		case t.role == roleNote && t.topic != "" && (carryingKeys[key] ||
			(key == "" && (li.total || li.balance != balanceNone || r.index == lastData))):
			key = t.topic
		case t.role == roleNote && t.topic != "" && li.balance != balanceNone && !specific(key):
			key = t.topic
		case t.role == roleNote:
			key = movementKey(key, section, t.topic)
		}
		if !specific(key) {
			if section == "" || genericKeys[section] || key == "" {
				continue
			}
			key = section + ": " + key
		}
		shift := 0
		if li.balance == balanceOpening {
			shift = -1
		}
		name := strings.TrimRight(r.label, ": ")
		if key == t.topic && (li.key == "" || carryingKeys[li.key]) || strings.HasPrefix(key, t.topic+" | ") {
			name = strings.TrimSpace(itemTitle(t.topic) + " (" + strings.ToLower(rowName(r)) + ")")
		}
		for _, pc := range cols {
			c := r.cells[pc.col]
			if !c.figure() || c.num.Percent {
				continue
			}
			facts = append(facts, fact{
				key: key, year: pc.p.year + shift, qual: pc.p.qual, kind: li.balance,
				value: c.num.Value, dec: c.num.Decimals, t: t, row: r, col: pc.col, colName: b.names[pc.col],
				name: name, part: part,
			})
		}
	}
	if t.role == roleBalance {
		facts = splitByMaturity(facts)
	}
	return facts
}

// maturityPart reads "current" or "non current" from a balance sheet section label.
func maturityPart(label string) string {
	toks := itemTokens(label)
	for i, w := range toks {
		switch {
		case w == "noncurrent" || (w == "non" && i+1 < len(toks) && toks[i+1] == "current"):
			return "non current"
		case w == "current" && (i == 0 || toks[i-1] != "non"):
			return "current"
		}
	}
	return ""
}

// splitByMaturity names the lines a balance sheet prints under both current and non-current
// sections by their part ("borrowings | current"), so each can meet the note's "Current" and
// "Non-current" rows, and adds their sum under the plain name for the note's total.
func splitByMaturity(facts []fact) []fact {
	type id struct {
		key, qual string
		year      int
	}
	parts := map[id]map[string][]int{}
	for i, f := range facts {
		if f.part == "" || f.kind != balanceNone {
			continue
		}
		k := id{f.key, f.qual, f.year}
		if parts[k] == nil {
			parts[k] = map[string][]int{}
		}
		parts[k][f.part] = append(parts[k][f.part], i)
	}
	var derived []fact
	for k, p := range parts {
		cur, non := p["current"], p["non current"]
		if len(cur) != 1 || len(non) != 1 {
			continue
		}
		a, b := facts[cur[0]], facts[non[0]]
		sum := b
		sum.value = math.Abs(a.value) + math.Abs(b.value)
		sum.dec = max(a.dec, b.dec)
		sum.derived, sum.slack, sum.part = true, 1, ""
		sum.name = fmt.Sprintf("%s (current and non-current)", strings.TrimRight(rowName(b.row), ": "))
		derived = append(derived, sum)
		facts[cur[0]].key = k.key + " | current"
		facts[non[0]].key = k.key + " | non current"
	}
	return append(facts, derived...)
}

// rowPeriodFacts reads a band laid out as a roll-forward by rows ("At 1 January 2024",
// movements, "At 31 December 2024") with line items as columns: a statement of changes in
// equity, or a note on property, plant and equipment with a column per class of asset.
// Balances are dated by their label; movements take the year of the closing balance below them.
func rowPeriodFacts(t *docTable, b *band) []fact {
	if t.bySegment {
		return nil
	}
	var amount []int
	for j, k := range b.kinds {
		if k == colAmount {
			amount = append(amount, j)
		}
	}
	if len(amount) == 0 {
		return nil
	}
	colKeys := map[int]string{}
	colNames := map[int]string{}
	totalCol := -1
	for _, j := range amount {
		name := b.names[j]
		li := readLineItem(name)
		switch {
		case len(amount) == 1 || isUnitCell(name) || strings.HasPrefix(name, "column ") ||
			(li.total && (li.key == "" || li.key == t.topic)) || li.key == t.topic:
			if t.topic != "" {
				colKeys[j] = t.topic
				colNames[j] = itemTitle(t.topic)
				if t.role == roleEquity {
					colNames[j] = name
				}
				totalCol = j
			}
		case specific(li.key):
			colKeys[j] = li.key
			colNames[j] = name
		}
	}
	if len(colKeys) == 0 {
		return nil
	}
	items := make([]lineItem, len(b.rows))
	dated := false
	for i, r := range b.rows {
		items[i] = r.item
		if r.kind == rowData && items[i].instant != 0 {
			dated = true
		}
	}
	if !dated {
		return nil
	}
	var facts []fact
	section := ""
	for i, r := range b.rows {
		li := items[i]
		if r.kind == rowSection {
			section = sectionClass(li.key, section)
			continue
		}
		if r.kind != rowData || r.percent || r.perUnit {
			continue
		}
		add := func(key string, year, j int, name string, dated bool) {
			c := r.cells[j]
			if !c.figure() || c.num.Percent {
				return
			}
			facts = append(facts, fact{
				key: key, year: year, kind: li.balance, value: c.num.Value, dec: c.num.Decimals,
				t: t, row: r, col: j, colName: b.names[j], name: name, dated: dated,
			})
		}
		label := strings.TrimRight(r.label, ": ")
		if li.instant != 0 {
			class := sectionClass(li.key, section)
			for _, j := range amount {
				key, ok := colKeys[j]
				if !ok {
					continue
				}
				if class == "cost" || class == "accumulated" {
					key += " | " + class
				}
				add(key, li.instant, j, colNames[j]+" "+lowerFirst(label), true)
			}
			continue
		}
		if li.balance != balanceNone {
			continue
		}
		// A movement: the year of the next dated closing balance.
		year := 0
		for k := i + 1; k < len(b.rows); k++ {
			if n := items[k]; b.rows[k].kind == rowData && n.instant != 0 {
				if n.balance == balanceClosing {
					year = n.instant
				}
				break
			}
		}
		if year == 0 {
			continue
		}
		key := movementKey(li.key, section, t.topic)
		if !specific(key) {
			continue
		}
		for _, j := range amount {
			ck, ok := colKeys[j]
			if !ok {
				continue
			}
			if j == totalCol {
				add(key, year, j, label, false)
			} else {
				add(key+" | "+ck, year, j, label+" ("+colNames[j]+")", false)
			}
		}
	}
	return facts
}

// sectionClass reads a section label of a roll-forward note: "cost", "accumulated"
// (depreciation, amortisation, impairment) or "carrying" (net book value); other labels keep
// the class of the section they sit in.
func sectionClass(key, current string) string {
	toks := " " + key + " "
	switch {
	case strings.Contains(toks, " carrying ") || strings.Contains(toks, " book "):
		return "carrying"
	case strings.Contains(toks, " accumulated ") || strings.Contains(toks, " depreciation ") ||
		strings.Contains(toks, " amortisation ") || strings.Contains(toks, " amortization ") ||
		strings.Contains(toks, " impairment "):
		return "accumulated"
	case strings.Contains(toks, " cost ") || strings.Contains(toks, " gross ") || strings.Contains(toks, " valuation "):
		return "cost"
	}
	return current
}

// agreement compares two facts: whether they state the same figure within the rounding of the
// coarser one, and the allowance used. Figures printed to the same unit must be equal.
func agreement(a, b fact) (bool, float64) {
	va, vb := a.scaled(), b.scaled()
	ua, ub := a.unit(), b.unit()
	tol := 1e-9*math.Max(1, math.Max(va, vb)) + a.slack*ua + b.slack*ub
	if math.Abs(ua-ub) > 1e-9*math.Max(ua, ub) {
		tol += 0.5*ua + 0.5*ub
	}
	return math.Abs(va-vb) <= tol, tol
}

// scaleSlip reports whether two figures agree once one of them is read a thousand times larger
// or smaller: more likely a unit this reader got wrong than a misstatement.
func scaleSlip(a, b fact) bool {
	va, vb := a.scaled(), b.scaled()
	if va == 0 || vb == 0 {
		return false
	}
	for _, k := range []float64{1e-9, 1e-6, 1e-3, 1e3, 1e6, 1e9} {
		x := va * k
		ux := a.unit() * k
		tol := 0.5*ux + 0.5*b.unit() + 1e-9*math.Max(x, vb)
		if math.Abs(x-vb) <= tol {
			return true
		}
	}
	return false
}

// compareFacts reports every place that states a line item for a period differently from the
// other places that state it.
func compareFacts(facts []fact) []discrepancy {
	type group struct {
		key, qual, entity string
		year              int
	}
	groups := map[group][]fact{}
	var order []group
	for _, f := range facts {
		g := group{f.key, f.qual, f.t.entity, f.year}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], f)
	}
	var out []discrepancy
	for _, g := range order {
		fs := groups[g]
		if len(fs) < 2 {
			continue
		}
		primary := false
		for _, f := range fs {
			if f.t.role != roleNote {
				primary = true
			}
		}
		if !primary {
			continue
		}
		out = append(out, compareGroup(fs)...)
	}
	return out
}

// compareGroup compares the places one line item and period is stated in. Two places that
// disagree make a conflict; the culprits are chosen one by one as the place in the most
// conflicts (on a tie, the less trusted: a figure that does not cast, in a note rather than
// the statement presenting the item), until no conflict is left. Each culprit is reported
// against the most trusted place it conflicts with. A place printed to a coarser unit that
// agrees with both sides (€12.5m beside 12,500 and 12,510) takes no side.
func compareGroup(fs []fact) []discrepancy {
	n := len(fs)
	conflict := make([][]bool, n)
	tols := make([][]float64, n)
	for i := range fs {
		conflict[i] = make([]bool, n)
		tols[i] = make([]float64, n)
	}
	for i := range fs {
		for j := i + 1; j < n; j++ {
			a, b := fs[i], fs[j]
			if a.t == b.t {
				continue // within one table: the roll-forward checks compare those
			}
			ok, tol := agreement(a, b)
			if ok || scaleSlip(a, b) {
				continue
			}
			conflict[i][j], conflict[j][i] = true, true
			tols[i][j], tols[j][i] = tol, tol
		}
	}
	culprit := make([]bool, n)
	var out []discrepancy
	for {
		worst, degree := -1, 0
		for i := range fs {
			d := 0
			for j := range fs {
				if conflict[i][j] && !culprit[j] {
					d++
				}
			}
			if culprit[i] || d == 0 {
				continue
			}
			if worst < 0 || d > degree || (d == degree && moreTrusted(fs[worst], fs[i])) {
				worst, degree = i, d
			}
		}
		if worst < 0 {
			break
		}
		// The reference is named for the reader: the primary statement that presents the
		// item, among the places the culprit conflicts with.
		ref := -1
		for j := range fs {
			if !conflict[worst][j] || culprit[j] {
				continue
			}
			if ref < 0 {
				ref = j
				continue
			}
			if tj, tr := fs[j].t.role.trust(), fs[ref].t.role.trust(); tj != tr {
				if tj < tr {
					ref = j
				}
				continue
			}
			if moreTrusted(fs[j], fs[ref]) {
				ref = j
			}
		}
		culprit[worst] = true
		if !fs[worst].derived {
			out = append(out, crossDiscrepancy(fs[worst], fs[ref], tols[worst][ref]))
		}
	}
	return out
}

// moreTrusted reports whether place a is the likelier to be right than place b: a figure that
// casts in its own table, in the statement that presents the item, earlier in the document.
func moreTrusted(a, b fact) bool {
	if sa, sb := a.suspicion(), b.suspicion(); sa != sb {
		return sa < sb
	}
	if ta, tb := a.t.role.trust(), b.t.role.trust(); ta != tb {
		return ta < tb
	}
	if a.t.m.index != b.t.m.index {
		return a.t.m.index < b.t.m.index
	}
	return a.row.index < b.row.index
}

// periodLabel names a fact's period for a finding: "2024", or "2024 (Group)".
func periodLabel(f fact) string {
	s := fmt.Sprint(f.year)
	if f.qual != "" {
		s += " (" + f.qual + ")"
	}
	return s
}

// itemTitle writes a line-item key as a name: "property plant and equipment" reads "Property
// plant and equipment".
func itemTitle(key string) string {
	if key == "" {
		return ""
	}
	return strings.ToUpper(key[:1]) + key[1:]
}

// lowerFirst lower-cases the first letter of a label that follows another name ("At 31
// December 2024" after "Retained earnings").
func lowerFirst(s string) string {
	if s == "" || len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// placeName names a table in running text: "the income statement", "note 3".
func placeName(t *docTable) string {
	if t.role != roleNote {
		return "the " + t.place
	}
	return t.place
}

// crossDiscrepancy words a disagreement between the place f and the reference place ref.
func crossDiscrepancy(f, ref fact, tol float64) discrepancy {
	expected := ref.scaled() / f.t.factor
	if f.value < 0 {
		expected = -expected
	}
	fAmount := amount.Format(math.Abs(f.value), f.dec)
	refAmount := amount.Format(math.Abs(ref.value), ref.dec)
	item := itemTitle(strings.SplitN(f.key, " | ", 2)[0])
	period := periodLabel(f)
	if f.kind == balanceOpening {
		period = fmt.Sprintf("%d (opening balance of %d)", f.year, f.year+1)
	}
	fPlace, refPlace := f.t.place, ref.t.place
	if f.t == ref.t {
		fPlace = fmt.Sprintf("%s row '%s'", f.t.place, rowName(f.row))
		refPlace = fmt.Sprintf("%s row '%s'", ref.t.place, rowName(ref.row))
	}
	formula := fmt.Sprintf("%s %s: %s %s vs %s %s", item, period, refPlace, refAmount, fPlace, fAmount)
	if f.t.scale != ref.t.scale {
		formula = fmt.Sprintf("%s %s: %s %s (%s) vs %s %s (%s)", item, period, refPlace, refAmount,
			scaleName(ref.t.scale), fPlace, fAmount, scaleName(f.t.scale))
	}
	tolNote := "both places print the same unit, so the figures must be equal"
	shown := 0.0
	if tol > 1e-6*math.Max(1, f.scaled()) {
		tolNote = "half a unit of the last printed digit in each place"
		shown = tol / f.t.factor
	}
	evidence := fmt.Sprintf("both rows name %s for %s (matched as '%s'); ", strings.ToLower(item), period, f.key)
	switch {
	case ref.suspicion() != f.suspicion():
		evidence += "the figure in " + placeName(f.t) + " is part of a relation that does not hold in its own table, the other is not"
	case f.t.role.trust() != ref.t.role.trust():
		evidence += placeName(ref.t) + " is taken as the reference"
	default:
		evidence += "the first place is taken as the reference"
	}
	evidence += "; figures are compared by magnitude after scaling"
	name := f.name
	refText := placeName(ref.t)
	switch {
	case f.dated:
	case f.kind == balanceOpening:
		// "at beginning of year" under the 2025 column is the balance at the end of 2024.
		name += fmt.Sprintf(" %d", f.year+1)
		refText += fmt.Sprintf(" at the end of %d", f.year)
	default:
		name += " " + periodLabel(f)
	}
	return discrepancy{
		check:    checkCrossTable,
		fsli:     f.name,
		formula:  formula,
		table:    f.t.m,
		row:      f.row,
		col:      f.col,
		column:   f.colName,
		expected: expected,
		actual:   f.value,
		tol:      shown,
		decimals: f.dec,
		title: fmt.Sprintf("%s in %s (%s) does not agree with %s (%s)",
			clip(name, 300), placeName(f.t), fAmount, refText, refAmount),
		tolNote:  tolNote,
		scale:    f.t.scale,
		evidence: evidence,
		refs:     []string{cellRef(f.t.m, f.row, f.colName), cellRef(ref.t.m, ref.row, ref.colName)},
		year:     f.year,
	}
}

// scaleName says how a table's figures are stated.
func scaleName(scale string) string {
	if scale == "" {
		return "units"
	}
	return scale
}

// balanceIdentity checks total assets against total equity and liabilities (or total
// liabilities plus total equity) in the balance sheet, per period, and net assets against total
// equity.
func balanceIdentity(facts []fact) []discrepancy {
	type period struct {
		year         int
		qual, entity string
	}
	byPeriod := map[period]map[string]fact{}
	var order []period
	for _, f := range facts {
		if f.t.role != roleBalance || f.kind != balanceNone {
			continue
		}
		switch f.key {
		case "total assets", "total equity and liabilities", "total liabilities", "total equity", "net assets":
		default:
			continue
		}
		p := period{f.year, f.qual, f.t.entity}
		if byPeriod[p] == nil {
			byPeriod[p] = map[string]fact{}
			order = append(order, p)
		}
		if _, ok := byPeriod[p][f.key]; !ok {
			byPeriod[p][f.key] = f
		}
	}
	var out []discrepancy
	for _, p := range order {
		got := byPeriod[p]
		ta, hasTA := got["total assets"]
		tel, hasTEL := got["total equity and liabilities"]
		tl, hasTL := got["total liabilities"]
		te, hasTE := got["total equity"]
		na, hasNA := got["net assets"]
		switch {
		case hasTA && hasTEL:
			if d, ok := identityPair(ta, []fact{tel}); ok {
				out = append(out, d)
			}
		case hasTA && hasTL && hasTE:
			if d, ok := identityPair(ta, []fact{tl, te}); ok {
				out = append(out, d)
			}
		}
		if hasNA && hasTE {
			if d, ok := identityPair(na, []fact{te}); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// identityPair checks left = Σ right (magnitudes) and words a break. The side that does not
// cast in its own table is reported; failing that, the left one.
func identityPair(left fact, right []fact) (discrepancy, bool) {
	sum := 0.0
	unit := left.unit()
	names := []string{}
	for _, r := range right {
		sum += r.scaled()
		unit = math.Max(unit, r.unit())
		names = append(names, rowName(r.row))
	}
	// Each printed total is rounded once; a sum of two printed totals may be off by one unit.
	tol := 1e-9 * math.Max(1, sum)
	if len(right) > 1 {
		tol += unit
	}
	if math.Abs(left.scaled()-sum) <= tol {
		return discrepancy{}, false
	}
	report, other := left, right
	if len(right) == 1 && right[0].suspicion() > left.suspicion() {
		report, other = right[0], []fact{left}
	}
	otherSum := 0.0
	for _, o := range other {
		otherSum += o.scaled()
	}
	expected := otherSum / report.t.factor
	if report.value < 0 {
		expected = -expected
	}
	rightText := strings.Join(names, " + ")
	formula := fmt.Sprintf("%s = %s (%d): %s vs %s", rowName(left.row), rightText, left.year,
		amount.Format(left.scaled()/left.t.factor, left.dec), amount.Format(sum/left.t.factor, left.dec))
	refs := []string{cellRef(report.t.m, report.row, report.colName)}
	for _, f := range append([]fact{left}, right...) {
		if f.row != report.row || f.t != report.t {
			refs = append(refs, cellRef(f.t.m, f.row, f.colName))
		}
	}
	evidence := "the balance sheet must balance: " + rowName(left.row) + " equals " + rightText
	if report.row != left.row || left.suspicion() > 0 {
		evidence += "; the " + rowName(report.row) + " figure is part of a relation that does not hold in its own table"
	} else {
		evidence += "; either side may hold the error, the assets side is reported"
	}
	return discrepancy{
		check:    checkCrossTable,
		fsli:     strings.TrimRight(rowName(report.row), ": "),
		formula:  formula,
		table:    report.t.m,
		row:      report.row,
		col:      report.col,
		column:   report.colName,
		expected: expected,
		actual:   report.value,
		tol:      tol / report.t.factor,
		decimals: report.dec,
		title: fmt.Sprintf("Balance sheet does not balance in %s: %s (%s) vs %s (%s)", periodLabel(left),
			clip(rowName(left.row), 200), amount.Format(left.scaled()/left.t.factor, left.dec),
			clip(rightText, 300), amount.Format(sum/left.t.factor, left.dec)),
		tolNote:  "each side printed as a total, so they must be equal to the printed unit",
		scale:    report.t.scale,
		evidence: evidence,
		refs:     refs,
		year:     left.year,
	}, true
}
