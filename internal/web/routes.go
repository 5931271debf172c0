package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
)

// route is one API endpoint. The API is a table so that the OpenAPI test can check
// that every endpoint served is described, and every one described is served.
type route struct {
	Method, Path string
	Handler      http.HandlerFunc
}

// apiRoutes lists every /api/v1 endpoint with its access rule applied.
func (s *Server) apiRoutes() []route {
	admin := s.require(account.Admin)
	signedIn := s.require()
	// The registry is the government's: offices (their region) and admins.
	registrar := s.require(account.Admin, account.Office)
	// Commitments: members of verified organisations (their own) and admins (all);
	// only members of verified organisations commit.
	committer, collaborator := s.verifiedOrg(true), s.verifiedOrg(false)
	return []route{
		{"GET", "/api/v1/openapi.json", s.apiOpenAPI},
		{"GET", "/api/v1/regions", s.apiRegions},
		{"GET", "/api/v1/regions/{code}", s.apiRegion},
		{"GET", "/api/v1/public/summary", s.apiSummary},
		{"GET", "/api/v1/me", signedIn(s.apiMe)},
		{"POST", "/api/v1/tokens", signedIn(s.apiCreateToken)},
		{"GET", "/api/v1/users", admin(s.apiListUsers)},
		{"POST", "/api/v1/users", admin(s.apiCreateUser)},
		{"GET", "/api/v1/users/{id}", admin(s.apiGetUser)},
		{"DELETE", "/api/v1/users/{id}", admin(s.apiDeleteUser)},
		{"POST", "/api/v1/organizations", s.registerLimit(s.apiRegister)},
		{"GET", "/api/v1/organizations", admin(s.apiListOrgs)},
		{"GET", "/api/v1/organizations/{id}", signedIn(s.apiGetOrg)},
		{"POST", "/api/v1/organizations/{id}/verify", admin(s.apiVerifyOrg)},
		{"PUT", "/api/v1/organizations/{id}/limits", admin(s.apiOrgLimits)},
		{"GET", "/api/v1/flags", admin(s.apiFlags)},
		{"GET", "/api/v1/audit", admin(s.apiAudit)},
		{"POST", "/api/v1/imports", registrar(s.apiCreateImport)},
		{"GET", "/api/v1/imports", registrar(s.apiListImports)},
		{"GET", "/api/v1/imports/template", registrar(s.importTemplate)},
		{"GET", "/api/v1/imports/{id}", registrar(s.apiImport)},
		{"GET", "/api/v1/imports/{id}/errors.csv", registrar(s.importErrors)},
		{"GET", "/api/v1/targets", registrar(s.apiTargets)},
		{"GET", "/api/v1/targets/{id}", registrar(s.apiTarget)},
		{"PATCH", "/api/v1/targets/{id}", registrar(s.apiCorrectTarget)},
		{"GET", "/api/v1/duplicates", registrar(s.apiDuplicates)},
		{"POST", "/api/v1/duplicates/{id}/resolve", registrar(s.apiResolve)},
		{"POST", "/api/v1/programs", admin(s.apiCreateProgram)},
		{"GET", "/api/v1/programs", signedIn(s.apiListPrograms)},
		{"GET", "/api/v1/programs/{id}", signedIn(s.apiProgram)},
		{"POST", "/api/v1/programs/{id}/publish", admin(s.apiPublishProgram)},
		{"POST", "/api/v1/programs/{id}/close", admin(s.apiCloseProgram)},
		{"POST", "/api/v1/programs/{id}/stacking", admin(s.apiStacking)},
		{"GET", "/api/v1/programs/{id}/coverage", signedIn(s.apiCoverage)},
		{"GET", "/api/v1/programs/{id}/needs", committer(s.apiOpenNeeds)},
		{"GET", "/api/v1/programs/{id}/flagged", registrar(s.apiFlagged)},
		{"POST", "/api/v1/commitments", collaborator(s.apiCommit)},
		{"POST", "/api/v1/commitments/preview", collaborator(s.apiPreview)},
		{"GET", "/api/v1/commitments", committer(s.apiCommitments)},
		{"GET", "/api/v1/commitments/{id}", committer(s.apiCommitment)},
		{"GET", "/api/v1/commitments/{id}/allocations", committer(s.apiAllocations)},
		{"POST", "/api/v1/commitments/{id}/cancel", committer(s.apiCancel)},
		{"POST", "/api/v1/allocations/{id}/fail", committer(s.apiFail)},
		{"GET", "/api/v1/notifications", committer(s.apiNotifications)},
		{"POST", "/api/v1/notifications/read", committer(s.apiMarkRead)},
	}
}

func (s *Server) routes(mux *http.ServeMux) {
	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.Handler)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.NotFound, "no such endpoint"))
	})

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Ready(r.Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if s.opt.Metrics != nil {
		mux.Handle("GET /metrics", s.opt.Metrics)
	}

	admin := s.require(account.Admin)
	signedIn := s.require()
	mux.HandleFunc("GET /{$}", s.pageHome)
	mux.HandleFunc("GET /login", s.pageLogin)
	mux.HandleFunc("POST /login", s.pageLoginPost)
	mux.HandleFunc("POST /logout", s.pageLogout)
	mux.HandleFunc("GET /register", s.pageRegister)
	mux.HandleFunc("POST /register", s.registerLimit(s.pageRegisterPost))
	mux.HandleFunc("GET /account", signedIn(s.pageAccount))
	mux.HandleFunc("POST /account/tokens", signedIn(s.pageCreateToken))
	mux.HandleFunc("GET /admin/users", admin(s.pageUsers))
	mux.HandleFunc("POST /admin/users", admin(s.pageUsersPost))
	mux.HandleFunc("POST /admin/users/{id}/delete", admin(s.pageUserDelete))
	mux.HandleFunc("GET /admin/organizations", admin(s.pageOrgs))
	mux.HandleFunc("POST /admin/organizations/{id}/verify", admin(s.pageOrgVerify))
	mux.HandleFunc("POST /admin/organizations/{id}/limits", admin(s.pageOrgLimits))
	mux.HandleFunc("GET /admin/audit", admin(s.pageAudit))
	registrar := s.require(account.Admin, account.Office)
	mux.HandleFunc("GET /registry", registrar(s.pageRegistry))
	mux.HandleFunc("GET /registry/targets/{id}", registrar(s.pageTarget))
	mux.HandleFunc("GET /imports", registrar(s.pageImports))
	mux.HandleFunc("POST /imports", registrar(s.pageImportPost))
	mux.HandleFunc("GET /imports/{id}", registrar(s.pageImport))
	mux.HandleFunc("GET /imports/{id}/progress", registrar(s.pageImportProgress))
	mux.HandleFunc("GET /duplicates", registrar(s.pageDuplicates))
	mux.HandleFunc("GET /duplicates/{id}", registrar(s.pageDuplicate))
	mux.HandleFunc("POST /duplicates/{id}/resolve", registrar(s.pageResolve))
	committer, collaborator := s.verifiedOrg(true), s.verifiedOrg(false)
	mux.HandleFunc("GET /programs", signedIn(s.pagePrograms))
	mux.HandleFunc("GET /programs/new", admin(s.pageNewProgram))
	mux.HandleFunc("POST /programs", admin(s.pageNewProgramPost))
	mux.HandleFunc("GET /programs/{id}", signedIn(s.pageProgram))
	mux.HandleFunc("POST /programs/{id}/publish", admin(s.pagePublish))
	mux.HandleFunc("POST /programs/{id}/close", admin(s.pageClose))
	mux.HandleFunc("POST /programs/{id}/stacking", admin(s.pageStacking))
	mux.HandleFunc("GET /needs", signedIn(s.pageNeeds))
	mux.HandleFunc("GET /commitments", committer(s.pageCommitments))
	mux.HandleFunc("GET /commitments/new", collaborator(s.pageNewCommitment))
	mux.HandleFunc("POST /commitments", collaborator(s.pageCommitPost))
	mux.HandleFunc("POST /commitments/preview", collaborator(s.pagePreview))
	mux.HandleFunc("GET /commitments/{id}", committer(s.pageCommitment))
	mux.HandleFunc("POST /commitments/{id}/cancel", committer(s.pageCancel))
	mux.HandleFunc("POST /notifications/read", committer(s.pageMarkRead))
	mux.HandleFunc("GET /regions", s.pageRegions)
	mux.HandleFunc("GET /regions/{code}", s.pageRegions)
	mux.HandleFunc("GET /privacy", func(w http.ResponseWriter, r *http.Request) { s.render(w, r, "privacy", "Privacy", nil) })
	mux.HandleFunc("GET /lang/{lang}", s.switchLang)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.NotFound, "page not found"))
	})
}
