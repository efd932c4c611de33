package statements

// Manifest lists every file of the test set and what each must find. It is written next to the
// files as manifest.json; testdata/statements/README.md documents the format.
type Manifest struct {
	// About says what the set is and how it was made, for a reader of the JSON alone.
	About string  `json:"about"`
	Files []Entry `json:"files"`
}

// Entry is one statement file and the findings it must produce.
type Entry struct {
	File   string `json:"file"`
	Entity string `json:"entity"`
	// Clean is true for a statement without planted problems: every finding on it is false.
	Clean  bool          `json:"clean"`
	Expect []Expectation `json:"expect"`
}

// Expectation is one planted problem and the finding that reports it.
type Expectation struct {
	// Agent is the id of the agent that must find it ("numeric_validation").
	Agent string `json:"agent"`
	// Kind is the kind of problem, for per-kind figures ("roll_forward", "impossible_sign").
	Kind string `json:"kind"`
	// Match identifies the finding; Also lists other findings the same problem legitimately
	// causes (the other place of a cross-table mismatch, a consequence elsewhere). A finding
	// matching Match or Also finds the expectation and is not false.
	Match Match   `json:"match"`
	Also  []Match `json:"also,omitempty"`
	// Optional marks a consequence another agent may legitimately report: it is not counted
	// in recall, but a finding matching it is not false either.
	Optional bool `json:"optional,omitempty"`
	// Note says in words what was planted.
	Note string `json:"note"`
}

// Match identifies a finding by the fields its agent's raw_data carries. Empty fields match
// anything; text fields match as case-insensitive substrings.
type Match struct {
	// Numeric: the expected check type ("in_table" or "cross_table"), the 1-based table index,
	// a substring of the row label (or of fsli_name) and of the column heading. Table 0 means
	// any table.
	CheckType string `json:"check_type,omitempty"`
	Table     int    `json:"table,omitempty"`
	Row       string `json:"row,omitempty"`
	Column    string `json:"column,omitempty"`
	// Logic: substrings of fsli_name and of the claim (or of the contradiction).
	FSLI  string `json:"fsli,omitempty"`
	Claim string `json:"claim,omitempty"`
	// Disclosure: the paragraph reference the finding's raw_data.reference starts with.
	Reference string `json:"reference,omitempty"`
}

// Agent ids, as schemas names them.
const (
	agentNumeric    = "numeric_validation"
	agentLogic      = "logic_consistency"
	agentDisclosure = "disclosure_compliance"
)
