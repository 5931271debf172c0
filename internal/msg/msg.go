// Package msg is Gotong's one shape for a sentence meant for people: a catalogue key
// and its arguments, kept apart until a page, a CSV or an API answer is rendered in
// the reader's language. Nothing stores or passes a finished sentence; the web
// layer's catalogue turns a Message into Indonesian or English.
//
// The key is the English format string (fmt verbs and all), so a message without a
// catalogue entry still reads as English, and String gives the English for logs.
// An argument may itself be a Message (a hint inside a reason, a month name); it is
// rendered in the same language. A string argument that is a catalogue key (a field
// name, a status) is translated as well.
package msg

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Message is a sentence for people: Key is the English format, Args its arguments.
type Message struct {
	Key  string `json:"key"`
	Args []any  `json:"args,omitempty"`
}

// New returns the message key with args.
func New(key string, args ...any) Message { return Message{Key: key, Args: args} }

// String is the English text, for logs and for errors' Error methods.
func (m Message) String() string { return m.Render(nil, false) }

// Render formats m with lookup, which returns a key's text in the wanted language
// (ok false: the key itself, which is English, is used). String arguments are looked
// up too when args is true (Indonesian: field names and statuses are keys); nested
// Messages are always rendered with lookup.
func (m Message) Render(lookup func(string) (string, bool), args bool) string {
	text := m.Key
	if lookup != nil {
		if t, ok := lookup(m.Key); ok {
			text = t
		}
	}
	if len(m.Args) == 0 {
		return text
	}
	out := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch a := a.(type) {
		case Message:
			out[i] = a.Render(lookup, args)
		case string:
			out[i] = a
			if args && lookup != nil {
				if t, ok := lookup(a); ok {
					out[i] = t
				}
			}
		default:
			out[i] = a
		}
	}
	return fmt.Sprintf(text, out...)
}

// UnmarshalJSON reads a Message as MarshalJSON writes it, and also a plain JSON
// string as a message of that key without arguments: rows written before reasons
// were stored as keys hold finished sentences, which are then shown as they are.
// Numbers come back as a number that formats for %d and %f alike, objects with a
// key as nested Messages.
func (m *Message) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*m = Message{}
		return json.Unmarshal(b, &m.Key)
	}
	var raw struct {
		Key  string            `json:"key"`
		Args []json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	args, err := decodeArgs(raw.Args)
	*m = Message{Key: raw.Key, Args: args}
	return err
}

func decodeArgs(raw []json.RawMessage) ([]any, error) {
	var args []any
	for _, r := range raw {
		a, err := decodeArg(r)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return args, nil
}

func decodeArg(r json.RawMessage) (any, error) {
	r = bytes.TrimSpace(r)
	if len(r) > 0 && r[0] == '{' {
		var n Message
		err := n.UnmarshalJSON(r)
		return n, err
	}
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if n, ok := v.(json.Number); ok {
		return number(n), nil
	}
	return v, nil
}

// number is a number argument read back from JSON, which does not say whether it
// was an integer: 100.0 comes back as 100. It formats as an integer for %d and as a
// float for %f, as the message's format asks.
type number json.Number

func (n number) Format(f fmt.State, verb rune) {
	format := fmt.FormatString(f, verb)
	switch verb {
	case 'd', 'x', 'X', 'o', 'b', 'c', 'U':
		if i, err := json.Number(n).Int64(); err == nil {
			fmt.Fprintf(f, format, i)
			return
		}
	case 'v', 's', 'q':
		fmt.Fprintf(f, format, string(n))
		return
	}
	fl, _ := json.Number(n).Float64()
	fmt.Fprintf(f, format, fl)
}

// MarshalJSON writes the number as it was read.
func (n number) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// Encode is m as JSON, for a database column.
func (m Message) Encode() string {
	b, err := json.Marshal(m)
	if err != nil {
		// Arguments are strings, numbers and Messages; anything else is a bug
		// that must not lose the key.
		b, _ = json.Marshal(Message{Key: m.Key})
	}
	return string(b)
}

// EncodeArgs is m's arguments as a JSON array ("[]" when there are none), for a
// column beside the key.
func (m Message) EncodeArgs() string {
	if len(m.Args) == 0 {
		return "[]"
	}
	b, err := json.Marshal(m.Args)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// Decode reads a key and its arguments as EncodeArgs wrote them.
func Decode(key, args string) (Message, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(args), &raw); err != nil {
		return Message{Key: key}, err
	}
	decoded, err := decodeArgs(raw)
	return Message{Key: key, Args: decoded}, err
}
