// Package tatqa reads the TAT-QA dev split (tables from real annual reports with the paragraphs
// around them, CC BY 4.0) that the agents' corpus tests measure against. It serves tests only.
package tatqa

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Entry is one TAT-QA context: a table and the paragraphs around it.
type Entry struct {
	Table struct {
		Table [][]string `json:"table"`
	} `json:"table"`
	Paragraphs []Paragraph `json:"paragraphs"`
}

// Paragraph is one paragraph of a context, with its place among them.
type Paragraph struct {
	Order int    `json:"order"`
	Text  string `json:"text"`
}

// Texts are the entry's paragraphs in their order.
func (e Entry) Texts() []string {
	out := make([]string, len(e.Paragraphs))
	for i, p := range e.Paragraphs {
		out[i] = p.Text
	}
	return out
}

// Load reads the split from VERITAS_CORPUS, or from shared/corpus beside the checkout (the
// folder that holds go.mod). Without it a test is skipped, saying where it looked; with
// VERITAS_CORPUS_REQUIRED=1 (in CI, and when measuring) it fails instead, so a run that was meant
// to measure the corpus cannot pass without having read it.
func Load(t testing.TB) []Entry {
	t.Helper()
	path := os.Getenv("VERITAS_CORPUS")
	if path == "" {
		path = filepath.Join(moduleRoot(), "..", "shared", "corpus", "tatqa", "tatqa_dataset_dev.json")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		const msg = "TAT-QA corpus not found at %s (set VERITAS_CORPUS to its tatqa_dataset_dev.json)"
		if os.Getenv("VERITAS_CORPUS_REQUIRED") == "1" {
			t.Fatalf(msg+"; VERITAS_CORPUS_REQUIRED=1 makes that a failure", path)
		}
		t.Skipf(msg, path)
	}
	if err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	var entries []Entry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("parse corpus %s: %v", path, err)
	}
	if len(entries) == 0 {
		t.Fatalf("corpus %s holds no contexts", path)
	}
	return entries
}

// moduleRoot is the nearest folder above the working directory (a test's package folder) that
// holds go.mod; the working directory itself when there is none.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}
