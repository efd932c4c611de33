package extract

// Limits bounds the work and memory one extraction may take, so a hostile upload (a zip bomb,
// XML nested thousands deep, a table of millions of cells) fails fast with ErrTooLarge or
// ErrCorrupt instead of exhausting the server. A zero or negative field takes its default.
type Limits struct {
	// MaxTotalBytes caps the uncompressed bytes read from all parts of the package together.
	MaxTotalBytes int64
	// MaxDocumentBytes caps the uncompressed size of any one part, the main document included.
	MaxDocumentBytes int64
	// MaxEntries caps the number of entries in the zip directory.
	MaxEntries int
	// MaxRatio caps how many times larger than its compressed size an entry may expand, once it
	// has expanded past 1 MiB (small XML parts compress very well and are harmless).
	MaxRatio int64
	// MaxDepth caps the nesting depth of XML elements.
	MaxDepth int
	// MaxCells caps the number of table cells in the document, counted after merged cells are
	// padded out to the table's grid.
	MaxCells int
	// MaxRows caps the number of table rows in the document, nested tables included.
	MaxRows int
	// MaxTextBytes caps the bytes of text the document's paragraphs and cells hold together.
	MaxTextBytes int64
}

// ratioFloor is the size below which an entry's compression ratio is not checked.
const ratioFloor = 1 << 20

// DefaultLimits returns limits that let through any real financial statement (hundreds of
// pages, hundreds of tables: an annual report of 300 pages holds about 30 000 cells, 8 000 rows
// and 1 MiB of text) and stop a typical zip bomb after it has expanded by about 1 MiB. The
// document, its tables and text are held in memory while an upload is read and again while it is
// audited, and the agents' time grows with them, so these caps (twice that report) are what
// bounds an upload's memory and an audit's length (see BENCHMARKS.md, "Upload memory").
func DefaultLimits() Limits {
	return Limits{
		MaxTotalBytes:    100 << 20,
		MaxDocumentBytes: 50 << 20,
		MaxEntries:       10_000,
		MaxRatio:         200,
		MaxDepth:         256,
		MaxCells:         60_000,
		MaxRows:          15_000,
		MaxTextBytes:     2 << 20,
	}
}

// withDefaults fills every unset field from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxDocumentBytes <= 0 {
		l.MaxDocumentBytes = d.MaxDocumentBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxCells <= 0 {
		l.MaxCells = d.MaxCells
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	return l
}
