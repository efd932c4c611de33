package agents

import (
	"github.com/veritas-audit/veritas/schemas"
)

// Registry is the team of agents this server runs, in the order they are listed and started.
type Registry struct {
	order []Agent
	byID  map[string]Agent
}

// NewRegistry builds a registry from agents; ids must be unique.
func NewRegistry(agents ...Agent) *Registry {
	r := &Registry{byID: map[string]Agent{}}
	for _, a := range agents {
		id := a.Info().ID
		if _, dup := r.byID[id]; dup {
			panic("agents: duplicate agent id " + id)
		}
		r.order = append(r.order, a)
		r.byID[id] = a
	}
	return r
}

// Lookup finds an agent by id.
func (r *Registry) Lookup(id string) (Agent, bool) {
	a, ok := r.byID[id]
	return a, ok
}

// IDs lists the agent ids in order: what an upload without enabled_agents runs.
func (r *Registry) IDs() []string {
	ids := make([]string, len(r.order))
	for i, a := range r.order {
		ids[i] = a.Info().ID
	}
	return ids
}

// Infos describes every agent, for GET /api/v1/agents.
func (r *Registry) Infos() []schemas.AgentInfo {
	out := make([]schemas.AgentInfo, len(r.order))
	for i, a := range r.order {
		out[i] = a.Info()
	}
	return out
}
