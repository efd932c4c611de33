package export_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

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
				t.Fatalf("%s is not installed, and VERITAS_SOFFICE_REQUIRED=1: apt-get install libreoffice-writer-nogui poppler-utils", n)
			}
			t.Skipf("%s is not installed (apt-get install libreoffice-writer-nogui poppler-utils; VERITAS_SOFFICE_REQUIRED=1 makes this a failure)", n)
		}
		out[n] = p
	}
	return out
}

// pdfFilter asks for the comments in the PDF: as annotations (every LibreOffice), and in the
// page margin where the version has that option (7.5 and later; 7.4, Debian 12's, ignores it).
const pdfFilter = `pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"},"ExportNotesInMargin":{"type":"boolean","value":"true"}}`

// toPDF converts a .docx with LibreOffice, in a profile of its own.
func toPDF(t *testing.T, soffice, docx string) []byte {
	t.Helper()
	dir := t.TempDir()
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

// pdfText is the text of a PDF's pages (pdftotext) and of its annotations' /Contents.
func pdfText(t *testing.T, pdftotext string, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	pages, err := exec.Command(pdftotext, "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(pages) + "\n" + strings.Join(annotations(pdf), "\n")
}

// contentsRe finds an annotation's text: a hex string (LibreOffice writes UTF-16BE with a
// byte-order mark) or a literal one.
var contentsRe = regexp.MustCompile(`/Contents\s*(?:<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\))`)

// annotations are the /Contents strings of a PDF's objects that are written uncompressed, as
// LibreOffice writes its annotations.
func annotations(pdf []byte) []string {
	var out []string
	for _, m := range contentsRe.FindAllSubmatch(pdf, -1) {
		var raw []byte
		if m[1] != nil || len(m[2]) == 0 {
			raw, _ = hex.DecodeString(string(bytes.Join(bytes.Fields(m[1]), nil)))
		} else {
			raw = unescapePDF(m[2])
		}
		if len(raw) >= 2 && raw[0] == 0xfe && raw[1] == 0xff {
			u := make([]uint16, 0, len(raw)/2)
			for i := 2; i+1 < len(raw); i += 2 {
				u = append(u, uint16(raw[i])<<8|uint16(raw[i+1]))
			}
			out = append(out, string(utf16.Decode(u)))
			continue
		}
		out = append(out, string(raw))
	}
	return out
}

func unescapePDF(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default:
			if c >= '0' && c <= '7' {
				v := 0
				for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
					v = v*8 + int(s[i]-'0')
					i++
				}
				i--
				out = append(out, byte(v))
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

// TestAnnotatedDocumentInLibreOffice converts the annotated statement (and a document carrying
// a hostile comment) to PDF with LibreOffice: the conversion succeeds, the PDF has the
// statement's own text, and every comment's severity and description are in it.
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
					want = "<w:p> & </w:t>]]><![CDATA[ \"quoted\" 'single'"
				}
				if !strings.Contains(text, "Severity: "+*r.Severity) || !strings.Contains(text, clip(want, 60)) {
					t.Errorf("the PDF lacks the comment %q", clip(want, 60))
				}
			}
			if n == 0 {
				t.Fatal("no finding to look for")
			}
		})
	}
}

// clip is the first n runes of s.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return strings.TrimSpace(string(r))
}
