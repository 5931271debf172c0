package web

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
)

// The courier's phone page, /c/TOKEN: no account, the link's token is the right
// (package deliver checks it on every request). It is made for a cheap phone on a
// bad connection: one small HTML document, gzip'd, with its few lines of style and
// script inline (allowed by their hashes, not by 'unsafe-inline'), plain forms and
// no framework. Every form posts and is answered 303 back to its stop
// (Post/Redirect/Get), so a reload shows the page again instead of sending the form
// twice; a form sent twice anyway finds the stop already recorded and says so
// calmly. The page never holds a recipient's code: it only asks for one.

func init() { pageNames = append(pageNames, "courier", "delivery") }

// courierCSS and courierJS are the page's only style and script. The script is
// optional: when the phone allows it, it adds where the courier stood to a
// delivery; the page works the same without it.
const (
	courierCSS = `body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;padding:8px;max-width:36em}` +
		`h1{font-size:1.2em}h2{font-size:1.05em;margin:0 0 4px}p{margin:4px 0}` +
		`.s{border:1px solid #bbb;border-radius:6px;padding:8px;margin:10px 0}` +
		`.b{padding:1px 6px;border-radius:4px;background:#eee;font-size:.85em;font-weight:normal}` +
		`.delivered{background:#cec}.failed{background:#ecc}.dispatched{background:#ffd}` +
		`input,select,button{font:inherit;padding:8px;margin:3px 0;width:100%;box-sizing:border-box}` +
		`button{background:#070;color:#fff;border:0;border-radius:6px}.x button{background:#a22}` +
		`.n{background:#eef;padding:6px}.e{background:#fdd;padding:6px}nav{text-align:right}`
	courierJS = `(function(){var p;if(navigator.geolocation)navigator.geolocation.getCurrentPosition(function(x){p=x.coords},` +
		`function(){},{maximumAge:600000,timeout:10000});document.addEventListener("submit",function(e){var f=e.target.elements;` +
		`if(p&&f.lat){f.lat.value=p.latitude.toFixed(6);f.lon.value=p.longitude.toFixed(6)}})})();`
)

// courierCSP allows the page's own style and script by their hashes, and nothing
// else inline.
var courierCSP = "default-src 'self'; img-src 'self' data:; style-src " + cspHash(courierCSS) + "; script-src " + cspHash(courierJS) +
	"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// choice is an option of a select.
type choice struct{ Value, Label string }

func failChoices() []choice {
	out := make([]choice, 0, len(allocate.FailReasons))
	for _, r := range allocate.FailReasons {
		out = append(out, choice{r, "fail reason " + r}) // the catalogue's wording, shared with the office's page
	}
	return out
}

// courierNotice is what a stop says after the courier's form was answered: a
// catalogue text by the m parameter of the redirect.
var courierNotice = map[string]string{
	"picked":    "Recorded: the package was picked up.",
	"delivered": "Recorded: the package was delivered.",
	"failed":    "Recorded: the delivery failed.",
	"already":   "Already recorded; nothing was changed.",
}

// courierStop is a stop as the page shows it.
type courierStop struct {
	allocate.Stop
	N   int
	Map string // a map search for the address, "" when the address is not shown
}

// courierPage is the courier's page: the run's stops, or why the link does not
// open (Problem).
type courierPage struct {
	Token     string
	RunStatus string
	Stops     []courierStop
	Reasons   []choice
	// Notice is shown at stop NoticeAt after a form was answered; Error at ErrorAt
	// when a form was refused (a wrong code, say).
	Notice    string
	NoticeAt  int
	Error     string
	ErrorAt   int
	Problem   string
	CSS       template.CSS
	JS        template.JS
	Delivered int
	Failed    int
	Item      program.Item // what each package is, when the program could be read
}

// mapURL is a map search for a stop's address, kelurahan and kota.
func (s *Server) mapURL(t allocate.StopTarget) string {
	if t.Address == "" {
		return ""
	}
	parts := []string{t.Address}
	for _, code := range []string{t.Region, kotaOf(t.Region)} {
		if r, ok := s.regions.Get(code); ok {
			parts = append(parts, r.Name)
		}
	}
	return "https://www.google.com/maps/search/?api=1&query=" + url.QueryEscape(strings.Join(parts, ", "))
}

// kotaOf is the kab/kota of a region code ("31.71.02.1002" → "31.71").
func kotaOf(code string) string {
	if p := strings.Split(code, "."); len(p) >= 2 {
		return p[0] + "." + p[1]
	}
	return code
}

func (s *Server) pageCourier(w http.ResponseWriter, r *http.Request) {
	p := courierPage{}
	if m := courierNotice[r.URL.Query().Get("m")]; m != "" {
		p.Notice = m
		p.NoticeAt, _ = strconv.Atoi(r.URL.Query().Get("n"))
	}
	s.courierPage(w, r, http.StatusOK, p)
}

// courierPage renders the run of the request's link with p's notice or error; a
// link that does not open renders its problem alone, with the error's status.
func (s *Server) courierPage(w http.ResponseWriter, r *http.Request, code int, p courierPage) {
	tok := r.PathValue("token")
	run, err := s.delivery.CourierView(r.Context(), tok)
	switch kind := errs.KindOf(err); {
	case err == nil:
		p.Token, p.RunStatus, p.Reasons = tok, run.Status, failChoices()
		if id, err := s.delivery.CourierProgram(r.Context(), tok); err == nil {
			if pr, err := s.programs.Get(r.Context(), id, true); err == nil {
				p.Item = pr.Item
			}
		}
		for i, st := range run.Stops {
			p.Stops = append(p.Stops, courierStop{Stop: st, N: i + 1, Map: s.mapURL(st.Target)})
			switch st.Status {
			case allocate.Delivered:
				p.Delivered++
			case allocate.Failed:
				p.Failed++
			}
		}
	case kind == errs.Unauthorized || kind == errs.NotFound:
		code, p = statusOf[kind], courierPage{Problem: say(langOf(r), errs.As(err).Msg())}
	default:
		s.fail(w, r, err)
		return
	}
	p.CSS, p.JS = template.CSS(courierCSS), template.JS(courierJS)
	buf, ok := s.renderAlone(w, r, "courier", "Delivery", p)
	if !ok {
		return
	}
	h := courierHeaders(w)
	h.Set("Content-Security-Policy", courierCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.WriteHeader(code)
		_, _ = buf.WriteTo(w)
		return
	}
	h.Set("Content-Encoding", "gzip")
	w.WriteHeader(code)
	zw := gzip.NewWriter(w)
	_, _ = buf.WriteTo(zw)
	_ = zw.Close()
}

// courierHeaders marks an answer to the courier's address, which holds the token:
// no cache keeps it, no link passes the address on, no search engine lists it.
func courierHeaders(w http.ResponseWriter) http.Header {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	return h
}

// courierDone answers a courier's form: back to the stop when it was recorded (or
// had been already), the page with the reason at the stop when it was refused.
func (s *Server) courierDone(w http.ResponseWriter, r *http.Request, done string, err error) {
	n, _ := strconv.Atoi(r.FormValue("n"))
	back := func(m string) {
		courierHeaders(w)
		http.Redirect(w, r, "/c/"+url.PathEscape(r.PathValue("token"))+"?m="+m+"&n="+strconv.Itoa(n)+"#stop-"+strconv.Itoa(n), http.StatusSeeOther)
	}
	switch kind := errs.KindOf(err); {
	case err == nil:
		back(done)
	case kind == errs.Conflict:
		back("already")
	case kind == errs.Internal:
		s.fail(w, r, err)
	default:
		s.courierPage(w, r, statusOf[kind], courierPage{Error: say(langOf(r), errs.As(err).Msg()), ErrorAt: n})
	}
}

func (s *Server) pageCourierPickup(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.courierDone(w, r, "", err)
		return
	}
	_, err := s.delivery.Pickup(r.Context(), r.PathValue("token"), r.PathValue("allocation"))
	s.courierDone(w, r, "picked", err)
}

func (s *Server) pageCourierFail(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.courierDone(w, r, "", err)
		return
	}
	_, err := s.delivery.CourierFail(r.Context(), r.PathValue("token"), r.PathValue("allocation"), r.PostFormValue("reason"), r.PostFormValue("note"))
	s.courierDone(w, r, "failed", err)
}

func (s *Server) pageCourierDeliver(w http.ResponseWriter, r *http.Request) {
	p, err := s.courierProof(w, r)
	if err == nil {
		_, err = s.delivery.CourierDeliver(r.Context(), r.PathValue("token"), r.PathValue("allocation"), p)
	}
	s.courierDone(w, r, "delivered", err)
}

// courierProof reads the delivery form: the recipient's code when one was typed,
// else the photo (read as the API reads it), with who received it and, when the
// phone gave it, where.
func (s *Server) courierProof(w http.ResponseWriter, r *http.Request) (deliver.Proof, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		p, err := s.proof(w, r)
		if r.MultipartForm == nil || strings.TrimSpace(r.FormValue("recipient_code")) == "" {
			return p, err // the photo, or why the form was refused
		}
	} else if err := parseForm(w, r); err != nil {
		return deliver.Proof{}, err
	}
	if err := checkForm(r); err != nil {
		return deliver.Proof{}, err
	}
	code := strings.TrimSpace(r.FormValue("recipient_code"))
	if code == "" {
		return deliver.Proof{}, errs.E(errs.Invalid, "the recipient's code, or a photo, is needed to record a delivery")
	}
	p := deliver.Proof{Code: code, ReceivedBy: r.FormValue("received_by")}
	lat, errLat := strconv.ParseFloat(r.FormValue("lat"), 64)
	lon, errLon := strconv.ParseFloat(r.FormValue("lon"), 64)
	if errLat == nil && errLon == nil {
		p.Lat, p.Lon = &lat, &lon
	}
	return p, nil
}
