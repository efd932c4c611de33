// Package export turns a job's findings into what auditors work in: the uploaded statement
// with a Word comment on each finding (Annotate), and the findings as CSV, JSON and an Excel
// workbook. The annotated document is the uploaded file with comment markers spliced into its
// main part and a comments part added: every other byte of every other part is left as it was.
package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Namespaces and types the annotation writes. A document in ISO 29500 Strict gets the Strict
// variants, matched from its own main part and relationships.
const (
	nsW             = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict       = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	relComments     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
	relStrictPrefix = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
	ctComments      = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
	nsRels          = "http://schemas.openxmlformats.org/package/2006/relationships"
	contentTypes    = "[Content_Types].xml"
	xmlDeclaration  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n"
)

// ErrNotDocx means the stored file cannot be annotated: it is not a .docx the extractor reads,
// or its package parts are not what a Word document holds.
var ErrNotDocx = errors.New("the document cannot be annotated")

// Annotated is an annotated document and how its findings were placed.
type Annotated struct {
	Docx []byte
	// Placed counts the comments on the paragraph or cell their finding names; Unplaced those
	// put on the first paragraph because the finding names no place the document has.
	Placed, Unplaced int
}

// Annotate returns docx with one comment per finding of rows (rows without a severity, the
// empty and error rows, get none). Each comment sits on the paragraph or table cell the
// finding's first resolvable source reference names; a finding that names none is put on the
// document's first paragraph, with its references in the text. names maps agent ids to the
// names that sign the comments; at is the comments' date. lim must be the limits the document
// was read with at upload, so that paragraph and table numbers mean what they meant to the
// agents.
func Annotate(docx []byte, lim extract.Limits, rows []schemas.Result, names map[string]string, at time.Time) (*Annotated, error) {
	doc, lay, err := extract.DocxLayout(docx, lim)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotDocx, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %w", ErrNotDocx, err)
	}
	pk := newPackage(zr)
	mainXML, err := pk.read(lay.Part)
	if err != nil {
		return nil, err
	}
	root, err := readRoot(mainXML)
	if err != nil {
		return nil, fmt.Errorf("%w: the main part: %w", ErrNotDocx, err)
	}
	if root.ns != nsW && root.ns != nsWStrict {
		return nil, fmt.Errorf("%w: the main part is not WordprocessingML", ErrNotDocx)
	}

	// The comments part: the one the main part's relationships name, or a new one beside it.
	dir, base := path.Split(lay.Part)
	relsName := dir + "_rels/" + base + ".rels"
	relsXML, haveRels, err := pk.readIfAny(relsName)
	if err != nil {
		return nil, err
	}
	rels, err := readRels(relsXML)
	if haveRels && err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotDocx, relsName, err)
	}
	commentsName := rels.target("comments", dir)
	newRel := commentsName == ""
	if newRel {
		commentsName = dir + "comments.xml"
		for pk.file(commentsName) != nil { // a stray part of that name that nothing refers to
			commentsName = dir + "comments" + strconv.Itoa(len(commentsName)) + ".xml"
		}
	}
	commentsXML, haveComments, err := pk.readIfAny(commentsName)
	if err != nil {
		return nil, err
	}
	var oldComments xmlRoot
	if haveComments {
		if oldComments, err = readRoot(commentsXML); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNotDocx, commentsName, err)
		}
	}
	firstID, err := nextCommentID(mainXML, commentsXML)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotDocx, err)
	}

	// Place each finding and write its markers into the main part.
	loc := newLocator(doc, lay)
	first, ok := loc.first()
	if !ok {
		return nil, fmt.Errorf("%w: it has no paragraph of text to put a comment on", ErrNotDocx)
	}
	out := &Annotated{}
	var comments []comment
	var marks []mark
	for _, r := range rows {
		if r.Severity == nil {
			continue
		}
		desc := ""
		if r.Description != nil {
			desc = *r.Description
		}
		span, placed := loc.place(r.SourceRefs, figures(r.RawData, desc))
		if placed {
			out.Placed++
		} else {
			span = first
			out.Unplaced++
		}
		id := firstID + len(comments)
		comments = append(comments, comment{id: id, row: r, author: authorOf(r.AgentID, names), placed: placed})
		marks = append(marks, mark{span: span, id: id})
	}
	w := root.writer()
	newMain, err := splice(mainXML, marks, w)
	if err != nil {
		return nil, err
	}

	var cw xmlWriter
	if haveComments {
		cw = oldComments.writer()
	} else {
		cw = xmlWriter{ns: root.ns, el: "w:", at: "w:"}
	}
	var body bytes.Buffer
	for _, c := range comments {
		c.write(&body, cw, at)
	}
	var newComments []byte
	if haveComments {
		if newComments, err = insertBeforeRootEnd(commentsXML, body.Bytes()); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNotDocx, commentsName, err)
		}
	} else {
		newComments = []byte(xmlDeclaration + `<w:comments xmlns:w="` + root.ns + `">` + body.String() + `</w:comments>`)
	}

	changed := map[string][]byte{lay.Part: newMain, commentsName: newComments}
	var added []string
	if !haveComments {
		added = append(added, commentsName)
	}
	if newRel {
		relType := relComments
		if rels.strict {
			relType = relStrictPrefix + "comments"
		}
		rel := `<Relationship Id="` + rels.freeID() + `" Type="` + relType + `" Target="` + escAttr(relTarget(dir, commentsName)) + `"/>`
		if haveRels {
			if changed[relsName], err = insertBeforeRootEnd(relsXML, []byte(rel)); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrNotDocx, relsName, err)
			}
		} else {
			changed[relsName] = []byte(xmlDeclaration + `<Relationships xmlns="` + nsRels + `">` + rel + `</Relationships>`)
			added = append(added, relsName)
		}
	}
	ctXML, err := pk.read(contentTypes)
	if err != nil {
		return nil, err
	}
	if newCT, err := withOverride(ctXML, "/"+commentsName, ctComments); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotDocx, contentTypes, err)
	} else if newCT != nil {
		changed[contentTypes] = newCT
	}
	if out.Docx, err = pk.write(changed, added); err != nil {
		return nil, err
	}
	return out, nil
}

// authorOf is the name an agent signs its comments with.
func authorOf(agentID string, names map[string]string) string {
	if n := names[agentID]; n != "" {
		return n
	}
	return agentID
}

// relTarget is the target of a relationship from a part in dir to the part name.
func relTarget(dir, name string) string {
	if strings.HasPrefix(name, dir) {
		return strings.TrimPrefix(name, dir)
	}
	return "/" + name
}

// pkg is the uploaded archive, its entries by name as the extractor finds them (ignoring case,
// the first of duplicates).
type pkg struct {
	zr    *zip.Reader
	files map[string]*zip.File
}

func newPackage(zr *zip.Reader) *pkg {
	p := &pkg{zr: zr, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		k := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := p.files[k]; !dup {
			p.files[k] = f
		}
	}
	return p
}

func (p *pkg) file(name string) *zip.File {
	return p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// read returns a part that must be there. The extractor has read the main part under the
// upload's limits already; the other parts are small, and bounded here all the same.
func (p *pkg) read(name string) ([]byte, error) {
	b, ok, err := p.readIfAny(name)
	if err == nil && !ok {
		err = fmt.Errorf("%w: the package has no %s", ErrNotDocx, name)
	}
	return b, err
}

// maxPart bounds a part read here, beyond the main part the extractor has bounded already.
const maxPart = 64 << 20

func (p *pkg) readIfAny(name string) ([]byte, bool, error) {
	f := p.file(name)
	if f == nil {
		return nil, false, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrNotDocx, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPart+1))
	if err == nil && len(b) > maxPart {
		err = errors.New("the part is too large")
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrNotDocx, name, err)
	}
	return b, true, nil
}

// write copies the archive entry by entry: an entry of changed is written anew with its new
// content, every other entry is copied as it is stored (its compressed bytes untouched), and
// the parts of added follow at the end.
func (p *pkg) write(changed map[string][]byte, added []string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	done := map[string]bool{}
	for _, f := range p.zr.File {
		key := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		var content []byte
		for name, b := range changed {
			if !done[name] && strings.ToLower(strings.TrimPrefix(name, "/")) == key && p.file(name) == f {
				content, done[name] = b, true
			}
		}
		if content == nil {
			if err := zw.Copy(f); err != nil {
				return nil, fmt.Errorf("copy %s: %w", f.Name, err)
			}
			continue
		}
		if err := writeEntry(zw, f.Name, f.Modified, content); err != nil {
			return nil, err
		}
	}
	for _, name := range added {
		if err := writeEntry(zw, name, time.Time{}, changed[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.SetComment(p.zr.Comment); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeEntry(zw *zip.Writer, name string, modified time.Time, content []byte) error {
	if modified.IsZero() {
		modified = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // what Word writes: no time
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = w.Write(content)
	return err
}

// xmlRoot is the root element of a part as written: its namespace and the prefix it is
// written with ("" for a default namespace).
type xmlRoot struct {
	ns     string
	prefix string
	// wPrefix is a prefix bound to the WordprocessingML namespace on the root ("" for none).
	wPrefix string
}

// readRoot reads a part's root start tag.
func readRoot(b []byte) (xmlRoot, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return xmlRoot{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		r := xmlRoot{prefix: se.Name.Space}
		bound := map[string]string{}
		for _, a := range se.Attr {
			switch {
			case a.Name.Space == "xmlns":
				bound[a.Name.Local] = a.Value
				if a.Value == nsW || a.Value == nsWStrict {
					r.wPrefix = a.Name.Local
				}
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				bound[""] = a.Value
			}
		}
		r.ns = bound[r.prefix]
		return r, nil
	}
}

// xmlWriter writes WordprocessingML elements into a part whose root is r: el is the prefix of
// element names, at that of attribute names, decl the namespace declaration an element needs
// when the part binds no prefix to the namespace.
type xmlWriter struct {
	ns, el, at, decl string
}

func (r xmlRoot) writer() xmlWriter {
	ns := r.ns
	switch {
	case r.wPrefix != "":
		return xmlWriter{ns: ns, el: r.wPrefix + ":", at: r.wPrefix + ":"}
	case r.prefix != "":
		return xmlWriter{ns: ns, el: r.prefix + ":", at: r.prefix + ":"}
	}
	// The namespace is the default one: attributes need a prefix of their own.
	return xmlWriter{ns: ns, el: "", at: "vw:", decl: ` xmlns:vw="` + ns + `"`}
}

// empty writes an empty element with a w:id.
func (w xmlWriter) idElement(local string, id int) string {
	return "<" + w.el + local + w.decl + " " + w.at + `id="` + strconv.Itoa(id) + `"/>`
}

// mark is one comment's place in the main part.
type mark struct {
	span extract.Span
	id   int
}

// splice writes the comments' markers into the main part: commentRangeStart where the
// paragraph's content starts, and commentRangeEnd with the run holding commentReference just
// before its end tag. An empty paragraph element (<w:p/>) is opened to hold them.
func splice(src []byte, marks []mark, w xmlWriter) ([]byte, error) {
	type insert struct {
		at, replace int // replace: bytes of src the text replaces at `at`
		text        string
	}
	var (
		order  []extract.Span
		starts = map[extract.Span]string{}
		ends   = map[extract.Span]string{}
	)
	for _, m := range marks {
		if _, seen := starts[m.span]; !seen {
			order = append(order, m.span)
		}
		starts[m.span] += w.idElement("commentRangeStart", m.id)
		ends[m.span] += w.idElement("commentRangeEnd", m.id) +
			"<" + w.el + "r>" + w.idElement("commentReference", m.id) + "</" + w.el + "r>"
	}
	var ins []insert
	for _, sp := range order {
		content, end := int(sp.Content), int(sp.End)
		if content <= 0 || end > len(src) || content > end {
			return nil, fmt.Errorf("a comment's place (%d-%d) is outside the main part", content, end)
		}
		open := bytes.LastIndexByte(src[:end], '<')
		if open < 0 {
			return nil, fmt.Errorf("a comment's place (%d) is not at an element", end)
		}
		if content == end && bytes.HasSuffix(src[:end], []byte("/>")) { // <w:p/>
			name := src[open+1 : end-2]
			if k := bytes.IndexAny(name, " \t\r\n"); k >= 0 {
				name = name[:k]
			}
			ins = append(ins, insert{at: end - 2, replace: 2, text: ">" + starts[sp] + ends[sp] + "</" + string(name) + ">"})
			continue
		}
		if !bytes.HasPrefix(src[open:], []byte("</")) {
			return nil, fmt.Errorf("a comment's place (%d) is not a paragraph's end tag", end)
		}
		ins = append(ins, insert{at: content, text: starts[sp]}, insert{at: open, text: ends[sp]})
	}
	// Stable: at one offset, an end of one paragraph comes before the start of the next (they
	// cannot share an offset otherwise).
	slices.SortStableFunc(ins, func(a, b insert) int { return a.at - b.at })
	var out bytes.Buffer
	out.Grow(len(src) + len(marks)*160)
	pos := 0
	for _, in := range ins {
		if in.at < pos {
			return nil, errors.New("two comments' places overlap")
		}
		out.Write(src[pos:in.at])
		out.WriteString(in.text)
		pos = in.at + in.replace
	}
	out.Write(src[pos:])
	return out.Bytes(), nil
}

// insertBeforeRootEnd inserts add just before the root element's end tag.
func insertBeforeRootEnd(src, add []byte) ([]byte, error) {
	end := bytes.TrimRight(src, " \t\r\n\x00")
	i := bytes.LastIndex(end, []byte("</"))
	if i < 0 || !bytes.HasSuffix(end, []byte(">")) {
		if bytes.HasSuffix(end, []byte("/>")) { // an empty root: <Relationships .../>
			j := bytes.LastIndexByte(end, '<')
			name := end[j+1 : len(end)-2]
			if k := bytes.IndexAny(name, " \t\r\n"); k >= 0 {
				name = name[:k]
			}
			out := append([]byte{}, end[:len(end)-2]...)
			out = append(out, '>')
			out = append(out, add...)
			out = append(out, "</"+string(name)+">"...)
			return append(out, src[len(end):]...), nil
		}
		return nil, errors.New("no end tag of the root element")
	}
	out := make([]byte, 0, len(src)+len(add))
	out = append(out, src[:i]...)
	out = append(out, add...)
	return append(out, src[i:]...), nil
}

// nextCommentID is one more than the largest comment id the main part or the comments part
// uses (0 when none), so new comments never take an existing comment's id.
func nextCommentID(parts ...[]byte) (int, error) {
	next := 0
	for _, b := range parts {
		if b == nil {
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return 0, err
			}
			se, ok := tok.(xml.StartElement)
			if !ok || (se.Name.Space != nsW && se.Name.Space != nsWStrict) {
				continue
			}
			switch se.Name.Local {
			case "comment", "commentRangeStart", "commentRangeEnd", "commentReference":
				for _, a := range se.Attr {
					if a.Name.Local == "id" {
						if n, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && n >= next {
							next = n + 1
						}
					}
				}
			}
		}
	}
	return next, nil
}

// rels is a part's relationships.
type rels struct {
	ids     map[string]bool
	targets map[string]string // by the type's last segment, internal targets only
	strict  bool              // the Strict relationship types are in use
}

func readRels(b []byte) (rels, error) {
	r := rels{ids: map[string]bool{}, targets: map[string]string{}}
	if b == nil {
		return r, nil
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return r, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		rel := extract.ReadRelationship(se)
		r.ids[rel.ID] = true
		if strings.HasPrefix(rel.Type, relStrictPrefix) {
			r.strict = true
		}
		if _, seen := r.targets[rel.Kind()]; !seen && rel.Target != "" && !rel.External {
			r.targets[rel.Kind()] = rel.Target
		}
	}
}

// target is the part name of the relationship of that kind, resolved against dir ("" for none).
func (r rels) target(kind, dir string) string {
	t, ok := r.targets[kind]
	if !ok {
		return ""
	}
	if strings.HasPrefix(t, "/") {
		return strings.TrimPrefix(path.Clean(t), "/")
	}
	return strings.TrimPrefix(path.Join("/", dir, t), "/")
}

// freeID is a relationship id the part does not use yet.
func (r rels) freeID() string {
	for n := len(r.ids) + 1; ; n++ {
		if id := "rId" + strconv.Itoa(n); !r.ids[id] {
			return id
		}
	}
}

// withOverride adds a content-type override for partName to [Content_Types].xml, or returns
// nil when the package has one already.
func withOverride(src []byte, partName, contentType string) ([]byte, error) {
	root, err := readRoot(src)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(src))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Override" {
			for _, a := range se.Attr {
				if a.Name.Local == "PartName" && strings.EqualFold(a.Value, partName) {
					return nil, nil
				}
			}
		}
	}
	el := "Override"
	if root.prefix != "" {
		el = root.prefix + ":" + el
	}
	return insertBeforeRootEnd(src, []byte(`<`+el+` PartName="`+escAttr(partName)+`" ContentType="`+contentType+`"/>`))
}

// escAttr escapes s for an attribute value in double quotes.
func escAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(clean(s)))
	return b.String()
}
