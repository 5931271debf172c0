package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestAPromotedStandbyTakesOver: the database URL lists a primary and its standby
// (target_session_attrs=read-write); the primary dies as in a crash, the standby
// is promoted, and the running server goes on by itself within 30 s. Replication
// is synchronous, so every write the server acknowledged is on the standby: none is
// lost, and none of the writes tried during the failover is doubled.
func TestAPromotedStandbyTakesOver(t *testing.T) {
	primary, standby := primaryAndStandby(t, true)
	dsn := fmt.Sprintf("postgres://postgres@%s,%s/postgres?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		primary.Addr(), standby.Addr())
	s := apptest.Start(t, store.Postgres, func(c *app.Config) { c.DB = dsn })
	admin, _ := s.User(t, account.Admin, "", "")
	adm := s.As(t, admin.ID)
	adm.HTTP.Timeout = 10 * time.Second

	var acked, tried []string
	create := func() bool {
		email := s.Unique("petugas") + "@failover.test"
		tried = append(tried, email)
		r, err := adm.Try("POST", "/api/v1/users", map[string]any{"email": email, "name": "Petugas Kota", "role": "office",
			"region": "31.71", "password": "kata-sandi-yang-panjang-1"})
		if err != nil || r.Status != http.StatusCreated {
			return false
		}
		acked = append(acked, email)
		return true
	}
	for range 10 {
		if !create() {
			t.Fatal("a write before the failover was refused")
		}
	}

	primary.Kill()
	killed := time.Now()
	standby.Promote()
	var back time.Duration
	for time.Since(killed) < time.Minute {
		if create() {
			back = time.Since(killed)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	switch {
	case back == 0:
		t.Fatal("no write succeeded within a minute of the promotion")
	case back > 30*time.Second:
		t.Errorf("writes came back %v after the primary died, want within 30 s", back)
	}
	t.Logf("writes came back %v after the primary died (%d tries during the failover)", back.Round(time.Millisecond), len(tried)-len(acked))
	for range 5 {
		if !create() {
			t.Fatal("a write after the failover was refused")
		}
	}
	if r := s.Client().Do(t, "GET", "/readyz", nil); r.Status != http.StatusOK {
		t.Errorf("/readyz after the failover: %d", r.Status)
	}

	count := func(email string) int {
		var n int
		if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, e := range acked {
		if n := count(e); n != 1 {
			t.Errorf("acknowledged user %s is there %d times, want once", e, n)
		}
	}
	for _, e := range tried {
		if n := count(e); n > 1 {
			t.Errorf("user %s, tried during the failover, is there %d times", e, n)
		}
	}
}

// primaryAndStandby starts a PostgreSQL primary of the test's own and a streaming
// standby of it (with synchronous, a commit waits for the standby).
func primaryAndStandby(t *testing.T, synchronous bool) (primary, standby *storetest.Cluster) {
	t.Helper()
	if !slices.Contains(storetest.Engines(t), store.Postgres) {
		t.Skip("needs PostgreSQL (GOTONG_TEST_POSTGRES)")
	}
	primary = storetest.StartPrimary(t, synchronous)
	return primary, primary.Standby(t)
}
