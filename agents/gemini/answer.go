package gemini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/genai"
)

// answer is the usable part of a response: the text of the first candidate, with where each of
// its parts starts in that text (grounding segments count bytes within a part).
type answer struct {
	text       string
	partStart  []int // by part index, -1 for parts that are not answer text
	candidate  *genai.Candidate
	finishNote string // the finish reason when the model did not stop normally
}

// blockedReasons are finish reasons that mean the answer was withheld, not finished.
var blockedReasons = map[genai.FinishReason]bool{
	genai.FinishReasonSafety: true, genai.FinishReasonRecitation: true,
	genai.FinishReasonBlocklist: true, genai.FinishReasonProhibitedContent: true,
	genai.FinishReasonSPII: true, genai.FinishReasonImageSafety: true,
	genai.FinishReasonLanguage: true,
}

// readAnswer takes the first candidate's text, or says why there is none.
func readAnswer(resp *genai.GenerateContentResponse) (answer, error) {
	if resp == nil {
		return answer{}, fmt.Errorf("%w (empty response)", ErrNoAnswer)
	}
	if pf := resp.PromptFeedback; pf != nil && pf.BlockReason != "" && pf.BlockReason != genai.BlockedReasonUnspecified {
		return answer{}, fmt.Errorf("%w (blocked: %s)", ErrNoAnswer, pf.BlockReason)
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		return answer{}, fmt.Errorf("%w (no candidates)", ErrNoAnswer)
	}
	c := resp.Candidates[0]
	a := answer{candidate: c}
	var b strings.Builder
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			if p == nil || p.Thought || p.Text == "" {
				a.partStart = append(a.partStart, -1)
				continue
			}
			a.partStart = append(a.partStart, b.Len())
			b.WriteString(p.Text)
		}
	}
	a.text = b.String()
	if blockedReasons[c.FinishReason] {
		return answer{}, fmt.Errorf("%w (blocked: %s)", ErrNoAnswer, c.FinishReason)
	}
	if strings.TrimSpace(a.text) == "" {
		if c.FinishReason != "" && c.FinishReason != genai.FinishReasonStop {
			return answer{}, fmt.Errorf("%w (no text; finish reason %s)", ErrNoAnswer, c.FinishReason)
		}
		return answer{}, fmt.Errorf("%w (no text)", ErrNoAnswer)
	}
	if c.FinishReason == genai.FinishReasonMaxTokens {
		a.finishNote = "the answer was cut off at the output limit (MAX_TOKENS)"
	}
	return a, nil
}

// jsonValue finds the JSON value in a model's text: from the first '{' (or, failing that, the
// first '['), which also skips a ```json fence and any prose before it. It returns the raw value
// and its byte offset in text.
func jsonValue(text string) (json.RawMessage, int, error) {
	var lastErr error
	for _, open := range []string{"{", "["} {
		i := strings.Index(text, open)
		if i < 0 {
			continue
		}
		var raw json.RawMessage
		err := json.NewDecoder(strings.NewReader(text[i:])).Decode(&raw)
		if err == nil {
			return raw, i, nil
		}
		if lastErr == nil {
			lastErr = err
		}
	}
	if lastErr == nil {
		return nil, 0, fmt.Errorf("no JSON object in the answer")
	}
	return nil, 0, fmt.Errorf("the JSON could not be read: %s", clipRunes(oneLine(lastErr.Error()), 120))
}

// listIn returns the array named key of a JSON object, or the value itself when it is an array.
func listIn(raw json.RawMessage, key string) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("the JSON list could not be read: %s", clipRunes(err.Error(), 120))
		}
		return list, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("the JSON object could not be read: %s", clipRunes(err.Error(), 120))
	}
	v, ok := obj[key]
	if !ok {
		return nil, fmt.Errorf("the JSON has no %q list", key)
	}
	if string(bytes.TrimSpace(v)) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, fmt.Errorf("%q is not a list", key)
	}
	return list, nil
}

// stringField reads a string field of a JSON object leniently: a missing or non-string value
// gives "" and ok false; whitespace is folded and the text is cut to n runes.
func stringField(obj map[string]json.RawMessage, key string, n int) (string, bool) {
	v, ok := obj[key]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	s = oneLine(s)
	if s == "" {
		return "", false
	}
	return clipRunes(s, n), true
}
