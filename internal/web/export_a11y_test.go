package web

import (
	"slices"
	"sync"
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
