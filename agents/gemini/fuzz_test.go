package gemini

import (
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/genai"
)

// FuzzParseSignals feeds arbitrary model text (with grounding that points anywhere) to the
// signals parser: it must never panic, and whatever it keeps must respect the caps.
func FuzzParseSignals(f *testing.F) {
	f.Add(groundedText, "Beta Corp sued", int32(0), int32(5), int32(0))
	f.Add(`{"signals":[{"type":"news","summary":"x y","source_urls":["https://a.b/c"]}]}`, "", int32(-4), int32(900), int32(3))
	f.Add(`[{"summary":"Acme was fined","confidence":"85%"}]`, "fined", int32(1), int32(2), int32(-1))
	f.Add("```json\n{\"signals\": null}\n```", "", int32(0), int32(0), int32(0))
	f.Add(`{"signals":[{"summary":"\u0000\ud800"}]}`, "\x00", int32(2), int32(1), int32(9))
	f.Fuzz(func(t *testing.T, text, segText string, start, end, part int32) {
		cand := &genai.Candidate{
			Content: &genai.Content{Parts: []*genai.Part{{Text: text}}},
			GroundingMetadata: &genai.GroundingMetadata{
				GroundingChunks: []*genai.GroundingChunk{{Web: &genai.GroundingChunkWeb{URI: "https://g.example/1"}}, nil, {}},
				GroundingSupports: []*genai.GroundingSupport{
					{Segment: &genai.Segment{Text: segText, StartIndex: start, EndIndex: end, PartIndex: part}, GroundingChunkIndices: []int32{0, 1, 2, start, -end}},
					nil, {Segment: nil},
				},
			},
		}
		a, err := readAnswer(&genai.GenerateContentResponse{Candidates: []*genai.Candidate{cand}})
		if err != nil {
			return
		}
		signals, err := parseSignals(a)
		if err != nil {
			return
		}
		if len(signals) > maxSignals {
			t.Fatalf("%d signals", len(signals))
		}
		for _, s := range signals {
			if s.Summary == "" || utf8.RuneCountInString(s.Summary) > maxSummaryRunes || len(s.SourceURLs) > maxURLsPerSignal {
				t.Fatalf("bad signal %+v", s)
			}
			if s.Confidence < 0 || s.Confidence > 1 {
				t.Fatalf("confidence %v", s.Confidence)
			}
			for _, u := range s.SourceURLs {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					t.Fatalf("URL %q", u)
				}
			}
		}
	})
}
