package web

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// RecordUntranslated starts recording the keys rendered in Indonesian without a
// translation, by any server of this process; take returns those recorded since
// its last call, sorted, and stop ends the recording.
func RecordUntranslated() (take func() []string, stop func()) {
	var mu sync.Mutex
	seen := map[string]bool{}
	f := func(key string) {
		mu.Lock()
		seen[key] = true
		mu.Unlock()
	}
	untranslated.Store(&f)
	take = func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := make([]string, 0, len(seen))
		for k := range seen {
			out = append(out, k)
		}
		clear(seen)
		slices.Sort(out)
		return out
	}
	return take, func() { untranslated.Store(nil) }
}

// SayForTest renders key in lang as a page would.
func SayForTest(lang, key string) string { return translate(lang, key) }

// formatVerb is a fmt verb inside a catalogue key ("%s", "%d", "%.1f").
var formatVerb = regexp.MustCompile(`%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

// EnglishPhrases are English texts that must not show on an Indonesian page: the
// catalogue's keys (and the English of its code keys) of two words or more whose
// Indonesian differs, and of a key with arguments each literal part of three
// words or more. A phrase the Indonesian keeps as it is (a name, "No. KK") is left out.
func EnglishPhrases() []string {
	seen := map[string]bool{}
	add := func(en, id string, words int) {
		en = strings.TrimSpace(strings.Trim(strings.TrimSpace(en), ".,:;()—-"))
		if len(strings.FieldsFunc(en, func(r rune) bool { return !unicode.IsLetter(r) })) < words ||
			strings.Contains(strings.ToLower(id), strings.ToLower(en)) {
			return
		}
		seen[en] = true
	}
	phrases := func(en, id string) {
		if strings.ContainsAny(en, "<>") {
			return
		}
		if !formatVerb.MatchString(en) {
			add(en, id, 2)
			return
		}
		for _, part := range formatVerb.Split(en, -1) {
			add(part, id, 3)
		}
	}
	for en, id := range catalog {
		phrases(en, id)
	}
	for key, en := range english {
		phrases(en, catalog[key])
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// DetailKeysWithoutWords returns the keys, at any depth, of the audit details given
// that the audit log would show in Indonesian as English made from the code,
// sorted and each once.
func DetailKeysWithoutWords(details []string) []string {
	seen := map[string]bool{}
	var walk func(x any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if _, ok := catalog["word "+k]; !ok {
					seen[k] = true
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	for _, d := range details {
		var x any
		if json.Unmarshal([]byte(d), &x) == nil {
			walk(x)
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
