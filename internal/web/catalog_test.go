package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

// TestCatalogueCoversEveryText fails when a page or a client-facing error message uses
// text that has no Indonesian translation — Indonesian is every page's default.
func TestCatalogueCoversEveryText(t *testing.T) {
	var keys []string
	tmplKey := regexp.MustCompile(`\.T "([^"]+)"`)
	err := fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Texts chosen at run time.
	for _, k := range account.OrgKinds {
		keys = append(keys, k)
	}
	keys = append(keys, account.OrgPending, account.OrgVerified, account.OrgRejected, "all", "kecamatan", "kelurahan")
	for _, r := range []account.Role{account.Admin, account.Office, account.Collaborator} {
		keys = append(keys, "role "+string(r))
	}
	for _, k := range registry.Kinds {
		keys = append(keys, "kind "+string(k))
	}
	for _, st := range []string{"queued", "running", "done", "failed"} {
		keys = append(keys, "import "+st)
	}
	for _, st := range []string{"open", "merged", "distinct"} {
		keys = append(keys, "pair "+st)
	}
	for _, st := range []string{program.Draft, program.Published, program.Closed} {
		keys = append(keys, "program "+st)
	}
	for _, rule := range []string{program.PerTarget, program.PerPerson, program.PerFamily, program.PerResident} {
		keys = append(keys, "rule "+rule)
	}
	for _, st := range []string{allocate.StatusAllocated, allocate.StatusPartial, allocate.StatusWaitlisted, allocate.StatusCancelled} {
		keys = append(keys, "commitment "+st)
	}
	for _, st := range []string{allocate.Reserved, allocate.Dispatched, allocate.Delivered, allocate.Failed, allocate.Expired, allocate.Cancelled} {
		keys = append(keys, "allocation "+st)
	}
	keys = append(keys, "flag target_left", "flag quantity_reduced", "My commitments", "Commitments")
	for _, kind := range []string{"commitment.filled", "allocation.expired", "other"} {
		keys = append(keys, noticeKey(kind))
	}
	for _, l := range []region.Level{region.Province, region.Regency, region.District, region.Village} {
		keys = append(keys, l.String())
	}
	// Page titles, flash messages and every client-facing error message in the code.
	goKey := regexp.MustCompile(`(?:errs\.E\(errs\.[A-Za-z]+, |flash(?:Error)?\(r, |render\(w, r, "[a-z_]+", |"title": )("(?:[^"\\]|\\.)+")`)
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			k, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d texts; the scan is broken", len(keys))
	}
	missing := map[string]bool{}
	for _, k := range keys {
		if _, ok := catalog[k]; !ok {
			missing[k] = true
		}
	}
	for k := range missing {
		t.Errorf("no Indonesian for %q", k)
	}
}

func TestTranslateFormatsAndTranslatesArguments(t *testing.T) {
	if got := translate(langID, "%s must be %d to %d characters", "name", 2, 120); got != "nama harus 2 sampai 120 karakter" {
		t.Fatalf("Indonesian: %q", got)
	}
	if got := translate(langEN, "%s must be %d to %d characters", "name", 2, 120); got != "name must be 2 to 120 characters" {
		t.Fatalf("English: %q", got)
	}
	if got := translate(langID, "a text nobody translated"); got != "a text nobody translated" {
		t.Fatalf("a missing key must fall back to its English text, got %q", got)
	}
}

func TestNumbersUseTheLanguagesSeparator(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{langID, 83762, "83.762"}, {langEN, 83762, "83,762"}, {langID, 999, "999"}, {langID, -1234567, "-1.234.567"}, {langEN, 0, "0"}} {
		if got := (view{Lang: c.lang}).N(c.n); got != c.want {
			t.Errorf("N(%d) in %s = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
}
