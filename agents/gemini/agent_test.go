package gemini

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/agents/external"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// acmeStatement is an uploaded statement that denies any litigation.
func acmeStatement(t *testing.T) *extract.Document {
	t.Helper()
	b := docxgen.New().
		Heading(1, "Acme Widgets plc").
		Paragraph("Annual report and financial statements for the year ended 31 December 2024.").
		Paragraph("There is no pending litigation against the Group.").
		Paragraph("The directors have concluded that there is no material uncertainty over going concern.").
		Table([][]string{{"", "2024", "2023"}, {"", "£m", "£m"}, {"Revenue", "1,452.4", "1,146.2"}}).
		Bytes()
	doc, err := extract.Docx(b, extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestAgentWithGemini runs the external_signal agent on a real .docx with the Gemini client
// against the fake API: the grounded lawsuit contradicts the statement, the covenant waiver is
// not disclosed, and both findings carry the search results, not the model's URLs.
func TestAgentWithGemini(t *testing.T) {
	f := newFake(t, ok200(response(groundedText, "STOP", groundedChunks, []support{
		{Text: "Beta Corp sued Acme Widgets plc for £120m", Chunks: []int{0}},
	})))
	agent := external.New(f.client(t))
	if info := agent.Info(); !info.Available {
		t.Fatalf("Info = %+v", info)
	}
	fs, err := agent.Run(context.Background(), acmeStatement(t), nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(fs), fs)
	}
	lit, waiver := fs[0], fs[1]
	for _, f := range fs {
		if err := schemas.Validate(f); err != nil {
			t.Errorf("finding fails the schema: %v", err)
		}
		if strings.Contains(strings.Join(f.RawData["source_urls"].([]string), " "), "example.com/made-up") {
			t.Errorf("a model-written URL was kept over the grounding: %v", f.RawData["source_urls"])
		}
	}
	if lit.RawData["gap_classification"] != external.GapContradicted || lit.Severity != "high" ||
		!strings.Contains(lit.Reasoning, `Statements say: Paragraph 3: "There is no pending litigation against the Group."`) ||
		!strings.Contains(lit.Reasoning, "Source: external look-up by Gemini (gemini-2.5-flash) with Google Search grounding") {
		t.Errorf("lawsuit finding:\n%s\n%+v", lit.Reasoning, lit.RawData)
	}
	if got := lit.RawData["source_urls"].([]string); len(got) != 1 || got[0] != groundedChunks[0].URI {
		t.Errorf("lawsuit sources %v, want the matched grounding chunk", got)
	}
	// A waiver is distress short of default: it does not contradict "no material uncertainty".
	if waiver.RawData["gap_classification"] != external.GapNotDisclosed || waiver.RawData["signal_type"] != "distress" {
		t.Errorf("waiver finding: %+v", waiver.RawData)
	}
}

func TestAgentWithGeminiErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply reply
		want  string
	}{
		{"key refused", reply{status: 401, body: apiError(401, "invalid", "UNAUTHENTICATED")}, "external_signal: the Gemini API key was refused (401)"},
		{"model missing", reply{status: 404, body: apiError(404, "not found", "NOT_FOUND")}, `external_signal: model "gemini-2.5-flash" not found (404)`},
		{"blocked", ok200(`{"candidates":[{"finishReason":"SAFETY"}]}`), "external_signal: Gemini returned no usable answer (blocked: SAFETY)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.reply)
			fs, err := external.New(f.client(t)).Run(context.Background(), acmeStatement(t), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || fs != nil {
				t.Errorf("Run = %v, %v; want error %q", fs, err, tt.want)
			}
			if errors.Is(err, external.ErrNotConfigured) {
				t.Error("a configured agent reported itself unconfigured")
			}
		})
	}
}
