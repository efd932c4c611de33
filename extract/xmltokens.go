package extract

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Namespaces matched by URI, so any prefix the producer chose works. ISO 29500 Strict documents
// use the purl.oclc.org variants.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// errTooDeep is returned by the token reader when elements nest deeper than Limits.MaxDepth.
var errTooDeep = errors.New("elements nested too deep")

// tokens reads one XML part token by token, tracking the element depth so that neither the
// recursive walkers nor hostile input can nest without bound.
type tokens struct {
	dec      *xml.Decoder
	depth    int
	maxDepth int
}

func newTokens(r io.Reader, maxDepth int) *tokens {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	return &tokens{dec: dec, maxDepth: maxDepth}
}

// next returns the next token. Inside an element, the end of input is an error.
func (t *tokens) next() (xml.Token, error) {
	tok, err := t.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) && t.depth > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		t.depth++
		if t.depth > t.maxDepth {
			return nil, errTooDeep
		}
	case xml.EndElement:
		t.depth--
	}
	return tok, nil
}

// skip consumes the rest of the element whose start tag was just read.
func (t *tokens) skip() error {
	for d := 1; d > 0; {
		tok, err := t.next()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			d++
		case xml.EndElement:
			d--
		}
	}
	return nil
}

// each calls fn for every child element of the element whose start tag was just read, and
// returns after that element's end tag. fn must consume the child it is given, end tag included
// (by walking it or by calling skip). Character data between children is ignored.
func (t *tokens) each(fn func(xml.StartElement) error) error {
	for {
		tok, err := t.next()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if err := fn(tok); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// root returns the document's root element.
func (t *tokens) root() (xml.StartElement, error) {
	for {
		tok, err := t.next()
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

// isW reports whether se is the WordprocessingML element local.
func isW(se xml.StartElement, local string) bool {
	return se.Name.Local == local && (se.Name.Space == nsW || se.Name.Space == nsWStrict)
}

// inW reports whether se is in the WordprocessingML namespace.
func inW(se xml.StartElement) bool {
	return se.Name.Space == nsW || se.Name.Space == nsWStrict
}

// isMC reports whether se is the markup-compatibility element local.
func isMC(se xml.StartElement, local string) bool {
	return se.Name.Local == local && se.Name.Space == nsMC
}

// attr returns the value of se's attribute local, in the WordprocessingML namespace or (as
// some generators write it) unqualified.
func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local && (a.Name.Space == nsW || a.Name.Space == nsWStrict || a.Name.Space == "") {
			return a.Value, true
		}
	}
	return "", false
}

// intAttr returns se's attribute local as an integer, or def when it is absent or not a number.
func intAttr(se xml.StartElement, local string, def int) int {
	v, ok := attr(se, local)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

// onOff reads a WordprocessingML on/off property: present without a value means on.
func onOff(se xml.StartElement) bool {
	v, ok := attr(se, "val")
	if !ok {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "false", "off", "none":
		return false
	}
	return true
}
