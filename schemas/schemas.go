// Package schemas holds the wire types of the Veritas API: what the REST routes return and what
// the WebSocket sends. Every message is checked against its validate tags before it is stored or
// sent, so a malformed one is caught as a bug on the server and never reaches a client.
package schemas

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
)

// Agent ids, as they appear in enabled_agents, Result rows and events.
const (
	AgentNumeric    = "numeric_validation"
	AgentLogic      = "logic_consistency"
	AgentDisclosure = "disclosure_compliance"
	AgentExternal   = "external_signal"
)

// Category is the result category of an agent's rows ("numeric" for numeric_validation, …).
func Category(agentID string) string {
	switch agentID {
	case AgentNumeric:
		return "numeric"
	case AgentLogic:
		return "logic"
	case AgentDisclosure:
		return "disclosure"
	case AgentExternal:
		return "external"
	}
	return ""
}

// Job statuses.
const (
	JobQueued     = "queued"
	JobProcessing = "processing"
	JobCompleted  = "completed"
	JobFailed     = "failed"
	JobCancelled  = "cancelled"
)

// Per-agent statuses within a job.
const (
	AgentPending   = "pending"
	AgentRunning   = "running"
	AgentCompleted = "completed"
	AgentFailed    = "failed"
	AgentCancelled = "cancelled"
	AgentSkipped   = "skipped"
)

// Event types.
const (
	EventJobQueued      = "job_queued"
	EventAgentStarted   = "agent_started"
	EventAgentProgress  = "agent_progress"
	EventAgentCompleted = "agent_completed"
	EventAgentError     = "agent_error"
	EventAuditComplete  = "audit_complete"
)

// Finished reports whether a job status is final.
func Finished(status string) bool {
	return status == JobCompleted || status == JobFailed || status == JobCancelled
}

// AgentInfo describes an agent in GET /api/v1/agents.
type AgentInfo struct {
	ID          string `json:"id" validate:"required"`
	Category    string `json:"category" validate:"required,oneof=numeric logic disclosure external"`
	Name        string `json:"name" validate:"required"`
	Description string `json:"description" validate:"required"`
	Available   bool   `json:"available"`
	Reason      string `json:"reason"`
}

// Summary counts a job's findings by severity, and its agents' errors.
type Summary struct {
	Findings int `json:"findings" validate:"gte=0"`
	High     int `json:"high" validate:"gte=0"`
	Medium   int `json:"medium" validate:"gte=0"`
	Low      int `json:"low" validate:"gte=0"`
	Errors   int `json:"errors" validate:"gte=0"`
}

// Add counts one stored Result row.
func (s *Summary) Add(r Result) {
	switch {
	case r.Error != nil:
		s.Errors++
	case r.Severity != nil:
		s.Findings++
		switch *r.Severity {
		case "high":
			s.High++
		case "medium":
			s.Medium++
		case "low":
			s.Low++
		}
	}
}

// Document is the uploaded statement of a job.
type Document struct {
	ID            string    `json:"id" validate:"required,uuid"`
	JobID         string    `json:"job_id" validate:"required,uuid"`
	Filename      string    `json:"filename" validate:"required"`
	ContentType   string    `json:"content_type" validate:"required"`
	SizeBytes     int64     `json:"size_bytes" validate:"gte=0"`
	SHA256        string    `json:"sha256" validate:"required,len=64,hexadecimal"`
	GCSPath       string    `json:"gcs_path"`
	ExtractedText *string   `json:"extracted_text"`
	CreatedAt     time.Time `json:"created_at"`
}

// Job is one audit of one document.
type Job struct {
	ID            string            `json:"id" validate:"required,uuid"`
	Name          string            `json:"name" validate:"required,max=200"`
	Status        string            `json:"status" validate:"oneof=queued processing completed failed cancelled"`
	ErrorMessage  *string           `json:"error_message"`
	EnabledAgents []string          `json:"enabled_agents" validate:"min=1,dive,required"`
	Agents        map[string]string `json:"agents"`
	Summary       Summary           `json:"summary"`
	LastSeq       int64             `json:"last_seq" validate:"gte=0"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	FinishedAt    *time.Time        `json:"finished_at"`
	Documents     []Document        `json:"documents"`
}

// Result is one stored row of an agent's output: a finding, the single empty row of an agent
// that found nothing, or the single error row of an agent that failed.
type Result struct {
	ID          string          `json:"id" validate:"required,uuid"`
	JobID       string          `json:"job_id" validate:"required,uuid"`
	AgentID     string          `json:"agent_id" validate:"required"`
	Category    string          `json:"category" validate:"oneof=numeric logic disclosure external"`
	Severity    *string         `json:"severity" validate:"omitnil,oneof=high medium low"`
	Description *string         `json:"description"`
	Reasoning   *string         `json:"reasoning"`
	SourceRefs  []string        `json:"source_refs"`
	Error       *string         `json:"error"`
	RawData     json.RawMessage `json:"raw_data"`
	CreatedAt   time.Time       `json:"created_at"`
}

// Event is one entry of a job's event log, as stored, served by GET .../events and sent over
// the WebSocket. Which optional fields it carries depends on Type (API.md, "Server → client
// messages"); Validate enforces that.
type Event struct {
	Type          string    `json:"type" validate:"oneof=job_queued agent_started agent_progress agent_completed agent_error audit_complete"`
	JobID         string    `json:"job_id" validate:"required,uuid"`
	Seq           int64     `json:"seq" validate:"gte=1"`
	Timestamp     time.Time `json:"timestamp" validate:"required"`
	EnabledAgents []string  `json:"enabled_agents,omitempty" validate:"required_if=Type job_queued,dive,required"`
	AgentID       string    `json:"agent_id,omitempty" validate:"required_if=Type agent_started,required_if=Type agent_progress,required_if=Type agent_completed,required_if=Type agent_error"`
	Done          *int      `json:"done,omitempty" validate:"required_if=Type agent_progress,omitnil,gte=0"`
	Total         *int      `json:"total,omitempty" validate:"required_if=Type agent_progress,omitnil,gte=0"`
	Message       string    `json:"message,omitempty" validate:"max=65536"`
	Findings      []Result  `json:"findings,omitempty" validate:"required_if=Type agent_completed,dive"`
	Error         string    `json:"error,omitempty" validate:"required_if=Type agent_error"`
	Status        string    `json:"status,omitempty" validate:"required_if=Type audit_complete,omitempty,oneof=completed failed cancelled"`
	Summary       *Summary  `json:"summary,omitempty" validate:"required_if=Type audit_complete"`
}

// Problem is an RFC 9457 problem detail, the body of every error answer.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// RequestID is the request's id, as its X-Request-ID header and the log lines give it, so
	// that a user's report of an error finds its log.
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid input field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// Validate checks a message against its validate tags. It is safe for concurrent use; the
// validator caches struct metadata, so one instance serves the whole process.
func Validate(v any) error {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
	})
	if err := validate.Struct(v); err != nil {
		return fmt.Errorf("invalid %T: %w", v, err)
	}
	return nil
}
