package procstat

import (
	"runtime"
	"testing"
	"time"
)

func TestParseCPU(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want float64
	}{
		{"19756 (cat) R 19713 19713 4188 0 -1 4194304 126 0 0 0 250 31 0 0 20 0 1 0", 2.81},
		{"7 (a b) c)) S 1 1 1 0 -1 0 0 0 0 0 100 0 0 0", 1},
		{"7 (x) S 1 1", 0},
		{"no name here", 0},
		{"7 (x) S 1 1 1 0 -1 0 0 0 0 0 u s 0 0", 0},
	} {
		if got := parseCPU([]byte(tc.stat)); got != tc.want {
			t.Errorf("parseCPU(%q) = %v, want %v", tc.stat, got, tc.want)
		}
	}
}

func TestThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if ResidentBytes() <= 0 {
		t.Error("no resident memory")
	}
	// Spin until the counter moves by 50 ms (ticks are 10 ms); a counter that does not move
	// in 10 s of spinning is broken, however busy the machine.
	before := CPUSeconds()
	for start := time.Now(); CPUSeconds()-before < 0.05; {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("CPU time stayed at %v over 10 s of spinning", before)
		}
	}
}
