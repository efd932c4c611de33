package export_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/veritas-audit/veritas/export"
	"github.com/veritas-audit/veritas/schemas"
)

// TestCSVIsSafe: hostile text comes back from an RFC 4180 reader as it was, with every field
// a spreadsheet would run as a formula prefixed with an apostrophe, after a UTF-8 BOM.
func TestCSVIsSafe(t *testing.T) {
	rows := hostileRows()
	out := export.CSV(rows, map[string]string{schemas.AgentLogic: "=cmd|' /C calc'!A0"})
	if !bytes.HasPrefix(out, []byte("\xef\xbb\xbf")) {
		t.Fatal("no UTF-8 byte-order mark")
	}
	if !utf8.Valid(out) {
		t.Error("the CSV is not valid UTF-8")
	}
	if !bytes.HasSuffix(out, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n\"")) {
		t.Error("records do not end in CRLF")
	}
	r := csv.NewReader(bytes.NewReader(out[3:]))
	r.FieldsPerRecord = len(export.Columns)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("an RFC 4180 reader fails on it: %v", err)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(export.Columns, ",") {
		t.Fatalf("records %q", recs)
	}
	got := map[string]string{}
	for i, c := range export.Columns {
		got[c] = recs[1][i]
	}
	h := strings.ToValidUTF8(hostile, "\ufffd")
	crlf := strings.NewReplacer("\r\n", "\n") // the reader reads a quoted CRLF as "\n"
	for col, want := range map[string]string{
		"agent":       "'=cmd|' /C calc'!A0",
		"description": "'@SUM(1+1) " + crlf.Replace(h),
		"reasoning":   "'+Line one " + crlf.Replace(h) + "\n-Line two",
		"source_refs": "'-" + crlf.Replace(h) + "\nTable 99 'none', row '" + crlf.Replace(h) + "'",
		"severity":    "high",
		"raw_data":    `{"x":"\u003c]]\u003e"}`,
	} {
		if got[col] != want {
			t.Errorf("%s: %q\nwant %q", col, got[col], want)
		}
	}
	for _, rec := range recs[1:] {
		for i, f := range rec {
			if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				t.Errorf("%s starts like a formula: %q", export.Columns[i], f)
			}
		}
	}
}

// TestWorkbook opens the workbook with excelize and reads what Excel would show: the findings
// sheet's header, one row per result row with its text (no formula anywhere), the autofilter,
// the frozen header, the severity fills and the widths; and the summary's counts.
func TestWorkbook(t *testing.T) {
	src := readFile(t, "../testdata/statements/nordhafen-planted.docx")
	rows := append(audit(t, src), hostileRows()...)
	msg := "external_signal is not configured"
	rows = append(rows, schemas.Result{AgentID: schemas.AgentExternal, Category: "external", Error: &msg, SourceRefs: []string{}})
	job := schemas.Job{ID: "0195f0c8-7d2a-7000-8000-000000000000", Name: "Nordhafen FY2024", Status: schemas.JobCompleted,
		EnabledAgents: []string{schemas.AgentNumeric, schemas.AgentLogic, schemas.AgentDisclosure, schemas.AgentExternal},
		Agents:        map[string]string{schemas.AgentNumeric: "completed", schemas.AgentLogic: "completed", schemas.AgentDisclosure: "completed", schemas.AgentExternal: "failed"},
		Documents:     []schemas.Document{{Filename: "nordhafen-planted.docx", SHA256: strings.Repeat("ab", 32)}}}
	b, err := export.Workbook(job, rows, names())
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("excelize cannot open it: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "Findings,Summary" {
		t.Fatalf("sheets %v", got)
	}
	grid, err := f.GetRows(export.FindingsSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(grid) != len(rows)+1 || strings.Join(grid[0], ",") != strings.Join(export.Columns, ",") {
		t.Fatalf("%d rows, header %v", len(grid), grid[0])
	}
	col := map[string]int{}
	for i, c := range export.Columns {
		col[c] = i
	}
	fills := map[string]string{"high": "FFC7CE", "medium": "FFEB9C", "low": "C6EFCE", "error": "D9D9D9"}
	seen := map[string]bool{}
	for i, r := range rows {
		line := grid[i+1]
		cell := func(c string) string {
			if col[c] < len(line) {
				return line[col[c]]
			}
			return ""
		}
		if cell("id") != r.ID || cell("agent_id") != r.AgentID || cell("agent") != names()[r.AgentID] {
			t.Errorf("row %d: %v", i+2, line[:3])
		}
		if r.Description != nil && cell("description") != strings.ToValidUTF8(strings.NewReplacer("\x00", "\ufffd", "\x01", "\ufffd", "\x08", "\ufffd", "\x0b", "\ufffd", "\x0c", "\ufffd", "\x1b", "\ufffd", "\ufffe", "\ufffd", "\uffff", "\ufffd").Replace(*r.Description), "\ufffd") {
			t.Errorf("row %d description %q", i+2, cell("description"))
		}
		if r.Error != nil && cell("error") != *r.Error {
			t.Errorf("row %d error %q", i+2, cell("error"))
		}
		for c := range export.Columns {
			ref, _ := excelize.CoordinatesToCellName(c+1, i+2)
			if fml, _ := f.GetCellFormula(export.FindingsSheet, ref); fml != "" {
				t.Errorf("%s holds a formula %q", ref, fml)
			}
		}
		kind := ""
		switch {
		case r.Error != nil:
			kind = "error"
		case r.Severity != nil:
			kind = *r.Severity
		default:
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(col["description"]+1, i+2)
		sid, err := f.GetCellStyle(export.FindingsSheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(sid)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) != 1 || !strings.EqualFold(st.Fill.Color[0], fills[kind]) {
			t.Errorf("row %d (%s) filled %v, want %s", i+2, kind, st.Fill.Color, fills[kind])
		}
		seen[kind] = true
	}
	if len(seen) != 4 {
		t.Errorf("fills checked for %v; want high, medium, low and error", seen)
	}
	filter := false
	if tables, err := f.GetTables(export.FindingsSheet); err == nil && len(tables) > 0 {
		filter = true
	}
	if !filter {
		// excelize writes a worksheet autoFilter with a hidden defined name; read it back.
		names := f.GetDefinedName()
		for _, n := range names {
			if n.Name == "_xlnm._FilterDatabase" && strings.Contains(n.RefersTo, "Findings") {
				filter = true
				if !strings.HasSuffix(n.RefersTo, "$A$1:$K$"+itoa(len(rows)+1)) {
					t.Errorf("autofilter over %s", n.RefersTo)
				}
			}
		}
	}
	if !filter {
		t.Error("no autofilter on the findings")
	}
	panes, err := f.GetPanes(export.FindingsSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v, %v: want the header row frozen", panes, err)
	}
	for c, name := range export.Columns {
		letter, _ := excelize.ColumnNumberToName(c + 1)
		w, err := f.GetColWidth(export.FindingsSheet, letter)
		if err != nil {
			t.Fatal(err)
		}
		longest := 0
		for _, line := range grid {
			if c < len(line) {
				for _, l := range strings.Split(line[c], "\n") {
					longest = max(longest, utf8.RuneCountInString(l))
				}
			}
		}
		if want := float64(min(max(longest, 8), 80) + 2); w != want {
			t.Errorf("column %s (%s) is %.0f wide, want %.0f for its longest line of %d", letter, name, w, want, longest)
		}
	}
	sum, err := f.GetRows(export.SummarySheet)
	if err != nil {
		t.Fatal(err)
	}
	var counts schemas.Summary
	for _, r := range rows {
		counts.Add(r)
	}
	want := map[string]string{"Job": "Nordhafen FY2024", "Status": "completed", "Document": "nordhafen-planted.docx",
		"Findings": itoa(counts.Findings), "High": itoa(counts.High), "Medium": itoa(counts.Medium), "Low": itoa(counts.Low), "Agent errors": "1"}
	for _, line := range sum {
		if len(line) >= 2 {
			if w, ok := want[line[0]]; ok {
				if line[1] != w {
					t.Errorf("summary %s: %q, want %q", line[0], line[1], w)
				}
				delete(want, line[0])
			}
		}
		if len(line) == 7 && line[1] == schemas.AgentExternal && (line[2] != "failed" || line[6] != "1") {
			t.Errorf("summary of external_signal: %v", line)
		}
	}
	if len(want) > 0 {
		t.Errorf("the summary lacks %v", want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
