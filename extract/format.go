package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
)

// Format is what an upload is, judged by its content rather than its name, so the upload
// handler can refuse a PDF renamed to .docx and name the format it actually got.
type Format int

// The formats Sniff tells apart. Only FormatDocx can be extracted; FormatEncryptedOOXML is a
// .docx (or another Office file) behind a password; the rest are refused as unsupported.
const (
	// FormatUnknown is anything Sniff does not recognise, the empty file included.
	FormatUnknown Format = iota
	// FormatDocx is an Office Open XML package with a word/ part: a .docx, .docm, .dotx. A
	// damaged zip that still names word/document.xml is reported as FormatDocx too, so that
	// Docx can report it as corrupt rather than unsupported.
	FormatDocx
	// FormatEncryptedOOXML is an OLE compound file holding an EncryptedPackage stream: how
	// Office saves a password-protected .docx, .xlsx or .pptx.
	FormatEncryptedOOXML
	// FormatZip is a zip archive that is not one of the Office or OpenDocument formats below.
	FormatZip
	// FormatXLSX is an Excel workbook (.xlsx, .xlsm).
	FormatXLSX
	// FormatPPTX is a PowerPoint presentation (.pptx).
	FormatPPTX
	// FormatODF is an OpenDocument file (.odt, .ods, .odp).
	FormatODF
	// FormatOLE is an unencrypted OLE compound file: a legacy Office 97-2003 .doc, .xls or .ppt.
	FormatOLE
	// FormatPDF is a PDF document.
	FormatPDF
	// FormatRTF is a Rich Text Format document.
	FormatRTF
)

// String names the format the way a user would, for error messages.
func (f Format) String() string {
	switch f {
	case FormatDocx:
		return "a Word document (.docx)"
	case FormatEncryptedOOXML:
		return "a password-protected Office document"
	case FormatZip:
		return "a zip archive"
	case FormatXLSX:
		return "an Excel workbook (.xlsx)"
	case FormatPPTX:
		return "a PowerPoint presentation (.pptx)"
	case FormatODF:
		return "an OpenDocument file (.odt)"
	case FormatOLE:
		return "a legacy Office 97-2003 file (.doc or .xls)"
	case FormatPDF:
		return "a PDF"
	case FormatRTF:
		return "a Rich Text Format file (.rtf)"
	default:
		return "a file of unknown format"
	}
}

// Signatures and stream names Sniff looks for.
const (
	oleSignature = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
	// encryptedPackageUTF16 is "EncryptedPackage" in UTF-16LE, as OLE directory entries spell it.
	encryptedPackageUTF16 = "E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00"
	// wordDocumentUTF16 is the "WordDocument" stream of a legacy .doc, in UTF-16LE.
	wordDocumentUTF16 = "W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t\x00"
	zipLocalHeader    = "PK\x03\x04"
	zipEndOfDir       = "PK\x05\x06"
)

// Sniff tells what data is from its content. For a zip it reads only the central directory
// (no entry is decompressed), so it is cheap enough to call on every upload before Docx.
func Sniff(data []byte) Format {
	if isZip(data) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
			// A damaged archive: judge by the names in its local headers.
			if bytes.Contains(data, []byte("word/document")) {
				return FormatDocx
			}
			return FormatZip
		}
		return sniffZip(zr.File)
	}
	return sniffOther(data)
}

// isZip reports whether data starts like a zip archive (an empty archive included).
func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte(zipLocalHeader)) || bytes.HasPrefix(data, []byte(zipEndOfDir))
}

// sniffZip classifies a zip archive by the names of its entries.
func sniffZip(files []*zip.File) Format {
	var contentTypes, word, xl, ppt, odf bool
	for _, f := range files {
		name := strings.ToLower(f.Name)
		switch {
		case name == "[content_types].xml":
			contentTypes = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case name == "xl/workbook.xml" || name == "xl/workbook.bin":
			xl = true
		case name == "ppt/presentation.xml":
			ppt = true
		case name == "mimetype":
			odf = true
		}
	}
	switch {
	case word && (contentTypes || hasEntry(files, "word/document.xml")):
		return FormatDocx
	case xl:
		return FormatXLSX
	case ppt:
		return FormatPPTX
	case odf && !contentTypes:
		return FormatODF
	default:
		return FormatZip
	}
}

// hasEntry reports whether files holds an entry named name, ignoring case as OPC part names do.
func hasEntry(files []*zip.File, name string) bool {
	for _, f := range files {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// sniffOther classifies data that is not a zip archive.
func sniffOther(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte(oleSignature)):
		if bytes.Contains(data, []byte(encryptedPackageUTF16)) {
			return FormatEncryptedOOXML
		}
		return FormatOLE
	case bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 64)], "\xEF\xBB\xBF \t\r\n"), []byte(`{\rtf`)):
		return FormatRTF
	default:
		return FormatUnknown
	}
}

// isLegacyWord reports whether an OLE compound file is a Word 97-2003 document, so the error
// can tell the user to save it as .docx.
func isLegacyWord(data []byte) bool {
	return bytes.Contains(data, []byte(wordDocumentUTF16))
}

// zipEntryCount reads the entry count from a zip's end-of-central-directory record (zip64
// included), so an archive declaring millions of entries is refused before archive/zip
// allocates a File for each. ok is false when the record cannot be found; zip.NewReader then
// decides.
func zipEntryCount(data []byte) (n uint64, ok bool) {
	const eocdLen, maxComment = 22, 0xFFFF
	start := max(0, len(data)-eocdLen-maxComment)
	i := bytes.LastIndex(data[start:], []byte(zipEndOfDir))
	if i < 0 {
		return 0, false
	}
	i += start
	if i+eocdLen > len(data) {
		return 0, false
	}
	n = uint64(binary.LittleEndian.Uint16(data[i+10:]))
	if n != 0xFFFF {
		return n, true
	}
	// zip64: the locator sits just before the record and points at the zip64 record.
	const locLen = 20
	if i < locLen || string(data[i-locLen:i-locLen+4]) != "PK\x06\x07" {
		return 0, false
	}
	off := binary.LittleEndian.Uint64(data[i-locLen+8:])
	if off > uint64(len(data)) || off+40 > uint64(len(data)) || string(data[off:off+4]) != "PK\x06\x06" {
		return 0, false
	}
	return binary.LittleEndian.Uint64(data[off+32:]), true
}
