package agents

import (
	"context"
	"fmt"
	"math/rand/v2"
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
	if _, err := NewNumeric().Run(context.Background(), &extract.Document{Tables: tables}, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("took %v", time.Since(start))
}
