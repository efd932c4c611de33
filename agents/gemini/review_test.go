package gemini

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

var reviewDoc = &extract.Document{
	Paragraphs: []extract.Paragraph{
		{Text: "Strategic report", Heading: 1},
		{Text: "Revenue rose by 12% to £1.45bn, driven by fixed-price contracts."},
		{Text: "Operating profit improved on the prior year as margins widened."},
	},
	Tables: []extract.Table{{
		Index: 1, Title: "Sales by contract type",
		Rows: [][]string{{"", "2024", "2023"}, {"Fixed Price", "1,452.4", "1,146.2"}, {"Total sales", "1,496.5", "1,202.9"}},
	}, {
		Index: 2, Title: "Income statement",
		Rows: [][]string{{"", "2024", "2023"}, {"Operating profit", "144.1", "156.7"}},
	}},
}

var reviewParas = []string{
	"Revenue rose by 12% to £1.45bn, driven by fixed-price contracts.",
	"Operating profit improved on the prior year as margins widened.",
}

func TestReviewParagraphs(t *testing.T) {
	answer := `{"findings":[
	 {"paragraph":2,"fsli_name":"Operating profit","claim":"Operating profit improved on the prior year","contradiction":"Table 2 shows operating profit fell from 156.7 to 144.1.","reasoning":"144.1 - 156.7 = -12.6, an 8.0% fall.","severity":"high","table":2},
	 {"paragraph":1,"fsli_name":"Revenue","claim":"Revenue rose by 24% to £1.45bn","contradiction":"Invented claim.","reasoning":"x","severity":"high","table":1},
	 {"paragraph":9,"fsli_name":"Revenue","claim":"Revenue rose by 12%","contradiction":"Out of range.","reasoning":"x","severity":"low"},
	 {"paragraph":1,"fsli_name":"Revenue","claim":"revenue rose by 12% to £1.45bn","contradiction":"Table 1 total sales rose 24.4% (1,202.9 to 1,496.5), not 12%.","reasoning":"1,496.5 / 1,202.9 = 1.244.","severity":"urgent","table":7},
	 {"paragraph":2,"fsli_name":"Operating profit","claim":"Operating profit improved on the prior year","contradiction":"Duplicate.","reasoning":"","severity":"high","table":2},
	 {"paragraph":"2","claim":"Operating profit improved","contradiction":"paragraph as a string"}
	]}`
	f := newFake(t, ok200(response(answer, "STOP", nil, nil)))
	c := f.client(t)
	got, err := c.ReviewParagraphs(context.Background(), reviewParas, reviewDoc)
	if err != nil {
		t.Fatalf("ReviewParagraphs: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("%d findings, want 2 (quoted claims only, no duplicate): %+v", len(got), got)
	}
	for _, f := range got {
		if err := schemas.Validate(f); err != nil {
			t.Errorf("finding fails the schema: %v", err)
		}
		keys := make([]string, 0, len(f.RawData))
		for k := range f.RawData {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"claim", "contradiction", "fsli_name", "reasoning"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("raw_data keys %v, want %v", keys, want)
		}
		if !strings.Contains(f.Reasoning, "Source: language-model review (gemini-2.5-flash)") {
			t.Errorf("reasoning does not say it is a language-model review:\n%s", f.Reasoning)
		}
	}
	op := got[0]
	if op.Severity != "high" || op.RawData["fsli_name"] != "Operating profit" ||
		!reflect.DeepEqual(op.SourceRefs, []string{`Paragraph 3: "Operating profit improved on the prior year as margins widened."`, "Table 2 'Income statement'"}) {
		t.Errorf("operating profit finding: %+v", op)
	}
	rev := got[1]
	if rev.Severity != "low" || !strings.Contains(rev.Reasoning, "Severity: low (the model gave none; set to low)") || len(rev.SourceRefs) != 1 {
		t.Errorf("revenue finding (bad severity, unknown table): %+v", rev)
	}

	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	body := reqs[0].Body
	if _, ok := body["tools"]; ok {
		t.Errorf("review sent tools: %v", body["tools"])
	}
	gc, _ := body["generationConfig"].(map[string]any)
	if gc["responseMimeType"] != "application/json" || gc["responseSchema"] == nil {
		t.Errorf("generationConfig %v, want JSON mode with a schema", gc)
	}
	prompt := mustJSON(body["contents"])
	for _, s := range []string{"[1] Revenue rose by 12%", "Table 2 'Income statement'", "| Operating profit | 144.1 | 156.7 |"} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q", s)
		}
	}
}

func TestReviewParagraphsEdges(t *testing.T) {
	t.Run("nothing to review makes no call", func(t *testing.T) {
		f := newFake(t)
		got, err := f.client(t).ReviewParagraphs(context.Background(), []string{" ", ""}, reviewDoc)
		if got != nil || err != nil || len(f.requests()) != 0 {
			t.Errorf("got %v, %v after %d calls", got, err, len(f.requests()))
		}
	})
	t.Run("no tables", func(t *testing.T) {
		f := newFake(t)
		_, err := f.client(t).ReviewParagraphs(context.Background(), reviewParas, &extract.Document{})
		if err == nil || !strings.Contains(err.Error(), "no tables") || len(f.requests()) != 0 {
			t.Errorf("err %v after %d calls", err, len(f.requests()))
		}
	})
	t.Run("empty findings", func(t *testing.T) {
		f := newFake(t, ok200(response(`{"findings":[]}`, "STOP", nil, nil)))
		got, err := f.client(t).ReviewParagraphs(context.Background(), reviewParas, reviewDoc)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("not the JSON asked for", func(t *testing.T) {
		f := newFake(t, ok200(response(`{"findings":"none"}`, "STOP", nil, nil)))
		_, err := f.client(t).ReviewParagraphs(context.Background(), reviewParas, reviewDoc)
		if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), `"findings" is not a list`) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("safety block", func(t *testing.T) {
		f := newFake(t, ok200(`{"candidates":[{"finishReason":"SAFETY"}]}`))
		_, err := f.client(t).ReviewParagraphs(context.Background(), reviewParas, reviewDoc)
		if err == nil || err.Error() != "Gemini returned no usable answer (blocked: SAFETY)" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("long input is capped", func(t *testing.T) {
		f := newFake(t, ok200(response(`{"findings":[]}`, "STOP", nil, nil)))
		many := make([]string, 100)
		for i := range many {
			many[i] = strings.Repeat("Revenue rose. ", 500)
		}
		big := &extract.Document{}
		for range 50 {
			rows := make([][]string, 200)
			for r := range rows {
				rows[r] = []string{"Line item", "1,234.5", "1,111.1"}
			}
			big.Tables = append(big.Tables, extract.Table{Rows: rows})
		}
		if _, err := f.client(t).ReviewParagraphs(context.Background(), many, big); err != nil {
			t.Fatal(err)
		}
		prompt := f.requests()[0].Body["contents"].([]any)[0].(map[string]any)["parts"].([]any)[0].(map[string]any)["text"].(string)
		if strings.Contains(prompt, "[61]") || !strings.Contains(prompt, "[60]") {
			t.Error("the prompt does not stop at 60 paragraphs")
		}
		if len(prompt) > 60*maxParagraphRunes+maxTablesChars+1000 || !strings.Contains(prompt, "more tables left out for length") {
			t.Errorf("prompt of %d bytes is not capped", len(prompt))
		}
	})
}

func TestQuotedFrom(t *testing.T) {
	para := "Revenue rose by 12% to £1.45bn, driven by fixed-price contracts."
	tests := []struct {
		claim string
		want  bool
	}{
		{"Revenue rose by 12% to £1.45bn", true},
		{"revenue rose by 12 % to £1.45bn", true},
		{"Revenue rose 12%, driven by fixed-price contracts", true},
		{"Revenue rose by 24% to £1.45bn", false},
		{"Profit fell sharply in the year", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := quotedFrom(tt.claim, para); got != tt.want {
			t.Errorf("quotedFrom(%q) = %v, want %v", tt.claim, got, tt.want)
		}
	}
}
