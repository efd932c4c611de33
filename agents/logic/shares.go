package logic

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/veritas-audit/veritas/extract"
)

// kindShares is shares of one whole, held by different parties, that add up to more than 100%.
const kindShares = "shares"

// holdVerbs state that a party has a share of a whole: "we hold 40% of the market", "the two
// players share 70% of it", "the Group owns 60% of Alpha", "exports account for 55% of revenue".
var holdVerbs = map[string]bool{
	"hold": true, "holds": true, "held": true, "own": true, "owns": true, "owned": true,
	"share": true, "shares": true, "control": true, "controls": true, "command": true,
	"commands": true, "capture": true, "captures": true, "captured": true,
}

// accountVerbs take "for" before the share: "account for 55% of revenue".
var accountVerbs = map[string]bool{"account": true, "accounts": true, "accounted": true, "make": true, "makes": true}

// shareAdverbs may stand between the holder and the verb: "we now hold", "still share".
var shareAdverbs = map[string]bool{
	"now": true, "still": true, "currently": true, "together": true, "jointly": true, "already": true,
	"also": true, "collectively": true, "between": true, "them": true, "today": true,
}

// notHolders are words before a verb that name no party: a conjunction, a relative pronoun.
var notHolders = map[string]bool{
	"and": true, "or": true, "but": true, "which": true, "that": true, "who": true, "to": true,
	"will": true, "would": true, "could": true, "may": true, "might": true, "each": true,
}

// wholeStops end the name of the whole after "of": "of the regional market, while…".
var wholeStops = map[string]bool{
	"while": true, "whereas": true, "and": true, "but": true, "in": true, "with": true, "at": true,
	"from": true, "which": true, "as": true, "by": true, "for": true, "on": true, "compared": true,
	"against": true, "up": true, "down": true, "since": true, "to": true, "than": true,
}

// pctText prints a sum of shares without trailing zeros: "110", "100.5".
func pctText(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// heldShare is one party's share of a whole.
type heldShare struct {
	holder string // the word that names the party, lower case
	whole  string // the whole, without its article ("regional market")
	q      quantity
	s      textSentence
}

// floor is the least the printed share can be.
func (h heldShare) floor() float64 {
	if h.q.hedge == hedgeApprox {
		return 0.9 * h.q.value
	}
	return h.q.value - 0.5*math.Pow(10, -float64(h.q.decimals))
}

// shareIssues reports, per paragraph, shares of one whole that different parties hold and that
// add up to more than 100%. "It" names the whole last named in the paragraph.
func shareIssues(doc *extract.Document, paras [][]textSentence) []issue {
	var out []issue
	for _, ss := range paras {
		byWhole := map[string][]heldShare{}
		var order []string
		last := ""
		for _, s := range ss {
			for _, h := range readShares(s, &last) {
				if _, seen := byWhole[h.whole]; !seen {
					order = append(order, h.whole)
				}
				byWhole[h.whole] = append(byWhole[h.whole], h)
			}
		}
		for _, w := range order {
			if is, ok := sharesIssue(doc, byWhole[w]); ok {
				out = append(out, is)
			}
		}
	}
	return out
}

// readShares reads the shares a sentence states. last is the whole "it" stands for, updated as
// wholes are named.
func readShares(s textSentence, last *string) []heldShare {
	toks := s.toks
	for _, t := range toks {
		if t.kind == tokWord && blockers[t.low] {
			return nil
		}
	}
	var out []heldShare
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != tokNum {
			continue
		}
		q, ok := readQuantity(toks, i)
		if !ok {
			continue
		}
		i = q.to - 1
		if q.kind != qPercent || q.negative || q.hedge == hedgeAtMost {
			continue
		}
		verb := q.from - 1
		if word(toks, verb, "for") && tokAt(toks, verb-1).kind == tokWord && accountVerbs[toks[verb-1].low] {
			verb--
		}
		if v := tokAt(toks, verb); v.kind != tokWord || !holdVerbs[v.low] && !accountVerbs[v.low] {
			continue
		}
		holder := verb - 1
		for holder >= 0 && toks[holder].kind == tokWord && shareAdverbs[toks[holder].low] {
			holder--
		}
		if holder < 0 || toks[holder].kind != tokWord || notHolders[toks[holder].low] {
			continue
		}
		if !word(toks, q.to, "of") {
			continue
		}
		whole, ok := wholeAt(toks, q.to+1, *last)
		if !ok {
			continue
		}
		*last = whole
		out = append(out, heldShare{holder: toks[holder].low, whole: whole, q: q, s: s})
	}
	return out
}

// wholeAt reads the whole after "of": "the regional market", "our revenue", or "it", "this",
// "that" for the whole named before.
func wholeAt(toks []token, i int, last string) (string, bool) {
	if word(toks, i, "it", "this", "that") && (i+1 >= len(toks) || toks[i+1].kind != tokWord || wholeStops[toks[i+1].low]) {
		return last, last != ""
	}
	if word(toks, i, "the", "our", "its", "their", "this", "that", "total") {
		i++
	}
	var ws []string
	for ; i < len(toks) && toks[i].kind == tokWord && !wholeStops[toks[i].low] && len(ws) < 5; i++ {
		ws = append(ws, toks[i].low)
	}
	if len(ws) == 0 {
		return "", false
	}
	return strings.Join(ws, " "), true
}

// sharesIssue reports the shares of one whole when two or more parties hold them and they add
// up to more than 100% even at the lowest each printed figure allows. The same party named
// twice is a change over time, not two parties, and makes no finding.
func sharesIssue(doc *extract.Document, hs []heldShare) (issue, bool) {
	if len(hs) < 2 {
		return issue{}, false
	}
	seen := map[string]bool{}
	sum, floor := 0.0, 0.0
	var texts, where []string
	for _, h := range hs {
		if seen[h.holder] {
			return issue{}, false
		}
		seen[h.holder] = true
		sum += h.q.value
		floor += h.floor()
		texts = append(texts, h.q.text)
		where = append(where, whereSaid(doc, h.s))
	}
	if floor <= 100 {
		return issue{}, false
	}
	where = dedupe(where)
	var quoted []string
	for _, h := range hs {
		quoted = append(quoted, fmt.Sprintf("'%s'", clip(h.s.text, 160)))
	}
	return issue{
		kind:          kindShares,
		severity:      "medium",
		fsli:          "Shares of " + hs[0].whole,
		description:   fmt.Sprintf("Shares of the %s stated as %s add up to %s%%, more than the whole", hs[0].whole, strings.Join(texts, " and "), pctText(sum)),
		claim:         strings.Join(dedupe(quoted), " "),
		contradiction: fmt.Sprintf("different parties are said to hold %s of the same %s, %s%% in all; shares of one whole cannot exceed 100%%", strings.Join(texts, " and "), hs[0].whole, pctText(sum)),
		figures:       strings.Join(texts, " + ") + " = " + pctText(sum) + "%",
		tolerance:     fmt.Sprintf("even at the lowest their rounding allows the shares add up to %s%%", pctText(floor)),
		location:      strings.Join(where, "; "),
		refs:          where,
		rule:          "statements about one whole that cannot all be true are medium",
	}, true
}
