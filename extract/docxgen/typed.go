package docxgen

import (
	"strings"
	"unicode/utf8"
)

// TypedTable lays rows out as lines of text the way people type a table: "pipe", a Markdown
// pipe table (the first row the heading, with the |---| row under it); "tabs", cells joined by
// tabs; "spaces", columns padded with spaces (labels to the left, figures to the right). Each
// line can go in a paragraph of its own, or all in one.
func TypedTable(rows [][]string, style string) []string {
	var out []string
	switch style {
	case "pipe":
		esc := strings.NewReplacer("|", `\|`)
		for i, r := range rows {
			cells := make([]string, len(r))
			for j, c := range r {
				cells[j] = esc.Replace(c)
			}
			out = append(out, "| "+strings.Join(cells, " | ")+" |")
			if i == 0 {
				out = append(out, "|"+strings.Repeat("---|", len(r)))
			}
		}
	case "tabs":
		for _, r := range rows {
			out = append(out, strings.Join(r, "\t"))
		}
	case "spaces":
		width := map[int]int{}
		for _, r := range rows {
			for j, c := range r {
				width[j] = max(width[j], utf8.RuneCountInString(c))
			}
		}
		for _, r := range rows {
			var b strings.Builder
			for j, c := range r {
				pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(c))
				if j == 0 {
					b.WriteString(c + pad)
				} else {
					b.WriteString("    " + pad + c)
				}
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
	}
	return out
}
