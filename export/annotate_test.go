package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/export"
	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/internal/amount"
	"github.com/veritas-audit/veritas/schemas"
)

const (
	ctComments  = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
	relComments = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
)

var at = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// insertedMarkers are the markers Annotate writes into document.xml; without them the part
// must be the original, byte for byte.
var insertedMarkers = regexp.MustCompile(`<w:commentRangeStart w:id="\d+"/>|<w:commentRangeEnd w:id="\d+"/><w:r><w:commentReference w:id="\d+"/></w:r>`)

// changedParts are the parts Annotate may rewrite or add to a document that had no comments.
var changedParts = map[string]bool{"word/document.xml": true, "word/comments.xml": true, "[Content_Types].xml": true, "word/_rels/document.xml.rels": true}

// TestAnnotateStatement annotates a statement of the test set with findings of all four agents
// and checks the package a reader opens: a comment per finding, signed by its agent, holding
// its severity, description and reasoning, anchored on the cell or paragraph it names (a cell
// holding the figure the finding quotes, the paragraph it numbers, the heading it names), the
// one finding that names no place on the first paragraph with its reference, the markers in
// the structure Word requires, the content type and relationship of the comments part, and
// every other byte of the package as it was.
func TestAnnotateStatement(t *testing.T) {
	src := readFile(t, "../testdata/statements/nordhafen-planted.docx")
	rows := audit(t, src)
	var findings []schemas.Result
	agentsSeen := map[string]int{}
	for _, r := range rows {
		if r.Severity != nil {
			findings = append(findings, r)
			agentsSeen[r.AgentID]++
		}
	}
	if len(agentsSeen) != 4 {
		t.Fatalf("findings by agent %v: want all four agents", agentsSeen)
	}
	out, err := export.Annotate(src, extract.DefaultLimits(), rows, names(), at)
	if err != nil {
		t.Fatal(err)
	}
	if out.Placed != len(findings)-1 || out.Unplaced != 1 {
		t.Errorf("placed %d, unplaced %d; want %d and 1 (the lawsuit names only a web page)", out.Placed, out.Unplaced, len(findings)-1)
	}

	before, after := openArchive(t, src), openArchive(t, out.Docx)
	// Every entry but the changed ones is the same, in the same order, byte for byte as stored.
	if len(after.files) != len(before.files)+1 {
		t.Fatalf("%d entries, want the %d there were and comments.xml", len(after.files), len(before.files))
	}
	for i, f := range before.files {
		g := after.files[i]
		if g.Name != f.Name {
			t.Fatalf("entry %d is %s, was %s", i, g.Name, f.Name)
		}
		if changedParts[f.Name] {
			continue
		}
		if g.Method != f.Method || g.CRC32 != f.CRC32 || g.UncompressedSize64 != f.UncompressedSize64 || !g.Modified.Equal(f.Modified) ||
			!bytes.Equal(after.raw(t, g.Name), before.raw(t, f.Name)) {
			t.Errorf("%s changed", f.Name)
		}
	}
	if last := after.files[len(after.files)-1]; last.Name != "word/comments.xml" {
		t.Errorf("the added entry is %s", last.Name)
	}
	for name := range changedParts {
		wellFormed(t, name, after.read(t, name))
	}

	// document.xml: the original with the markers inserted, and nothing else.
	doc := after.read(t, "word/document.xml")
	if !bytes.Equal(insertedMarkers.ReplaceAll(doc, nil), before.read(t, "word/document.xml")) {
		t.Error("document.xml without the comment markers differs from the original")
	}
	// [Content_Types].xml and the relationships: the original with one element added.
	ct := string(after.read(t, "[Content_Types].xml"))
	override := `<Override PartName="/word/comments.xml" ContentType="` + ctComments + `"/>`
	if strings.Count(ct, override) != 1 || strings.Replace(ct, override, "", 1) != string(before.read(t, "[Content_Types].xml")) {
		t.Errorf("[Content_Types].xml is not the original with the comments override added:\n%s", ct)
	}
	rels := string(after.read(t, "word/_rels/document.xml.rels"))
	rel := regexp.MustCompile(`<Relationship Id="(rId\d+)" Type="` + regexp.QuoteMeta(relComments) + `" Target="comments.xml"/>`)
	m := rel.FindStringSubmatch(rels)
	if m == nil || rel.ReplaceAllString(rels, "") != string(before.read(t, "word/_rels/document.xml.rels")) {
		t.Fatalf("document.xml.rels is not the original with the comments relationship added:\n%s", rels)
	}
	if strings.Count(string(before.read(t, "word/_rels/document.xml.rels")), `Id="`+m[1]+`"`) != 0 {
		t.Errorf("the relationship id %s was taken already", m[1])
	}

	comments := readComments(t, after.read(t, "word/comments.xml"))
	markers := readMarkers(t, doc)
	if len(comments) != len(findings) || len(markers) != len(findings) {
		t.Fatalf("%d comments and %d anchors for %d findings", len(comments), len(markers), len(findings))
	}
	ext, err := extract.Docx(src, extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for i, f := range findings {
		c := comments[i]
		if c.id != strconv.Itoa(i) {
			t.Errorf("comment %d has id %s", i, c.id)
		}
		if c.author != names()[f.AgentID] || c.date != "2025-03-14T09:30:00Z" || c.initials == "" {
			t.Errorf("comment %d: author %q, date %q, initials %q", i, c.author, c.date, c.initials)
		}
		if !strings.Contains(c.text, "Severity: "+*f.Severity+". "+*f.Description) {
			t.Errorf("comment %d does not hold the severity and the description %q:\n%s", i, *f.Description, c.text)
		}
		for _, line := range strings.Split(*f.Reasoning, "\n") {
			if !strings.Contains(c.text, strings.TrimSpace(line)) {
				t.Errorf("comment %d lacks the reasoning line %q", i, line)
			}
		}
		mk := markers[c.id]
		if mk == nil || mk.starts != 1 || mk.ends != 1 || mk.refs != 1 || strings.Join(mk.order, ",") != "start,end,ref" || !mk.refInRun {
			t.Errorf("comment %d: markers %+v; want one start, end and reference (in a w:r of a w:p), in that order", i, mk)
			continue
		}
		if mk.paragraphs != 1 {
			t.Errorf("comment %d spans %d paragraphs, want its one", i, mk.paragraphs)
		}
		// Where it sits: what the finding names.
		ref := f.SourceRefs
		switch {
		case f.AgentID == schemas.AgentNumeric:
			var raw struct {
				Actual *float64 `json:"actual_value"`
			}
			if err := json.Unmarshal(f.RawData, &raw); err != nil || raw.Actual == nil {
				t.Fatalf("numeric finding without actual_value: %s", f.RawData)
			}
			n, ok := amount.Parse(mk.text)
			if !ok || math.Abs(n.Value-*raw.Actual) > 1e-9*math.Max(1, math.Abs(*raw.Actual)) {
				t.Errorf("comment %d (%q) sits on a cell holding %q, not the figure %v it names", i, ref[0], mk.text, *raw.Actual)
			}
			checked["cell"]++
		case strings.HasPrefix(ref[0], "Paragraph "):
			n, _ := strconv.Atoi(regexp.MustCompile(`^Paragraph (\d+)`).FindStringSubmatch(ref[0])[1])
			if fold(mk.text) != fold(ext.Paragraphs[n-1].Text) {
				t.Errorf("comment %d (%q) sits on %q", i, ref[0], mk.text)
			}
			checked["paragraph"]++
		case strings.HasPrefix(ref[0], "Section '"):
			heading := strings.TrimSuffix(strings.TrimPrefix(ref[0], "Section '"), "'")
			if fold(mk.text) != heading {
				t.Errorf("comment %d (%q) sits on %q", i, ref[0], mk.text)
			}
			checked["heading"]++
		case strings.HasPrefix(ref[0], "https://"):
			if fold(mk.text) != fold(ext.Paragraphs[0].Text) {
				t.Errorf("comment %d (%q) names no place, yet sits on %q, not the first paragraph", i, ref[0], mk.text)
			}
			if !strings.Contains(c.text, "Placed on the first paragraph") || !strings.Contains(c.text, ref[0]) {
				t.Errorf("comment %d names no place and does not say so with its reference:\n%s", i, c.text)
			}
			checked["unplaced"]++
		default:
			t.Errorf("comment %d: no check for a finding referring to %q", i, ref[0])
		}
	}
	if checked["cell"] < 5 || checked["paragraph"] < 2 || checked["heading"] < 3 || checked["unplaced"] != 1 {
		t.Errorf("placements checked %v", checked)
	}
}

// TestAnnotateKeepsExistingComments annotates an annotated document again: the comments it has
// stay as they were, byte for byte, the new ones take ids after theirs, and neither the content
// types nor the relationships change, since the comments part is there already.
func TestAnnotateKeepsExistingComments(t *testing.T) {
	src := readFile(t, "../testdata/statements/nordhafen-planted.docx")
	rows := audit(t, src)
	first, err := export.Annotate(src, extract.DefaultLimits(), rows, names(), at)
	if err != nil {
		t.Fatal(err)
	}
	again, err := export.Annotate(first.Docx, extract.DefaultLimits(), rows[:3], names(), at)
	if err != nil {
		t.Fatal(err)
	}
	a, b := openArchive(t, first.Docx), openArchive(t, again.Docx)
	if len(a.files) != len(b.files) {
		t.Fatalf("%d entries, then %d", len(a.files), len(b.files))
	}
	for _, f := range a.files {
		if f.Name == "word/document.xml" || f.Name == "word/comments.xml" {
			continue
		}
		if !bytes.Equal(a.raw(t, f.Name), b.raw(t, f.Name)) {
			t.Errorf("%s changed", f.Name)
		}
	}
	old, now := a.read(t, "word/comments.xml"), b.read(t, "word/comments.xml")
	end := bytes.LastIndex(old, []byte("</w:comments>"))
	if !bytes.HasPrefix(now, old[:end]) || !bytes.HasSuffix(now, old[end:]) {
		t.Error("the comments the document had are not kept byte for byte")
	}
	wellFormed(t, "comments.xml", now)
	cs := readComments(t, now)
	n := len(readComments(t, old))
	if len(cs) != n+again.Placed+again.Unplaced {
		t.Fatalf("%d comments after adding %d to %d", len(cs), again.Placed+again.Unplaced, n)
	}
	for i, c := range cs[n:] {
		if c.id != strconv.Itoa(n+i) {
			t.Errorf("new comment %d has id %s, want %d", i, c.id, n+i)
		}
	}
	// The first annotation's markers are all there, and the new ones add only markers.
	doc := b.read(t, "word/document.xml")
	for id, m := range readMarkers(t, doc) {
		if m.starts != 1 || m.ends != 1 || m.refs != 1 {
			t.Errorf("comment %s: markers %+v", id, m)
		}
	}
	if got := len(readMarkers(t, doc)); got != len(cs) {
		t.Errorf("%d anchors for %d comments", got, len(cs))
	}
}

// hostile is text built to break a document or a spreadsheet: markup, quotes, a CDATA end,
// control characters, a byte that is not UTF-8, characters XML does not allow, right-to-left
// marks and overrides, and a formula.
const hostile = `=HYPERLINK("http://evil.example","x") <w:p> & </w:t>]]><![CDATA[ "quoted" 'single' ` +
	"\x00\x01\x08\x0b\x0c\x1b\x7f \xff\xfe \ufffe\uffff tab\tnew\nline\r\n" +
	"\u200f\u202eRTL override\u202c \u200e \u2067isolate\u2069 عربي עברית"

func hostileRows() []schemas.Result {
	sev, desc, reason := "high", "@SUM(1+1) "+hostile, "+Line one "+hostile+"\n-Line two"
	return []schemas.Result{{
		ID: "0195f0c8-7d2a-7000-8000-000000000001", JobID: "0195f0c8-7d2a-7000-8000-000000000000",
		AgentID: schemas.AgentLogic, Category: "logic", Severity: &sev, Description: &desc, Reasoning: &reason,
		SourceRefs: []string{"-" + hostile, "Table 99 'none', row '" + hostile + "'"}, RawData: json.RawMessage(`{"x":"` + "\\u003c]]\\u003e" + `"}`),
		CreatedAt: at,
	}}
}

// TestAnnotateHostileText: a finding whose every text is hostile, signed by an agent with a
// hostile name, still gives well-formed parts, with the text kept (characters XML forbids
// replaced by U+FFFD) and the markup shown as text.
func TestAnnotateHostileText(t *testing.T) {
	src := readFile(t, "../testdata/acme-fy2024.docx")
	out, err := export.Annotate(src, extract.DefaultLimits(), hostileRows(), map[string]string{schemas.AgentLogic: `Logic "<&]]>` + "\x01\u202e"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if out.Unplaced != 1 {
		t.Errorf("placed %d, unplaced %d: Table 99 does not exist", out.Placed, out.Unplaced)
	}
	a := openArchive(t, out.Docx)
	for name := range changedParts {
		wellFormed(t, name, a.read(t, name))
	}
	cs := readComments(t, a.read(t, "word/comments.xml"))
	if len(cs) != 1 {
		t.Fatalf("%d comments", len(cs))
	}
	c := cs[0]
	if c.author != "Logic \"<&]]>\ufffd\u202e" {
		t.Errorf("author %q", c.author)
	}
	for _, want := range []string{`=HYPERLINK("http://evil.example","x") <w:p> & </w:t>]]><![CDATA[ "quoted" 'single'`,
		"\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\u007f \ufffd \ufffd\ufffd tab\tnew line ",
		"\u200f\u202eRTL override\u202c \u200e \u2067isolate\u2069 عربي עברית", "@SUM(1+1)", "+Line one", "-Line two"} {
		if !strings.Contains(c.text, want) {
			t.Errorf("the comment lacks %q:\n%q", want, c.text)
		}
	}
	if m := readMarkers(t, a.read(t, "word/document.xml"))[c.id]; m == nil || m.starts != 1 || m.ends != 1 || m.refs != 1 {
		t.Errorf("markers %+v", m)
	}
}

// TestAnnotateEmptyCell: a finding on a cell whose paragraph is an empty element (<w:p/>)
// opens that element to hold the markers.
func TestAnnotateEmptyCell(t *testing.T) {
	cell := func(text string) string {
		if text == "" {
			return `<w:tc><w:p/></w:tc>`
		}
		return `<w:tc><w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p></w:tc>`
	}
	src := docxgen.New().Paragraph("Income statement").RawXML(`<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>` +
		`<w:tr>` + cell("") + cell("2024") + `</w:tr><w:tr>` + cell("Revenue") + cell("") + `</w:tr>` +
		`<w:tr>` + cell("Costs") + cell("(40)") + `</w:tr></w:tbl>`).Bytes()
	sev, desc := "low", "Revenue is not shown"
	rows := []schemas.Result{
		{AgentID: schemas.AgentNumeric, Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1 'Income statement', row 'Revenue', column '2024'"}},
		{AgentID: schemas.AgentNumeric, Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1 'Income statement', row 'Revenue', column '2024'"}},
		{AgentID: schemas.AgentNumeric, Severity: &sev, Description: &desc, SourceRefs: []string{"Table 1 'Income statement', row 'Costs', column '2024'"}},
	}
	out, err := export.Annotate(src, extract.DefaultLimits(), rows, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	if out.Placed != 3 {
		t.Errorf("placed %d of 3", out.Placed)
	}
	doc := openArchive(t, out.Docx).read(t, "word/document.xml")
	want := `<w:tc><w:p><w:commentRangeStart w:id="0"/><w:commentRangeStart w:id="1"/><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>` +
		`<w:commentRangeEnd w:id="1"/><w:r><w:commentReference w:id="1"/></w:r></w:p></w:tc>`
	if !bytes.Contains(doc, []byte(want)) {
		t.Errorf("the empty cell is not opened to hold both comments:\n%s", doc)
	}
	if want := `<w:pPr><w:jc w:val="right"/></w:pPr><w:commentRangeStart w:id="2"/><w:r><w:t>(40)</w:t></w:r><w:commentRangeEnd w:id="2"/>`; !bytes.Contains(doc, []byte(want)) {
		t.Errorf("the comment on (40) does not start after the paragraph's properties:\n%s", doc)
	}
	ms := readMarkers(t, doc)
	if len(ms) != 3 || ms["2"].text != "(40)" {
		t.Errorf("markers %+v", ms)
	}
}

// TestAnnotateWithoutRelationships: a document whose main part has no relationships part gets
// one, naming the comments part.
func TestAnnotateWithoutRelationships(t *testing.T) {
	src := openArchive(t, docxgen.New().Paragraph("Revenue rose").Bytes())
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range src.files {
		if f.Name == "word/_rels/document.xml.rels" {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(src.read(t, f.Name))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	sev, desc := "low", "x"
	out, err := export.Annotate(buf.Bytes(), extract.DefaultLimits(), []schemas.Result{{AgentID: "logic_consistency", Severity: &sev, Description: &desc, SourceRefs: []string{"Paragraph 1 'Revenue rose'"}}}, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	a := openArchive(t, out.Docx)
	rels := string(a.read(t, "word/_rels/document.xml.rels"))
	wellFormed(t, "document.xml.rels", []byte(rels))
	if !strings.Contains(rels, `Type="`+relComments+`" Target="comments.xml"`) {
		t.Errorf("relationships %s", rels)
	}
	if out.Placed != 1 || len(readComments(t, a.read(t, "word/comments.xml"))) != 1 {
		t.Errorf("placed %d", out.Placed)
	}
}
