package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/registry"
)

// viewer is what the registry lets the signed-in user see: an office its region
// (and NIKs unmasked, audited), an admin the whole province (masked).
func (s *Server) viewer(r *http.Request) registry.Viewer {
	p := principal(r)
	return registry.Viewer{Scope: p.RegionScope(s.opt.Province), Office: p.SeesNIKs()}
}

func (s *Server) importer(r *http.Request) registry.Importer {
	u, _ := currentUser(r)
	return registry.Importer{UserID: u.ID, Email: u.Email, Scope: s.viewer(r).Scope}
}

// uploadSlot takes one of the places for uploads being received, or answers that
// all are taken. An upload holds a request body being streamed to disk and then the
// check of its header; bounding how many run at once bounds what they hold, however
// many clients send at once. A refused client is told to come back (Retry-After).
func (s *Server) uploadSlot(w http.ResponseWriter) (release func(), err error) {
	select {
	case s.uploads <- struct{}{}:
		return func() { <-s.uploads }, nil
	default:
		w.Header().Set("Retry-After", "30")
		return nil, errs.E(errs.RateLimited, "too many files are being uploaded at once; try again in a minute")
	}
}

// receiveUpload takes an upload slot, reads the upload and queues it: the slot is
// held until the header is checked.
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request) (registry.Import, error) {
	release, err := s.uploadSlot(w)
	if err != nil {
		return registry.Import{}, err
	}
	defer release()
	kind, up, err := s.readUpload(w, r)
	if err != nil {
		return registry.Import{}, err
	}
	return s.registry.Queue(r.Context(), s.importer(r), kind, up)
}

// readUpload streams a multipart upload: the "kind" field and the "file" part, in
// either order, the file going straight to disk.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (registry.Kind, registry.Upload, error) {
	var up registry.Upload
	var kind string
	var haveFile bool
	r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", up, errs.E(errs.Invalid, "send the file as multipart/form-data with the fields file and kind")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if haveFile {
				up.Discard()
			}
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return "", up, errs.E(errs.TooLarge, "the file is larger than the upload limit of %d MiB", s.opt.MaxUpload>>20)
			}
			return "", up, errs.E(errs.Invalid, "malformed upload")
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			kind = strings.TrimSpace(string(b))
		case "file":
			if haveFile {
				up.Discard()
			}
			if !validText(part.FileName()) {
				return "", up, errs.E(errs.Invalid, "the file name holds a NUL character or invalid UTF-8")
			}
			body := &readTracker{r: part}
			up, err = s.registry.StoreUpload(part.FileName(), body, s.opt.MaxUpload)
			if err != nil {
				if body.err != nil && errs.KindOf(err) == errs.Internal {
					// The client's body broke off (a cut multipart), not our disk.
					return "", up, errs.E(errs.Invalid, "malformed upload")
				}
				return "", up, err
			}
			haveFile = true
		}
		part.Close()
	}
	if !haveFile {
		return "", up, errs.E(errs.Invalid, "no file was sent (field file)")
	}
	if kind == "" {
		kind = r.URL.Query().Get("kind")
	}
	k, err := registry.ParseKind(kind)
	if err != nil {
		up.Discard()
		return "", up, err
	}
	return k, up, nil
}

// readTracker remembers the first error reading from r other than io.EOF, so that a
// failed copy can tell a broken request body from a failing disk.
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && t.err == nil {
		t.err = err
	}
	return n, err
}

func (s *Server) apiCreateImport(w http.ResponseWriter, r *http.Request) {
	im, err := s.receiveUpload(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, im)
}

func (s *Server) apiListImports(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ims, next, err := s.registry.ListImports(r.Context(), s.viewer(r).Scope, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range ims {
		ims[i] = importIn(langOf(r), ims[i])
	}
	writeJSON(w, http.StatusOK, newList(ims, next))
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	im, err := s.registry.Import(r.Context(), r.PathValue("id"), s.viewer(r).Scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, importIn(langOf(r), im))
}

// importIn is an import as the API shows it: why it failed in the caller's language.
func importIn(lang string, im registry.Import) registry.Import {
	if f := im.Failure(); f != nil {
		im.Error = say(lang, errs.As(f).Msg())
	}
	return im
}

func (s *Server) importErrors(w http.ResponseWriter, r *http.Request) {
	im, err := s.registry.Import(r.Context(), r.PathValue("id"), s.viewer(r).Scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fw := &fileWriter{w: w, name: "kesalahan-" + im.ID[:8] + ".csv", ctype: "text/csv; charset=utf-8"}
	if err := s.registry.WriteErrors(r.Context(), im.ID, fw, func(m msg.Message) string { return say(langOf(r), m) }); err != nil {
		if !fw.written {
			s.fail(w, r, err)
			return
		}
		s.log.Error("write import errors", "import", im.ID, "err", err)
	}
}

// templateNames names the template files in Indonesian, as an office saves them
// ("templat-keluarga.xlsx"); the kind stays the code the importer reads.
var templateNames = map[registry.Kind]string{
	registry.Household: "keluarga", registry.Person: "perorangan", registry.RW: "rw", registry.Institution: "lembaga",
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	kind, err := registry.ParseKind(r.URL.Query().Get("kind"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case "xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		s.fail(w, r, errs.E(errs.Invalid, "format must be csv or xlsx"))
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="templat-`+templateNames[kind]+`.`+format+`"`)
	if err := registry.WriteTemplate(w, kind, format); err != nil {
		s.log.Error("write template", "err", err)
	}
}

func (s *Server) apiTargets(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ts, next, err := s.registry.ListTargets(r.Context(), s.viewer(r), registry.TargetFilter{Region: q.Get("region"), Kind: q.Get("kind"),
		Tag: q.Get("tag"), Q: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ts, next))
}

func (s *Server) apiTarget(w http.ResponseWriter, r *http.Request) {
	t, err := s.registry.Target(r.Context(), s.viewer(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiCorrectTarget(w http.ResponseWriter, r *http.Request) {
	var c registry.Correction
	if err := decodeJSON(w, r, &c); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.registry.Correct(r.Context(), s.viewer(r), r.PathValue("id"), c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiDuplicates(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	ds, next, err := s.registry.ListDuplicates(r.Context(), s.viewer(r), q.Get("status"), limit, q.Get("cursor"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	answers := make([]duplicateAnswer, len(ds))
	for i, d := range ds {
		answers[i] = duplicateIn(lang, d)
	}
	writeJSON(w, http.StatusOK, newList(answers, next))
}

// duplicateAnswer is a pair as API.md shows it: the reasons, stored as catalogue keys
// and arguments, rendered in the caller's language.
type duplicateAnswer struct {
	registry.Duplicate
	Reasons []string `json:"reasons"`
}

func duplicateIn(lang string, d registry.Duplicate) duplicateAnswer {
	a := duplicateAnswer{Duplicate: d, Reasons: make([]string, len(d.Reasons))}
	for i, m := range d.Reasons {
		a.Reasons[i] = say(lang, m)
	}
	return a
}

func (s *Server) apiResolve(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string `json:"decision"`
		Keep     string `json:"keep"`
		MemberID string `json:"member_id"`
		To       string `json:"to"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	var d registry.Duplicate
	var err error
	if in.Decision == "move" {
		d, err = s.registry.Move(r.Context(), s.viewer(r), r.PathValue("id"), in.MemberID, in.To)
	} else {
		d, err = s.registry.Resolve(r.Context(), s.viewer(r), r.PathValue("id"), in.Decision, in.Keep)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, duplicateIn(langOf(r), d))
}
