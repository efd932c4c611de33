package statements

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// target is what an agent must reach on the test set.
type target struct {
	minRecall float64 // share of planted problems found
	maxFalse  float64 // largest share of its findings that match nothing planted (1 = no limit)
	cleanZero bool    // no finding at all on the clean files
}

// measured is an agent under measurement with its target.
type measured struct {
	agent  agents.Agent
	target target
}

// measuredAgents are the agents measured on the set, with the targets of the issue: numeric
// recall >= 99 % (in-table and cross-table) and quiet on the clean statements; logic recall
// >= 90 % with at most 10 % of its findings false; disclosure every omission found and nothing
// reported on the complete statements.
func measuredAgents() []measured {
	return []measured{
		{numeric.New(), target{minRecall: 0.99, maxFalse: 1, cleanZero: true}},
		{logic.New(logic.Options{}), target{minRecall: 0.90, maxFalse: 0.10}},
		{disclosure.New(), target{minRecall: 1, maxFalse: 1, cleanZero: true}},
	}
}

// score is one agent's figures over the set.
type score struct {
	expected, found     int
	byKind              map[string][2]int // kind -> expected, found
	findings, unmatched int
	onClean             int
	misses, falses      []string
	elapsed             time.Duration
	files               map[string]bool
}

// TestAgentsOnStatementSet runs every agent on every file of testdata/statements, as uploaded
// (through extract.Docx), and matches its findings to the manifest: recall per agent and kind,
// findings that match nothing planted (false findings) and findings on the clean files. It fails
// when an agent misses its target; -v lists every miss and every unmatched finding.
func TestAgentsOnStatementSet(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(setDir, "manifest.json"))
	if err != nil {
		t.Fatalf("%v (run go test ./internal/statements -run TestStatementSet -update)", err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	docs := map[string]*extract.Document{}
	for _, e := range m.Files {
		b, err := os.ReadFile(filepath.Join(setDir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := extract.Docx(b, extract.DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", e.File, err)
		}
		docs[e.File] = doc
	}
	for _, ma := range measuredAgents() {
		id := ma.agent.Info().ID
		s := score{byKind: map[string][2]int{}, files: map[string]bool{}}
		start := time.Now()
		for _, e := range m.Files {
			fs, err := ma.agent.Run(ctx, docs[e.File], nil)
			if err != nil {
				t.Fatalf("%s on %s: %v", id, e.File, err)
			}
			s.add(id, e, fs)
		}
		s.elapsed = time.Since(start)
		s.report(t, id, ma.target)
	}
}

// add matches one file's findings of agent id against the file's expectations.
func (s *score) add(id string, e Entry, fs []schemas.Finding) {
	var exp []Expectation
	for _, x := range e.Expect {
		if x.Agent == id {
			exp = append(exp, x)
		}
	}
	s.files[e.File] = true
	s.findings += len(fs)
	if e.Clean {
		s.onClean += len(fs)
	}
	used := make([]bool, len(fs))
	for _, x := range exp {
		hit := false
		for i, f := range fs {
			if matchesAny(id, x, f) {
				hit, used[i] = true, true
			}
		}
		if x.Optional {
			continue
		}
		k := s.byKind[x.Kind]
		k[0]++
		s.expected++
		if hit {
			k[1]++
			s.found++
		} else {
			s.misses = append(s.misses, fmt.Sprintf("%s: %s %s: %s", e.File, x.Kind, describe(x.Match), x.Note))
		}
		s.byKind[x.Kind] = k
	}
	for i, f := range fs {
		if !used[i] {
			s.unmatched++
			s.falses = append(s.falses, fmt.Sprintf("%s: %s | %s", e.File, f.Description, rawSummary(f)))
		}
	}
}

// report logs the agent's figures and fails the test when it misses its target.
func (s *score) report(t *testing.T, id string, tg target) {
	t.Helper()
	recall := ratio(s.found, s.expected)
	falseShare := ratio(s.unmatched, s.findings)
	t.Logf("%s: expected %d, found %d (recall %.1f%%); findings %d, matching nothing planted %d (%.1f%%); on clean files %d; %s for %d files",
		id, s.expected, s.found, 100*recall, s.findings, s.unmatched, 100*falseShare, s.onClean, s.elapsed.Round(time.Millisecond), len(s.files))
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("  %s %s: %d/%d", id, k, s.byKind[k][1], s.byKind[k][0])
	}
	for _, x := range s.misses {
		t.Logf("  MISS %s", x)
	}
	for _, x := range s.falses {
		t.Logf("  UNMATCHED %s", x)
	}
	if s.expected > 0 && recall < tg.minRecall {
		t.Errorf("%s recall %.1f%% is under the target %.0f%% (%d of %d planted problems missed)", id, 100*recall, 100*tg.minRecall, s.expected-s.found, s.expected)
	}
	if falseShare > tg.maxFalse {
		t.Errorf("%s: %.1f%% of its findings match nothing planted, over the target %.0f%%", id, 100*falseShare, 100*tg.maxFalse)
	}
	if tg.cleanZero && s.onClean > 0 {
		t.Errorf("%s reports %d finding(s) on the clean statements, want none", id, s.onClean)
	}
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// matchesAny reports whether finding f of agent id is the expectation's finding or one of its
// legitimate consequences.
func matchesAny(id string, x Expectation, f schemas.Finding) bool {
	if matches(id, x.Match, f) {
		return true
	}
	for _, a := range x.Also {
		if matches(id, a, f) {
			return true
		}
	}
	return false
}

// matches applies the manifest's match rules (README.md) to one finding.
func matches(id string, m Match, f schemas.Finding) bool {
	raw := f.RawData
	switch id {
	case agentNumeric:
		if m.Table != 0 && !mentionsTable(f, m.Table) {
			return false
		}
		label := text(raw["row"]) + "\n" + text(raw["fsli_name"])
		return contains(label, m.Row) && contains(text(raw["column"]), m.Column)
	case agentLogic:
		return contains(text(raw["fsli_name"]), m.FSLI) &&
			contains(text(raw["claim"])+"\n"+text(raw["contradiction"]), m.Claim)
	case agentDisclosure:
		ref := strings.Join(strings.Fields(text(raw["reference"])), " ")
		want := strings.Join(strings.Fields(m.Reference), " ")
		if want == "" || !strings.HasPrefix(strings.ToLower(ref), strings.ToLower(want)) {
			return false
		}
		rest := ref[len(want):]
		return rest == "" || rest[0] < '0' || rest[0] > '9' // "IFRS 16.5" is not "IFRS 16.58"
	}
	return false
}

// tableRef finds "Table 12" in a source reference.
var tableRef = regexp.MustCompile(`(?i)\btable (\d+)\b`)

// mentionsTable reports whether the finding is about table n: its raw_data names it (under
// any key holding a table index), or one of its source references does.
func mentionsTable(f schemas.Finding, n int) bool {
	for k, v := range f.RawData {
		if !strings.Contains(strings.ToLower(k), "table") {
			continue
		}
		switch x := v.(type) {
		case int:
			if x == n {
				return true
			}
		case float64:
			if int(x) == n {
				return true
			}
		case []int:
			for _, y := range x {
				if y == n {
					return true
				}
			}
		case []any:
			for _, y := range x {
				if z, ok := y.(float64); ok && int(z) == n {
					return true
				}
				if z, ok := y.(int); ok && z == n {
					return true
				}
			}
		}
	}
	for _, r := range f.SourceRefs {
		for _, sm := range tableRef.FindAllStringSubmatch(r, -1) {
			if sm[1] == strconv.Itoa(n) {
				return true
			}
		}
	}
	return false
}

// contains is a case-insensitive substring test; an empty want matches anything.
func contains(s, want string) bool {
	return want == "" || strings.Contains(strings.ToLower(s), strings.ToLower(want))
}

// text renders a raw_data value as text.
func text(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// describe prints a match for a miss.
func describe(m Match) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+strconv.Quote(v))
		}
	}
	if m.Table != 0 {
		parts = append(parts, fmt.Sprintf("table=%d", m.Table))
	}
	add("row", m.Row)
	add("column", m.Column)
	add("fsli", m.FSLI)
	add("claim", m.Claim)
	add("reference", m.Reference)
	return "{" + strings.Join(parts, " ") + "}"
}

// rawSummary prints the raw_data fields that identify a finding.
func rawSummary(f schemas.Finding) string {
	var parts []string
	for _, k := range []string{"check_type", "table", "row", "column", "fsli_name", "claim", "reference"} {
		if v, ok := f.RawData[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%q", k, text(v)))
		}
	}
	return strings.Join(parts, " ")
}
