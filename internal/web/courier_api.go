package web

import (
	"net/http"
)

// The courier's API: no account, the link's token is the right (package deliver
// checks its signature, expiry and revocation, and that a stop is its run's). The
// answers hold the run's stops and the stops' states, never a recipient's code.

func (s *Server) apiCourier(w http.ResponseWriter, r *http.Request) {
	run, err := s.delivery.CourierView(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// apiCourierPickup marks a stop as picked up; a retry answers the same.
func (s *Server) apiCourierPickup(w http.ResponseWriter, r *http.Request) {
	st, err := s.delivery.Pickup(r.Context(), r.PathValue("token"), r.PathValue("allocation"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiCourierDeliver(w http.ResponseWriter, r *http.Request) {
	p, err := s.proof(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.delivery.CourierDeliver(r.Context(), r.PathValue("token"), r.PathValue("allocation"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiCourierFail(w http.ResponseWriter, r *http.Request) {
	var in failInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.delivery.CourierFail(r.Context(), r.PathValue("token"), r.PathValue("allocation"), in.Reason, in.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
