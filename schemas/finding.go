package schemas

// Finding is what an agent reports before the runner stores it as a Result row: the runner adds
// the ids, the category and the time.
type Finding struct {
	Severity    string         `json:"severity" validate:"oneof=high medium low"`
	Description string         `json:"description" validate:"required,max=1000"`
	Reasoning   string         `json:"reasoning" validate:"max=20000"`
	SourceRefs  []string       `json:"source_refs" validate:"dive,max=1000"`
	RawData     map[string]any `json:"raw_data"`
}
