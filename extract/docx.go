package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Docx reads a Word .docx document into markdown, tables and paragraphs. It decompresses only
// the parts it needs (the main document, its styles and numbering), under lim, and never trusts
// the sizes an archive declares. Every failure wraps one of ErrUnsupported, ErrEncrypted,
// ErrCorrupt or ErrTooLarge with a sentence the user can act on. Safe for concurrent use.
//
// The text is what Word prints: deleted revisions, field codes, hidden (w:vanish) runs and the
// fallback copy of alternate content are left out. List items carry "- " or "N. " markers in
// Markdown but not in Paragraph.Text; a numbered heading keeps its number ("3. Revenue") in
// both, since that is how a reader cites it. Tables typed as text in the body paragraphs (pipe
// tables, columns aligned with tabs or spaces) are read as tables too (see texttable.go).
func Docx(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if !isZip(data) {
		switch f := sniffOther(data); f {
		case FormatEncryptedOOXML:
			return nil, fail(ErrEncrypted, "the file is protected with a password; remove the password in Word (File > Info > Protect Document > Encrypt with Password), save, and upload it again")
		case FormatOLE:
			if isLegacyWord(data) {
				return nil, fail(ErrUnsupported, "the file is a Word 97-2003 document (.doc); open it in Word, save it as .docx, and upload that")
			}
			return nil, fail(ErrUnsupported, "the file is %s; upload the statement as a Word .docx document", f)
		case FormatUnknown:
			if len(data) == 0 {
				return nil, fail(ErrUnsupported, "the file is empty")
			}
			return nil, fail(ErrUnsupported, "the file is not a Word .docx document")
		default:
			return nil, fail(ErrUnsupported, "the file is %s; upload the statement as a Word .docx document", f)
		}
	}
	pkg, err := openPackage(data, lim)
	if err != nil {
		return nil, err
	}
	doc, _, err := pkg.extract(false)
	return doc, err
}

// DocxLayout reads a .docx as Docx does and also locates what it extracted in the main
// document part: each of Document.Paragraphs and each table cell, by byte offset in the part's
// uncompressed XML, so that a finding naming a paragraph or a cell can be written back onto
// that element of the original file.
func DocxLayout(data []byte, lim Limits) (*Document, *Layout, error) {
	lim = lim.withDefaults()
	if !isZip(data) {
		_, err := Docx(data, lim) // the same sentence for every kind of file that is not a .docx
		return nil, nil, err
	}
	pkg, err := openPackage(data, lim)
	if err != nil {
		return nil, nil, err
	}
	return pkg.extract(true)
}

// Layout says where Document's paragraphs and table cells are in the main document part.
type Layout struct {
	// Part is the main document part's name as the archive spells it ("word/document.xml").
	Part string
	// Paragraphs[i] is where Document.Paragraphs[i] is.
	Paragraphs []Span
	// Cells[t][r][c] is the first paragraph of the w:tc that holds Document.Tables[t].Rows[r][c]
	// (a cell spanning several grid columns stands at each of them); the zero Span where the
	// grid has no cell or the cell starts with no paragraph.
	Cells [][][]Span
}

// Span is one w:p element in the part: Content is the offset just after its start tag and its
// w:pPr, where runs may be inserted; End is the offset just after its end tag (after "/>" for
// an empty element). Both are zero for no paragraph.
type Span struct {
	Content, End int64
}

// pkg is an open .docx package and the byte budget left for reading its parts.
type pkg struct {
	files map[string]*zip.File // by lower-cased name; the first of duplicates wins
	list  []*zip.File
	lim   Limits
	used  int64 // uncompressed bytes read so far, all parts together
}

// openPackage opens the zip directory after checking the entry count.
func openPackage(data []byte, lim Limits) (*pkg, error) {
	if n, ok := zipEntryCount(data); ok && n > uint64(lim.MaxEntries) {
		return nil, fail(ErrTooLarge, "the archive holds %d entries, more than the %d allowed", n, lim.MaxEntries)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: the file is a damaged zip archive (%w); if it is a Word document, save it again from Word and upload that", ErrCorrupt, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fail(ErrTooLarge, "the archive holds %d entries, more than the %d allowed", len(zr.File), lim.MaxEntries)
	}
	p := &pkg{files: make(map[string]*zip.File, len(zr.File)), list: zr.File, lim: lim}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := p.files[name]; !dup {
			p.files[name] = f
		}
	}
	return p, nil
}

// file returns the entry for a part name, ignoring case.
func (p *pkg) file(name string) *zip.File {
	return p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// mainPart finds the main document part: the officeDocument relationship's target when it lies
// under word/ (Word Online writes word/document2.xml), else word/document.xml.
func (p *pkg) mainPart() (string, error) {
	rels, err := p.relationships("_rels/.rels", "")
	if err != nil {
		return "", err
	}
	if t, ok := rels["officeDocument"]; ok && strings.HasPrefix(strings.ToLower(t), "word/") && p.file(t) != nil {
		return t, nil
	}
	if p.file("word/document.xml") != nil {
		return "word/document.xml", nil
	}
	return "", fail(ErrUnsupported, "the file is %s, not a Word .docx document (it has no word/document.xml)", sniffZip(p.list))
}

// Relationship is one <Relationship> of a package's .rels part.
type Relationship struct {
	ID, Type, Target string
	External         bool // TargetMode="External": the target is outside the package
}

// Kind is the relationship type's last path segment, e.g. "styles" or "comments", the same in
// the transitional and the strict namespace.
func (r Relationship) Kind() string { return r.Type[strings.LastIndexByte(r.Type, '/')+1:] }

// ReadRelationship reads the attributes of a <Relationship> element.
func ReadRelationship(se xml.StartElement) Relationship {
	var r Relationship
	for _, a := range se.Attr {
		switch a.Name.Local {
		case "Id":
			r.ID = a.Value
		case "Type":
			r.Type = a.Value
		case "Target":
			r.Target = a.Value
		case "TargetMode":
			r.External = strings.EqualFold(a.Value, "External")
		}
	}
	return r
}

// relationships reads a .rels part and returns the internal targets by relationship type (its
// last path segment, e.g. "styles"), resolved against dir. A missing or unreadable .rels part
// gives no relationships: the conventional part names are tried instead. Only ErrTooLarge is
// returned.
func (p *pkg) relationships(name, dir string) (map[string]string, error) {
	out := map[string]string{}
	err := p.readPart(name, func(t *tokens) error {
		if _, err := t.root(); err != nil {
			return err
		}
		return t.each(func(se xml.StartElement) error {
			if se.Name.Local == "Relationship" {
				r := ReadRelationship(se)
				kind := r.Kind()
				if _, seen := out[kind]; !seen && r.Target != "" && !r.External {
					if strings.HasPrefix(r.Target, "/") {
						out[kind] = strings.TrimPrefix(path.Clean(r.Target), "/")
					} else {
						out[kind] = strings.TrimPrefix(path.Join("/", dir, r.Target), "/")
					}
				}
			}
			return t.skip()
		})
	})
	if errors.Is(err, ErrTooLarge) {
		return nil, err
	}
	return out, nil
}

// readPart streams part name through fn under the byte limits. A missing part is not an
// error: fn is simply not called.
func (p *pkg) readPart(name string, fn func(*tokens) error) error {
	f := p.file(name)
	if f == nil {
		return nil
	}
	r, err := p.open(f)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := fn(newTokens(r, p.lim.MaxDepth)); err != nil {
		return err
	}
	// Read to the end so the checksum is verified and the limits still apply.
	_, err = io.Copy(io.Discard, r)
	return err
}

// open returns a reader for f that stops with ErrTooLarge as soon as the part outgrows
// MaxDocumentBytes, the total budget, or MaxRatio times its compressed size. The declared
// uncompressed size only serves to refuse early; the count of bytes actually read decides.
func (p *pkg) open(f *zip.File) (io.ReadCloser, error) {
	r := &partReader{p: p, name: f.Name, max: p.lim.MaxDocumentBytes, ratioMax: -1}
	if c := f.CompressedSize64; c <= uint64(1<<62)/uint64(p.lim.MaxRatio) {
		r.ratioMax = max(ratioFloor, int64(c)*p.lim.MaxRatio)
	}
	if f.UncompressedSize64 > uint64(r.max) || f.UncompressedSize64 > uint64(p.lim.MaxTotalBytes-p.used) {
		return nil, r.tooLarge(int64(min(f.UncompressedSize64, 1<<62)))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: the part %s cannot be read (%w); save the document again from Word", ErrCorrupt, f.Name, err)
	}
	r.rc = rc
	// Never read more than one byte past what any limit allows.
	allowed := min(r.max, p.lim.MaxTotalBytes-p.used)
	if r.ratioMax >= 0 {
		allowed = min(allowed, r.ratioMax)
	}
	r.r = io.LimitReader(rc, allowed+1)
	return r, nil
}

// partReader counts the bytes read from one part against the limits.
type partReader struct {
	p        *pkg
	name     string
	rc       io.ReadCloser
	r        io.Reader
	n        int64 // bytes read from this part
	max      int64
	ratioMax int64 // -1 when the ratio is not checked
}

func (r *partReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.n += int64(n)
	r.p.used += int64(n)
	if r.n > r.max || r.p.used > r.p.lim.MaxTotalBytes || r.ratioMax >= 0 && r.n > r.ratioMax {
		return 0, r.tooLarge(r.n)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("%w: the part %s is damaged (%w); save the document again from Word", ErrCorrupt, r.name, err)
	}
	return n, err
}

func (r *partReader) Close() error { return r.rc.Close() }

// tooLarge names the limit that size breaks.
func (r *partReader) tooLarge(size int64) error {
	switch {
	case size > r.max:
		return fail(ErrTooLarge, "the part %s expands to more than %s", r.name, mib(r.max))
	case r.ratioMax >= 0 && size > r.ratioMax:
		return fail(ErrTooLarge, "the part %s expands more than %d times its compressed size, like a zip bomb", r.name, r.p.lim.MaxRatio)
	default:
		return fail(ErrTooLarge, "the document expands to more than %s in total", mib(r.p.lim.MaxTotalBytes))
	}
}

// mib formats a byte count for a user.
func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// extract reads the styles, the numbering and the main document, in that order, because the
// document's headings and lists are defined by the other two.
func (p *pkg) extract(layout bool) (*Document, *Layout, error) {
	main, err := p.mainPart()
	if err != nil {
		return nil, nil, err
	}
	dir, base := path.Split(main)
	rels, err := p.relationships(dir+"_rels/"+base+".rels", dir)
	if err != nil {
		return nil, nil, err
	}
	stylesPart, numberingPart := dir+"styles.xml", dir+"numbering.xml"
	if t, ok := rels["styles"]; ok {
		stylesPart = t
	}
	if t, ok := rels["numbering"]; ok {
		numberingPart = t
	}
	// Styles and numbering only refine the output: a damaged one is ignored, not fatal.
	st := styles{}
	if err := p.readPart(stylesPart, st.read); errors.Is(err, ErrTooLarge) {
		return nil, nil, err
	}
	num := newNumbering()
	if err := p.readPart(numberingPart, num.read); errors.Is(err, ErrTooLarge) {
		return nil, nil, err
	}
	w := &walker{styles: st, lists: newListState(num, st),
		maxCells: p.lim.MaxCells, maxRows: p.lim.MaxRows, maxText: p.lim.MaxTextBytes, layout: layout}
	var body []block
	err = p.readPart(main, func(t *tokens) error {
		w.tokens = t
		return w.document(&body)
	})
	if err != nil {
		return nil, nil, documentError(main, err)
	}
	var lay *Layout
	if layout {
		lay = &Layout{Part: p.file(main).Name}
	}
	doc, err := render(textTables(body), p.lim.MaxCells, lay)
	if err != nil {
		return nil, nil, err
	}
	return doc, lay, nil
}

// documentError turns a failure while reading the main document into one of the package's
// errors.
func documentError(part string, err error) error {
	var syn *xml.SyntaxError
	switch {
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrCorrupt), errors.Is(err, ErrUnsupported):
		return err
	case errors.Is(err, errNotDocument):
		return fail(ErrCorrupt, "the part %s does not hold a Word document body; save the document again from Word", part)
	case errors.Is(err, errTooDeep):
		return fail(ErrCorrupt, "the part %s nests its elements too deep to be a real document", part)
	case errors.As(err, &syn):
		return fmt.Errorf("%w: the part %s is not well-formed XML (line %d: %s); save the document again from Word", ErrCorrupt, part, syn.Line, syn.Msg)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fail(ErrCorrupt, "the part %s ends early; save the document again from Word", part)
	default:
		return fmt.Errorf("%w: the part %s cannot be read (%w)", ErrCorrupt, part, err)
	}
}
