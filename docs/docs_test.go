package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

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
	query := at(doc, "components", "channelBindings", "stream", "ws", "query", "properties")
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

// The Postman collection is v2.1, every request asserts something, its uploads name files that
// are in the repository, and it walks the flow API.md describes.
func TestPostmanCollection(t *testing.T) {
	raw, err := os.ReadFile("postman/veritas.postman_collection.json")
	if err != nil {
		t.Fatal(err)
	}
	var col struct {
		Info struct{ Schema string } `json:"info"`
		Item []struct {
			Name string `json:"name"`
			Item []struct {
				Name  string `json:"name"`
				Event []struct {
					Listen string `json:"listen"`
					Script struct {
						Exec []string `json:"exec"`
					} `json:"script"`
				} `json:"event"`
				Request struct {
					Method string `json:"method"`
					URL    struct {
						Raw string `json:"raw"`
					} `json:"url"`
					Body struct {
						FormData []struct {
							Key, Type, Src string
						} `json:"formdata"`
					} `json:"body"`
				} `json:"request"`
			} `json:"item"`
		} `json:"item"`
	}
	if err := json.Unmarshal(raw, &col); err != nil {
		t.Fatal(err)
	}
	if col.Info.Schema != "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" {
		t.Errorf("schema %q, want v2.1.0", col.Info.Schema)
	}
	var calls []string
	for _, folder := range col.Item {
		for _, it := range folder.Item {
			calls = append(calls, it.Request.Method+" "+strings.TrimPrefix(it.Request.URL.Raw, "{{baseUrl}}"))
			asserts := false
			for _, ev := range it.Event {
				asserts = asserts || ev.Listen == "test" && strings.Contains(strings.Join(ev.Script.Exec, "\n"), "pm.test(")
			}
			if !asserts {
				t.Errorf("%s / %s asserts nothing", folder.Name, it.Name)
			}
			for _, f := range it.Request.Body.FormData {
				if f.Type != "file" {
					continue
				}
				if _, err := os.Stat(filepath.Join("..", f.Src)); err != nil {
					t.Errorf("%s / %s uploads %s: %v", folder.Name, it.Name, f.Src, err)
				}
			}
		}
	}
	for _, want := range []string{
		"GET /api/health",
		"GET /api/v1/agents",
		"POST /api/v1/documents/upload",
		"GET /api/v1/jobs/{{jobId}}",
		"GET /api/v1/jobs/{{jobId}}/results",
		"GET /api/v1/jobs/{{jobId}}/results/agent/numeric_validation",
		"GET /api/v1/jobs/{{jobId}}/results.csv",
		"GET /api/v1/jobs/{{jobId}}/results.json",
		"GET /api/v1/jobs/{{jobId}}/results.xlsx",
		"GET /api/v1/jobs/{{jobId}}/annotated.docx",
		"GET /api/v1/jobs/{{jobId}}/events?after=0",
		"PATCH /api/v1/jobs/{{jobId}}",
		"POST /api/v1/jobs/{{jobId}}/cancel",
		"DELETE /api/v1/jobs/{{jobId}}",
		"GET /api/v1/jobs/{{unknownId}}",
		"GET /api/v1/jobs/not-a-uuid",
	} {
		if !slices.Contains(calls, want) {
			t.Errorf("the collection has no %s", want)
		}
	}
}

// docs/asyncapi.yaml is an AsyncAPI 3.0.0 document by the specification's own JSON Schema
// (testdata/asyncapi-3.0.0.schema.json, from the npm package @asyncapi/specs 6.11.1).
func TestAsyncAPIIsValid(t *testing.T) {
	f, err := os.Open("testdata/asyncapi-3.0.0.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///asyncapi-3.0.0.schema.json", spec); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///asyncapi-3.0.0.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(docs.AsyncAPI)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("docs/asyncapi.yaml is not a valid AsyncAPI 3.0.0 document: %v", err)
	}
}
