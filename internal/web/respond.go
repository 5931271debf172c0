package web

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"syscall"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// maxJSONBody is API.md's limit on JSON request bodies.
const maxJSONBody = 1 << 20

// statusOf is the one map from error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.RateLimited:  http.StatusTooManyRequests,
	errs.Internal:     http.StatusInternalServerError,
	errs.Unavailable:  http.StatusServiceUnavailable,
}

// codeOf is the JSON error code of a kind: API.md's set is closed, and a database
// that does not answer, which has no code of its own there, says internal (with
// status 503 and Retry-After, which tell a client to come back).
func codeOf(k errs.Kind) string {
	if k == errs.Unavailable {
		return string(errs.Internal)
	}
	return string(k)
}

// unavailableRetry is the Retry-After, in seconds, of a 503: a database that
// restarts or fails over is back within seconds.
const unavailableRetry = "5"

// fail answers with err: JSON for the API, an error page otherwise. Internal causes
// are logged, never sent.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.failStatus(w, r, 0, err)
}

// failStatus is fail with another status than the kind's (0: the kind's).
func (s *Server) failStatus(w http.ResponseWriter, r *http.Request, code int, err error) {
	e := errs.As(err)
	if (e.Kind == errs.Internal || e.Kind == errs.Unavailable) && clientGone(r, err) {
		// The client hung up (a phone losing its signal, a closed tab): its work
		// was cut off, which is no fault of the server. Nobody reads the answer;
		// it is counted as 499, as proxies do, not as a server error — nor as a
		// database outage when the driver, told to stop, closed its connection.
		s.log.Info("client went away", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(statusClientClosed)
		return
	}
	if e.Kind == errs.Internal && store.ConnectionLost(err) {
		// A driver error that reached here unmapped (the session store's, one
		// wrapped as internal): the database is away, the request is not at fault.
		e = errs.As(store.Map(errors.Unwrap(e)))
	}
	if e.Kind == errs.Internal && errors.Is(err, syscall.ENOSPC) {
		// A file (a delivery's photo, an upload) found the disk full: as for the
		// database's own disk, nothing was saved and it works again with space.
		e = &errs.Error{Kind: errs.Unavailable, Format: "the server's disk is full; nothing was saved: try again once an administrator has freed space", Err: err}
	}
	if code == 0 {
		code = statusOf[e.Kind]
	}
	if e.Kind == errs.Unavailable {
		s.log.Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", unavailableRetry)
	}
	if e.Kind == errs.Internal {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isAPI(r) || wantsJSON(r) {
		writeJSON(w, code, map[string]any{"error": map[string]string{"code": codeOf(e.Kind), "message": say(langOf(r), e.Msg())}})
		return
	}
	s.renderStatus(w, r, code, "error", map[string]any{"Code": code, "Error": e, "Why": refusals[code].why,
		"Way": refusals[code].way, "Path": r.URL.RequestURI(), "Back": sameSiteBack(r)})
}

// refusal says, for an error page's status, what happened in a sentence and what
// to do instead (issue 15: "Terjadi kesalahan (404)" told neither).
type refusal struct{ why, way string }

var refusals = map[int]refusal{
	http.StatusBadRequest: {"Something in what you sent is not right.",
		"Go back, correct what the message below names, and send it again."},
	http.StatusUnauthorized: {"This page is only for signed-in users.",
		"Log in, and you will come back here."},
	http.StatusNotFound: {"This page does not exist, or it is not open to your account.",
		"Check the address, or go on from the menu. Records of another region or organisation are not shown to you."},
	http.StatusConflict: {"This cannot be done in the record's current state; someone may have changed it meanwhile.",
		"Reload the page to see the current state, then try again."},
	http.StatusRequestEntityTooLarge: {"What you sent is too large.",
		"Split the file into smaller parts and send them one by one."},
	http.StatusTooManyRequests: {"There were too many attempts in a short time.",
		"Wait a minute, then try again."},
	http.StatusInternalServerError: {"Something went wrong on our side; what you did was not saved.",
		"Try again in a moment. If it keeps happening, tell the administrator of the task force."},
	http.StatusServiceUnavailable: {"The service cannot reach its database just now; what you did was not saved.",
		"Wait a moment and try again: the service resumes by itself when its database is back."},
}

// sameSiteBack is the page the person came from when it is one of ours, for the
// error page's way back ("" when it is not known).
func sameSiteBack(r *http.Request) string {
	ref := r.Referer()
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host != r.Host || u.Path == r.URL.Path {
		return ""
	}
	return safeNext(u.RequestURI())
}

// statusClientClosed is nginx's "client closed request": the status the metrics
// count for a request whose client left before the answer.
const statusClientClosed = 499

// clientGone says whether err comes from the request's own context ending
// because its client disconnected (not from a deadline of the server's).
func clientGone(r *http.Request, err error) bool {
	if !errors.Is(r.Context().Err(), context.Canceled) {
		return false
	}
	// pgx answers a cancelled query with its own error (the connection it closed
	// to stop the server), not always one that wraps context.Canceled.
	return errors.Is(err, context.Canceled) || store.ConnectionLost(err)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// decodeJSON reads one JSON object into dst: at most 1 MiB, no unknown fields, nothing
// after it. Errors are client errors with a message that says what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.Invalid, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.E(errs.TooLarge, "request body is larger than 1 MiB")
		}
		return errs.E(errs.Invalid, "malformed JSON: unexpected end")
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return errs.E(errs.Invalid, "malformed JSON at byte %d", syntax.Offset)
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return errs.E(errs.Invalid, "request body must hold a single JSON object")
		case errors.As(err, &typeErr):
			return errs.E(errs.Invalid, "field %q must be of type %s", typeErr.Field, jsonType(typeErr.Type))
		case errors.Is(err, io.EOF):
			return errs.E(errs.Invalid, "request body is empty")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errs.E(errs.Invalid, "malformed JSON: unexpected end")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return errs.E(errs.Invalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return errs.E(errs.Invalid, "malformed JSON")
		}
	}
	if dec.More() {
		return errs.E(errs.Invalid, "request body must hold a single JSON object")
	}
	return nil
}

// jsonType names a Go type as JSON does, so that messages never show Go type names.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "string" // time.Time and the like
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// list is API.md's list envelope.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// limitParam reads ?limit= (0 when absent); a malformed value is a client error.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, errs.E(errs.Invalid, "limit must be a number from 1 to 500")
	}
	return n, nil
}
