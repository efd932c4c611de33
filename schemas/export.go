package schemas

import "time"

// ResultsExport is GET /api/v1/jobs/{id}/results.json: the rows /results answers, under a
// header naming the job and the document they belong to, so that a saved file says what it is.
type ResultsExport struct {
	Job        ExportedJob       `json:"job"`
	Document   *ExportedDocument `json:"document"`
	ExportedAt time.Time         `json:"exported_at"`
	Results    []Result          `json:"results"`
}

// ExportedJob names the job of an export.
type ExportedJob struct {
	ID         string     `json:"id" validate:"required,uuid"`
	Name       string     `json:"name" validate:"required,max=200"`
	Status     string     `json:"status" validate:"oneof=queued processing completed failed cancelled"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Summary    Summary    `json:"summary"`
}

// ExportedDocument names the uploaded document of an export.
type ExportedDocument struct {
	Filename    string `json:"filename" validate:"required"`
	ContentType string `json:"content_type" validate:"required"`
	SizeBytes   int64  `json:"size_bytes" validate:"gte=0"`
	SHA256      string `json:"sha256" validate:"required,len=64,hexadecimal"`
}
