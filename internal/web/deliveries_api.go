package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
)

// The delivery API (API.md, "Delivery"): runs of a commitment's allocations, given to
// a courier by a link; deliveries with the recipient's code or a photo; failures and
// the flags they raise for the office. Package deliver decides; this translates.

func (s *Server) apiCreateDelivery(w http.ResponseWriter, r *http.Request) {
	var in deliver.CreateInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.delivery.Create(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("commitment")
	if id == "" {
		s.fail(w, r, errs.E(errs.Invalid, "say which commitment: ?commitment=ID"))
		return
	}
	runs, err := s.delivery.List(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(runs, ""))
}

func (s *Server) apiDelivery(w http.ResponseWriter, r *http.Request) {
	run, err := s.delivery.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) apiRevokeDelivery(w http.ResponseWriter, r *http.Request) {
	sum, err := s.delivery.Revoke(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// deliveryCSV answers a run's stops for its courier (at most allocate.MaxStops
// lines, written whole so that a refusal is still an error answer).
func (s *Server) deliveryCSV(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var buf strings.Builder
	if err := s.delivery.WriteCSV(r.Context(), principal(r), id, &buf); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="delivery-`+id+`.csv"`)
	_, _ = w.Write([]byte(buf.String()))
}

// apiDeliver records a delivery by the allocation's organisation.
func (s *Server) apiDeliver(w http.ResponseWriter, r *http.Request) {
	p, err := s.proof(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.delivery.Deliver(r.Context(), principal(r), r.PathValue("id"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// proof reads a delivery's proof: JSON {"recipient_code","received_by","lat","lon"}
// or a multipart form with photo (JPEG or PNG), received_by and optionally lat, lon.
func (s *Server) proof(w http.ResponseWriter, r *http.Request) (deliver.Proof, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		var in struct {
			RecipientCode string   `json:"recipient_code"`
			ReceivedBy    string   `json:"received_by"`
			Lat           *float64 `json:"lat"`
			Lon           *float64 `json:"lon"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			return deliver.Proof{}, err
		}
		return deliver.Proof{Code: in.RecipientCode, ReceivedBy: in.ReceivedBy, Lat: in.Lat, Lon: in.Lon}, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.delivery.MaxPhotoBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return deliver.Proof{}, errs.E(errs.TooLarge, "the photo is larger than %d MiB", s.delivery.MaxPhotoBytes>>20)
		}
		return deliver.Proof{}, errs.E(errs.Invalid, "the form could not be read")
	}
	f, _, err := r.FormFile("photo")
	if err != nil {
		return deliver.Proof{}, errs.E(errs.Invalid, "the recipient's code, or a photo, is needed to record a delivery")
	}
	p := deliver.Proof{ReceivedBy: r.FormValue("received_by"), Photo: f}
	for _, c := range []struct {
		name string
		to   **float64
	}{{"lat", &p.Lat}, {"lon", &p.Lon}} {
		if v := r.FormValue(c.name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return deliver.Proof{}, errs.E(errs.Invalid, "lat must be within -90 and 90 and lon within -180 and 180")
			}
			*c.to = &x
		}
	}
	return p, nil
}

// apiDeliveryFlags lists the failures an office should look at, within its region
// (the admin: all).
func (s *Server) apiDeliveryFlags(w http.ResponseWriter, r *http.Request) {
	scope := principal(r).RegionScope("")
	code := r.URL.Query().Get("region")
	if code == "" || !strings.HasPrefix(code, scope) {
		code = scope
	}
	fs, err := s.delivery.Flags(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(fs, ""))
}
