package external

import (
	"fmt"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/internal/tatqa"
)

// TestCorpus reads the narrative of the TAT-QA dev split (278 real annual-report excerpts, in
// ../shared/corpus) and measures the two things that could put a wrong finding in front of an
// auditor without any signal being wrong:
//
//   - denials: sentences the gap rules would read as "the statements deny this topic", which turn
//     a matching signal into a contradiction. Each is listed; more than 2 % of excerpts fails.
//   - names: how often an entity is named at all. The excerpts are note extracts that rarely
//     print the reporter's own name, so most must give ErrNoEntity rather than a counterparty;
//     more than 5 % named fails.
//
// It also counts false contradictions and false covers directly: every excerpt is checked
// against one signal per topic that no excerpt can be about (a made-up counterparty), and every
// contradiction must come from a listed denial sentence; and each excerpt is checked against the
// longest sentence of the next excerpt, used as a news signal: another company's matter, which
// the particulars rule must not read as disclosed in more than 2 % of excerpts, while the
// excerpt's own longest sentence, as a signal, must read as disclosed in at least 90 %.
func TestCorpus(t *testing.T) {
	entries := tatqa.Load(t)
	signals := []Signal{
		{Type: TypeLitigation, Summary: "Quorvex Ltd sued the company for $75m in the Delaware Chancery Court.", SourceURLs: []string{"https://n.example/1"}},
		{Type: TypeRegulatory, Summary: "The Zorland regulator opened an investigation into the company.", SourceURLs: []string{"https://n.example/2"}},
		{Type: TypeDistress, Summary: "The company defaulted on its Quorvex bonds and breached a covenant.", SourceURLs: []string{"https://n.example/3"}},
		{Type: TypeNews, Summary: "The company closed its Zorland plant.", SourceURLs: []string{"https://n.example/4"}},
	}
	var named, withDenial, contradictions, disclosed, sentences, crossCovered int
	var denials []string
	all := make([]statements, len(entries))
	for i, e := range entries {
		var ps []extract.Paragraph
		for _, p := range e.Paragraphs {
			ps = append(ps, extract.Paragraph{Text: p.Text})
		}
		all[i] = readStatements(&extract.Document{Paragraphs: ps, Tables: []extract.Table{{Index: 1, Rows: e.Table.Table}}})
	}
	for i, st := range all {
		sentences += len(st.sentences)
		if st.entity != "" {
			named++
			t.Logf("excerpt %d names %q (%s)", i, st.entity, st.entitySource)
		}
		found := false
		for _, s := range st.sentences {
			for _, tp := range topics {
				if denies(tp, s.text) {
					found = true
					denials = append(denials, fmt.Sprintf("excerpt %d [%s]: %s", i, tp.name, s.text))
				}
			}
		}
		if found {
			withDenial++
		}
		for _, s := range signals {
			switch g := st.classify(s); g.class {
			case GapContradicted:
				contradictions++
				if !found {
					t.Errorf("excerpt %d: contradiction without a denial sentence: %s", i, g.evidence.text)
				}
			case GapDisclosed:
				disclosed++
				t.Errorf("excerpt %d: a made-up %s signal was read as disclosed by %q", i, s.Type, g.evidence.text)
			}
		}
	}
	n := len(entries)
	selfCovered, selfChecked := 0, 0
	for i, st := range all {
		other := all[(i+1)%n]
		if own := longestSentence(st); own != "" {
			selfChecked++
			if st.classify(Signal{Type: TypeNews, Summary: own}).class == GapDisclosed {
				selfCovered++
			}
		}
		longest := longestSentence(other)
		if longest == "" {
			continue
		}
		g := st.classify(Signal{Type: TypeNews, Summary: longest, SourceURLs: []string{"https://n.example/5"}})
		if g.class == GapDisclosed {
			crossCovered++
			t.Logf("excerpt %d reads excerpt %d's %q as covered by %q", i, (i+1)%n, clip(longest, 100), clip(g.evidence.text, 100))
		}
	}
	t.Logf("%d excerpts, %d sentences: %d named an entity (%.1f%%), %d hold a denial sentence (%.1f%%), %d contradictions and %d 'disclosed' over %d made-up signal checks, %d of %d (%.1f%%) cross-excerpt news signals read as covered",
		n, sentences, named, pct(named, n), withDenial, pct(withDenial, n), contradictions, disclosed, n*len(signals), crossCovered, n, pct(crossCovered, n))
	t.Logf("a sentence the excerpt itself prints, as a news signal, reads as covered in %d of %d excerpts (%.1f%%)",
		selfCovered, selfChecked, pct(selfCovered, selfChecked))
	for _, d := range denials {
		t.Log(d)
	}
	if pct(withDenial, n) > 2 {
		t.Errorf("%.1f%% of excerpts hold a denial sentence; over 2%% would make contradictions common", pct(withDenial, n))
	}
	if pct(crossCovered, n) > 2 {
		t.Errorf("%.1f%% of excerpts read another company's matter as disclosed; over 2%% hides undisclosed signals", pct(crossCovered, n))
	}
	if pct(selfCovered, selfChecked) < 90 {
		t.Errorf("only %.1f%% of sentences the excerpt prints read as covered by it; under 90%% reports disclosed matters as gaps", pct(selfCovered, selfChecked))
	}
	if pct(named, n) > 5 {
		t.Errorf("%.1f%% of note excerpts named an entity; over 5%% means counterparties are taken for the reporter", pct(named, n))
	}
}

func longestSentence(st statements) string {
	longest := ""
	for _, s := range st.sentences {
		if len(s.text) > len(longest) {
			longest = s.text
		}
	}
	return longest
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }
