package store_test

import (
	"context"
	"testing"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestASettingIsRecordedOnceAndKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Setting(ctx, "key_id"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("an unset setting: %v, want not_found", err)
		}
		if v, err := db.InitSetting(ctx, "key_id", "first"); err != nil || v != "first" {
			t.Fatalf("init: %q, %v", v, err)
		}
		// A second start (or a second process) does not replace it and learns what
		// is stored.
		if v, err := db.InitSetting(ctx, "key_id", "second"); err != nil || v != "first" {
			t.Fatalf("init again: %q, %v, want the first value", v, err)
		}
		if v, err := db.Setting(ctx, "key_id"); err != nil || v != "first" {
			t.Fatalf("setting: %q, %v", v, err)
		}
	})
}
