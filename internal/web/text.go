package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/errs"
)

// Text a client sends must be valid UTF-8 without NUL characters, wherever it comes
// from: PostgreSQL can store neither (SQLSTATE 22021) and SQLite would store or
// compare them, so the two engines would answer differently. It is refused here, at
// the edge, before any capability or database sees it; store.Map maps the SQLSTATE to
// invalid as a backstop for what slips through.

// validText reports whether s is valid UTF-8 without NUL characters.
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// refuseBrokenText answers 400 invalid to a request whose path or query holds a NUL
// character or invalid UTF-8: path ids, filters and cursors alike.
func (s *Server) refuseBrokenText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validText(r.URL.Path) {
			s.fail(w, r, errs.E(errs.Invalid, "the request path holds a NUL character or invalid UTF-8"))
			return
		}
		// ParseQuery's error is about bad escapes, not text; the handlers read the
		// same values (url.URL.Query drops what does not parse).
		q, _ := url.ParseQuery(r.URL.RawQuery)
		if name, ok := brokenValue(q); !ok {
			s.fail(w, r, errs.E(errs.Invalid, "query parameter %s holds a NUL character or invalid UTF-8", name))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// brokenValue finds a name or value in vs that is not valid text; it returns its name
// (quoted, as text that may be shown) and false, or true when all are valid.
func brokenValue(vs url.Values) (string, bool) {
	for name, values := range vs {
		ok := validText(name)
		for _, v := range values {
			ok = ok && validText(v)
		}
		if !ok {
			return strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "?"), false
		}
	}
	return "", true
}

// checkForm refuses a parsed form whose fields are not valid text.
func checkForm(r *http.Request) error {
	if name, ok := brokenValue(r.PostForm); !ok {
		return errs.E(errs.Invalid, "form field %s holds a NUL character or invalid UTF-8", name)
	}
	return nil
}

// checkJSONText refuses a JSON body that is not valid UTF-8 (encoding/json would
// quietly turn it into U+FFFD) or that has a NUL character in one of its strings
// (written \u0000, the only way JSON can hold one).
func checkJSONText(body []byte) error {
	if !utf8.Valid(body) {
		return errs.E(errs.Invalid, "request body is not valid UTF-8")
	}
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // malformed JSON is reported by the decoding itself
		}
		if str, ok := tok.(string); ok && strings.IndexByte(str, 0) >= 0 {
			return errs.E(errs.Invalid, "the text ending at byte %d holds a NUL character", dec.InputOffset())
		}
	}
}
