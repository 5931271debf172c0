package web

import (
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/allocate"
)

func (s *Server) apiCommit(w http.ResponseWriter, r *http.Request) {
	var in allocate.Request
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	// A client that retries (a bad connection, a double send) names the commitment
	// with an Idempotency-Key header; the same key makes one commitment.
	in.ClientRef = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	c, err := s.allocs.Commit(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c.View())
}

func (s *Server) apiPreview(w http.ResponseWriter, r *http.Request) {
	var in allocate.Request
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pv, err := s.allocs.Preview(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pv.View())
}

func (s *Server) apiCommitments(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	cs, next, err := s.allocs.List(r.Context(), principal(r), allocate.ListFilter{ProgramID: q.Get("program"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]allocate.CommitmentView, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.View())
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiCommitment(w http.ResponseWriter, r *http.Request) {
	c, err := s.allocs.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.View())
}

func (s *Server) apiAllocations(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	as, next, err := s.allocs.Allocations(r.Context(), principal(r), r.PathValue("id"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]allocate.AllocationView, 0, len(as))
	for _, a := range as {
		out = append(out, a.View())
	}
	writeJSON(w, http.StatusOK, newList(out, next))
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	c, err := s.allocs.Cancel(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.View())
}

// apiDispatch marks an allocation as on its way. A retry of one already on its way
// answers it again, unchanged: a courier's phone on a bad connection may send twice.
func (s *Server) apiDispatch(w http.ResponseWriter, r *http.Request) {
	a, err := s.allocs.DispatchOne(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.View())
}

// failInput is a failed delivery's reason (allocate.FailReasons) and note.
type failInput struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// apiFail records a failed delivery; package deliver adds the flags it raises for
// the office.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request) {
	var in failInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.delivery.Fail(r.Context(), principal(r), r.PathValue("id"), in.Reason, in.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
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
