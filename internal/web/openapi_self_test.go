package web_test

import (
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
)

// selfConformance calls the self-check and the data-subject access as people use
// them: a person checks their aid, a stranger guesses, a form is sent twice; the
// office downloads what is kept about a household.
func selfConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newSelfWorld(t, s, 0)
	c := s.Client()
	ask := func(nik, name string) map[string]string {
		return map[string]string{"nik": nik, "name": name, "altcha": c.Human(t)}
	}
	once := ask(w.head, w.headName)
	sc, sa := "/api/v1/self-check", "/api/v1/targets/"+w.hh+"/subject-access"
	for _, call := range []apiCall{
		{name: "a person checks their aid", as: c, method: "POST", path: sc, body: once, want: 200},
		{name: "a solved check is accepted once", as: c, method: "POST", path: sc, body: once, want: 400},
		{name: "a wrong name is not found", as: c, method: "POST", path: sc, body: ask(w.head, "Orang Lain"), want: 200},
		{name: "a NIK of 5 digits is invalid", as: c, method: "POST", path: sc, body: ask("12345", w.headName), want: 400},
		{name: "a check without the human check is invalid", as: c, method: "POST", path: sc,
			body: map[string]string{"nik": w.head, "name": w.headName}, want: 400, docRejects: true},
		{name: "an unknown field is invalid", as: c, method: "POST", path: sc,
			body: map[string]string{"nik": w.head, "name": w.headName, "altcha": "x", "kk": "1"}, want: 400, docRejects: true},

		{name: "the office of the region downloads a target's data", as: w.officeX, method: "GET", path: sa, want: 200},
		{name: "the admin downloads it masked", as: w.admin, method: "GET", path: sa, want: 200},
		{name: "another kota's office does not find it", as: w.officeY, method: "GET", path: sa, want: 404},
		{name: "a collaborator does not find it", as: w.collab, method: "GET", path: sa, want: 404},
		{name: "an anonymous caller may not download", as: w.anon, method: "GET", path: sa, want: 401},
	} {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
}
