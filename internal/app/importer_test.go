package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The audit entries an import's worker writes name its importer by email, which
// the registry asks of account (the owner of users): also when the importer has
// been deleted by the time the worker runs, since it runs on their behalf.
func TestImportIsAuditedUnderItsImportersEmail(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			ctx := s.Ctx()
			for i, deleted := range []bool{false, true} {
				u, _ := s.User(t, account.Office, "31.71", "")
				file := "Kelurahan,RW,Nama Ketua RW,Telepon,Jumlah KK,Jumlah Jiwa,Tag\n31.71.02.1002," + []string{"003", "004"}[i] + ",Ketua Uji,081311110003,40,150,\n"
				if deleted {
					// Deleted before the worker reads the importer, whenever it runs.
					if err := s.App.Accounts.DeleteUser(ctx, u.ID); err != nil {
						t.Fatal(err)
					}
				}
				im, err := s.App.Registry.CreateImport(ctx, registry.Importer{UserID: u.ID, Email: u.Email, Scope: "31.71"}, registry.RW, "rw.csv",
					strings.NewReader(file), 0)
				if err != nil {
					t.Fatal(err)
				}
				wctx, cancel := context.WithTimeout(ctx, time.Minute)
				done, err := s.App.Registry.Wait(wctx, im.ID)
				cancel()
				if err != nil || done.Status != registry.StatusDone {
					t.Fatalf("import: %+v, %v", done, err)
				}
				rows, err := s.App.DB.R().QueryContext(ctx, `SELECT DISTINCT actor FROM audit_log
					WHERE object_id = $1 AND action IN ('import.batch', 'import.done')`, im.ID)
				if err != nil {
					t.Fatal(err)
				}
				actors, err := store.Collect(rows, store.String)
				if err != nil {
					t.Fatal(err)
				}
				if len(actors) == 0 || strings.Join(actors, ",") != u.Email {
					t.Fatalf("deleted %v: the import was audited under %q, want %q", deleted, actors, u.Email)
				}
			}
		})
	}
}
