// Package extract turns an uploaded statement into what the audit agents read: the document as
// markdown in reading order, and its tables as rows of cell text.
package extract

// Document is one statement after extraction.
type Document struct {
	// Markdown is the whole document in reading order: headings as "#" lines, paragraphs, lists,
	// and tables as pipe tables.
	Markdown string
	// Tables holds every top-level table in document order, as cell text, for the agents that
	// check figures: Word tables, and tables typed as text in the body paragraphs. Tables nested
	// inside a cell stay inside that cell's text.
	Tables []Table
	// Paragraphs holds the text blocks outside tables (headings included), in document order.
	Paragraphs []Paragraph
}

// Table is one table of the document.
type Table struct {
	// Index is the table's 1-based position among the document's tables.
	Index int
	// Title is the nearest heading or paragraph before the table (at most 120 characters), so a
	// finding can name the table the way a reader would.
	Title string
	// Rows holds the cell text row by row. Every row has the same number of cells: a cell that
	// spans several grid columns (gridSpan) keeps its text in its first column and leaves the
	// others empty, and a vertically merged continuation cell (vMerge) is empty.
	Rows [][]string
}

// Paragraph is one block of text outside tables.
type Paragraph struct {
	// Text is the paragraph's plain text (runs joined, tabs as spaces).
	Text string
	// Heading is the heading level (1–6) or 0 for body text.
	Heading int
}
