package external

import (
	"context"
	"fmt"
	"testing"

	"github.com/veritas-audit/veritas/extract"
)

// BenchmarkRun measures the agent's own work on a long annual report (2,000 paragraphs of
// narrative) with the most signals it considers (20), the provider answering at once: what the
// agent adds to the look-up's own latency.
func BenchmarkRun(b *testing.B) {
	doc := &extract.Document{Paragraphs: []extract.Paragraph{{Text: "Acme Widgets plc", Heading: 1}}}
	for i := range 2000 {
		doc.Paragraphs = append(doc.Paragraphs, extract.Paragraph{Text: fmt.Sprintf(
			"Note %d. Revenue from the Leeds plant rose by %d.5%% to £%d.4m in the year ended 31 December 2024, "+
				"driven by new contracts with Beta Corp. The Group has complied with all covenants on its borrowings.", i, i%40, 100+i)})
	}
	var signals []Signal
	for i := range maxSignals {
		signals = append(signals, Signal{Type: []string{TypeLitigation, TypeDistress, TypeRegulatory, TypeNews}[i%4],
			Summary:    fmt.Sprintf("Report %d: Gamma Ltd sued Acme Widgets plc for £%dm after a covenant breach; the FCA opened an inquiry.", i, 50+i),
			SourceURLs: []string{"https://n.example/" + fmt.Sprint(i)}, Confidence: 0.8})
	}
	a := New(&fakeProvider{signals: signals})
	ctx := context.Background()
	for b.Loop() {
		if _, err := a.Run(ctx, doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}
