// Package tatqa reads the TAT-QA dev split (tables from real annual reports with the paragraphs
// around them, CC BY 4.0) that the agents' corpus tests measure against. It serves tests only.
package tatqa

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"
)

// Entry is one TAT-QA context: a table and the paragraphs around it.
type Entry struct {
	Table struct {
		UID   string     `json:"uid"`
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

// Half is one of the two fixed halves of the split. The agents' rules are developed on Develop
// only; HeldOut is measured and reported, never used to tune, so the gap between the two stays
// visible.
type Half int

// The two halves, in the order they are reported.
const (
	Develop Half = iota
	HeldOut
)

// Halves lists both halves in report order.
var Halves = []Half{Develop, HeldOut}

func (h Half) String() string {
	if h == HeldOut {
		return "held-out"
	}
	return "develop"
}

// HalfOf places a table by the 32-bit FNV-1a hash of its TAT-QA uid: even is Develop, odd is
// HeldOut. It depends on nothing but the id, so a table stays in its half when the corpus file is
// reordered or grows.
func HalfOf(uid string) Half {
	h := fnv.New32a()
	h.Write([]byte(uid))
	return Half(h.Sum32() % 2)
}

// Half is the half of the split the entry's table belongs to.
func (e Entry) Half() Half { return HalfOf(e.Table.UID) }

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
	for i, e := range entries {
		if e.Table.UID == "" {
			t.Fatalf("corpus %s: context %d has no table uid, so it cannot be placed in a half", path, i)
		}
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
