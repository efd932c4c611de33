package logic

import (
	"fmt"
	"strings"

	"github.com/veritas-audit/veritas/extract"
)

// kindHeldForSale is depreciation charged for a period after the text takes the asset out of
// use: held for sale, closed or decommissioned. IFRS 5.25 stops depreciation from the date an
// asset is classified as held for sale, and an asset closed for good is held for sale or
// abandoned; either way a charge for the whole year cannot be right.
const kindHeldForSale = "held_for_sale_depreciation"

// assetNouns are the assets a statement says it closed or put up for sale.
var assetNouns = map[string]bool{
	"warehouse": true, "building": true, "factory": true, "plant": true, "site": true,
	"facility": true, "depot": true, "office": true, "store": true, "shop": true, "premises": true,
	"property": true, "mill": true, "mine": true, "vessel": true, "aircraft": true, "hotel": true,
	"headquarters": true, "branch": true, "terminal": true, "laboratory": true, "refinery": true,
	"restaurant": true, "hospital": true, "farm": true, "smelter": true,
}

// outOfUse are the words that take an asset out of use, as phrases of lower-case words.
var outOfUse = [][]string{
	{"held", "for", "sale"}, {"decommissioned"}, {"closed"}, {"vacated"}, {"mothballed"},
	{"abandoned"}, {"taken", "out", "of", "use"}, {"ceased", "operations"}, {"shut", "down"},
}

// fullPeriod are the phrases that charge depreciation for the whole year.
var fullPeriod = [][]string{
	{"for", "the", "year"}, {"for", "the", "full", "year"}, {"for", "the", "whole", "year"},
	{"for", "the", "entire", "year"}, {"throughout", "the", "year"}, {"for", "twelve", "months"},
	{"for", "the", "twelve", "months"}, {"for", "12", "months"}, {"for", "the", "12", "months"},
	{"for", "a", "full", "year"}, {"full", "year", "depreciation"}, {"full", "year's", "depreciation"},
	{"for", "the", "financial", "year"},
}

// untilWords limit a charge to before the asset left use: "depreciation up to the date of
// classification", "until March", "before it was closed".
var untilWords = [][]string{
	{"until"}, {"up", "to"}, {"prior", "to"}, {"before"}, {"to", "the", "date"}, {"no", "depreciation"},
	{"not", "depreciated"}, {"ceased"}, {"stopped"}, {"not", "been", "depreciated"}, {"no", "longer"},
}

// phraseAt reports whether one of the phrases starts at token i, and its length.
func phraseAt(toks []token, i int, phrases [][]string) (int, bool) {
	for _, p := range phrases {
		ok := true
		for k, w := range p {
			t := tokAt(toks, i+k)
			if t.low != w {
				ok = false
				break
			}
		}
		if ok {
			return len(p), true
		}
	}
	return 0, false
}

// hasPhrase reports whether the sentence holds one of the phrases.
func hasPhrase(toks []token, phrases [][]string) bool {
	for i := range toks {
		if _, ok := phraseAt(toks, i, phrases); ok {
			return true
		}
	}
	return false
}

// retirement is a sentence that takes an asset out of use from a date inside the year.
type retirement struct {
	asset string
	month int
	when  string // the date as written
	s     textSentence
}

// readRetirement reads "the warehouse was vacated in March 2024 and classified as held for sale
// from 31 March 2024": the asset, the state, and the month it took effect. A date at the end of
// December is the year end: depreciation for the year is right then.
func readRetirement(s textSentence) (retirement, bool) {
	toks := s.toks
	for _, t := range toks {
		if t.kind == tokWord && blockers[t.low] {
			return retirement{}, false // "will be closed", "expects to sell"
		}
	}
	asset := assetRef(toks, "")
	if asset == "" || !hasPhrase(toks, outOfUse) {
		return retirement{}, false
	}
	for i := 0; i < len(toks); i++ {
		if !word(toks, i, "from", "in", "on", "since", "of", "at", "during") {
			continue
		}
		if d, ok := readDate(toks, i+1, true); ok && d.month > 0 {
			return retirement{asset: asset, month: d.month, when: d.text, s: s}, d.month != 12
		}
		if m := months[tokAt(toks, i+1).low]; m != 0 {
			when := toks[i+1].text
			if y, ok := isYear(tokAt(toks, i+2)); ok {
				when += fmt.Sprintf(" %d", y)
			}
			return retirement{asset: asset, month: m, when: when, s: s}, m != 12
		}
	}
	return retirement{}, false
}

// depreciatedAll reports whether a sentence charges depreciation on the asset for the whole
// year: "depreciation of $120k on the warehouse for the year".
func depreciatedAll(toks []token, asset string) bool {
	dep := false
	for _, t := range toks {
		dep = dep || t.kind == tokWord && strings.HasPrefix(t.low, "depreciat")
	}
	return dep && assetRef(toks, asset) != "" && hasPhrase(toks, fullPeriod) && !hasPhrase(toks, untilWords)
}

// assetRef finds one asset the sentence names as a single thing, "the warehouse", "our Leeds
// warehouse", "this plant": a determiner at most two words before the noun, and the noun not
// part of a class of assets ("property, plant and equipment", "plant and machinery"). With want
// set, only that noun counts.
func assetRef(toks []token, want string) string {
	for i, t := range toks {
		if t.kind != tokWord || !assetNouns[t.low] || want != "" && t.low != want {
			continue
		}
		if word(toks, i+1, "and", "or") || punct(toks, i-1, ",") || word(toks, i-1, "and", "or") || tokAt(toks, i+1).low == "s" {
			continue
		}
		for j := i - 1; j >= max(i-3, 0); j-- {
			if word(toks, j, "the", "this", "that", "our", "its") {
				return t.low
			}
		}
	}
	return ""
}

// heldForSaleIssues pairs each sentence that takes an asset out of use with a sentence of the
// same text that still charges it a whole year's depreciation.
func heldForSaleIssues(doc *extract.Document, paras [][]textSentence) []issue {
	var rets []retirement
	for _, ss := range paras {
		for _, s := range ss {
			if r, ok := readRetirement(s); ok {
				rets = append(rets, r)
			}
		}
	}
	var out []issue
	reported := map[string]bool{}
	for _, r := range rets {
		if reported[r.asset] {
			continue
		}
		for _, ss := range paras {
			for _, s := range ss {
				if !depreciatedAll(s.toks, r.asset) {
					continue
				}
				reported[r.asset] = true
				out = append(out, retirementIssue(doc, r, s))
				break
			}
			if reported[r.asset] {
				break
			}
		}
	}
	return out
}

// retirementIssue words the finding with the sentence that states each side.
func retirementIssue(doc *extract.Document, r retirement, dep textSentence) issue {
	refs := dedupe([]string{whereSaid(doc, r.s), whereSaid(doc, dep)})
	return issue{
		kind:        kindHeldForSale,
		severity:    "medium",
		fsli:        "Depreciation",
		description: fmt.Sprintf("Depreciation charged on the %s for the whole year, though the text takes it out of use from %s (IFRS 5.25)", r.asset, r.when),
		claim:       fmt.Sprintf("'%s' and '%s'", clip(r.s.text, 200), clip(dep.text, 200)),
		contradiction: fmt.Sprintf("the text says the %s was taken out of use from %s, yet charges depreciation on it for the whole year; "+
			"a non-current asset held for sale is not depreciated (IFRS 5.25), and one closed for good stops being used", r.asset, r.when),
		figures:   fmt.Sprintf("out of use from %s; depreciation for the year", r.when),
		tolerance: "depreciation stops at the date the asset is classified as held for sale",
		location:  strings.Join(refs, "; "),
		refs:      refs,
		rule:      "a charge the text itself rules out is medium",
	}
}
