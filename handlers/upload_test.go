package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veritas-audit/veritas/agents"
	"github.com/veritas-audit/veritas/agents/disclosure"
	"github.com/veritas-audit/veritas/agents/logic"
	"github.com/veritas-audit/veritas/agents/numeric"
)

// The fuzzed form's limit on the file: small, so that the fuzzer reaches it.
const fuzzMaxUpload = 4 << 10

// Form shapes FuzzUploadForm builds from its flags.
const (
	withAgents  = 1 << iota // an enabled_agents field
	withName                // a name field
	withoutFile             // no file field
	rawBody                 // the file's bytes are the whole multipart body
)

// FuzzUploadForm runs readUpload, the upload handler's reading of the form, on arbitrary forms:
// well-formed multipart bodies with arbitrary file bytes, enabled_agents and name, and arbitrary
// bodies under a multipart content type. It never panics; every refusal is one of our errors
// with a client status (400, 413, 415, 422), a sentence, and a field the form has; a well-formed
// form gets exactly the answer the contract gives for its fields (an independent reading of
// API.md below), and what it accepts comes back as sent: the file's bytes, the name trimmed, the
// agents in order without duplicates.
func FuzzUploadForm(f *testing.F) {
	f.Add([]byte("PK\x03\x04"), `["numeric_validation","logic_consistency","numeric_validation"]`, "  FY2024  ", uint8(withAgents|withName))
	f.Add([]byte{}, ``, ``, uint8(0))
	f.Add([]byte("x"), `  `, "Q3", uint8(withAgents|withName))
	f.Add([]byte("x"), `[]`, "", uint8(withAgents))
	f.Add([]byte("x"), `null`, "", uint8(withAgents))
	f.Add([]byte("x"), `["astrology"]`, "", uint8(withAgents))
	f.Add([]byte("x"), `[1,"numeric_validation"]`, "", uint8(withAgents))
	f.Add([]byte("x"), `["numeric_validation"] []`, "", uint8(withAgents))
	f.Add([]byte("x"), `{"a":1}`, "a\x00b", uint8(withAgents|withName))
	f.Add([]byte("x"), ``, strings.Repeat("é", 201), uint8(withName))
	f.Add([]byte("x"), "[\"\xff\"]", "", uint8(withAgents))
	f.Add(bytes.Repeat([]byte("a"), fuzzMaxUpload+1), ``, ``, uint8(0))
	f.Add([]byte(""), `["numeric_validation"]`, "n", uint8(withAgents|withName|withoutFile))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.docx\"\r\n\r\nPK\r\n--b--\r\n"), ``, ``, uint8(rawBody))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nQ3\r\n--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--"), ``, ``, uint8(rawBody))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx"), ``, ``, uint8(rawBody))
	f.Add([]byte("--b\r\n\r\n--b--\r\n"), ``, ``, uint8(rawBody))

	gin.SetMode(gin.TestMode)
	h := &Handlers{
		agents: agents.NewRegistry(numeric.New(), logic.New(logic.Options{}), disclosure.New()),
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		opt:    Options{MaxUploadBytes: fuzzMaxUpload},
	}
	f.Fuzz(func(t *testing.T, file []byte, agentsField, name string, shape uint8) {
		var body []byte
		contentType := "multipart/form-data; boundary=b"
		if shape&rawBody != 0 {
			body = file
		} else {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			if shape&withAgents != 0 {
				mw.WriteField("enabled_agents", agentsField)
			}
			if shape&withName != 0 {
				mw.WriteField("name", name)
			}
			if shape&withoutFile == 0 {
				w, _ := mw.CreateFormFile("file", "FY2024.docx")
				w.Write(file)
			}
			mw.Close()
			body, contentType = b.Bytes(), mw.FormDataContentType()
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodPost, "/api/v1/documents/upload", bytes.NewReader(body))
		c.Request.Header.Set("Content-Type", contentType)
		up, err := h.readUpload(c, bodyOf(c.Request))

		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not a client error: %v", err)
			}
			switch e.Status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("status %d: %s", e.Status, e.Detail)
			}
			if e.Detail == "" || !utf8.ValidString(e.Detail) {
				t.Fatalf("detail %q", e.Detail)
			}
			for _, fe := range e.Fields {
				if fe.Field != "file" && fe.Field != "enabled_agents" && fe.Field != "name" {
					t.Fatalf("field %q", fe.Field)
				}
			}
		} else {
			if len(up.form.file) > fuzzMaxUpload || up.form.file == nil {
				t.Fatalf("accepted a file of %d bytes (nil: %v)", len(up.form.file), up.form.file == nil)
			}
			if len(up.enabled) == 0 || utf8.RuneCountInString(up.name) > 200 || up.name != strings.TrimSpace(up.name) ||
				strings.ContainsFunc(up.name, unicode.IsControl) || !utf8.ValidString(up.name) {
				t.Fatalf("accepted agents %q, name %q", up.enabled, up.name)
			}
			for i, id := range up.enabled {
				if _, ok := h.agents.Lookup(id); !ok || slices.Contains(up.enabled[:i], id) {
					t.Fatalf("accepted agents %q", up.enabled)
				}
			}
		}
		if shape&rawBody != 0 {
			return
		}

		// A well-formed form: the answer API.md gives, field by field, in the handler's order.
		status, field, enabled := contractAnswer(h, file, agentsField, name, shape)
		if status != 0 {
			var e *Error
			if !errors.As(err, &e) || e.Status != status || (field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field)) {
				t.Fatalf("got %v (%+v); the contract says %d on %q", err, e, status, field)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused a well-formed upload: %v", err)
		}
		wantName := ""
		if shape&withName != 0 {
			wantName = strings.TrimSpace(name)
		}
		if !bytes.Equal(up.form.file, file) || up.name != wantName || !slices.Equal(up.enabled, enabled) {
			t.Fatalf("accepted %d bytes, name %q, agents %q; sent %d bytes, name %q, agents %q (want %q)",
				len(up.form.file), up.name, up.enabled, len(file), name, agentsField, enabled)
		}
	})
}

// contractAnswer is what API.md says a well-formed upload form gets before its document is
// read: the status (0: accepted) and the field it names, or the agents that will run.
func contractAnswer(h *Handlers, file []byte, agentsField, name string, shape uint8) (status int, field string, enabled []string) {
	// Reading the form, part by part in the order sent (enabled_agents, name, file): the small
	// fields UTF-8 and within 64 KiB, the file within the limit. The first part that fails is
	// the answer.
	for _, fld := range []struct {
		on          bool
		name, value string
	}{{shape&withAgents != 0, "enabled_agents", agentsField}, {shape&withName != 0, "name", name}} {
		if fld.on && (!utf8.ValidString(fld.value) || len(fld.value) > 64<<10) {
			return http.StatusUnprocessableEntity, fld.name, nil
		}
	}
	if shape&withoutFile == 0 && len(file) > fuzzMaxUpload {
		return http.StatusRequestEntityTooLarge, "", nil
	}
	// enabled_agents: missing or blank is every agent; otherwise a JSON array of known ids.
	all := h.agents.IDs()
	if shape&withAgents == 0 || strings.TrimSpace(agentsField) == "" {
		enabled = all
	} else {
		var ids []any
		if json.Unmarshal([]byte(agentsField), &ids) != nil || ids == nil {
			return http.StatusBadRequest, "enabled_agents", nil
		}
		for _, id := range ids {
			if _, ok := id.(string); !ok {
				return http.StatusBadRequest, "enabled_agents", nil
			}
		}
		if len(ids) == 0 {
			return http.StatusUnprocessableEntity, "enabled_agents", nil
		}
		for _, id := range ids {
			if !slices.Contains(all, id.(string)) {
				return http.StatusUnprocessableEntity, "enabled_agents", nil
			}
			if !slices.Contains(enabled, id.(string)) {
				enabled = append(enabled, id.(string))
			}
		}
	}
	// name: at most 200 characters once trimmed, no control characters.
	if shape&withName != 0 {
		n := strings.TrimSpace(name)
		if utf8.RuneCountInString(n) > 200 || strings.ContainsFunc(n, unicode.IsControl) {
			return http.StatusUnprocessableEntity, "name", nil
		}
	}
	if shape&withoutFile != 0 {
		return http.StatusUnprocessableEntity, "file", nil
	}
	return 0, "", enabled
}

// bodyOf wraps r's body as Upload does before it reads the form.
func bodyOf(r *http.Request) *body { return &body{ReadCloser: r.Body} }
