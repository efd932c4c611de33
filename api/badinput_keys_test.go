package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/veritas-audit/veritas/extract"
	"github.com/veritas-audit/veritas/extract/docxgen"
)

// keyedBadInput is one request the service refuses when keys are on: who sends it (as), what it
// must answer, and which tenant its log line names.
type keyedBadInput struct {
	name   string
	req    func(ref string) *http.Request                // a REST request, sent as it is built
	dial   func(ref string) (path string, h http.Header) // or a stream's handshake
	status int
	field  string
	tenant string // the tenant the refusal's log line names
}

// TestBadInputWithKeysIsRefusedAndStoresNothing is the bad-input table of the service with keys:
// requests without a key, with a wrong one, another tenant's, stream tickets used twice or for
// another job, and the admission refusals of an authenticated tenant. After each, nothing stored
// has changed, and the refusal was logged once without the key.
func TestBadInputWithKeysIsRefusedAndStoresNothing(t *testing.T) {
	logs := newLogLines()
	// Many failures come from this one address: the failure limit (tested on its own) stays out of the way.
	e := authEnv(t, envOptions{maxUpload: 64 << 10, jsonLogTo: logs, limits: extract.Limits{MaxRows: 6}, authFailures: 1000})
	ref := e.submitAs(acmeKey)
	other := e.submitAs(acmeKey)
	used, _ := e.ticket(acmeKey, ref.ID)
	if ws, status := e.dialAs("/ws/jobs/"+ref.ID+"?ticket="+used, nil); ws == nil {
		t.Fatalf("a fresh ticket: %d", status)
	} else {
		ws.Close()
	}
	elsewhere, _ := e.ticket(acmeKey, other.ID)
	keyed := func(key string, f form, idem string) func(string) *http.Request {
		return func(string) *http.Request {
			req := e.uploadRequest(f)
			req.Header.Set("Authorization", "Bearer "+key)
			if idem != "" {
				req.Header.Set("Idempotency-Key", idem)
			}
			return req
		}
	}
	// An upload with a key, accepted: its key reused for another document is refused below.
	resp, err := e.client.Do(keyed(acmeKey, form{file: statement(1, false)}, "upload-1")(""))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("keyed upload: %v %v", resp, err)
	}
	resp.Body.Close()
	before := e.snapshotAs(t, "acme", ref.ID)

	as := func(key, method, path, ct string, body []byte) func(string) *http.Request {
		return func(ref string) *http.Request {
			req := e.request(method, strings.ReplaceAll(path, "{ref}", ref), ct, body)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			return req
		}
	}
	stream := func(path string, h http.Header) func(string) (string, http.Header) {
		return func(ref string) (string, http.Header) { return strings.ReplaceAll(path, "{ref}", ref), h }
	}
	rows := make([][]string, 10)
	for i := range rows {
		rows[i] = []string{"Line", "1.0"}
	}
	tooManyRows := docxgen.New().Paragraph(strings.Repeat("The group's revenue rose in the year. ", 10)).Table(rows).Bytes()
	cases := []keyedBadInput{
		{name: "list without a key", req: as("", "GET", "/api/v1/jobs", "", nil), status: 401},
		{name: "list with a wrong key", req: as(wrongKey, "GET", "/api/v1/jobs", "", nil), status: 401},
		{name: "basic credentials", req: func(string) *http.Request {
			req := e.request("GET", "/api/v1/jobs", "", nil)
			req.SetBasicAuth("acme", acmeKey)
			return req
		}, status: 401},
		{name: "key in the URL", req: as("", "GET", "/api/v1/jobs?api_key="+acmeKey, "", nil), status: 401},
		{name: "upload without a key", req: keyed("", form{file: statement(1, false)}, ""), status: 401},
		{name: "job of another tenant", req: as(globexKey, "GET", "/api/v1/jobs/{ref}", "", nil), status: 404, tenant: "globex"},
		{name: "rename another tenant's job", req: as(globexKey, "PATCH", "/api/v1/jobs/{ref}", "application/json", []byte(`{"name":"mine"}`)), status: 404, tenant: "globex"},
		{name: "delete another tenant's job", req: as(globexKey, "DELETE", "/api/v1/jobs/{ref}", "", nil), status: 404, tenant: "globex"},
		{name: "cancel another tenant's job", req: as(globexKey, "POST", "/api/v1/jobs/{ref}/cancel", "", nil), status: 404, tenant: "globex"},
		{name: "results of another tenant's job", req: as(globexKey, "GET", "/api/v1/jobs/{ref}/results", "", nil), status: 404, tenant: "globex"},
		{name: "events of another tenant's job", req: as(globexKey, "GET", "/api/v1/jobs/{ref}/events", "", nil), status: 404, tenant: "globex"},
		{name: "ticket for another tenant's job", req: as(globexKey, "POST", "/api/v1/jobs/{ref}/stream-ticket", "", nil), status: 404, tenant: "globex"},
		{name: "ticket without a key", req: as("", "POST", "/api/v1/jobs/{ref}/stream-ticket", "", nil), status: 401},
		{name: "idempotency key with a space", req: keyed(acmeKey, form{file: statement(1, false)}, "a b"), status: 400, field: "Idempotency-Key", tenant: "acme"},
		{name: "idempotency key reused for another document", req: keyed(acmeKey, form{file: statement(2, false)}, "upload-1"), status: 422, field: "Idempotency-Key", tenant: "acme"},
		{name: "document over the row cap", req: keyed(acmeKey, form{file: tooManyRows}, ""), status: 422, field: "file", tenant: "acme"},
		{name: "body over the limit, with its length", req: keyed(acmeKey, form{file: bytes.Repeat([]byte("a"), 200<<10)}, ""), status: 413, tenant: "acme"},
		{name: "body over the limit, chunked", req: func(ref string) *http.Request {
			req := keyed(acmeKey, form{file: bytes.Repeat([]byte("a"), 200<<10)}, "")(ref)
			data, _ := io.ReadAll(req.Body)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(data)), -1
			return req
		}, status: 413, tenant: "acme"},
		{name: "stream without a key or ticket", dial: stream("/ws/jobs/{ref}", nil), status: 401},
		{name: "stream with a wrong key", dial: stream("/ws/jobs/{ref}", http.Header{"X-Api-Key": {wrongKey}}), status: 401},
		{name: "stream of another tenant's job", dial: stream("/ws/jobs/{ref}", http.Header{"X-Api-Key": {globexKey}}), status: 404, tenant: "globex"},
		{name: "stream with a used ticket", dial: stream("/ws/jobs/{ref}?ticket="+used, nil), status: 401}, // a used ticket names no one
		{name: "stream with a ticket for another job", dial: stream("/ws/jobs/{ref}?ticket="+elsewhere, nil), status: 401, tenant: "acme"},
		{name: "stream with an unknown ticket", dial: stream("/ws/audit/{ref}?ticket=not-a-ticket", nil), status: 401},
		{name: "stream with the key in the URL", dial: stream("/ws/jobs/{ref}?api_key="+acmeKey, nil), status: 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mark := logs.len()
			if tc.req != nil {
				req := tc.req(ref.ID)
				resp, err := e.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				p := checkProblem(t, resp, tc.status)
				if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
					t.Fatalf("errors %+v, want field %s", p.Errors, tc.field)
				}
				if tc.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Fatalf("401 without WWW-Authenticate: Bearer")
				}
				logs.expectRefusalAs(t, mark, tc.status, req.Method, req.URL.Path, tc.tenant)
			} else {
				path, h := tc.dial(ref.ID)
				e.refusedDial(t, path, h, tc.status)
				logs.expectRefusalAs(t, mark, tc.status, http.MethodGet, strings.SplitN(path, "?", 2)[0], tc.tenant)
			}
			if after := e.snapshotAs(t, "acme", ref.ID); after != before {
				t.Fatalf("stored state changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	for _, key := range []string{acmeKey, globexKey, wrongKey} {
		if strings.Contains(logs.String(), key) {
			t.Fatal("a key reached the log")
		}
	}
}
