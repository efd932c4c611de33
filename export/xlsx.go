package export

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/veritas-audit/veritas/schemas"
)

// Sheet names of the workbook.
const (
	FindingsSheet = "Findings"
	SummarySheet  = "Summary"
)

// Fill colours of a finding's row by severity (Excel's own "bad", "neutral" and "good" fills),
// and of an agent's error row.
var severityFill = map[string]string{"high": "FFC7CE", "medium": "FFEB9C", "low": "C6EFCE", "error": "D9D9D9"}

// maxCell is the most characters Excel keeps in a cell.
const maxCell = 32767

// Workbook returns the job's rows as an Excel workbook: a findings sheet with one row per
// result row under a header row (autofilter, frozen header, each row filled by its severity,
// column widths that fit) and a summary sheet (the job, its document and the counts by
// severity and agent).
func Workbook(job schemas.Job, rows []schemas.Result, names map[string]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", FindingsSheet); err != nil {
		return nil, err
	}
	if err := findingsSheet(f, rows, names); err != nil {
		return nil, fmt.Errorf("findings sheet: %w", err)
	}
	if _, err := f.NewSheet(SummarySheet); err != nil {
		return nil, err
	}
	if err := summarySheet(f, job, rows, names); err != nil {
		return nil, fmt.Errorf("summary sheet: %w", err)
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func findingsSheet(f *excelize.File, rows []schemas.Result, names map[string]string) error {
	const sh = FindingsSheet
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
		Alignment: &excelize.Alignment{Vertical: "top"},
	})
	if err != nil {
		return err
	}
	styles := map[string]int{}
	for sev, color := range severityFill {
		if styles[sev], err = f.NewStyle(&excelize.Style{
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		}); err != nil {
			return err
		}
	}
	plain, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	widths := make([]int, len(Columns))
	put := func(row int, values []string) error {
		for c, v := range values {
			v = cellText(v)
			ref, err := excelize.CoordinatesToCellName(c+1, row)
			if err != nil {
				return err
			}
			// SetCellStr stores text, never a formula, whatever it starts with.
			if err := f.SetCellStr(sh, ref, v); err != nil {
				return err
			}
			for _, line := range strings.Split(v, "\n") {
				widths[c] = max(widths[c], utf8.RuneCountInString(line))
			}
		}
		return nil
	}
	if err := put(1, Columns); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(Columns), 1)
	if err := f.SetCellStyle(sh, "A1", last, header); err != nil {
		return err
	}
	for i, r := range rows {
		row := i + 2
		if err := put(row, cells(r, names)); err != nil {
			return err
		}
		style := plain
		switch {
		case r.Error != nil:
			style = styles["error"]
		case r.Severity != nil:
			style = styles[*r.Severity]
		}
		first, _ := excelize.CoordinatesToCellName(1, row)
		end, _ := excelize.CoordinatesToCellName(len(Columns), row)
		if err := f.SetCellStyle(sh, first, end, style); err != nil {
			return err
		}
	}
	for c, w := range widths {
		col, _ := excelize.ColumnNumberToName(c + 1)
		// Wide enough for the longest line, within 8 and 80 characters (longer text wraps).
		if err := f.SetColWidth(sh, col, col, float64(min(max(w, 8), 80))+2); err != nil {
			return err
		}
	}
	end, _ := excelize.CoordinatesToCellName(len(Columns), len(rows)+1)
	if err := f.AutoFilter(sh, "A1:"+end, nil); err != nil {
		return err
	}
	return f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func summarySheet(f *excelize.File, job schemas.Job, rows []schemas.Result, names map[string]string) error {
	const sh = SummarySheet
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	var sum schemas.Summary
	type counts struct{ high, medium, low, errors int }
	byAgent := map[string]*counts{}
	for _, r := range rows {
		sum.Add(r)
		c := byAgent[r.AgentID]
		if c == nil {
			c = &counts{}
			byAgent[r.AgentID] = c
		}
		switch {
		case r.Error != nil:
			c.errors++
		case r.Severity != nil && *r.Severity == "high":
			c.high++
		case r.Severity != nil && *r.Severity == "medium":
			c.medium++
		case r.Severity != nil && *r.Severity == "low":
			c.low++
		}
	}
	doc := schemas.Document{}
	if len(job.Documents) > 0 {
		doc = job.Documents[0]
	}
	finished := ""
	if job.FinishedAt != nil {
		finished = job.FinishedAt.UTC().Format(time.RFC3339)
	}
	lines := [][]any{
		{"Job", job.Name},
		{"Job id", job.ID},
		{"Status", job.Status},
		{"Document", doc.Filename},
		{"Document SHA-256", doc.SHA256},
		{"Created", job.CreatedAt.UTC().Format(time.RFC3339)},
		{"Finished", finished},
		{},
		{"Findings", sum.Findings},
		{"High", sum.High},
		{"Medium", sum.Medium},
		{"Low", sum.Low},
		{"Agent errors", sum.Errors},
		{},
		{"Agent", "Agent id", "Status", "High", "Medium", "Low", "Errors"},
	}
	agentHeader := len(lines)
	for _, id := range job.EnabledAgents {
		c := byAgent[id]
		if c == nil {
			c = &counts{}
		}
		lines = append(lines, []any{authorOf(id, names), id, job.Agents[id], c.high, c.medium, c.low, c.errors})
	}
	for i, line := range lines {
		for j, v := range line {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if s, ok := v.(string); ok {
				if err := f.SetCellStr(sh, ref, cellText(s)); err != nil {
					return err
				}
				continue
			}
			if err := f.SetCellValue(sh, ref, v); err != nil {
				return err
			}
		}
		if len(line) > 0 {
			ref, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetCellStyle(sh, ref, ref, bold); err != nil {
				return err
			}
		}
	}
	if err := f.SetCellStyle(sh, fmt.Sprintf("A%d", agentHeader), fmt.Sprintf("G%d", agentHeader), bold); err != nil {
		return err
	}
	for _, w := range []struct {
		from, to string
		width    float64
	}{{"A", "A", 24}, {"B", "B", 40}, {"C", "G", 12}} {
		if err := f.SetColWidth(sh, w.from, w.to, w.width); err != nil {
			return err
		}
	}
	return nil
}

// cellText makes s fit a cell: valid XML characters only, at most maxCell characters.
func cellText(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) > maxCell {
		r := []rune(s)
		s = string(r[:maxCell-1]) + "…"
	}
	return s
}
