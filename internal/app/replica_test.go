package app_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// TestTheDashboardsReadFromTheReplica: with --db-read, the dashboards and the
// public figures read from the replica and the dashboard says how far behind it
// is; everything else reads the primary. The replica's replay is paused to make it
// fall behind, then resumed.
func TestTheDashboardsReadFromTheReplica(t *testing.T) {
	primary, standby := primaryAndStandby(t, false)
	url := func(c *storetest.Cluster) string {
		return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", c.Addr())
	}
	s := apptest.Start(t, store.Postgres, func(c *app.Config) { c.DB, c.DBRead = url(primary), url(standby) })
	if !s.App.DB.HasReplica() {
		t.Fatal("the server has no read replica")
	}
	admin, _ := s.User(t, account.Admin, "", "")
	adm := s.As(t, admin.ID)
	replica, err := sql.Open("pgx", url(standby))
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()

	publish := func(name string) program.Program {
		today := time.Now().UTC()
		p, err := s.App.Programs.Create(s.Ctx(), program.Input{Name: name, Category: "pangan",
			Item: program.Item{Name: "Sembako", Unit: "paket"}, TargetKinds: []string{"household"}, QuantityRule: program.PerTarget,
			Phases: []program.PhaseInput{{Name: "Minggu 1", Start: today.Format(time.DateOnly), End: today.AddDate(0, 0, 6).Format(time.DateOnly)}}})
		if err != nil {
			t.Fatal(err)
		}
		if p, _, err = s.App.Programs.Publish(s.Ctx(), p.ID); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caughtUp := func(p program.Program) bool {
		return adm.Do(t, "GET", "/api/v1/dashboard?program="+p.ID, nil).Status == http.StatusOK
	}
	first := publish("Sembako Awal")
	for deadline := time.Now().Add(30 * time.Second); !caughtUp(first); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not catch up within 30 s")
		}
	}
	if _, err := replica.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	later := publish("Sembako Tertinggal")
	time.Sleep(1100 * time.Millisecond) // the lag is shown in whole seconds

	// The program's own page reads the primary; the dashboard, the replica.
	if r := adm.Do(t, "GET", "/api/v1/programs/"+later.ID, nil); r.Status != http.StatusOK {
		t.Fatalf("the program read from the primary: %d", r.Status)
	}
	if r := adm.Do(t, "GET", "/api/v1/dashboard?program="+later.ID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("the dashboard of a program the paused replica has not seen: %d, want 404 (read from the replica)", r.Status)
	}
	page := adm.Do(t, "GET", "/dashboard?program="+first.ID, nil)
	body := string(page.Body)
	i := strings.Index(body, `id="replica-lag"`)
	if page.Status != http.StatusOK || i < 0 {
		t.Fatalf("the dashboard does not say it reads a replica: %d\n%.800s", page.Status, body)
	}
	var lag int
	if _, err := fmt.Sscanf(body[strings.Index(body[i:], "tertinggal ")+i:], "tertinggal %d detik", &lag); err != nil || lag < 1 {
		t.Errorf("the dashboard's lag while the replica is paused: %d (%v), want at least 1 s:\n%.300s", lag, err, body[i:])
	}

	if _, err := replica.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !caughtUp(later); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not catch up within 30 s of resuming")
		}
	}
	if body := string(adm.Do(t, "GET", "/dashboard?program="+later.ID, nil).Body); !strings.Contains(body, "tertinggal 0 detik") {
		i := max(0, strings.Index(body, `id="replica-lag"`))
		t.Errorf("a caught-up replica is not shown 0 s behind:\n%.300s", body[i:])
	}
}
