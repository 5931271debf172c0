package app_test

import (
	"testing"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/storetest"
)

// The demo holds help requests in every state: waiting, accepted for a new person,
// accepted for a person found again (matched, not doubled), declined.
func TestDemoSeedsHelpRequestsInEveryState(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0], func(c *app.Config) { c.Demo, c.DemoRows = true, 300 })
	items, err := s.App.Help.List(s.Ctx(), "31", help.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]int{}
	for _, it := range items {
		status[it.Status]++
	}
	if status[help.Submitted] != 2 || status[help.Accepted] != 2 || status[help.Declined] != 1 {
		t.Fatalf("help requests by status %v, want 2 submitted, 2 accepted, 1 declined", status)
	}
	matched := map[bool]int{}
	for _, it := range items {
		if it.Status != help.Accepted {
			continue
		}
		r, err := s.App.Help.Get(s.Ctx(), "31", it.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		matched[r.MatchedExisting]++
	}
	if matched[true] != 1 || matched[false] != 1 {
		t.Fatalf("accepted requests matched %v, want one found and one new", matched)
	}
}
