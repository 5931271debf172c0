package web_test

import (
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// Every permission of the policy guards at least one route, API or page: one no
// route asks for is dead, and a grant of it would mean nothing (or something only
// a template decides).
func TestEveryPermissionGuardsARoute(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	used := s.App.Web.GuardedPermissions()
	for _, p := range account.Permissions() {
		if !used[p] {
			t.Errorf("no route asks for permission %s", p)
		}
		delete(used, p)
	}
	for p := range used {
		t.Errorf("a route asks for %q, which the policy does not list", p)
	}
}
