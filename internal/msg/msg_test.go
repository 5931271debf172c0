package msg

import (
	"encoding/json"
	"testing"
)

func TestAMessageSurvivesItsTripThroughJSON(t *testing.T) {
	m := New("%s must have 16 digits but %d are written: %s; score %.0f%%", "NIK", 15, New("%d digits are missing", 1), 0.93*100)
	var back Message
	if err := json.Unmarshal([]byte(m.Encode()), &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != m.String() || m.String() != "NIK must have 16 digits but 15 are written: 1 digits are missing; score 93%" {
		t.Fatalf("read back %q, want %q", back.String(), m.String())
	}
	args, err := Decode(m.Key, m.EncodeArgs())
	if err != nil || args.String() != m.String() {
		t.Fatalf("Decode: %q (%v), want %q", args.String(), err, m.String())
	}
	if got := New("plain").EncodeArgs(); got != "[]" {
		t.Fatalf("no arguments encode as %q, want []", got)
	}
}

func TestAPlainStringReadsAsASentenceKeptAsItIs(t *testing.T) {
	var ms []Message
	if err := json.Unmarshal([]byte(`["NIK 3171********0001 tercatat di dua KK", {"key": "same kelurahan %s", "args": ["Gambir"]}]`), &ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].String() != "NIK 3171********0001 tercatat di dua KK" || ms[1].String() != "same kelurahan Gambir" {
		t.Fatalf("read %+v", ms)
	}
}

func TestRenderLooksUpKeysNestedMessagesAndStringArguments(t *testing.T) {
	id := map[string]string{"%s out of %s": "%s dari %s", "name": "nama", "the list": "daftar"}
	lookup := func(k string) (string, bool) { v, ok := id[k]; return v, ok }
	m := New("%s out of %s", "name", New("the list"))
	if got := m.Render(lookup, true); got != "nama dari daftar" {
		t.Errorf("with arguments translated: %q", got)
	}
	if got := m.Render(lookup, false); got != "name dari daftar" {
		t.Errorf("without: %q", got)
	}
	if got := New("not in the catalogue %d", 3).Render(lookup, true); got != "not in the catalogue 3" {
		t.Errorf("a missing key must fall back to itself: %q", got)
	}
}
