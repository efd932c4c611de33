package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/veritas-audit/veritas"

// TestImportsFlowOneWay reads the import graph with `go list` (test imports included) and fails
// on an edge that runs back up the layers of STYLE.md: main -> api -> handlers -> {runner, hub,
// store, agents} -> schemas.
func TestImportsFlowOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		"./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list listed %d packages; want the whole module", len(lines))
	}
	for _, line := range lines {
		f := strings.Fields(line)
		for _, to := range f[1:] {
			if backEdge(f[0], to) {
				t.Errorf("%s imports %s: imports flow main -> api -> handlers -> {runner, hub, store, agents} -> schemas", f[0], to)
			}
		}
	}
}

// backEdge reports whether package from importing to runs back up the layers: agents know
// nothing of storage, fan-out, the runner or HTTP; the hub imports nothing of ours but schemas
// (its tests included; the stored log comes in through its Log interface); runner, store and
// fanout know nothing of HTTP; schemas imports nothing of ours, docs nothing but schemas.
func backEdge(from, to string) bool {
	in := func(pkg string, dirs ...string) bool {
		for _, d := range dirs {
			if pkg == module+"/"+d || strings.HasPrefix(pkg, module+"/"+d+"/") {
				return true
			}
		}
		return false
	}
	switch {
	case in(from, "agents"):
		return in(to, "store", "hub", "fanout", "runner", "handlers", "api")
	case in(from, "hub"):
		return strings.HasPrefix(to, module+"/") && !in(to, "hub", "schemas")
	case in(from, "runner", "store", "fanout"):
		return in(to, "handlers", "api")
	case in(from, "handlers"):
		return in(to, "api")
	case from == module+"/schemas":
		return strings.HasPrefix(to, module+"/")
	case from == module+"/docs":
		// The served documents; their tests read the event types of schemas.
		return strings.HasPrefix(to, module+"/") && !in(to, "docs", "schemas")
	}
	return false
}

func TestBackEdge(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		back     bool
	}{
		{"agents/logic", "store", true},
		{"agents", "hub", true},
		{"agents/numeric", "runner", true},
		{"hub", "store", true},
		{"hub", "agents/numeric", true},
		{"runner", "handlers", true},
		{"handlers", "api", true},
		{"schemas", "extract", true},
		{"docs", "handlers", true},
		{"api", "docs", false},
		{"agents/logic", "internal/amount", false},
		{"agents", "schemas", false},
		{"runner", "store", false},
		{"handlers", "hub", false},
		{"api", "handlers", false},
		{"hub", "schemas", false},
		{"hub", "internal/amount", true},
		{"hub", "extract", true},
		{"agentsx", "store", false}, // a prefix of a name is not the folder
	} {
		if got := backEdge(module+"/"+tc.from, module+"/"+tc.to); got != tc.back {
			t.Errorf("backEdge(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.back)
		}
	}
	if backEdge(module+"/schemas", "github.com/go-playground/validator/v10") {
		t.Error("schemas may import outside modules")
	}
}
