package deliver

import (
	"bytes"
	"testing"
)

func TestRecipientCodesAreStableDistinctAndChecked(t *testing.T) {
	c := NewCodes(bytes.Repeat([]byte{1}, 32))
	other := NewCodes(bytes.Repeat([]byte{2}, 32))
	seen := map[string]bool{}
	for i := range 2000 {
		id := string(rune('a'+i%26)) + string(rune('0'+i/26%10)) + string(rune('A'+i/260))
		code := c.For(id)
		if len(code) != CodeDigits || code != c.For(id) {
			t.Fatalf("code %q of %s is not %d stable digits", code, id, CodeDigits)
		}
		for _, r := range code {
			if r < '0' || r > '9' {
				t.Fatalf("code %q has a non-digit", code)
			}
		}
		seen[code] = true
		if other.For(id) == code {
			t.Fatalf("two keys give allocation %s the same code", id)
		}
		if !c.Check(id, Format(code)) || !c.Check(id, code[:3]+"-"+code[3:]) {
			t.Fatalf("the right code, typed with a space or a dash, is refused")
		}
		wrong := []byte(code)
		wrong[7] = '0' + (wrong[7]-'0'+1)%10
		if c.Check(id, string(wrong)) || c.Check(id, "") || c.Check(id, code+"0") {
			t.Fatalf("a wrong code is accepted for %s", id)
		}
	}
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes among 2000 allocations", len(seen))
	}
}
