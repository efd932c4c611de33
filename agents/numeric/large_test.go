package numeric

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/extract"
)

// TestNumericLargeAndOddTables feeds the agent tables no statement has: thousands of rows,
// random cell text, ragged rows. It must neither panic nor take long.
func TestNumericLargeAndOddTables(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cells := []string{"", "—", "(12)", "1,234", "5", "12.5%", "n/a", "Total", "2019", "$ 3.40", "-", "Less: x", "text"}
	var tables []extract.Table
	for k := range 40 {
		rows := make([][]string, 1+rng.IntN(30))
		for i := range rows {
			rows[i] = make([]string, rng.IntN(6))
			for j := range rows[i] {
				rows[i][j] = cells[rng.IntN(len(cells))]
			}
		}
		tables = append(tables, extract.Table{Index: k + 1, Rows: rows})
	}
	big := [][]string{{"", "2019", "2018", "2017", "2016"}}
	for i := range 5000 {
		label := fmt.Sprintf("Line %d", i)
		if i%7 == 6 {
			label = "Total"
		}
		row := []string{label}
		for range 4 {
			row = append(row, fmt.Sprint(rng.IntN(100000)))
		}
		big = append(big, row)
	}
	tables = append(tables, extract.Table{Index: len(tables) + 1, Rows: big})
	start := time.Now()
	if _, err := New().Run(context.Background(), &extract.Document{Tables: tables}, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("took %v", time.Since(start))
}

// TestNumericWideTableIsLinear guards against the search for change columns growing with the
// cube of the width: a 20 × 1001 table (20 k cells, far under the extractor's cell limit) took
// 42 s before; now it must finish in well under the bound even under -race.
func TestNumericWideTableIsLinear(t *testing.T) {
	rows := make([][]string, 20)
	for i := range rows {
		rows[i] = make([]string, 1001)
		rows[i][0] = "row " + strconv.Itoa(i)
		for j := 1; j < len(rows[i]); j++ {
			rows[i][j] = strconv.Itoa((i+1)*(j+3)%997 + 10)
		}
	}
	done := make(chan struct{})
	go func() {
		New().Run(context.Background(), &extract.Document{Tables: []extract.Table{{Index: 1, Rows: rows}}}, nil)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a 20 × 1001 table took more than 10 s")
	}
}
