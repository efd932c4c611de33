package docs_test

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/goccy/go-yaml"

	"github.com/veritas-audit/veritas/docs"
	"github.com/veritas-audit/veritas/schemas"
)

func load(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestOpenAPIIsValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s, want 3.1", doc.OpenAPI)
	}
}

// The event payloads are described twice, once per document; they must be the same schemas.
func TestEventSchemasAgree(t *testing.T) {
	oa := at(load(t, "openapi.yaml", docs.OpenAPI), "components", "schemas").(map[string]any)
	aa := at(load(t, "asyncapi.yaml", docs.AsyncAPI), "components", "schemas").(map[string]any)
	for _, name := range []string{"AgentID", "Category", "Summary", "Result", "EventBase",
		"JobQueued", "AgentStarted", "AgentProgress", "AgentCompleted", "AgentError", "AuditComplete"} {
		if oa[name] == nil || !reflect.DeepEqual(oa[name], aa[name]) {
			t.Errorf("components.schemas.%s differs between openapi.yaml and asyncapi.yaml", name)
		}
	}
	// Every event type of the code has its variant in the OpenAPI Event union.
	mapping := at(oa, "Event", "discriminator", "mapping").(map[string]any)
	want := []string{schemas.EventJobQueued, schemas.EventAgentStarted, schemas.EventAgentProgress,
		schemas.EventAgentCompleted, schemas.EventAgentError, schemas.EventAuditComplete}
	if got := slices.Sorted(maps.Keys(mapping)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("Event discriminator maps %v, want %v", got, want)
	}
}

// The AsyncAPI document names every message each way and every close code the server sends.
func TestAsyncAPIMessagesAndCloseCodes(t *testing.T) {
	doc := load(t, "asyncapi.yaml", docs.AsyncAPI)
	if doc["asyncapi"] != "3.0.0" {
		t.Fatalf("asyncapi %v, want 3.0.0", doc["asyncapi"])
	}
	names := func(action string) []string {
		var out []string
		for _, op := range at(doc, "operations").(map[string]any) {
			if at(op, "action") != action || at(op, "channel", "$ref") != "#/channels/jobStream" {
				continue
			}
			for _, m := range at(op, "messages").([]any) {
				ref := at(m, "$ref").(string) // #/channels/jobStream/messages/<key>
				key := ref[len("#/channels/jobStream/messages/"):]
				msgRef := at(doc, "channels", "jobStream", "messages", key, "$ref").(string)
				msg := at(doc, "components", "messages", msgRef[len("#/components/messages/"):])
				out = append(out, at(msg, "name").(string))
			}
		}
		slices.Sort(out)
		return out
	}
	sends := []string{"agent_completed", "agent_error", "agent_progress", "agent_started", "audit_complete", "error", "job_queued", "pong"}
	if got := names("send"); !slices.Equal(got, sends) {
		t.Errorf("the server sends %v, want %v", got, sends)
	}
	if got := names("receive"); !slices.Equal(got, []string{"ping"}) {
		t.Errorf("the server receives %v, want [ping]", got)
	}
	for _, ch := range []string{"jobStream", "auditStream"} {
		var codes []int
		for _, c := range at(doc, "channels", ch, "x-close-codes").([]any) {
			n, _ := json.Number(jsonString(at(c, "code"))).Int64()
			codes = append(codes, int(n))
		}
		if want := []int{1000, 1001, 1003, 1007, 1008, 1009, 1013}; !slices.Equal(codes, want) {
			t.Errorf("%s: x-close-codes %v, want %v", ch, codes, want)
		}
		if at(doc, "channels", ch, "parameters", "job_id") == nil {
			t.Errorf("%s: no job_id parameter", ch)
		}
	}
	query := at(doc, "components", "channelBindings", "stream", "query", "properties")
	for _, p := range []string{"since", "ticket"} {
		if at(query, p) == nil {
			t.Errorf("the stream's query has no %s", p)
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
