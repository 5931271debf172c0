package web_test

import (
	"net/url"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
)

// selfRows are the role table's rows for the self-check and data-subject access
// (issue 14).
func selfRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	// The self-check without a solved human check: refused for everyone alike,
	// signed in or not, before anything is looked up.
	noHuman := map[string]string{"nik": "3171011708610001", "name": "Bambang", "altcha": ""}
	// subjectData: the office of X gets the household's NIKs and No. KK in clear;
	// the admin gets them masked, as in every admin read.
	subjectData := func(f *roleFixture, r role) []string {
		n := f.reg.niksX
		switch r {
		case officeX:
			return []string{f.reg.nameX, n[0], n[1], n[2], `"target.subject_access"`, "registered_at"}
		case admin:
			return []string{f.reg.nameX, mask(n[0]), mask(n[1]), `"target.subject_access"`}
		}
		return nil
	}
	// subjectAudited: each download leaves one target.subject_access entry, by
	// whoever downloaded it; refusals leave none.
	subjectAudited := func(t *testing.T, f *roleFixture) freshObjects {
		const q = `SELECT COUNT(*) FROM audit_log WHERE action = 'target.subject_access' AND object_id = $1`
		before := f.count(t, q, f.reg.targetX)
		return freshObjects{after: func(t *testing.T, r role, _ *apptest.Client) {
			want := before
			if r == officeX || r == admin {
				want++
			}
			if n := f.count(t, q, f.reg.targetX); n != want {
				t.Errorf("%d subject_access entries for the target after the request, want %d", n, want)
			}
		}}
	}
	return []roleRow{
		{method: "POST", path: "/api/v1/self-check", body: noHuman, want: everyone(400), show: text("human")},
		{method: "GET", path: "/api/v1/targets/{targetX}/subject-access", want: apiInX(200), show: subjectData, fresh: subjectAudited},
		{method: "GET", path: "/cek-bantuan", want: everyone(200), show: text(`action="/cek-bantuan"`, `name="altcha"`)},
		{method: "POST", path: "/cek-bantuan", body: url.Values{"nik": {"3171011708610001"}, "name": {"Bambang"}}, want: everyone(400),
			show: text(`id="selfcheck-error"`)},
	}
}
