package web_test

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// Previous links (issue 15 items 1 and 12): every list that pages forward pages
// back to the very page it came from.

func TestEveryListPagesBackToTheFirstPageWithTheSameItems(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newOfficeWorld(t, s, 12, 6)
			// Three pairs: one NIK each under two No. KK.
			office, _ := s.User(t, account.Office, "31.71", "")
			var rows strings.Builder
			rows.WriteString(householdHeader)
			for i := range 3 {
				n := serial(s)
				nik := nikOf("317101", "1975-05-05", false, n)
				for j := range 2 {
					rows.WriteString(hhRow(kkOf("317101", n+10+j), nik, "Slamet Kembar", "1975-05-05", "L", "Kepala Keluarga",
						"31.71.01.1001", "2", "2", "Jl. Kembar No. "+string(rune('1'+i)), "", ""))
				}
			}
			importAs(t, s, importer(office), "kembar.csv", rows.String())

			for _, list := range []struct {
				path, id, row string
			}{
				{"/commitments?per=1", "commitments", `href="/commitments/([^"?#]+)">`},
				{"/imports?per=1", "imports", `href="/imports/([^"?#]+)">`},
				{"/duplicates?per=1", "duplicates", `href="/duplicates/([^"?#]+)"`},
				{"/registry?per=5&kind=household", "targets", `href="/registry/targets/([^"?#]+)">`},
			} {
				t.Run(list.id, func(t *testing.T) {
					next := regexp.MustCompile(`href="([^"]+)" id="` + list.id + `-next"`)
					prev := regexp.MustCompile(`href="([^"]+)" id="` + list.id + `-prev"`)
					row := regexp.MustCompile(list.row)
					get := func(path string) (body string, items []string) {
						t.Helper()
						r := w.adm.Do(t, "GET", path, nil)
						if r.Status != 200 {
							t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
						}
						for _, m := range row.FindAllStringSubmatch(string(r.Body), -1) {
							items = append(items, m[1])
						}
						return string(r.Body), items
					}
					link := func(re *regexp.Regexp, body, what string) string {
						t.Helper()
						m := re.FindStringSubmatch(body)
						if m == nil {
							t.Fatalf("%s has no %s link", list.path, what)
						}
						return html.UnescapeString(m[1])
					}
					body, first := get(list.path)
					if len(first) == 0 || prev.MatchString(body) {
						t.Fatalf("the first page shows %d items and a previous link: %v", len(first), prev.MatchString(body))
					}
					body, second := get(link(next, body, "next"))
					if len(second) == 0 || slices.Equal(first, second) {
						t.Fatalf("the second page repeats the first: %v", second)
					}
					body, third := get(link(next, body, "second next"))
					back := link(prev, body, "previous")
					if !strings.Contains(back, "per=") {
						t.Fatalf("the previous link drops the filter: %s", back)
					}
					body, again := get(back)
					if !slices.Equal(again, second) {
						t.Fatalf("back from %v: %v, want %v", third, again, second)
					}
					body, again = get(link(prev, body, "second previous"))
					if !slices.Equal(again, first) {
						t.Fatalf("back to the first page: %v, want %v", again, first)
					}
					if prev.MatchString(body) {
						t.Fatalf("the first page, reached by going back, still offers a previous link")
					}
					if _, again = get(link(next, body, "next from the first page")); !slices.Equal(again, second) {
						t.Fatalf("forward again: %v, want %v", again, second)
					}
				})
			}
		})
	}
}
