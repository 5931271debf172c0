package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
)

// Every export and personal-data download is audited (DESIGN.md §2.3; issue 16,
// item 6). downloads lists each download route with the audit action one download
// records; the role table (runRoleRow) then checks, for every row that asks one of
// them, that a 2xx answer added exactly one entry of that action, and a refusal
// none. TestEveryDownloadIsListed keeps the list complete.
var downloads = map[string]string{
	"GET /api/v1/imports/{id}/errors.csv":                  "import.errors_export",
	"GET /api/v1/imports/{id}/rejected":                    "import.fix_file",
	"GET /api/v1/programs/{id}/recipient-codes.csv":        "allocation.codes.export",
	"GET /api/v1/programs/{id}/confirmation?format=csv":    "callback.confirmation.export",
	"GET /api/v1/deliveries/{id}/list.csv":                 "delivery.list.csv",
	"GET /api/v1/deliveries/{id}/labels.pdf":               "delivery.labels",
	"GET /api/v1/deliveries/{id}/bast.pdf":                 "delivery.bast",
	"GET /api/v1/commitments/{id}/certificate.pdf":         "commitment.certificate",
	"GET /api/v1/donations/{id}/receipt.pdf":               "donation.receipt_pdf",
	"GET /api/v1/organizations/{id}/donor-certificate.pdf": "donation.certificate",
	"GET /api/v1/targets/{id}/subject-access":              "target.subject_access",
	"GET /api/v1/exports/3w.csv":                           "export.3w",
	"GET /api/v1/exports/3w.xlsx":                          "export.3w",
	"GET /api/v1/exports/coverage.csv":                     "export.coverage",
	"GET /api/v1/exports/coverage.xlsx":                    "export.coverage",
	"GET /api/v1/exports/collaborators.csv":                "export.collaborators",
	"GET /api/v1/exports/collaborators.xlsx":               "export.collaborators",
	"GET /api/v1/exports/daily.csv":                        "export.daily",
	"GET /api/v1/exports/daily.xlsx":                       "export.daily",
	"GET /api/v1/exports/overdue.csv":                      "export.overdue",
	"GET /api/v1/exports/overdue.xlsx":                     "export.overdue",
}

// notDownloads are the routes that answer a file but hold nothing about anyone,
// so they are not audited.
var notDownloads = map[string]string{
	"GET /api/v1/imports/template": "an empty template with a made-up example row",
	"GET /api/v1/openapi.json":     "the API's description",
	"GET /feed.json":               "the public feed: figures of public programs",
}

// downloadPatterns matches requests to the route patterns of downloads.
func downloadPatterns(t *testing.T) func(method, path string) string {
	t.Helper()
	mux := http.NewServeMux()
	for _, p := range registeredPatterns(t) {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	return func(method, path string) string {
		_, p := mux.Handler(httptest.NewRequest(method, path, nil))
		if p == "GET /api/v1/programs/{id}/confirmation" {
			if u, err := url.Parse(path); err == nil && u.Query().Get("format") == "csv" {
				return p + "?format=csv"
			}
		}
		return p
	}
}

// auditCountOf counts the audit entries of action, over every chain.
func auditCountOf(t *testing.T, s *apptest.Server, action string) int {
	t.Helper()
	var n int
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditDownload, called before a role row's request, returns the check to make on
// its answer: a download answered 2xx added one entry of its action, a refused one
// none. For a request that is no download the check does nothing.
func (f *roleFixture) auditDownload(t *testing.T, method, path string) func(t *testing.T, status int) {
	if f.downloadOf == nil {
		f.downloadOf = downloadPatterns(t)
	}
	action, ok := downloads[f.downloadOf(method, path)]
	if !ok {
		return func(*testing.T, int) {}
	}
	before := auditCountOf(t, f.s, action)
	return func(t *testing.T, status int) {
		t.Helper()
		want := 0
		if status >= 200 && status < 300 {
			want = 1
		}
		if got := auditCountOf(t, f.s, action) - before; got != want {
			t.Errorf("the download answered %d and added %d audit entries %s; want %d", status, got, action, want)
		}
	}
}

// TestEveryDownloadIsListed: every route that answers a file (its path ends in
// .csv, .xlsx, .pdf or .json, or it is one of the personal-data downloads named
// otherwise) is in downloads or, with a reason, in notDownloads; and the role
// table asks each download at least once with success (TestEveryEndpointAsEveryRole
// checks the audit entries of those requests).
func TestEveryDownloadIsListed(t *testing.T) {
	files := map[string]bool{}
	for p := range downloads {
		files[strings.TrimSuffix(p, "?format=csv")] = true
	}
	for _, p := range registeredPatterns(t) {
		_, path, _ := strings.Cut(p, " ")
		looksLikeFile := false
		for _, ext := range []string{".csv", ".xlsx", ".pdf", ".json", "/rejected", "/subject-access"} {
			looksLikeFile = looksLikeFile || strings.HasSuffix(path, ext)
		}
		if looksLikeFile && !files[p] && notDownloads[p] == "" {
			t.Errorf("%s answers a file but is neither in downloads (with its audit action) nor in notDownloads", p)
		}
	}
	// Downloads that are not files by their name, found by reading the table.
	if _, ok := downloads["GET /api/v1/programs/{id}/confirmation?format=csv"]; !ok {
		t.Error("the confirmation's CSV export is not listed")
	}
	rowsAsking := map[string]bool{}
	match := downloadPatterns(t)
	placeholder := regexp.MustCompile(`\{[A-Za-z]+\}`)
	for _, row := range roleTable() {
		p := match(row.method, placeholder.ReplaceAllString(row.path, "x"))
		if _, ok := downloads[p]; ok {
			for r := anonymous; r < nRoles; r++ {
				if c := row.want.of(r); c >= 200 && c < 300 {
					rowsAsking[p] = true
				}
			}
		}
	}
	for p := range downloads {
		if !rowsAsking[p] {
			t.Errorf("no row of the role table downloads %s with success, so its audit entry is never checked", p)
		}
	}
}
