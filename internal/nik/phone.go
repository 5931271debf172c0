// Package nik parses and validates what registry imports and forms carry about a
// person: NIK, No. KK, dates (birth dates included) and phone numbers. It names the
// damage spreadsheets do to such values and explains every refusal as a catalogue key
// and its arguments (package msg), which the web layer renders in Indonesian or
// English. It is pure (no I/O), imports nothing of Gotong's but msg, and is fuzzed.
package nik

import (
	"errors"
	"strings"
)

// ErrPhone explains why a phone number was refused.
var ErrPhone = errors.New("phone number must be an Indonesian number such as 0812-3456-7890 or +62 812 3456 7890")

// Phone normalises an Indonesian phone number to +62… (E.164). It accepts the forms
// people write: 0812…, 62812…, +62 812…, with spaces, dots, dashes and brackets, and
// a leading apostrophe left by a spreadsheet. The national number must have 8 to 13
// digits and must not start with 0.
func Phone(s string) (string, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "'"))
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", ErrPhone
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(s, "+"):
		if !strings.HasPrefix(d, "62") {
			return "", ErrPhone
		}
		d = d[2:]
	case strings.HasPrefix(d, "62"):
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	default:
		return "", ErrPhone
	}
	if len(d) < 8 || len(d) > 13 || d[0] == '0' {
		return "", ErrPhone
	}
	return "+62" + d, nil
}
