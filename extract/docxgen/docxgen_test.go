package docxgen_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// parts unzips a document into its parts by name.
func parts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	raw, err := docxgen.Parts(data)
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string]string{}
	for name, b := range raw {
		out[name] = string(b)
	}
	return out
}

func TestBytesIsAValidPackage(t *testing.T) {
	data := docxgen.New().Heading(1, "T").Paragraph("p").Bullet(0, "b").Numbered(1, "n").Table([][]string{{"a", "b"}, {"c"}}).Bytes()
	ps := parts(t, data)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels", "word/styles.xml", "word/numbering.xml"} {
		body, ok := ps[name]
		if !ok {
			t.Fatalf("missing part %s", name)
		}
		dec := xml.NewDecoder(strings.NewReader(body))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed: %v", name, err)
			}
		}
	}
	// Every part but the relationships must have a content type, and every relationship target
	// must exist, or Word refuses to open the file.
	for name := range ps {
		if strings.HasSuffix(name, ".rels") || name == "[Content_Types].xml" {
			continue
		}
		if !strings.Contains(ps["[Content_Types].xml"], `PartName="/`+name+`"`) {
			t.Errorf("no content type override for %s", name)
		}
	}
	for rels, dir := range map[string]string{"_rels/.rels": "", "word/_rels/document.xml.rels": "word"} {
		for _, target := range targets(t, ps[rels]) {
			if _, ok := ps[path.Join(dir, target)]; !ok {
				t.Errorf("%s points at missing part %s", rels, target)
			}
		}
	}
}

// targets lists the Target attributes of a .rels part.
func targets(t *testing.T, rels string) []string {
	var doc struct {
		Rel []struct {
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal([]byte(rels), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range doc.Rel {
		out = append(out, r.Target)
	}
	return out
}

func TestBytesIsDeterministic(t *testing.T) {
	build := func() []byte { return docxgen.New().Heading(2, "x").Table([][]string{{"1"}}).Bytes() }
	if !bytes.Equal(build(), build()) {
		t.Error("two builds of the same document differ")
	}
}

func TestRoundTrip(t *testing.T) {
	d := docxgen.New().
		Heading(0, "Clamped <up> & \"quoted\"").
		Heading(9, "Clamped down").
		Paragraph("Tab\there\nnext line \x01 control").
		Table([][]string{{"A|B", ""}, {"(1,234)", "- - %"}})
	doc, err := extract.Docx(d.Bytes(), extract.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := "# Clamped <up> & \"quoted\"\n\n###### Clamped down\n\nTab here\nnext line \uFFFD control\n\n| A\\|B |  |\n| --- | --- |\n| (1,234) | - - % |\n"
	if doc.Markdown != want {
		t.Errorf("markdown\n got: %q\nwant: %q", doc.Markdown, want)
	}
}
