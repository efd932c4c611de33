package export_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veritas-audit/veritas/export"
	"github.com/veritas-audit/veritas/extract"
)

// requireTools finds the programs a round-trip test runs. Without them it skips, unless
// VERITAS_SOFFICE_REQUIRED=1 (as .ci/run sets it, having installed them): then it fails, so a
// CI run without LibreOffice cannot pass by skipping.
func requireTools(t *testing.T, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			if os.Getenv("VERITAS_SOFFICE_REQUIRED") == "1" {
				t.Fatalf("%s is not installed, and VERITAS_SOFFICE_REQUIRED=1: apt-get install --no-install-recommends libreoffice-writer poppler-utils", n)
			}
			t.Skipf("%s is not installed (apt-get install --no-install-recommends libreoffice-writer poppler-utils; VERITAS_SOFFICE_REQUIRED=1 makes this a failure)", n)
		}
		out[n] = p
	}
	return out
}

// pdfFilter asks for the comments in the page margin where the PDF export has that option
// (LibreOffice 7.5 and later).
const pdfFilter = `pdf:writer_pdf_Export:{"ExportNotesInMargin":{"type":"boolean","value":"true"}}`

// marginProfile is the profile LibreOffice starts with: Writer prints comments in the margin
// (Print > Comments > "Place in margins", 4), which is how 7.4, Debian 12's, exports them to
// PDF; it has no filter option for it. Either way it needs the libreoffice-writer package: the
// -nogui one lacks the comment window's layout, and the export then fails.
const marginProfile = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Writer/Print/Content"><prop oor:name="Note" oor:op="fuse"><value>4</value></prop></item>
</oor:items>
`

// toPDF converts a .docx with LibreOffice, in a profile of its own that puts comments in the
// margin.
func toPDF(t *testing.T, soffice, docx string) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "profile", "user"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profile", "user", "registrymodifications.xcu"), []byte(marginProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--convert-to", pdfFilter, "--outdir", dir, docx)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice --convert-to pdf: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(filepath.Base(docx), ".docx")+".pdf"))
	if err != nil {
		t.Fatalf("soffice made no PDF (%v):\n%s", err, out)
	}
	return pdf
}

// pdfText is the text of a PDF's pages, as pdftotext reads it.
func pdfText(t *testing.T, pdftotext string, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	pages, err := exec.Command(pdftotext, "-q", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(pages)
}

// TestAnnotatedDocumentInLibreOffice converts the annotated statement (and a document carrying
// a hostile comment) to PDF with LibreOffice, comments in the margin: the conversion succeeds,
// and the pages' text holds the statement's own text and every comment's severity and the
// beginning of its description.
func TestAnnotatedDocumentInLibreOffice(t *testing.T) {
	tools := requireTools(t, "soffice", "pdftotext")
	out, err := exec.Command(tools["soffice"], "--version").Output()
	if err == nil {
		t.Logf("%s", bytes.TrimSpace(out))
	}
	for _, tc := range []struct {
		name, file string
		hostile    bool
		body       string // text of the document itself, to find in the PDF
	}{
		{"statement", "../testdata/statements/nordhafen-planted.docx", false, "Nordhafen Logistik GmbH"},
		{"hostile", "../testdata/acme-fy2024.docx", true, "Acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := readFile(t, tc.file)
			rows := audit(t, src)
			if tc.hostile {
				rows = append(hostileRows(), rows...)
			}
			ann, err := export.Annotate(src, extract.DefaultLimits(), rows, names(), at)
			if err != nil {
				t.Fatal(err)
			}
			docx := filepath.Join(t.TempDir(), tc.name+"-annotated.docx")
			if err := os.WriteFile(docx, ann.Docx, 0o600); err != nil {
				t.Fatal(err)
			}
			text := fold(pdfText(t, tools["pdftotext"], toPDF(t, tools["soffice"], docx)))
			if !strings.Contains(text, tc.body) {
				t.Errorf("the PDF lacks the document's own text %q", tc.body)
			}
			n := 0
			for _, r := range rows {
				if r.Severity == nil {
					continue
				}
				n++
				// The words of the description, as LibreOffice shows text XML allows.
				want := fold(strings.ToValidUTF8(*r.Description, ""))
				want = strings.Map(func(c rune) rune {
					if c < 0x20 || c == 0x7f || c == 0xfffe || c == 0xffff {
						return -1
					}
					return c
				}, want)
				if tc.hostile && r.AgentID == "logic_consistency" && strings.HasPrefix(want, "@SUM") {
					want = `@SUM(1+1) =HYPERLINK("http://evil.example","x") <w:p> &`
				}
				// A narrow margin breaks lines anywhere, inside a URL too: compare without white space.
				if !strings.Contains(noSpace(text), noSpace("Severity: "+*r.Severity+". "+clip(want, 40))) {
					t.Errorf("the PDF's pages lack the comment %q", "Severity: "+*r.Severity+". "+clip(want, 40))
				}
			}
			if n == 0 {
				t.Fatal("no finding to look for")
			}
		})
	}
}

// noSpace is s without white space.
func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// clip is the first n runes of s.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return strings.TrimSpace(string(r))
}
