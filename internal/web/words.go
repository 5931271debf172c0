package web

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gotong/gotong/internal/audit"
)

// Words instead of codes (issue 15 item 5): what the audit log and other pages show
// a person in place of an action code, an actor id, a JSON detail or a tag.

// Action names an audit action in the page's language; an action without words
// (audit_words_test.go prevents one) shows its code rather than nothing.
func (v view) Action(code string) string {
	if _, ok := catalog["audit "+code]; !ok {
		return code
	}
	return v.T("audit " + code)
}

// Actor names who made an audit entry: a person by the e-mail it was recorded with,
// the program itself by what it was doing ("Sistem (awal)"), a courier by its link.
func (v view) Actor(e audit.Entry) string {
	id := e.ActorID
	switch {
	case id == "system":
		if _, ok := catalog["actor "+e.Actor]; ok {
			return v.T("actor " + e.Actor)
		}
		return v.T("actor system") + " (" + e.Actor + ")"
	case id == "anonymous":
		return v.T("actor anonymous")
	case strings.HasPrefix(id, "courier-provider:"):
		return v.T("actor courier provider", e.Actor)
	case strings.HasPrefix(id, "courier:"):
		return v.T("actor courier", e.Actor)
	}
	return e.Actor
}

// detailLine is one readable line of an audit entry's detail.
type detailLine struct{ Key, Value string }

// Detail turns an audit entry's JSON detail into key/value lines sorted by key,
// keys in words (underscores become spaces), nested values written out flat; a
// detail that is no JSON object is one line as it is.
func (v view) Detail(detail string) []detailLine {
	var m map[string]any
	if err := json.Unmarshal([]byte(detail), &m); err != nil {
		if detail == "" {
			return nil
		}
		return []detailLine{{Value: detail}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]detailLine, 0, len(keys))
	for _, k := range keys {
		if h := untranslated.Load(); h != nil && v.Lang != langEN {
			if _, ok := catalog["word "+k]; !ok {
				(*h)("word " + k) // shown as English made from the code
			}
		}
		out = append(out, detailLine{Key: v.Words(k), Value: v.detailValue(m[k])})
	}
	return out
}

func (v view) detailValue(x any) string {
	switch x := x.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return v.T("yes")
		}
		return v.T("no")
	case float64:
		if x == float64(int64(x)) {
			return v.N(int64(x))
		}
		return fmt.Sprint(x)
	case string:
		if codeLike.MatchString(x) {
			return v.Words(x)
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = v.detailValue(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		var parts []string
		for _, l := range v.Detail(mustJSON(x)) {
			parts = append(parts, l.Key+": "+l.Value)
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(x)
}

// codeLike is a value of a detail that is a code (a message kind such as
// help_declined), shown in words.
var codeLike = regexp.MustCompile(`^[a-z]+(_[a-z]+)+$`)

func mustJSON(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}

// Words shows a key or tag code as words: its catalogue entry "word <code>" when
// there is one, else the code with underscores as spaces and a capital first letter.
func (v view) Words(code string) string {
	if _, ok := catalog["word "+code]; ok {
		return v.T("word " + code)
	}
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Tag shows a registry tag such as ibu_hamil in words ("Ibu hamil").
func (v view) Tag(tag string) string { return v.Words(tag) }

// actionChoice is one audit action offered by the audit log's filter.
type actionChoice struct{ Code, Words string }

// AuditActions lists every audit action that has words, sorted by its words in
// the page's language, for the audit log's filter: a person picks "Menerbitkan
// program" rather than typing program.publish.
func (v view) AuditActions() []actionChoice {
	var out []actionChoice
	for k := range codeWords {
		if code, ok := strings.CutPrefix(k, "audit "); ok {
			out = append(out, actionChoice{Code: code, Words: v.Action(code)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Words < out[j].Words })
	return out
}
