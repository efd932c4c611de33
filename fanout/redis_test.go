package fanout

import (
	"bytes"
	"testing"

	"github.com/veritas-audit/veritas/store"
)

func TestEventMessageRoundTrip(t *testing.T) {
	ev := store.Event{JobID: "01a2-job", Seq: 42, Data: []byte("{\"type\":\"agent_progress\",\n\"message\":\"a b\"}")}
	kind, origin, rest, err := decodeHead(encodeEvent("inst-1", ev))
	if err != nil || kind != "e" || origin != "inst-1" {
		t.Fatalf("head %q %q %v", kind, origin, err)
	}
	m, err := decodeEvent(rest)
	if err != nil || m.JobID != ev.JobID || m.Seq != ev.Seq || !bytes.Equal(m.Data, ev.Data) {
		t.Fatalf("decoded %+v, %v", m, err)
	}
	for _, bad := range []string{"", "e", "e inst", "e inst job", "e inst job x\n{}", "e inst job 0\n{}", "e inst  7\n{}"} {
		if kind, _, rest, err := decodeHead([]byte(bad)); err == nil && kind == "e" {
			if _, err := decodeEvent(rest); err == nil {
				t.Errorf("%q decoded as an event", bad)
			}
		}
	}
}

// FuzzDecode feeds arbitrary messages from the Redis channel to the decoder: it never panics,
// and what it accepts as an event encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("e inst job 3\n{}"))
	f.Add([]byte("d inst job 1000\njob deleted"))
	f.Add([]byte("e  \n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		kind, origin, rest, err := decodeHead(p)
		if err != nil || kind != "e" {
			return
		}
		m, err := decodeEvent(rest)
		if err != nil {
			return
		}
		again := encodeEvent(origin, store.Event{JobID: m.JobID, Seq: m.Seq, Data: m.Data})
		if k2, o2, r2, err := decodeHead(again); err != nil || k2 != "e" || o2 != origin {
			t.Fatalf("re-encoded head %q %q %v", k2, o2, err)
		} else if m2, err := decodeEvent(r2); err != nil || m2.JobID != m.JobID || m2.Seq != m.Seq || !bytes.Equal(m2.Data, m.Data) {
			t.Fatalf("re-encoded %+v, %v; was %+v", m2, err, m)
		}
	})
}
