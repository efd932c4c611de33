package hub_test

import (
	"os/exec"
	"strings"
	"testing"
)

// hub sits below every other package of the module: neither it nor its tests import one. The
// stored log comes in through the Log interface instead.
func TestHubImportsNothingOfOurs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	const module = "github.com/veritas-audit/veritas/"
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, module) && !strings.HasPrefix(pkg, module+"hub") {
			t.Errorf("hub or its tests depend on %s", pkg)
		}
	}
}
