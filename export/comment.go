package export

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/veritas-audit/veritas/schemas"
)

// comment is one finding as a Word comment.
type comment struct {
	id     int
	row    schemas.Result
	author string
	placed bool // on the place the finding names; otherwise on the first paragraph
}

// write writes the w:comment element: the severity and the description, the reasoning line by
// line, then where the finding points.
func (c comment) write(b *bytes.Buffer, w xmlWriter, at time.Time) {
	el := func(local string) string { return w.el + local }
	attr := func(local, v string) string { return " " + w.at + local + `="` + escAttr(clean(v)) + `"` }
	b.WriteString("<" + el("comment") + w.decl + attr("id", strconv.Itoa(c.id)) + attr("author", c.author) +
		attr("date", at.UTC().Format(time.RFC3339)) + attr("initials", initials(c.author)) + ">")
	para := func(runs ...run) {
		b.WriteString("<" + el("p") + ">")
		for _, r := range runs {
			b.WriteString("<" + el("r") + ">")
			if r.bold {
				b.WriteString("<" + el("rPr") + "><" + el("b") + "/></" + el("rPr") + ">")
			}
			if r.annotationRef {
				b.WriteString("<" + el("annotationRef") + "/>")
			}
			if r.text != "" {
				b.WriteString("<" + el("t") + ` xml:space="preserve">` + escText(r.text) + "</" + el("t") + ">")
			}
			b.WriteString("</" + el("r") + ">")
		}
		b.WriteString("</" + el("p") + ">")
	}
	sev, desc, reasoning := "", "", ""
	if c.row.Severity != nil {
		sev = *c.row.Severity
	}
	if c.row.Description != nil {
		desc = *c.row.Description
	}
	if c.row.Reasoning != nil {
		reasoning = *c.row.Reasoning
	}
	para(run{annotationRef: true}, run{text: "Severity: " + sev + ". ", bold: true}, run{text: oneLine(desc)})
	for _, line := range strings.Split(strings.ReplaceAll(reasoning, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			para(run{text: line})
		}
	}
	refs := oneLine(strings.Join(c.row.SourceRefs, "; "))
	switch {
	case !c.placed && refs != "":
		para(run{text: "Placed on the first paragraph: the document has no paragraph or cell matching its reference: " + refs})
	case !c.placed:
		para(run{text: "Placed on the first paragraph: the finding names no place in the document."})
	case len(c.row.SourceRefs) > 1:
		para(run{text: "References: " + refs})
	}
	b.WriteString("</" + el("comment") + ">")
}

// oneLine puts text on one line: a comment's paragraph breaks are its own.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// run is a run of a comment's paragraph.
type run struct {
	text          string
	bold          bool
	annotationRef bool
}

// initials are the capitals of an agent's name ("Numeric validation" → "NV").
func initials(name string) string {
	var b strings.Builder
	for _, f := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }) {
		r, _ := utf8.DecodeRuneInString(f)
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
		if b.Len() >= 4 {
			break
		}
	}
	return b.String()
}

// clean makes s safe to write as XML character data: invalid UTF-8 and the characters XML 1.0
// does not allow (most C0 controls, surrogates, U+FFFE and U+FFFF) become U+FFFD. Right-to-left
// marks and other format characters are valid XML and stay.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !xmlChar(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// escText escapes s for a w:t element.
func escText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(clean(s)))
	return b.String()
}
