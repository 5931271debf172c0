// Package errs is Gotong's one error type: a closed set of kinds that the web layer
// maps to HTTP statuses in one place, a client-safe message, and an internal cause
// that is logged but never shown.
package errs

import (
	"errors"
	"fmt"

	"github.com/gotong/gotong/internal/msg"
)

// Kind classifies an error for callers; the set is closed and mirrors API.md.
type Kind string

// The error kinds of API.md.
const (
	Invalid      Kind = "invalid"
	Unauthorized Kind = "unauthorized"
	NotFound     Kind = "not_found"
	Conflict     Kind = "conflict"
	TooLarge     Kind = "too_large"
	RateLimited  Kind = "rate_limited"
	Internal     Kind = "internal"
	// Unavailable is a database that does not answer (connection refused, cut or
	// timed out): nothing was done, and the same request may succeed in a moment.
	// The web layer answers 503 with Retry-After; API.md's closed set of codes has
	// no code of its own for it, so its JSON code is internal's.
	Unavailable Kind = "unavailable"
)

// Error is an application error. Format and Args make the client-safe message; the
// English Format doubles as the key into the translation catalogue, so pages can show
// it in Indonesian. Err is the internal cause, never sent to clients.
type Error struct {
	Kind   Kind
	Format string
	Args   []any
	Err    error
}

// E returns a new error of kind with a client-safe message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Format: format, Args: args}
}

// Wrap returns an internal error carrying cause; its message is generic.
func Wrap(cause error, context string) error {
	if cause == nil {
		return nil
	}
	var e *Error
	if errors.As(cause, &e) {
		return cause
	}
	return &Error{Kind: Internal, Format: "internal error", Err: fmt.Errorf("%s: %w", context, cause)}
}

func (e *Error) Error() string {
	msg := e.Message()
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Msg is the client-safe message as a catalogue key and its arguments, for the web
// layer to render in the reader's language.
func (e *Error) Msg() msg.Message { return msg.Message{Key: e.Format, Args: e.Args} }

// Message is the client-safe message in English, for logs.
func (e *Error) Message() string {
	if len(e.Args) == 0 {
		return e.Format
	}
	return fmt.Sprintf(e.Format, e.Args...)
}

// KindOf returns the kind of err: Internal for errors that are not *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns err as *Error, or an internal *Error wrapping it.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Format: "internal error", Err: err}
}
