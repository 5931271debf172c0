package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// route is one API endpoint. The API is a table so that the OpenAPI test can check
// that every endpoint served is described, and every one described is served.
type route struct {
	Method, Path string
	Handler      http.HandlerFunc
}

// apiRoutes lists every /api/v1 endpoint with its access rule applied: a route
// wrapped in allow needs that permission, the others are public. Who holds each
// permission is account's policy (account/policy.go).
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/api/v1/openapi.json", s.apiOpenAPI},
		{"GET", "/api/v1/regions", s.apiRegions},
		{"GET", "/api/v1/regions/{code}", s.apiRegion},
		{"GET", "/api/v1/public/summary", fromReplica(s.apiSummary)},
		{"GET", "/api/v1/challenge", s.challengeLimit(s.apiChallenge)},
		{"GET", "/api/v1/me", s.allow(account.ManageOwnAccount, s.apiMe)},
		{"POST", "/api/v1/tokens", s.allow(account.ManageOwnAccount, s.apiCreateToken)},
		{"GET", "/api/v1/users", s.allow(account.ManageUsers, s.apiListUsers)},
		{"POST", "/api/v1/users", s.allow(account.ManageUsers, s.apiCreateUser)},
		{"GET", "/api/v1/users/{id}", s.allow(account.ManageUsers, s.apiGetUser)},
		{"DELETE", "/api/v1/users/{id}", s.allow(account.ManageUsers, s.apiDeleteUser)},
		{"POST", "/api/v1/users/{id}/deactivate", s.allow(account.ManageUsers, s.apiSetUserActive(false))},
		{"POST", "/api/v1/users/{id}/reactivate", s.allow(account.ManageUsers, s.apiSetUserActive(true))},
		// Sessions by user and the admin's new password (issue 16).
		{"GET", "/api/v1/users/{id}/sessions", s.allow(account.ManageUsers, s.apiUserSessions)},
		{"DELETE", "/api/v1/users/{id}/sessions", s.allow(account.ManageUsers, s.apiEndUserSessions)},
		{"DELETE", "/api/v1/users/{id}/sessions/{session}", s.allow(account.ManageUsers, s.apiEndUserSession)},
		{"POST", "/api/v1/users/{id}/password", s.allow(account.ManageUsers, s.apiSetNewPassword)},
		{"GET", "/api/v1/me/sessions", s.allow(account.ManageOwnAccount, s.apiMySessions)},
		{"DELETE", "/api/v1/me/sessions/{session}", s.allow(account.ManageOwnAccount, s.apiEndMySession)},
		{"POST", "/api/v1/organizations", s.registerLimit(s.apiRegister)},
		{"GET", "/api/v1/organizations", s.allow(account.ReadOrgs, s.apiListOrgs)},
		{"GET", "/api/v1/organizations/{id}", s.allow(account.ReadOrg, s.apiGetOrg)},
		{"POST", "/api/v1/organizations/{id}/verify", s.allow(account.VerifyOrg, s.apiVerifyOrg)},
		{"PUT", "/api/v1/organizations/{id}/limits", s.allow(account.SetOrgLimits, s.apiOrgLimits)},
		{"POST", "/api/v1/organizations/{id}/suspend", s.allow(account.VerifyOrg, s.apiSuspendOrg(true))},
		{"POST", "/api/v1/organizations/{id}/reinstate", s.allow(account.VerifyOrg, s.apiSuspendOrg(false))},
		{"GET", "/api/v1/flags", s.allow(account.ReadFlags, s.apiFlags)},
		{"GET", "/api/v1/audit", s.allow(account.ReadAudit, s.apiAudit)},
		{"POST", "/api/v1/imports", s.allow(account.Import, s.apiCreateImport)},
		{"GET", "/api/v1/imports", s.allow(account.Import, s.apiListImports)},
		{"GET", "/api/v1/imports/template", s.allow(account.Import, s.importTemplate)},
		{"GET", "/api/v1/imports/{id}", s.allow(account.Import, s.apiImport)},
		{"GET", "/api/v1/imports/{id}/errors.csv", s.allow(account.Import, s.importErrors)},
		{"GET", "/api/v1/imports/{id}/rejected", s.allow(account.Import, s.importFixFile)},
		{"GET", "/api/v1/targets", s.allow(account.ReadRegistry, s.apiTargets)},
		{"GET", "/api/v1/targets/{id}", s.allow(account.ReadRegistry, s.apiTarget)},
		{"PATCH", "/api/v1/targets/{id}", s.allow(account.CorrectTarget, s.apiCorrectTarget)},
		{"GET", "/api/v1/duplicates", s.allow(account.ResolveDuplicates, s.apiDuplicates)},
		{"POST", "/api/v1/duplicates/{id}/resolve", s.allow(account.ResolveDuplicates, s.apiResolve)},
		{"POST", "/api/v1/programs", s.allow(account.ManagePrograms, s.apiCreateProgram)},
		{"GET", "/api/v1/programs", s.allow(account.ReadPrograms, s.apiListPrograms)},
		{"GET", "/api/v1/programs/{id}", s.allow(account.ReadPrograms, s.apiProgram)},
		{"POST", "/api/v1/programs/{id}/publish", s.allow(account.ManagePrograms, s.apiPublishProgram)},
		{"POST", "/api/v1/programs/{id}/close", s.allow(account.ManagePrograms, s.apiCloseProgram)},
		{"POST", "/api/v1/programs/{id}/stacking", s.allow(account.ManagePrograms, s.apiStacking)},
		{"GET", "/api/v1/programs/{id}/coverage", s.allow(account.ReadCoverage, s.apiCoverage)},
		{"GET", "/api/v1/programs/{id}/needs", s.allow(account.ReadOpenNeeds, s.apiOpenNeeds)},
		{"GET", "/api/v1/programs/{id}/flagged", s.allow(account.ReadFlagged, s.apiFlagged)},
		{"POST", "/api/v1/commitments", s.allow(account.Commit, s.apiCommit)},
		{"POST", "/api/v1/commitments/preview", s.allow(account.Commit, s.apiPreview)},
		{"GET", "/api/v1/commitments", s.allow(account.ReadCommitments, s.apiCommitments)},
		{"GET", "/api/v1/commitments/{id}", s.allow(account.ReadCommitments, s.apiCommitment)},
		{"GET", "/api/v1/commitments/{id}/allocations", s.allow(account.ReadRecipients, s.apiAllocations)},
		{"POST", "/api/v1/commitments/{id}/cancel", s.allow(account.CancelCommitment, s.apiCancel)},
		{"POST", "/api/v1/allocations/{id}/dispatch", s.allow(account.DispatchAllocation, s.apiDispatch)},
		{"POST", "/api/v1/allocations/{id}/fail", s.allow(account.FailAllocation, s.apiFail)},
		{"GET", "/api/v1/notifications", s.allow(account.ReadNotifications, s.apiNotifications)},
		{"POST", "/api/v1/notifications/read", s.allow(account.ReadNotifications, s.apiMarkRead)},
		// The office's side of deliveries (issue 11).
		{"GET", "/api/v1/programs/{id}/recipient-codes.csv", s.allow(account.ReadRecipientCodes, s.apiRecipientCodes)},
		{"POST", "/api/v1/verifications", s.allow(account.VerifyDeliveries, s.apiDrawSample)},
		{"POST", "/api/v1/verifications/{id}/items/{allocation}", s.allow(account.VerifyDeliveries, s.apiAnswerSample)},
		{"GET", "/api/v1/programs/{id}/confirmation", s.allow(account.ReadConfirmation, s.apiConfirmation)},
		{"PUT", "/api/v1/courier-providers/{name}", s.allow(account.ManageCourierProviders, s.apiCourierProvider)},
		{"POST", "/api/v1/webhooks/courier/{name}", s.apiCourierWebhook},
		{"POST", "/api/v1/deliveries", s.allow(account.ManageDeliveries, s.apiCreateDelivery)},
		{"GET", "/api/v1/deliveries", s.allow(account.ManageDeliveries, s.apiDeliveries)},
		{"GET", "/api/v1/deliveries/{id}", s.allow(account.ManageDeliveries, s.apiDelivery)},
		{"POST", "/api/v1/deliveries/{id}/revoke", s.allow(account.ManageDeliveries, s.apiRevokeDelivery)},
		{"GET", "/api/v1/deliveries/{id}/list.csv", s.allow(account.ManageDeliveries, s.deliveryCSV)},
		{"POST", "/api/v1/allocations/{id}/deliver", s.allow(account.DeliverAllocation, s.apiDeliver)},
		{"GET", "/api/v1/delivery-flags", s.allow(account.ReadDeliveries, s.apiDeliveryFlags)},
		{"GET", "/api/v1/courier/{token}", s.apiCourier},
		{"POST", "/api/v1/courier/{token}/stops/{allocation}/pickup", s.apiCourierPickup},
		{"POST", "/api/v1/courier/{token}/stops/{allocation}/deliver", s.apiCourierDeliver},
		{"POST", "/api/v1/courier/{token}/stops/{allocation}/fail", s.apiCourierFail},
		// The documents of delivery (issue 11): labels, handover records, certificates.
		{"GET", "/api/v1/deliveries/{id}/labels.pdf", s.allow(account.ManageDeliveries, s.apiDeliveryLabels)},
		{"GET", "/api/v1/deliveries/{id}/bast.pdf", s.allow(account.ManageDeliveries, s.apiDeliveryBAST)},
		{"GET", "/api/v1/commitments/{id}/certificate.pdf", s.allow(account.ReadCommitments, s.apiCertificate)},
		{"GET", "/api/v1/verify/bast/{id}", s.verifyLimit(s.apiVerifyBAST)},
		{"GET", "/api/v1/verify/certificate/{id}", s.verifyLimit(s.apiVerifyCertificate)},
		// The documents of donations (issue 13): receipts, donors' certificates, their public check.
		{"GET", "/api/v1/donations/{id}/receipt.pdf", s.allow(account.ReadStock, s.apiDonationReceipt)},
		{"GET", "/api/v1/organizations/{id}/donor-certificate.pdf", s.allow(account.ReadOrg, s.apiDonorCertificate)},
		{"GET", "/api/v1/verify/receipt/{id}", s.verifyLimit(s.apiVerifyReceipt)},
		{"GET", "/api/v1/verify/donor-certificate/{id}", s.verifyLimit(s.apiVerifyDonorCertificate)},
		// The map (issue 12): region outlines and coverage drawn on them.
		{"POST", "/api/v1/boundaries", s.allow(account.ManageBoundaries, s.apiUploadBoundaries)},
		{"GET", "/api/v1/boundaries", s.allow(account.ReadDashboard, s.apiBoundaries)},
		// The public side of monitoring (issue 12): one public program's figures.
		{"GET", "/api/v1/public/programs/{id}", fromReplica(s.apiPublicProgram)},
		// Donations to the task force (issue 13): where a donor's goods went.
		{"GET", "/api/v1/donations/impact", s.allow(account.Donate, s.apiDonationImpact)},
		// The government dashboard (issue 12).
		{"GET", "/api/v1/dashboard", s.allow(account.ReadDashboard, fromReplica(s.apiDashboard))},
		{"GET", "/api/v1/dashboard/collaborators", s.allow(account.ReadDashboard, fromReplica(dashList(s, s.collaboratorsOf)))},
		{"GET", "/api/v1/dashboard/daily", s.allow(account.ReadDashboard, fromReplica(dashList(s, s.dailyOf)))},
		{"GET", "/api/v1/dashboard/overdue", s.allow(account.ReadDashboard, fromReplica(dashList(s, s.overdueOf)))},
		// The exports of monitoring (issue 12): the 3W in HXL and coverage, CSV and XLSX.
		{"GET", "/api/v1/exports/3w.csv", s.allow(account.ExportMonitoring, s.api3W)},
		{"GET", "/api/v1/exports/3w.xlsx", s.allow(account.ExportMonitoring, s.api3W)},
		{"GET", "/api/v1/exports/coverage.csv", s.allow(account.ExportMonitoring, s.apiCoverageExport)},
		{"GET", "/api/v1/exports/coverage.xlsx", s.allow(account.ExportMonitoring, s.apiCoverageExport)},
		{"GET", "/api/v1/exports/collaborators.csv", s.allow(account.ExportMonitoring, s.apiCollaboratorsExport())},
		{"GET", "/api/v1/exports/collaborators.xlsx", s.allow(account.ExportMonitoring, s.apiCollaboratorsExport())},
		{"GET", "/api/v1/exports/daily.csv", s.allow(account.ExportMonitoring, s.apiDailyExport())},
		{"GET", "/api/v1/exports/daily.xlsx", s.allow(account.ExportMonitoring, s.apiDailyExport())},
		{"GET", "/api/v1/exports/overdue.csv", s.allow(account.ExportMonitoring, s.apiOverdueExport())},
		{"GET", "/api/v1/exports/overdue.xlsx", s.allow(account.ExportMonitoring, s.apiOverdueExport())},
		// Warehouses, the catalogue and stock (issue 13).
		{"POST", "/api/v1/warehouses", s.allow(account.ManageWarehouses, s.apiCreateWarehouse)},
		{"GET", "/api/v1/warehouses", s.allow(account.ReadStock, s.apiWarehouses)},
		{"GET", "/api/v1/warehouses/{id}", s.allow(account.ReadStock, s.apiWarehouse)},
		{"PUT", "/api/v1/warehouses/{id}", s.allow(account.ManageWarehouses, s.apiUpdateWarehouse)},
		{"GET", "/api/v1/stock-items", s.allow(account.ReadStock, s.apiStockItems)},
		{"POST", "/api/v1/stock-items", s.allow(account.ManageWarehouses, s.apiCreateStockItem)},
		{"GET", "/api/v1/warehouses/{id}/stock", s.allow(account.ReadStock, s.apiWarehouseStock)},
		{"GET", "/api/v1/warehouses/{id}/moves", s.allow(account.HandleDonations, s.apiWarehouseMoves)},
		{"POST", "/api/v1/warehouses/{id}/adjustments", s.allow(account.HandleDonations, s.apiAdjustStock)},
		{"POST", "/api/v1/transfers", s.allow(account.HandleDonations, s.apiTransferStock)},
		// Offers of goods to the task force and their intake (issue 13).
		{"POST", "/api/v1/donations", s.allow(account.Donate, s.apiOffer)},
		{"GET", "/api/v1/donations", s.allowEither(account.Donate, account.HandleDonations, s.apiDonations)},
		{"GET", "/api/v1/donations/{id}", s.allowEither(account.Donate, account.HandleDonations, s.apiDonation)},
		{"POST", "/api/v1/donations/{id}/accept", s.allow(account.HandleDonations, s.apiAcceptDonation)},
		{"POST", "/api/v1/donations/{id}/decline", s.allow(account.HandleDonations, s.apiDeclineDonation)},
		{"POST", "/api/v1/donations/{id}/withdraw", s.allow(account.Donate, s.apiWithdrawDonation)},
		{"POST", "/api/v1/donations/{id}/close", s.allow(account.HandleDonations, s.apiCloseDonation)},
		{"POST", "/api/v1/donations/{id}/items/{line}/map", s.allow(account.HandleDonations, s.apiMapDonationLine)},
		{"POST", "/api/v1/donations/{id}/receive", s.allow(account.HandleDonations, s.apiReceiveDonation)},
		{"GET", "/api/v1/donations/{id}/receipts", s.allowEither(account.Donate, account.HandleDonations, s.apiDonationReceipts)},
		// The co-creation forum (issue 14): reading is public.
		{"GET", "/api/v1/ideas", s.apiIdeas},
		{"POST", "/api/v1/ideas", s.allow(account.TakePart, s.forumLimit(s.apiProposeIdea))},
		{"GET", "/api/v1/ideas/{id}", s.apiIdea},
		{"POST", "/api/v1/ideas/{id}/support", s.allow(account.TakePart, s.forumLimit(s.apiSupportIdea))},
		{"POST", "/api/v1/ideas/{id}/comments", s.allow(account.TakePart, s.forumLimit(s.apiCommentIdea))},
		{"POST", "/api/v1/ideas/{id}/offers", s.allow(account.OfferToIdea, s.forumLimit(s.apiOfferToIdea))},
		{"POST", "/api/v1/ideas/{id}/status", s.allow(account.GovernIdeas, s.apiIdeaStatus)},
		{"POST", "/api/v1/ideas/{id}/report", s.allow(account.TakePart, s.forumLimit(s.apiReportIdea))},
		{"POST", "/api/v1/ideas/{id}/hide", s.allow(account.GovernIdeas, s.apiHideIdea)},
		// The self-check and data-subject access (issue 14).
		{"POST", "/api/v1/self-check", s.selfLimits.byAddr(s.apiSelfCheck)},
		{"GET", "/api/v1/targets/{id}/subject-access", s.allow(account.ReadSubjectData, s.apiSubjectAccess)},
		// Citizens who give (issue 14).
		{"POST", "/api/v1/citizens", s.registerLimit(s.apiRegisterCitizen)},
		{"POST", "/api/v1/citizens/me/collaborate", s.allow(account.ManageOwnAccount, s.apiCollaborate)},
		{"GET", "/api/v1/individuals", s.allow(account.VerifyIndividuals, s.apiIndividuals)},
		{"POST", "/api/v1/individuals/{id}/verify", s.allow(account.VerifyIndividuals, s.apiDecideIndividual)},
		{"POST", "/api/v1/organizations/{id}/pledges", s.allow(account.Pledge, s.apiPledge)},
		{"GET", "/api/v1/pledges", s.allowEither(account.Pledge, account.ReadPledges, s.apiPledges)},
		{"POST", "/api/v1/pledges/{id}/commitment", s.allow(account.ReadPledges, s.apiLinkPledge)},
		// Help requests, warga bantu warga (issue 14): the public asks and follows, the office decides.
		{"POST", "/api/v1/help-requests", s.helpSubmitLimit(s.apiSubmitHelp)},
		{"GET", "/api/v1/help-requests", s.allow(account.HandleHelpRequests, s.apiHelpRequests)},
		{"GET", "/api/v1/help-requests/{ref}", s.helpLookupLimit(s.apiHelpStatus)},
		{"POST", "/api/v1/help-requests/{id}/accept", s.allow(account.HandleHelpRequests, s.apiAcceptHelp)},
		{"POST", "/api/v1/help-requests/{id}/decline", s.allow(account.HandleHelpRequests, s.apiDeclineHelp)},
	}
}

// healthRoutes are the checks of a load balancer or a supervisor, and the metrics:
// every process serves them, a worker (app.RoleWorker) nothing else.
func (s *Server) healthRoutes(mux *http.ServeMux) {
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
}

func (s *Server) routes(mux *http.ServeMux) {
	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.Handler)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.NotFound, "no such endpoint"))
	})

	s.healthRoutes(mux)

	mux.HandleFunc("GET /{$}", s.pageHome)
	mux.HandleFunc("GET /login", s.pageLogin)
	mux.HandleFunc("POST /login", s.pageLoginPost)
	mux.HandleFunc("GET /password/forgot", s.pageForgot)
	mux.HandleFunc("POST /password/forgot", s.registerLimit(s.pageForgotPost)) // one budget with registrations
	mux.HandleFunc("GET /password/reset", s.pageReset)
	mux.HandleFunc("POST /password/reset", s.registerLimit(s.pageResetPost))
	mux.HandleFunc("GET /login/factor", s.pageFactor)
	mux.HandleFunc("POST /login/factor", s.pageFactorPost)
	mux.HandleFunc("POST /login/factor/enrol", s.pageFactorEnrol)
	mux.HandleFunc("POST /logout", s.pageLogout)
	mux.HandleFunc("GET /register", s.pageRegister)
	mux.HandleFunc("POST /register", s.registerLimit(s.pageRegisterPost))
	mux.HandleFunc("GET /account", s.allow(account.ManageOwnAccount, s.pageAccount))
	mux.HandleFunc("POST /account/tokens", s.allow(account.ManageOwnAccount, s.pageCreateToken))
	mux.HandleFunc("GET /admin/users", s.allow(account.ManageUsers, s.pageUsers))
	mux.HandleFunc("POST /admin/users", s.allow(account.ManageUsers, s.pageUsersPost))
	mux.HandleFunc("POST /admin/users/{id}/delete", s.allow(account.ManageUsers, s.pageUserDelete))
	mux.HandleFunc("POST /admin/users/{id}/deactivate", s.allow(account.ManageUsers, s.pageSetUserActive(false)))
	mux.HandleFunc("POST /admin/users/{id}/reactivate", s.allow(account.ManageUsers, s.pageSetUserActive(true)))
	mux.HandleFunc("GET /admin/users/{id}/sessions", s.allow(account.ManageUsers, s.pageUserSessions))
	mux.HandleFunc("POST /admin/users/{id}/sessions/end", s.allow(account.ManageUsers, s.pageEndUserSessions))
	mux.HandleFunc("POST /admin/users/{id}/sessions/{session}/end", s.allow(account.ManageUsers, s.pageEndUserSession))
	mux.HandleFunc("POST /admin/users/{id}/password", s.allow(account.ManageUsers, s.pageSetNewPassword))
	mux.HandleFunc("POST /account/sessions/{session}/end", s.allow(account.ManageOwnAccount, s.pageEndMySession))
	mux.HandleFunc("POST /admin/users/{id}/factor/reset", s.allow(account.ManageUsers, s.pageResetFactor))
	mux.HandleFunc("GET /admin/organizations", s.allow(account.ReadOrgs, s.pageOrgs))
	mux.HandleFunc("POST /admin/organizations/{id}/verify", s.allow(account.VerifyOrg, s.pageOrgVerify))
	mux.HandleFunc("POST /admin/organizations/{id}/limits", s.allow(account.SetOrgLimits, s.pageOrgLimits))
	mux.HandleFunc("POST /admin/organizations/{id}/suspend", s.allow(account.VerifyOrg, s.pageSuspendOrg(true)))
	mux.HandleFunc("POST /admin/organizations/{id}/reinstate", s.allow(account.VerifyOrg, s.pageSuspendOrg(false)))
	mux.HandleFunc("GET /admin/audit", s.allow(account.ReadAudit, s.pageAudit))
	mux.HandleFunc("GET /registry", s.allow(account.ReadRegistry, s.pageRegistry))
	mux.HandleFunc("GET /registry/targets/{id}", s.allow(account.ReadRegistry, s.pageTarget))
	mux.HandleFunc("GET /registry/targets/{id}/edit", s.allow(account.CorrectTarget, s.pageTargetEdit))
	mux.HandleFunc("POST /registry/targets/{id}/edit", s.allow(account.CorrectTarget, s.pageTargetEditPost))
	mux.HandleFunc("GET /imports", s.allow(account.Import, s.pageImports))
	mux.HandleFunc("POST /imports", s.allow(account.Import, s.pageImportPost))
	mux.HandleFunc("GET /imports/{id}", s.allow(account.Import, s.pageImport))
	mux.HandleFunc("GET /imports/{id}/progress", s.allow(account.Import, s.pageImportProgress))
	mux.HandleFunc("GET /duplicates", s.allow(account.ResolveDuplicates, s.pageDuplicates))
	mux.HandleFunc("GET /duplicates/{id}", s.allow(account.ResolveDuplicates, s.pageDuplicate))
	mux.HandleFunc("POST /duplicates/{id}/resolve", s.allow(account.ResolveDuplicates, s.pageResolve))
	mux.HandleFunc("GET /programs", s.allow(account.ReadPrograms, s.pagePrograms))
	mux.HandleFunc("GET /programs/new", s.allow(account.ManagePrograms, s.pageNewProgram))
	mux.HandleFunc("POST /programs", s.allow(account.ManagePrograms, s.pageNewProgramPost))
	mux.HandleFunc("GET /programs/{id}", s.allow(account.ReadPrograms, s.pageProgram))
	mux.HandleFunc("POST /programs/{id}/publish", s.allow(account.ManagePrograms, s.pagePublish))
	mux.HandleFunc("POST /programs/{id}/close", s.allow(account.ManagePrograms, s.pageClose))
	mux.HandleFunc("POST /programs/{id}/stacking", s.allow(account.ManagePrograms, s.pageStacking))
	mux.HandleFunc("GET /needs", s.allow(account.ReadCoverage, s.pageNeeds))
	mux.HandleFunc("GET /commitments", s.allow(account.ReadCommitments, s.pageCommitments))
	mux.HandleFunc("GET /commitments/new", s.allow(account.Commit, s.pageNewCommitment))
	mux.HandleFunc("POST /commitments", s.allow(account.Commit, s.pageCommitPost))
	mux.HandleFunc("POST /commitments/preview", s.allow(account.Commit, s.pagePreview))
	mux.HandleFunc("GET /commitments/{id}", s.allow(account.ReadCommitments, s.pageCommitment))
	mux.HandleFunc("POST /commitments/{id}/cancel", s.allow(account.CancelCommitment, s.pageCancel))
	mux.HandleFunc("POST /notifications/read", s.allow(account.ReadNotifications, s.pageMarkRead))
	mux.HandleFunc("GET /verifications", s.allow(account.VerifyDeliveries, s.pageSamples))
	mux.HandleFunc("POST /verifications", s.allow(account.VerifyDeliveries, s.pageDrawSample))
	mux.HandleFunc("GET /verifications/{id}", s.allow(account.VerifyDeliveries, s.pageSample))
	mux.HandleFunc("POST /verifications/{id}/items/{allocation}", s.allow(account.VerifyDeliveries, s.pageAnswerSample))
	// The delivery pages (issue 11): the collaborator's runs, and the courier's
	// page, where the link's token is the right (no account).
	mux.HandleFunc("POST /deliveries", s.allow(account.ManageDeliveries, s.pageCreateDelivery))
	mux.HandleFunc("GET /deliveries/{id}", s.allow(account.ManageDeliveries, s.pageDelivery))
	mux.HandleFunc("POST /deliveries/{id}/revoke", s.allow(account.ManageDeliveries, s.pageRevokeDelivery))
	mux.HandleFunc("GET /c/{token}", s.pageCourier)
	mux.HandleFunc("POST /c/{token}/stops/{allocation}/pickup", s.pageCourierPickup)
	mux.HandleFunc("POST /c/{token}/stops/{allocation}/deliver", s.pageCourierDeliver)
	mux.HandleFunc("POST /c/{token}/stops/{allocation}/fail", s.pageCourierFail)
	mux.HandleFunc("GET /office/deliveries", s.allow(account.ReadDeliveries, s.pageOfficeDeliveries))
	mux.HandleFunc("GET /verify/{kind}/{id}", s.verifyLimit(s.pageVerify))
	mux.HandleFunc("GET /verify/receipt/{id}", s.verifyLimit(s.pageVerifyReceipt))
	mux.HandleFunc("GET /verify/donor-certificate/{id}", s.verifyLimit(s.pageVerifyDonorCertificate))
	mux.HandleFunc("GET /dashboard", s.allow(account.ReadDashboard, fromReplica(s.pageDashboard))) // issue 12
	mux.HandleFunc("GET /regions", s.pageRegions)
	mux.HandleFunc("GET /regions/{code}", s.pageRegions)
	mux.HandleFunc("GET /privacy", func(w http.ResponseWriter, r *http.Request) { s.render(w, r, "privacy", "Privacy", nil) })
	mux.HandleFunc("GET /lang/{lang}", s.switchLang)
	// The map (issue 12).
	mux.HandleFunc("GET /dashboard/map", s.allow(account.ReadDashboard, s.pageMap))
	mux.HandleFunc("POST /dashboard/map/boundaries", s.allow(account.ManageBoundaries, s.pageMapUpload))
	// The public side of monitoring (issue 12): a program's public page, the frames
	// other sites embed (the only pages that may be framed) and the JSON feed.
	mux.HandleFunc("GET /public/programs/{id}", fromReplica(s.pagePublicProgram))
	mux.HandleFunc("GET /embed/summary", fromReplica(s.pageEmbedSummary))
	mux.HandleFunc("GET /embed/programs/{id}", fromReplica(s.pageEmbedProgram))
	mux.HandleFunc("GET /feed.json", fromReplica(s.feed))
	// Warehouses, the catalogue and stock (issue 13).
	mux.HandleFunc("GET /warehouses", s.allow(account.ReadStock, s.pageWarehouses))
	mux.HandleFunc("POST /warehouses", s.allow(account.ManageWarehouses, s.pageCreateWarehouse))
	mux.HandleFunc("GET /warehouses/{id}", s.allow(account.ReadStock, s.pageWarehouse))
	mux.HandleFunc("GET /warehouses/{id}/edit", s.allow(account.ManageWarehouses, s.pageEditWarehouse))
	mux.HandleFunc("POST /warehouses/{id}", s.allow(account.ManageWarehouses, s.pageUpdateWarehouse))
	mux.HandleFunc("POST /warehouses/{id}/adjustments", s.allow(account.HandleDonations, s.pageAdjustStock))
	mux.HandleFunc("POST /warehouses/{id}/transfers", s.allow(account.HandleDonations, s.pageTransferStock))
	mux.HandleFunc("GET /catalogue", s.allow(account.ReadStock, s.pageCatalogue))
	mux.HandleFunc("POST /catalogue", s.allow(account.ManageWarehouses, s.pageCreateStockItem))
	mux.HandleFunc("GET /donations/impact", s.allow(account.Donate, s.pageDonationImpact))
	// Offers of goods to the task force and their intake (issue 13).
	mux.HandleFunc("GET /donations", s.allowEither(account.Donate, account.HandleDonations, s.pageDonations))
	mux.HandleFunc("GET /donations/new", s.allow(account.Donate, s.pageNewDonation))
	mux.HandleFunc("POST /donations", s.allow(account.Donate, s.pageOfferPost))
	mux.HandleFunc("GET /donations/{id}", s.allowEither(account.Donate, account.HandleDonations, s.pageDonation))
	mux.HandleFunc("POST /donations/{id}/accept", s.allow(account.HandleDonations, s.pageDonationAct))
	mux.HandleFunc("POST /donations/{id}/decline", s.allow(account.HandleDonations, s.pageDonationAct))
	mux.HandleFunc("POST /donations/{id}/withdraw", s.allow(account.Donate, s.pageDonationAct))
	mux.HandleFunc("POST /donations/{id}/close", s.allow(account.HandleDonations, s.pageDonationAct))
	mux.HandleFunc("POST /donations/{id}/items/{line}/map", s.allow(account.HandleDonations, s.pageDonationAct))
	mux.HandleFunc("POST /donations/{id}/receive", s.allow(account.HandleDonations, s.pageDonationReceive))
	// The co-creation forum (issue 14): reading is public.
	mux.HandleFunc("GET /ideas", s.pageIdeas)
	mux.HandleFunc("POST /ideas", s.allow(account.TakePart, s.forumLimit(s.pageProposeIdea)))
	mux.HandleFunc("GET /ideas/{id}", s.pageIdea)
	mux.HandleFunc("POST /ideas/{id}/support", s.allow(account.TakePart, s.forumLimit(s.pageIdeaAct)))
	mux.HandleFunc("POST /ideas/{id}/comments", s.allow(account.TakePart, s.forumLimit(s.pageIdeaAct)))
	mux.HandleFunc("POST /ideas/{id}/offers", s.allow(account.OfferToIdea, s.forumLimit(s.pageIdeaAct)))
	mux.HandleFunc("POST /ideas/{id}/status", s.allow(account.GovernIdeas, s.pageIdeaAct))
	mux.HandleFunc("POST /ideas/{id}/report", s.allow(account.TakePart, s.forumLimit(s.pageIdeaAct)))
	mux.HandleFunc("POST /ideas/{id}/hide", s.allow(account.GovernIdeas, s.pageIdeaAct))
	mux.HandleFunc("GET /cek-bantuan", s.pageSelfCheck) // the self-check (issue 14)
	mux.HandleFunc("POST /cek-bantuan", s.selfLimits.byAddr(s.pageSelfCheckPost))
	// Citizens who give (issue 14).
	mux.HandleFunc("GET /warga/daftar", s.pageCitizenRegister)
	mux.HandleFunc("POST /warga/daftar", s.registerLimit(s.pageCitizenRegisterPost))
	mux.HandleFunc("POST /warga/kolaborator", s.allow(account.ManageOwnAccount, s.pageCollaborate))
	mux.HandleFunc("GET /pledges", s.allowEither(account.Pledge, account.ReadPledges, s.pagePledges))
	mux.HandleFunc("GET /pledges/new", s.allow(account.Pledge, s.pageNewPledge))
	mux.HandleFunc("POST /pledges", s.allow(account.Pledge, s.pagePledgePost))
	mux.HandleFunc("POST /pledges/{id}/commitment", s.allow(account.ReadPledges, s.pageLinkPledge))
	mux.HandleFunc("GET /office/individuals", s.allow(account.VerifyIndividuals, s.pageIndividuals))
	mux.HandleFunc("POST /office/individuals/{id}/verify", s.allow(account.VerifyIndividuals, s.pageDecideIndividual))
	// Help requests, warga bantu warga (issue 14): the public form and status page, the office's pages.
	mux.HandleFunc("GET /bantuan", s.pageHelpForm)
	mux.HandleFunc("POST /bantuan", s.helpSubmitLimit(s.pageHelpPost))
	mux.HandleFunc("GET /bantuan/status", s.helpLookupLimit(s.pageHelpStatus))
	mux.HandleFunc("GET /help-requests", s.allow(account.HandleHelpRequests, s.pageHelpRequests))
	mux.HandleFunc("GET /help-requests/{id}", s.allow(account.HandleHelpRequests, s.pageHelpRequest))
	mux.HandleFunc("POST /help-requests/{id}/accept", s.allow(account.HandleHelpRequests, s.pageHelpAct))
	mux.HandleFunc("POST /help-requests/{id}/decline", s.allow(account.HandleHelpRequests, s.pageHelpAct))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.NotFound, "page not found"))
	})
}

// fromReplica lets a read-only route's queries be answered by the read replica
// (--db-read), a little behind the latest writes: the public pages and the
// dashboards. Who may see the route is decided before, on the primary.
func fromReplica(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(store.FromReplica(r.Context())))
	}
}
