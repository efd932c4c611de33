package extract

import (
	"errors"
	"fmt"
)

// The errors Docx returns, each wrapped with a sentence that tells the user what is wrong with
// the file and what to do about it. Callers branch with errors.Is: the upload handler answers
// 415 for ErrUnsupported and 422 for the others, and shows the wrapped message as the detail.
var (
	// ErrUnsupported means the file is not a Word .docx document at all (a PDF, a workbook, a
	// legacy .doc, a plain zip): the user uploaded the wrong kind of file.
	ErrUnsupported = errors.New("unsupported document format")
	// ErrEncrypted means the file is a password-protected Office document, whose content cannot
	// be read without the password.
	ErrEncrypted = errors.New("document is encrypted")
	// ErrCorrupt means the file claims to be a Word document but its archive or its XML is
	// damaged, so reading it would give an incomplete or wrong text.
	ErrCorrupt = errors.New("document is damaged")
	// ErrTooLarge means the document expands beyond the Limits (too many entries, too many bytes,
	// a suspicious compression ratio, too many table cells): a zip bomb or a document too big
	// to audit, stopped before it could exhaust memory.
	ErrTooLarge = errors.New("document is too large to read")
)

// fail wraps kind with a detail sentence for the user.
func fail(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
