package keyrot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
	"github.com/gotong/gotong/internal/vault"
)

func noEnv(string) string { return "" }

// sealed is every sealed value of the database by "table/row/column" that opens
// with v. With strict set, a value that does not open fails the test, so the snapshot
// taken after a rotation with the new key alone proves that everything was re-sealed.
func sealed(t *testing.T, db *store.DB, v *vault.Vault, strict bool) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	read := func(query string, ad func(id, extra string) []byte) {
		t.Helper()
		err := store.Each(ctx, db.R(), func(r store.Scanner) error {
			var id, extra, val string
			if err := r.Scan(&id, &extra, &val); err != nil {
				return err
			}
			plain, err := v.Open(val, ad(id, extra))
			if errors.Is(err, vault.ErrAuth) && !strict {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", query[:30], id, err)
			}
			out[strings.Fields(query)[5]+"/"+id+"/"+extra] = string(plain)
			return nil
		}, query)
		if err != nil {
			t.Fatal(err)
		}
	}
	read(`SELECT id, kind, id_enc FROM targets WHERE id_enc <> ''`, func(id, kind string) []byte {
		if kind == "person" {
			return vault.AD("targets", id, "nik")
		}
		return vault.AD("targets", id, "kk")
	})
	read(`SELECT id, '', nik_enc FROM members WHERE nik_enc <> ''`, func(id, _ string) []byte { return vault.AD("members", id, "nik") })
	read(`SELECT import_id, line, cells FROM import_rows WHERE cells <> ''`, func(id, line string) []byte { return vault.AD("import_rows", id, line) })
	read(`SELECT id, '', sealed FROM help_requests WHERE sealed <> ''`, func(id, _ string) []byte { return vault.AD("help_requests", id, "private") })
	read(`SELECT id, '', payload FROM outbox WHERE payload <> ''`, func(id, _ string) []byte { return vault.AD("outbox", id, "payload") })
	read(`SELECT name, '', secret FROM courier_providers WHERE secret <> ''`, func(name, _ string) []byte {
		return []byte("courier_providers.secret:" + name)
	})
	read(`SELECT user_id, '', secret_sealed FROM user_factors`, func(id, _ string) []byte { return vault.AD("user_factors", id, "secret") })
	return out
}

// checkHashes fails the test unless every keyed hash is v's hash of what it is
// computed from, recomputed here from the opened values.
func checkHashes(t *testing.T, db *store.DB, v *vault.Vault, plain map[string]string) {
	t.Helper()
	ctx := context.Background()
	n := 0
	check := func(what, got, want string) {
		t.Helper()
		n++
		if got != want {
			t.Errorf("%s: the keyed hash is not the new key's", what)
		}
	}
	err := store.Each(ctx, db.R(), func(r store.Scanner) error {
		var id, kind, region, name, birth, hash string
		if err := r.Scan(&id, &kind, &region, &name, &birth, store.HashText(&hash)); err != nil {
			return err
		}
		field := map[string]string{"household": "kk", "person": "nik"}[kind]
		if p, ok := plain["targets/"+id+"/"+kind]; ok {
			check("target "+id, hash, v.Hash(field, p))
		} else {
			check("person key "+id, hash, v.Hash("person_key", region+"|"+namematch.Normalize(name)+"|"+birth))
		}
		return nil
	}, `SELECT id, kind, region, name, birth_date, id_hash FROM targets WHERE id_hash IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Each(ctx, db.R(), func(r store.Scanner) error {
		var id, target, name, birth, nikHash, keyHash string
		if err := r.Scan(&id, &target, &name, &birth, store.HashText(&nikHash), &keyHash); err != nil {
			return err
		}
		if p, ok := plain["members/"+id+"/"]; ok {
			check("member "+id, nikHash, v.Hash("nik", p))
		}
		if keyHash != "" {
			check("member key "+id, keyHash, v.Hash("member_key", plain["targets/"+target+"/household"]+"|"+namematch.Normalize(name)+"|"+birth))
		}
		return nil
	}, `SELECT id, target_id, name, birth_date, nik_hash, key_hash FROM members WHERE nik_hash IS NOT NULL OR key_hash <> ''`)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Each(ctx, db.R(), func(r store.Scanner) error {
		var id, ref, nikHash, checkHash string
		if err := r.Scan(&id, &ref, &nikHash, &checkHash); err != nil {
			return err
		}
		var p struct {
			NIK, Phone string
			Requester  *struct{ Phone string }
		}
		if err := json.Unmarshal([]byte(plain["help_requests/"+id+"/"]), &p); err != nil {
			return err
		}
		if nikHash != "" {
			check("help request "+id, nikHash, v.Hash("nik", p.NIK))
		}
		phone := p.Phone
		if p.Requester != nil {
			phone = p.Requester.Phone
		}
		check("help request check "+id, checkHash, v.Hash("help_request_check", ref+"|"+phone[max(0, len(phone)-4):]))
		return nil
	}, `SELECT id, reference, nik_hash, check_hash FROM help_requests WHERE sealed <> ''`)
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d keyed hashes checked; the test data is too thin", n)
	}
}

// rotation opens the deployment again, as `gotong key rotate` does in a process of
// its own, with its key read from the data folder.
func rotation(t *testing.T, s *apptest.Server, size int) *keyrot.Rotation {
	t.Helper()
	cfg := s.App.Cfg
	cfg.KeyRotation, cfg.HoldMessages = true, true
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &keyrot.Rotation{DB: a.DB, Vault: a.Vault, DataDir: cfg.Data, Getenv: noEnv, Tables: a.KeyTables(),
		Size: size, Grace: 100 * time.Millisecond}
}

const hhHeader = "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n"

// households is a household file: two households, one member without a NIK (found
// again by its natural key), and a rejected row (kept, sealed, in import_rows).
const households = hhHeader +
	"3171010101209001,3171010203709001,Budi Rotasi,1970-03-02,L,Kepala Keluarga,31.71.01.1001,5,3,Jl. Kunci 1,,081234567890,\n" +
	"3171010101209001,,Siti Rotasi,1974-07-05,P,Istri,31.71.01.1001,5,3,Jl. Kunci 1,,,\n" +
	"3171010101209002,3171011111509002,Soetomo Rotasi,1950-11-11,L,Kepala Keluarga,31.71.01.1002,2,1,Jl. Kunci 2,,,\n" +
	"3171010101209002,12345,Sri Rotasi,1955-02-02,P,Istri,31.71.01.1002,2,1,Jl. Kunci 2,,,\n"

func importHouseholds(t *testing.T, s *apptest.Server, who registry.Importer) registry.Import {
	t.Helper()
	im, err := s.App.Registry.CreateImport(s.Ctx(), who, registry.Household, "kunci.csv", strings.NewReader(households), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if im, err = s.App.Registry.Wait(ctx, im.ID); err != nil || im.Status != registry.StatusDone {
		t.Fatalf("import: %v %+v", err, im)
	}
	return im
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.R().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
	}
}

// start boots a server whose key is generated into its data folder and that looks
// for key rotations every 20 ms.
func start(t *testing.T, eng store.Engine, opts ...func(*app.Config)) *apptest.Server {
	t.Helper()
	t.Setenv(vault.EnvKey, "")
	t.Setenv(vault.EnvKeyFile, "")
	return apptest.Start(t, eng, append([]func(*app.Config){func(c *app.Config) { c.KeyWatch = 20 * time.Millisecond }}, opts...)...)
}

// refusesToStart fails the test unless a server with cfg refuses to start, saying want.
func refusesToStart(t *testing.T, cfg app.Config, want string) {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		a.Close()
		t.Fatalf("a server started; want it to refuse: %s", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("a server refused with %v; want %q", err, want)
	}
}

// TestRotationResealsEverythingResumesAndKeepsTheServerWorking rotates the key of a
// deployment with demo data while its server runs: the rotation is killed after three
// batches and run again in another "process", during which a straggler is written
// under the old key behind its first pass; an import during the rotation and
// another after it still find the households they import again (dedup by NIK and
// by natural key); at the end every sealed value opens with the new key alone and
// equals what it was, no value opens with the old key, every keyed hash is the new
// key's, every row was rewritten exactly once, the audit chain verifies, and a
// server given the old key refuses to start.
func TestRotationResealsEverythingResumesAndKeepsTheServerWorking(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := start(t, eng, func(c *app.Config) {
				c.Demo, c.DemoRows = true, 40
				c.HoldMessages = true // messages keep their sealed payloads
			})
			ctx, db, dir := s.Ctx(), s.App.DB, s.App.Cfg.Data
			admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			who := registry.Importer{UserID: admin.ID, Email: admin.Email, Scope: "31"}
			if im := importHouseholds(t, s, who); im.Accepted != 3 || im.Rejected != 1 {
				t.Fatalf("first import: %+v", im)
			}
			if err := deliver.NewProviders(db, s.App.Vault, s.App.Deliveries).ProviderSecret(ctx, "gosend", "rahasia-webhook-kurir-1"); err != nil {
				t.Fatal(err)
			}
			s.Client().Login(t, apptest.AdminEmail, apptest.AdminPassword) // sets up the admin's second factor: a sealed secret
			oldText, err := os.ReadFile(filepath.Join(dir, vault.KeyFile))
			if err != nil {
				t.Fatal(err)
			}
			oldV, _, err := vault.Load(dir, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			before := sealed(t, db, oldV, true)
			for _, table := range []string{"targets", "members", "import_rows", "help_requests", "outbox", "courier_providers", "user_factors"} {
				n := 0
				for k := range before {
					if strings.HasPrefix(k, table+"/") {
						n++
					}
				}
				if n == 0 {
					t.Fatalf("no sealed value in %s before the rotation: the test covers nothing there", table)
				}
			}
			targets := count(t, db, `SELECT COUNT(*) FROM targets`)
			withData := func() int {
				return count(t, db, `SELECT COUNT(*) FROM targets WHERE id_enc <> '' OR id_hash IS NOT NULL`) +
					count(t, db, `SELECT COUNT(*) FROM members WHERE nik_enc <> '' OR key_hash <> ''`) +
					count(t, db, `SELECT COUNT(*) FROM import_rows`) + count(t, db, `SELECT COUNT(*) FROM help_requests WHERE sealed <> ''`) +
					count(t, db, `SELECT COUNT(*) FROM outbox WHERE payload <> ''`) + count(t, db, `SELECT COUNT(*) FROM courier_providers`) +
					count(t, db, `SELECT COUNT(*) FROM user_factors`)
			}
			oldRows := withData()

			// The first run is killed after three batches.
			first := rotation(t, s, 5)
			kctx, cancel := context.WithCancel(ctx)
			batches := 0
			first.Progress = func(string, int, keyrot.Progress) {
				if batches++; batches == 3 {
					cancel()
				}
			}
			if _, err := first.Run(kctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("killed rotation: %v, want context.Canceled", err)
			}
			next, err := db.Setting(ctx, keyrot.SettingNextID)
			if err != nil {
				t.Fatalf("the rotation under way is not recorded: %v", err)
			}

			// The running server follows, and keeps deduplicating.
			eventually(t, "the server takes the next key", func() bool { return s.App.Vault.KeyID() == next })
			during := importHouseholds(t, s, who)
			if during.Accepted != 0 || during.Rejected != 1 {
				t.Fatalf("an import during the rotation did not find the households again: %+v", during)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM targets`); got != targets {
				t.Fatalf("targets: %d during the rotation, %d before", got, targets)
			}
			// So does a server starting now.
			if _, err := os.Stat(filepath.Join(dir, vault.NextKeyFile)); err != nil {
				t.Fatalf("no next key file during the rotation: %v", err)
			}

			// Run again, in another process: it resumes and finishes. When its first pass
			// is through the members, one of them is written back under the old key, as a
			// transaction begun before its server took the next key would: the second
			// pass must find it.
			second := rotation(t, s, 5)
			straggler := ""
			second.Progress = func(table string, pass int, p keyrot.Progress) {
				if table != "members" || pass != 1 || !p.Done {
					return
				}
				var id, nik string
				err := store.Each(ctx, db.R(), func(r store.Scanner) error {
					var enc string
					if err := r.Scan(&id, &enc); err != nil {
						return err
					}
					b, err := second.Vault.Open(enc, vault.AD("members", id, "nik"))
					nik = string(b)
					return err
				}, `SELECT id, nik_enc FROM members WHERE nik_enc <> '' ORDER BY id LIMIT 1`)
				if err != nil {
					t.Error(err)
					return
				}
				enc, _ := oldV.Seal([]byte(nik), vault.AD("members", id, "nik"))
				err = db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE members SET nik_enc = $1, nik_hash = $2 WHERE id = $3`, enc, store.HashArg(oldV.Hash("nik", nik)), id)
					return err
				})
				if err != nil {
					t.Error(err)
				}
				straggler = id
			}
			res, err := second.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if straggler == "" {
				t.Fatal("no straggler was written")
			}
			if !res.Resumed || res.To != next || res.From != oldV.KeyID() {
				t.Fatalf("result %+v; want resumed, from %s to %s", res, oldV.KeyID(), next)
			}
			if got, _ := db.Setting(ctx, keyrot.SettingKeyID); got != next {
				t.Fatalf("key_id is %q after the rotation, want %q", got, next)
			}
			newV, src, err := vault.Load(dir, noEnv)
			if err != nil || src != vault.SourceDataDir || newV.KeyID() != next {
				t.Fatalf("gotong.key after the rotation: %v %v %v", newV, src, err)
			}
			retired, _, err := vault.Load(t.TempDir(), func(k string) string {
				if k == vault.EnvKeyFile {
					return res.Retired
				}
				return ""
			})
			if err != nil || retired.KeyID() != oldV.KeyID() || !strings.HasSuffix(res.Retired, ".retired-"+time.Now().UTC().Format(time.DateOnly)) {
				t.Fatalf("retired key file %q: %v", res.Retired, err)
			}

			after := sealed(t, db, newV, true) // opens with the new key alone, or fails
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s changed in the rotation", k)
				}
			}
			var extra []string
			for k := range after {
				if _, ok := before[k]; !ok {
					extra = append(extra, k)
				}
			}
			// New are only the rows the import during the rotation kept for its fix file.
			if len(extra) == 0 {
				t.Error("the import during the rotation kept no rows")
			}
			for _, k := range extra {
				if !strings.HasPrefix(k, "import_rows/"+during.ID+"/") {
					t.Errorf("%s appeared in the rotation", k)
				}
			}
			if old := sealed(t, db, oldV, false); len(old) != 0 {
				t.Errorf("%d sealed values still open with the old key", len(old))
			}
			checkHashes(t, db, newV, after)

			// Every row with personal data was rewritten exactly once, over both runs.
			rewritten, entries := 0, map[string]int{}
			var list []audit.Entry
			for cursor := ""; ; {
				page, next, err := audit.List(ctx, db.R(), audit.Filter{ObjectType: "key", Limit: 500, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				if list, cursor = append(list, page...), next; cursor == "" {
					break
				}
			}
			for _, e := range list {
				entries[e.Action]++
				if e.Action == "key.rotate.batch" {
					var d struct{ Rows int }
					if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
						t.Fatal(err)
					}
					rewritten += d.Rows
				}
			}
			// The rows of before the rotation once each, and the straggler once more; not
			// the rows the import during the rotation wrote with the next key.
			if rewritten != oldRows+1 {
				t.Errorf("the batches' audit entries count %d rows rewritten; %d rows held personal data before the rotation, +1 straggler",
					rewritten, oldRows)
			}
			if entries["key.rotate.begin"] != 1 || entries["key.rotate.finish"] != 1 || entries["key.rotate.table"] != 14 || entries["key.rotate.batch"] < 4 {
				t.Errorf("audit entries of the rotation: %v", entries)
			}
			if p, n, err := audit.Verify(ctx, db.R(), s.App.Vault.AuditKey()); err != nil || p != nil || n == 0 {
				t.Fatalf("audit verify after the rotation: %v %v (%d entries)", p, err, n)
			}

			// The running server drops the old key, and still finds the households.
			eventually(t, "the server drops the old key", func() bool { _, r := s.App.Vault.Rotating(); return !r })
			if im := importHouseholds(t, s, who); im.Accepted != 0 {
				t.Fatalf("an import after the rotation did not find the households again: %+v", im)
			}

			// A server given the old key refuses.
			cfg := s.App.Cfg
			t.Setenv(vault.EnvKey, strings.TrimSpace(string(oldText)))
			refusesToStart(t, cfg, "does not match")
		})
	}
}

// TestAServerWithoutTheNextKeyRefusesToSeal: during a rotation whose next key a server
// cannot load, the running server stops sealing (what it sealed with the old key would
// not open after the rotation) and a server starting refuses to start.
func TestAServerWithoutTheNextKeyRefusesToSeal(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := start(t, eng)
			ctx, db := s.Ctx(), s.App.DB
			providers := deliver.NewProviders(db, s.App.Vault, s.App.Deliveries)
			if err := providers.ProviderSecret(ctx, "gosend", "rahasia-webhook-kurir-1"); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSetting(ctx, keyrot.SettingNextID, "0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the server refuses to seal", func() bool {
				_, err := s.App.Vault.Seal([]byte("x"), nil)
				return err != nil
			})
			if err := providers.ProviderSecret(ctx, "gosend", "rahasia-webhook-kurir-2"); err == nil {
				t.Fatal("a secret was sealed during a rotation whose next key the server lacks")
			}
			cfg := s.App.Cfg
			refusesToStart(t, cfg, "lacks its next key")
		})
	}
}
