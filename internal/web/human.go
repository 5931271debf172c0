package web

import (
	"encoding/json"
	"net/http"

	"github.com/gotong/gotong/internal/errs"
)

// The human check of public forms (issue 14): GET /api/v1/challenge issues an
// ALTCHA challenge, the page's widget solves it, and a form's "altcha" field
// carries the solution, spent once by verifyHuman (package human).

// challengeLimit bounds the challenges one address may ask for in a minute: one
// per form shown is plenty, and each costs the server a random draw and a hash.
const challengeLimit = 120

// apiChallenge issues a challenge. It is never cached: each is single use.
func (s *Server) apiChallenge(w http.ResponseWriter, r *http.Request) {
	ch, err := s.human.Challenge()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ch)
}

// verifyHuman checks and spends a form's solved challenge. Every failure is the
// same invalid error, whose words say to solve it again.
func (s *Server) verifyHuman(r *http.Request, payload string) error {
	if s.human == nil {
		return errs.E(errs.Internal, "the human check is not configured")
	}
	return s.human.Verify(r.Context(), payload)
}

// AltchaStrings are the widget's words in the page's language, as the JSON of its
// strings attribute (templates/altcha.html).
func (v view) AltchaStrings() string {
	b, _ := json.Marshal(map[string]string{
		"label":                v.T("I am human"),
		"verifying":            v.T("Checking that you are human…"),
		"verified":             v.T("Checked: you are human"),
		"error":                v.T("The check failed. Try again."),
		"expired":              v.T("The check expired. Try again."),
		"verificationRequired": v.T("Wait until the check is done, then send again."),
		"waitAlert":            v.T("Checking… please wait."),
		"footer":               "",
		"ariaLinkLabel":        "",
		"reload":               v.T("Try again"),
		"loading":              v.T("Loading…"),
	})
	return string(b)
}
