package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// who is the caller as the allocation engine sees it.
func (s *Server) who(r *http.Request) allocate.Who {
	u, _ := currentUser(r)
	return allocate.Who{UserID: u.ID, OrgID: u.OrgID, Admin: u.Role == account.Admin}
}

// isAdmin reports whether the caller is an admin.
func isAdmin(r *http.Request) bool {
	u, _ := currentUser(r)
	return u.Role == account.Admin
}

// isStaff reports whether the caller is government staff (the admin or an office).
func isStaff(r *http.Request) bool {
	u, _ := currentUser(r)
	return u.Role == account.Admin || u.Role == account.Office
}

// verifiedOrg lets through admins (when admins is true) and members of a verified
// organisation; to anyone else commitments do not exist (not_found), so an
// organisation waiting for verification cannot commit or read commitments.
func (s *Server) verifiedOrg(admins bool) func(http.HandlerFunc) http.HandlerFunc {
	roles := []account.Role{account.Collaborator}
	if admins {
		roles = append(roles, account.Admin)
	}
	req := s.require(roles...)
	return func(h http.HandlerFunc) http.HandlerFunc {
		return req(func(w http.ResponseWriter, r *http.Request) {
			u, _ := currentUser(r)
			if u.Role == account.Collaborator {
				o, err := s.accounts.Org(r.Context(), u.OrgID)
				if err != nil || o.Status != account.OrgVerified {
					s.fail(w, r, errs.E(errs.NotFound, "only a verified collaborator can commit"))
					return
				}
			}
			h(w, r)
		})
	}
}

// scope is the region the caller's view of flagged needs is limited to: an office's
// own, the province for an admin.
func (s *Server) scope(r *http.Request) string {
	u, _ := currentUser(r)
	if u.Role == account.Office {
		return u.Region
	}
	return s.opt.Province
}

// regionParam reads a region code from the query (the province when empty); one
// outside the province is not found.
func (s *Server) regionParam(r *http.Request) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get("region"))
	if v == "" {
		return s.opt.Province, nil
	}
	code, err := region.Normalize(v)
	if err != nil {
		return "", errs.E(errs.NotFound, "no such region")
	}
	if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.opt.Province) {
		return "", errs.E(errs.NotFound, "no such region")
	}
	return code, nil
}

// publicName is how a target that may be chosen is named to collaborators: an
// institution by its name, an RW by its number (its name is the RW head's, personal
// data that only the collaborator it is allocated to may see).
func publicName(kind, name string, rw int) string {
	if kind == "rw" {
		return fmt.Sprintf("RW %03d", rw)
	}
	return name
}

func publicSuggestions(in []allocate.Suggestion) []allocate.Suggestion {
	for i := range in {
		in[i].Name = publicName(in[i].Kind, in[i].Name, in[i].RW)
	}
	return in
}

// takenJSON is a chosen target that could not be (fully) allocated. Its name is left
// out: the caller chose it by id, and an RW's name is its head's.
type takenJSON struct {
	TargetID string `json:"target_id"`
	Reason   string `json:"reason"`
}

func toTaken(in []allocate.Taken) []takenJSON {
	var out []takenJSON
	for _, t := range in {
		out = append(out, takenJSON{TargetID: t.TargetID, Reason: t.Reason})
	}
	return out
}

// commitmentJSON is a commitment as the API shows it.
type commitmentJSON struct {
	allocate.Commitment
	Taken       []takenJSON           `json:"taken,omitempty"`
	Suggestions []allocate.Suggestion `json:"suggestions,omitempty"`
}

func toCommitment(c allocate.Commitment) commitmentJSON {
	return commitmentJSON{Commitment: c, Taken: toTaken(c.Taken), Suggestions: publicSuggestions(c.Suggestions)}
}

// previewJSON is what a commitment would get now.
type previewJSON struct {
	allocate.Preview
	Taken       []takenJSON           `json:"taken,omitempty"`
	Suggestions []allocate.Suggestion `json:"suggestions,omitempty"`
}

// recipientJSON and allocationJSON are API.md's allocation item.
type allocationJSON struct {
	ID        string             `json:"id"`
	Target    allocate.Recipient `json:"target"`
	Quantity  int                `json:"quantity"`
	Status    string             `json:"status"`
	Reason    string             `json:"reason,omitempty"`
	ExpiresAt time.Time          `json:"expires_at"`
}

func toAllocation(a allocate.Allocation) allocationJSON {
	return allocationJSON{ID: a.ID, Target: a.Target, Quantity: a.Quantity, Status: a.Status, Reason: a.Reason, ExpiresAt: a.ExpiresAt}
}

// publicNeeds names open needs as publicName says.
func publicNeeds(in []allocate.OpenNeed) []allocate.OpenNeed {
	for i := range in {
		in[i].Name = publicName(in[i].Kind, in[i].Name, in[i].RW)
	}
	return in
}

func (s *Server) apiCreateProgram(w http.ResponseWriter, r *http.Request) {
	var in program.Input
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.programs.Create(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiListPrograms(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "", program.Draft, program.Published, program.Closed:
	default:
		s.fail(w, r, errs.E(errs.Invalid, "status must be draft, published or closed"))
		return
	}
	ps, next, err := s.programs.List(r.Context(), program.Filter{Status: status, Drafts: isAdmin(r), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ps, next))
}

// program reads the program of the path; drafts exist only for admins.
func (s *Server) program(r *http.Request) (program.Program, error) {
	return s.programs.Get(r.Context(), r.PathValue("id"), isAdmin(r))
}

func (s *Server) apiProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiPublishProgram(w http.ResponseWriter, r *http.Request) {
	p, n, err := s.programs.Publish(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"needs": n, "program": p})
}

func (s *Server) apiCloseProgram(w http.ResponseWriter, r *http.Request) {
	p, err := s.programs.Close(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// stackingInput is an admin's override of a program's stacking rule.
type stackingInput struct {
	StackGroup string `json:"stack_group"`
	Exempt     bool   `json:"exempt"`
	Reason     string `json:"reason"`
}

func (s *Server) apiStacking(w http.ResponseWriter, r *http.Request) {
	var in stackingInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.setStacking(r, r.PathValue("id"), in.StackGroup, in.Exempt, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// setStacking changes a program's stacking rule, then fills the commitments that
// were waiting because the old rule kept targets from them.
func (s *Server) setStacking(r *http.Request, id, group string, exempt bool, reason string) (program.Program, error) {
	p, err := s.programs.SetStacking(r.Context(), id, group, exempt, reason)
	if err != nil {
		return p, err
	}
	if _, err := s.allocs.FillAllWaiting(allocate.EngineContext(r.Context())); err != nil {
		s.log.Error("fill waiting commitments after a stacking change", "program", id, "err", err)
	}
	return p, nil
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) {
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	cov, err := s.shownCoverage(r, p, q.Get("region"), q.Get("phase"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cov)
}

// openNeeds reads the open RW and institution needs of a program phase in a region.
func (s *Server) openNeeds(r *http.Request, p program.Program, phase, code, kind string, limit int) ([]allocate.OpenNeed, error) {
	if strings.TrimSpace(phase) == "" {
		return nil, errs.E(errs.Invalid, "phase is required")
	}
	ph, ok := p.FindPhase(phase)
	if !ok {
		return nil, errs.E(errs.NotFound, "no such phase")
	}
	if kind != "" && kind != "rw" && kind != "institution" {
		return nil, errs.E(errs.Invalid, "kind must be rw or institution")
	}
	if p.CoarseFor(isStaff(r)) {
		// An RW's or institution's unmet need is a figure below kecamatan.
		return nil, program.ErrBelowFloor
	}
	ns, err := s.allocs.OpenNeeds(r.Context(), ph.ID, code, kind, limit)
	if err != nil {
		return nil, err
	}
	return publicNeeds(ns), nil
}

func (s *Server) apiOpenNeeds(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code, err := s.regionParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ns, err := s.openNeeds(r, p, q.Get("phase"), code, q.Get("kind"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ns, ""))
}

func (s *Server) apiFlagged(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.program(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := s.programs.FlaggedNeeds(r.Context(), p.ID, s.scope(r), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(fs, ""))
}

func (s *Server) apiCommit(w http.ResponseWriter, r *http.Request) {
	var in allocate.Request
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	// A client that retries (a bad connection, a double send) names the commitment
	// with an Idempotency-Key header; the same key makes one commitment.
	in.ClientRef = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	c, err := s.allocs.Commit(r.Context(), s.who(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toCommitment(c))
}

func (s *Server) apiPreview(w http.ResponseWriter, r *http.Request) {
	var in allocate.Request
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pv, err := s.allocs.Preview(r.Context(), s.who(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, previewJSON{Preview: pv, Taken: toTaken(pv.Taken), Suggestions: publicSuggestions(pv.Suggestions)})
}

func (s *Server) apiCommitments(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	cs, next, err := s.allocs.List(r.Context(), s.who(r), allocate.ListFilter{ProgramID: q.Get("program"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]commitmentJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toCommitment(c))
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiCommitment(w http.ResponseWriter, r *http.Request) {
	c, err := s.allocs.Get(r.Context(), s.who(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCommitment(c))
}

func (s *Server) apiAllocations(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as, next, err := s.allocs.Allocations(r.Context(), s.who(r), r.PathValue("id"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]allocationJSON, 0, len(as))
	for _, a := range as {
		out = append(out, toAllocation(a))
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	c, err := s.allocs.Cancel(r.Context(), s.who(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCommitment(c))
}

func (s *Server) apiFail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.allocs.Fail(r.Context(), s.who(r), r.PathValue("id"), in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAllocation(a))
}

// apiMarkRead marks the caller's organisation's notices read.
func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request) {
	if u, _ := currentUser(r); u.OrgID != "" {
		if err := s.allocs.MarkRead(r.Context(), u.OrgID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := currentUser(r)
	var ns []allocate.Notification
	if u.OrgID != "" {
		if ns, err = s.allocs.Notifications(r.Context(), u.OrgID, limit); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, newList(ns, ""))
}
