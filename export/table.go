package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"time"

	"github.com/veritas-audit/veritas/schemas"
)

// Columns are the columns of the CSV and of the workbook's findings sheet: one row of /results
// each, in its order.
var Columns = []string{"id", "agent_id", "agent", "category", "severity", "description", "reasoning", "source_refs", "error", "raw_data", "created_at"}

// cells lays out one result row under Columns: absent values are empty, source_refs one per
// line, raw_data as its JSON.
func cells(r schemas.Result, names map[string]string) []string {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return []string{
		r.ID, r.AgentID, authorOf(r.AgentID, names), r.Category, str(r.Severity), str(r.Description),
		str(r.Reasoning), strings.Join(r.SourceRefs, "\n"), str(r.Error), string(r.RawData),
		r.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// CSV writes rows as RFC 4180 CSV (CRLF line ends, every field quoted where it needs to be)
// with a header line, in UTF-8 after a byte-order mark so that Excel reads it as UTF-8. A
// field that a spreadsheet would run as a formula, one that starts with =, +, -, @, a tab or a
// carriage return, is prefixed with an apostrophe (OWASP's "CSV injection").
func CSV(rows []schemas.Result, names map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.Write(Columns) // a bytes.Buffer does not fail
	for _, r := range rows {
		fields := cells(r, names)
		for i, f := range fields {
			fields[i] = Defuse(strings.ToValidUTF8(f, "\uFFFD"))
		}
		_ = w.Write(fields)
	}
	w.Flush()
	return b.Bytes()
}

// Defuse prefixes a cell that a spreadsheet would read as a formula with an apostrophe.
func Defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
