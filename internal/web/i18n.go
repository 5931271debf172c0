package web

import (
	"fmt"
	"net/http"
	"time"
)

// Languages: Indonesian is the default of every page, English the second. The
// catalogue is keyed by the English text (so a missing entry still shows readable
// English) and holds the Indonesian; a test checks that every key used in templates
// and every client-facing error message has an entry.
const (
	langID = "id"
	langEN = "en"
)

const langCookie = "gotong_lang"

// langOf returns the language chosen by the switch (remembered in a cookie).
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == langEN {
		return langEN
	}
	return langID
}

// english holds the English of the few keys that are codes rather than English
// text, so an English page does not show "role collaborator" or "ngo".
var english = map[string]string{
	"role admin":            "Admin (provincial government)",
	"role office":           "Regional office",
	"role collaborator":     "Collaborator",
	"ngo":                   "NGO / non-profit",
	"kind household":        "Household",
	"kind person":           "Person",
	"kind rw":               "RW (community unit)",
	"kind institution":      "Institution",
	"import queued":         "queued",
	"import running":        "running",
	"contact not_due":       "Address and phone are shown when the delivery is near.",
	"contact daily_limit":   "Your organisation's daily limit of addresses shown is reached; they are shown again tomorrow.",
	"import done":           "done",
	"import failed":         "failed",
	"pair open":             "open",
	"pair merged":           "merged",
	"pair distinct":         "different",
	"program draft":         "draft",
	"program published":     "published",
	"program closed":        "closed",
	"rule per_target":       "1 per recipient",
	"rule per_person":       "per person",
	"rule per_family":       "per family (an RW's families)",
	"rule per_resident":     "per resident of an institution",
	"commitment allocated":  "fully allocated",
	"commitment partial":    "partly allocated",
	"commitment waitlisted": "waiting",
	"commitment cancelled":  "cancelled",
	"allocation reserved":   "reserved",
	"allocation dispatched": "on its way",
	"allocation delivered":  "delivered",
	"allocation failed":     "failed",
	"allocation expired":    "expired",
	"allocation cancelled":  "cancelled",
	"flag target_left":      "left the registry or the program",
	"flag quantity_reduced": "became smaller",
}

func translate(lang, key string, args ...any) string {
	text := key
	if lang != langEN {
		if id, ok := catalog[key]; ok {
			text = id
		}
	} else if en, ok := english[key]; ok {
		text = en
	}
	if len(args) > 0 {
		if lang != langEN {
			// Arguments that are catalogue keys (field names, statuses) are
			// translated too.
			args = append([]any(nil), args...)
			for i, a := range args {
				if k, ok := a.(string); ok {
					if id, ok := catalog[k]; ok {
						args[i] = id
					}
				}
			}
		}
		return fmt.Sprintf(text, args...)
	}
	return text
}

// switchLang remembers the chosen language for a year and returns to the page.
func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != langID && lang != langEN {
		lang = langID
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opt.CookieSecure})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}
