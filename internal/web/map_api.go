package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/boundary"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// The map (issue 12): region outlines an admin uploads, and a program's coverage
// drawn on them.

func (s *Server) apiUploadBoundaries(w http.ResponseWriter, r *http.Request) {
	rep, err := s.receiveBoundaries(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// receiveBoundaries reads a multipart upload of boundaries — the fields level and
// property (or the same query parameters) and the GeoJSON part file — and stores
// it. When the fields come before the file, as the page's form sends them, the
// file is matched as it arrives; otherwise it is kept in a temporary file first.
func (s *Server) receiveBoundaries(w http.ResponseWriter, r *http.Request) (boundary.Report, error) {
	release, err := s.uploadSlot(w)
	if err != nil {
		return boundary.Report{}, err
	}
	defer release()
	maxBytes := s.boundaries.Limits.MaxBytes
	if maxBytes <= 0 {
		maxBytes = boundary.DefaultLimits.MaxBytes
	}
	tooLarge := errs.E(errs.TooLarge, "the file is larger than the upload limit of %d MiB", maxBytes>>20)
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return boundary.Report{}, errs.E(errs.Invalid, "send the file as multipart/form-data with the fields file, level and property")
	}
	q := r.URL.Query()
	level, property := q.Get("level"), q.Get("property")
	var rep boundary.Report
	var stored bool
	var spool *os.File
	defer func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return rep, tooLarge
			}
			return rep, errs.E(errs.Invalid, "malformed upload")
		}
		switch part.FormName() {
		case "level", "property":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			if part.FormName() == "level" {
				level = strings.TrimSpace(string(b))
			} else {
				property = strings.TrimSpace(string(b))
			}
		case "file":
			if stored || spool != nil {
				return rep, errs.E(errs.Invalid, "send one file")
			}
			if level != "" && property != "" {
				if rep, err = s.storeBoundaries(r, level, property, part); err != nil {
					return rep, err
				}
				stored = true
				break
			}
			if spool, err = os.CreateTemp("", "gotong-boundaries-*.geojson"); err != nil {
				return rep, errs.Wrap(err, "boundary upload")
			}
			if n, err := io.Copy(spool, io.LimitReader(part, maxBytes+1)); err != nil {
				return rep, errs.E(errs.Invalid, "malformed upload")
			} else if n > maxBytes {
				return rep, tooLarge
			}
		}
		part.Close()
	}
	switch {
	case stored:
		return rep, nil
	case spool == nil:
		return rep, errs.E(errs.Invalid, "no file was sent (field file)")
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return rep, errs.Wrap(err, "boundary upload")
	}
	return s.storeBoundaries(r, level, property, spool)
}

func (s *Server) storeBoundaries(r *http.Request, level, property string, file io.Reader) (boundary.Report, error) {
	l, err := boundary.ParseLevel(level)
	if err != nil {
		return boundary.Report{}, err
	}
	return s.boundaries.Upload(r.Context(), l, property, file)
}

// regionFeature is a child region on the map, with its figures.
type regionFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties regionFigures   `json:"properties"`
}

// regionFigures are a region's figures on the map: units of the program, each nil
// where a sensitive program's small count is withheld. The shares are of the need
// (nil without need): allocated_share colours the map.
type regionFigures struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Needed         *int64   `json:"needed"`
	Allocated      *int64   `json:"allocated"`
	Delivered      *int64   `json:"delivered"`
	AllocatedShare *float64 `json:"allocated_share"`
	DeliveredShare *float64 `json:"delivered_share"`
	// Below says whether the map can drill into the region.
	Below bool `json:"below"`
}

// regionMap is the GeoJSON the map draws: the children of a region with an
// outline, and the codes of those without one.
type regionMap struct {
	Type       string          `json:"type"`
	Region     regionJSON      `json:"region"`
	ChildLevel string          `json:"child_level,omitempty"`
	Features   []regionFeature `json:"features"`
	Missing    []string        `json:"missing"`
}

// mapRegion is the region a map request asks for: parent, or the caller's own
// region; a region outside the caller's is not found.
func (s *Server) mapRegion(r *http.Request, parent string) (region.Region, error) {
	scope := principal(r).RegionScope(s.opt.Province)
	if parent == "" {
		parent = scope
	}
	code, err := region.Normalize(parent)
	if err != nil {
		return region.Region{}, errs.E(errs.NotFound, "no such region")
	}
	reg, ok := s.regions.Get(code)
	if !ok || !s.regions.Within(code, scope) {
		return region.Region{}, errs.E(errs.NotFound, "no such region")
	}
	return reg, nil
}

// regionMap reads the outlines of reg's children and the program's figures of each.
func (s *Server) regionMap(r *http.Request, p program.Program, reg region.Region) (regionMap, error) {
	out := regionMap{Type: "FeatureCollection", Region: toRegionJSON(reg), Features: []regionFeature{}, Missing: []string{}}
	children := s.regions.Children(reg.Code)
	if len(children) == 0 {
		return out, nil
	}
	out.ChildLevel = children[0].Level.String()
	cov, err := s.shownCoverage(r, p, reg.Code, "")
	if err != nil {
		return out, err
	}
	figures := map[string]program.Shown{}
	for _, ch := range cov.Children {
		figures[ch.Code] = ch.Shown
	}
	outlines, err := s.boundaries.Children(r.Context(), reg.Code)
	if err != nil {
		return out, err
	}
	byCode := map[string]json.RawMessage{}
	for _, b := range outlines {
		byCode[b.Code] = b.Geometry
	}
	for _, ch := range children {
		g, ok := byCode[ch.Code]
		if !ok {
			out.Missing = append(out.Missing, ch.Code)
			continue
		}
		c := figures[ch.Code]
		f := regionFigures{Code: ch.Code, Name: ch.Name, Needed: c.Needed, Allocated: c.Allocated, Delivered: c.Delivered,
			AllocatedShare: share(c.Allocated, c.Needed), DeliveredShare: share(c.Delivered, c.Needed),
			Below: ch.Level < region.Village && !cov.Coarse}
		out.Features = append(out.Features, regionFeature{Type: "Feature", ID: ch.Code, Geometry: g, Properties: f})
	}
	return out, nil
}

func share(part, whole *int64) *float64 {
	if part == nil || whole == nil || *whole <= 0 {
		return nil
	}
	v := min(float64(*part)/float64(*whole), 1)
	return &v
}

func (s *Server) apiBoundaries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("program") == "" {
		s.fail(w, r, errs.E(errs.Invalid, "program is required"))
		return
	}
	p, err := s.programs.Get(r.Context(), q.Get("program"), principal(r).Can(account.ManagePrograms))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reg, err := s.mapRegion(r, q.Get("parent"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.regionMap(r, p, reg)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(m)
}
