package hub

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

func TestAnswer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  int
		data  string
		reply []byte
		code  int
	}{
		{"ping", websocket.TextMessage, `{"type":"ping"}`, pongMessage, 0},
		{"ping with more fields", websocket.TextMessage, ` {"id":7,"type":"ping","x":[1,{"y":null}]} `, pongMessage, 0},
		{"a later type wins", websocket.TextMessage, `{"type":"x","type":"ping"}`, pongMessage, 0},
		{"keys match exactly", websocket.TextMessage, `{"Type":"ping"}`, errUnknownType, 0},
		{"escaped ping", websocket.TextMessage, `{"type":"p\u0069ng"}`, pongMessage, 0},
		{"other type", websocket.TextMessage, `{"type":"subscribe"}`, errUnknownType, 0},
		{"type not a string", websocket.TextMessage, `{"type":1}`, errUnknownType, 0},
		{"null type", websocket.TextMessage, `{"type":null}`, errUnknownType, 0},
		{"null", websocket.TextMessage, `null`, errUnknownType, 0},
		{"array", websocket.TextMessage, `[{"type":"ping"}]`, errNotJSON, 0},
		{"string", websocket.TextMessage, `"ping"`, errNotJSON, 0},
		{"not JSON", websocket.TextMessage, `ping`, errNotJSON, 0},
		{"empty", websocket.TextMessage, ``, errNotJSON, 0},
		{"two values", websocket.TextMessage, `{"type":"ping"}{}`, errNotJSON, 0},
		{"not UTF-8", websocket.TextMessage, "{\"type\":\"ping\",\"x\":\"\xff\"}", nil, websocket.CloseInvalidFramePayloadData},
		{"binary", websocket.BinaryMessage, `{"type":"ping"}`, nil, websocket.CloseUnsupportedData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, code, reason := answer(tc.kind, []byte(tc.data))
			if !bytes.Equal(reply, tc.reply) || code != tc.code || (code != 0) != (reason != "") {
				t.Fatalf("answer(%q) = %s, %d %q; want %s, %d", tc.data, reply, code, reason, tc.reply, tc.code)
			}
		})
	}
}

func TestBucketAllowsABurstThenTheRate(t *testing.T) {
	b := bucket{burst: 60, rate: 10}
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for i := range 60 {
		if !b.take(t0) {
			t.Fatalf("message %d of the burst refused", i+1)
		}
	}
	if b.take(t0) {
		t.Fatal("message 61 at once allowed")
	}
	// A tenth of a second later one more message is allowed, and only one.
	if !b.take(t0.Add(100*time.Millisecond)) || b.take(t0.Add(100*time.Millisecond)) {
		t.Fatal("not exactly one message allowed a tenth of a second later")
	}
	// A steady 10 a second goes on for ever.
	at := t0.Add(100 * time.Millisecond)
	for i := range 1000 {
		at = at.Add(100 * time.Millisecond)
		if !b.take(at) {
			t.Fatalf("message %d at the rate refused", i+1)
		}
	}
	// A long pause fills the bucket to its burst, not beyond.
	at = at.Add(time.Hour)
	for i := range 60 {
		if !b.take(at) {
			t.Fatalf("message %d of the burst after a pause refused", i+1)
		}
	}
	if b.take(at) {
		t.Fatal("a pause let more than the burst through")
	}
	// A clock that steps back takes nothing from the bucket and gives nothing.
	if b.take(at.Add(-time.Minute)) {
		t.Fatal("a clock stepping back refilled the bucket")
	}
}

// FuzzClientMessage feeds arbitrary client frames to answer, the one function that reads them.
// Besides never panicking: binary frames close with 1003 and text that is not UTF-8 with 1007,
// and nothing else closes; every reply is a pong or one of the two error messages, valid JSON;
// the answer depends on the JSON value, not on its spacing; text that is not one JSON value gets
// the "not JSON" error; and a ping is answered whatever other fields come with it.
func FuzzClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `{"type":"pong"}`, `{"type":"ping","type":"x"}`, `{"TYPE":"ping"}`, `null`,
		`[]`, `"ping"`, `{"type":"p\u0069ng"}`, `{"type":"ping","x":[[[[{}]]]]}`, "\xff", ``, `{"type":"ping"} `,
		`{"type":"ping"}{"type":"ping"}`, `{"a":1e999}`, `{"type":"\ud800"}`,
	} {
		f.Add(true, []byte(s))
	}
	f.Add(false, []byte(`{"type":"ping"}`))
	f.Fuzz(func(t *testing.T, text bool, data []byte) {
		kind := websocket.BinaryMessage
		if text {
			kind = websocket.TextMessage
		}
		reply, code, reason := answer(kind, data)
		switch {
		case !text:
			if code != websocket.CloseUnsupportedData || reply != nil || reason == "" {
				t.Fatalf("binary frame: %s, %d %q; want close 1003", reply, code, reason)
			}
			return
		case !utf8.Valid(data):
			if code != websocket.CloseInvalidFramePayloadData || reply != nil || reason == "" {
				t.Fatalf("text that is not UTF-8: %s, %d %q; want close 1007", reply, code, reason)
			}
			return
		case code != 0:
			t.Fatalf("text %q closes with %d %q", data, code, reason)
		}
		if !bytes.Equal(reply, pongMessage) && !bytes.Equal(reply, errNotJSON) && !bytes.Equal(reply, errUnknownType) {
			t.Fatalf("text %q: reply %s", data, reply)
		}
		if !json.Valid(reply) {
			t.Fatalf("reply %s is not JSON", reply)
		}
		if !json.Valid(data) {
			if !bytes.Equal(reply, errNotJSON) {
				t.Fatalf("text %q is not JSON, yet got %s", data, reply)
			}
			return
		}
		var compact, indented bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&indented, data, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		for _, same := range [][]byte{compact.Bytes(), indented.Bytes()} {
			if again, _, _ := answer(kind, same); !bytes.Equal(again, reply) {
				t.Fatalf("text %q gets %s, but spaced as %q it gets %s", data, reply, same, again)
			}
		}
		// Any JSON value may ride along with a ping; a value in place of a ping's type is no ping
		// unless it is the string "ping".
		with := append(append([]byte(`{"type":"ping","x":`), data...), '}')
		if again, _, _ := answer(kind, with); !bytes.Equal(again, pongMessage) {
			t.Fatalf("a ping carrying %q got %s", data, again)
		}
		as := append(append([]byte(`{"type":`), data...), '}')
		var typ any
		json.Unmarshal(data, &typ)
		if again, _, _ := answer(kind, as); bytes.Equal(again, pongMessage) != (typ == "ping") {
			t.Fatalf("type %q got %s", data, again)
		}
	})
}
