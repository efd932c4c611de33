// Package agents defines what an audit agent is (Agent, Progress) and the team a server runs
// (Registry). Each agent is a subpackage; the runner package drives them through a job.
package agents

import (
	"context"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/schemas"
)

// Agent is one member of the audit team. Run reads the extracted statement and returns its
// findings; it stops when ctx ends. An agent that cannot run returns an error, never made-up
// findings.
type Agent interface {
	Info() schemas.AgentInfo
	Run(ctx context.Context, doc *extract.Document, progress Progress) ([]schemas.Finding, error)
}

// Progress reports how far an agent has got; the runner turns it into agent_progress events,
// at most a few per second. It never blocks for long.
type Progress func(done, total int, message string)
