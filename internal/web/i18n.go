package web

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/gotong/gotong/internal/msg"
	"golang.org/x/text/language"
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

// langOf returns the language of the answer to r: the one chosen by the switch
// (remembered in a cookie) when there is one; for the API otherwise the caller's
// Accept-Language, so that a program gets English by asking for it; Indonesian by
// default. Pages without the cookie are Indonesian whatever the browser asks.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == langEN || c.Value == langID) {
		return c.Value
	}
	if isAPI(r) {
		return acceptLanguage(r.Header.Get("Accept-Language"))
	}
	return langID
}

// answerLanguages are the languages answers come in, Indonesian first: the
// matcher falls back to the first when the caller asks for neither.
var answerLanguages = language.NewMatcher([]language.Tag{language.Indonesian, language.English})

// acceptLanguage picks English when an Accept-Language header prefers it to
// Indonesian ("en-US,en;q=0.9", "fr, en;q=0.3"), Indonesian otherwise, by the
// header's quality values (golang.org/x/text/language does the parsing).
func acceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return langID
	}
	if _, i, conf := answerLanguages.Match(tags...); i == 1 && conf != language.No {
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
	// The office's deliveries page (issue 11).
	"office flag possible_overlap":   "Possible overlap: the recipient received aid elsewhere",
	"office flag check_target":       "Check the target's data: two failed deliveries",
	"fail reason not_home":           "The recipient was not at home",
	"fail reason moved":              "The recipient has moved",
	"fail reason refused":            "The aid was refused",
	"fail reason address_not_found":  "The address was not found",
	"fail reason received_elsewhere": "Received aid elsewhere",
	"fail reason other":              "Another reason",
	"office run assigned":            "with the courier",
	"office run in_progress":         "on its way",
	"office run done":                "done",
	"office run revoked":             "revoked",
	"office courier gosend":          "GoSend",
	"office courier grabexpress":     "GrabExpress",
	"office courier maxim":           "Maxim",
	"office courier volunteer":       "Volunteer",
	"office courier other":           "Other",
	// Why a feature of an uploaded boundary file matched no region (issue 12).
	"boundary missing":         "the property is missing or empty",
	"boundary not_a_code":      "not a region code",
	"boundary other_level":     "a code of another level",
	"boundary not_in_province": "no region of that code in this province",
}

// translate renders an English catalogue key and its arguments in lang.
func translate(lang, key string, args ...any) string {
	return say(lang, msg.Message{Key: key, Args: args})
}

// say is the one place a message becomes text: the key is looked up in lang's
// catalogue (English needs entries only for keys that are codes); in Indonesian,
// string arguments that are catalogue keys (field names, statuses) are translated
// too, and nested messages are rendered in the same language.
func say(lang string, m msg.Message) string {
	if lang == langEN {
		return m.Render(englishOf, false)
	}
	if h := untranslated.Load(); h != nil {
		missingIndonesian(m, *h)
	}
	return m.Render(indonesianOf, true)
}

// untranslated, when a test sets it, is told every key rendered in Indonesian
// that the catalogue lacks (so the page shows it in English); nil otherwise.
var untranslated atomic.Pointer[func(key string)]

// missingIndonesian tells report the keys of m and of its nested messages that
// have no Indonesian. Keys without a letter ("%s: %s") need none.
func missingIndonesian(m msg.Message, report func(string)) {
	if _, ok := catalog[m.Key]; !ok && strings.IndexFunc(m.Key, unicode.IsLetter) >= 0 {
		report(m.Key)
	}
	for _, a := range m.Args {
		if n, ok := a.(msg.Message); ok {
			missingIndonesian(n, report)
		}
	}
}

func englishOf(key string) (string, bool) {
	en, ok := english[key]
	return en, ok
}

func indonesianOf(key string) (string, bool) {
	id, ok := catalog[key]
	return id, ok
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
