package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/store"
)

func TestABackCursorKeepsItsDirectionAndOldCursorsStillDecode(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 5, time.UTC)
	for _, c := range []store.Cursor{{At: at, ID: "a|b"}, {At: at, ID: "x", Back: true}} {
		got, err := store.DecodeCursor(c.Encode())
		if err != nil || !got.At.Equal(c.At) || got.ID != c.ID || got.Back != c.Back {
			t.Fatalf("%+v came back as %+v, %v", c, got, err)
		}
	}
	if got := (store.Cursor{At: at, ID: "x"}).Before(); !got.Back || got.ID != "x" {
		t.Fatalf("Before gives %+v", got)
	}
}

func TestAPageFetchedBackwardsIsTurnedAroundAndContinuesWhereTheReaderCameFrom(t *testing.T) {
	key := func(n int) store.Cursor { return store.Cursor{ID: string(rune('a' + n))} }
	// A back page of 3 fetched closest first, with the one extra row that says more lie before.
	items, next := store.PageAround([]int{7, 6, 5, 4}, 3, store.Cursor{ID: "i", Back: true}, key)
	if !slices.Equal(items, []int{5, 6, 7}) || next != key(7).Encode() {
		t.Fatalf("got %v and next %q", items, next)
	}
	items, next = store.PageAround([]int{1, 2, 3, 4}, 3, store.Cursor{}, key)
	if !slices.Equal(items, []int{1, 2, 3}) || next != key(3).Encode() {
		t.Fatalf("a forward page: %v and next %q", items, next)
	}
	c := store.Cursor{ID: "x", Back: true}
	if cond, order := c.Keyset("at", "id", true, func(any) string { return "$1" }); cond == "" || order != ` ORDER BY at ASC, id ASC` {
		t.Fatalf("a back page of a newest-first list: %q %q", cond, order)
	}
}
