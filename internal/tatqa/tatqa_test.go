package tatqa

import "testing"

// The split is fixed by the id alone: these uids are the first two tables of the dev split, whose
// FNV-1a hashes are 2090187079 (odd) and 3632927252 (even).
func TestHalfOf(t *testing.T) {
	for uid, want := range map[string]Half{
		"3ffd9053-a45d-491c-957a-1b2fa0af0570": HeldOut,
		"53474060-2736-46cb-bd97-1eb42f0ff3c1": Develop,
	} {
		if got := HalfOf(uid); got != want {
			t.Errorf("HalfOf(%q) = %s, want %s", uid, got, want)
		}
	}
}

// Both halves hold a fair share of the corpus, and every table is in one of them.
func TestSplitOfTheCorpus(t *testing.T) {
	entries := Load(t)
	n := map[Half]int{}
	for _, e := range entries {
		n[e.Half()]++
	}
	t.Logf("develop %d, held-out %d of %d tables", n[Develop], n[HeldOut], len(entries))
	if n[Develop]+n[HeldOut] != len(entries) {
		t.Fatalf("halves %v do not cover %d tables", n, len(entries))
	}
	for _, h := range Halves {
		if n[h] < len(entries)/3 {
			t.Errorf("the %s half holds %d of %d tables", h, n[h], len(entries))
		}
	}
}
