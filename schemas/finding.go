package schemas

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Finding is what an agent reports before the runner stores it as a Result row: the runner adds
// the ids, the category and the time.
type Finding struct {
	Severity    string         `json:"severity" validate:"oneof=high medium low"`
	Description string         `json:"description" validate:"required,max=1000"`
	Reasoning   string         `json:"reasoning" validate:"max=20000"`
	SourceRefs  []string       `json:"source_refs" validate:"dive,max=1000"`
	RawData     map[string]any `json:"raw_data"`
}

// ResultRows turns an agent's findings into the Result rows that are stored and sent: one row per
// finding, or one empty row when it found nothing (API.md: an agent that ran always leaves a
// row). Each finding is validated first; an invalid one is the agent's bug and fails the lot.
func ResultRows(jobID, agentID string, findings []Finding) ([]Result, error) {
	t := time.Now().UTC()
	category := Category(agentID)
	if len(findings) == 0 {
		return []Result{{
			ID: newRowID(), JobID: jobID, AgentID: agentID, Category: category,
			SourceRefs: []string{}, RawData: json.RawMessage("{}"), CreatedAt: t,
		}}, nil
	}
	rows := make([]Result, 0, len(findings))
	for _, f := range findings {
		if err := Validate(f); err != nil {
			return nil, err
		}
		raw := json.RawMessage("{}")
		if f.RawData != nil {
			b, err := json.Marshal(f.RawData)
			if err != nil {
				return nil, fmt.Errorf("encode raw_data: %w", err)
			}
			raw = b
		}
		refs := f.SourceRefs
		if refs == nil {
			refs = []string{}
		}
		rows = append(rows, Result{
			ID: newRowID(), JobID: jobID, AgentID: agentID, Category: category,
			Severity: &f.Severity, Description: &f.Description, Reasoning: &f.Reasoning,
			SourceRefs: refs, RawData: raw, CreatedAt: t,
		})
	}
	return rows, nil
}

// ErrorRow is the one row an agent that failed leaves: msg is the sentence clients show.
func ErrorRow(jobID, agentID, msg string) Result {
	return Result{
		ID: newRowID(), JobID: jobID, AgentID: agentID, Category: Category(agentID),
		Error: &msg, SourceRefs: []string{}, RawData: json.RawMessage("{}"), CreatedAt: time.Now().UTC(),
	}
}

// newRowID is a time-ordered UUID (v7), so rows sort by creation.
func newRowID() string { return uuid.Must(uuid.NewV7()).String() }
