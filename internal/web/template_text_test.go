package web

import (
	"fmt"
	"html"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// templateAction is a template action or comment: {{...}}, whatever it holds
// (an action holds no "}}" but in a string, which templates here do not use).
var templateAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// hiddenBlocks are parts of a template a person never reads: scripts, styles,
// HTML comments.
var hiddenBlocks = regexp.MustCompile(`(?is)<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->`)

// readAttrs are the attributes a person reads (or hears from a screen reader).
var readAttrs = regexp.MustCompile(`(?i)\s(title|aria-label|placeholder|alt|label)\s*=\s*("[^"]*"|'[^']*')`)

// htmlTag is an opening or closing tag with its attributes.
var htmlTag = regexp.MustCompile(`(?s)<[^>]*>`)

// letterWord is a run of letters (with the apostrophes and hyphens inside a word).
var letterWord = regexp.MustCompile(`\p{L}[\p{L}'’-]*`)

// typedCode is what is no word in any language: a file name, a reference's
// pattern (BW-XXXXXXXX).
var typedCode = regexp.MustCompile(`\b[\w-]+\.(json|csv|xlsx|pdf)\b|\b[A-Z]+-X+\b|\bNo\. KK\b`)

// notEnglish are words a template may type in directly because they are the same
// in both languages: the brand, codes and abbreviations people use as they are,
// and units.
var notEnglish = map[string]bool{
	"Gotong": true, "NIK": true, "KK": true, "RW": true, "RT": true, "NPWP": true, "Sembako": true,
	"Rp": true, "CSV": true, "XLSX": true,
	// The language switch names the languages by their codes.
	"ID": true, "EN": true,
	// The credit of the region data: its name and licence.
	"idn-area-data": true, "ODbL": true,
	// Examples of data in placeholders: places, registry tags, a program's
	// category and a unit, which are the registry's and the programs' own words.
	"Jakarta": true, "Pusat": true, "Cideng": true, "Gambir": true, "lansia": true, "anak": true, "pangan": true, "pcs": true,
}

// blank replaces every character of s but newlines with a space, so what is left
// of a template keeps its line numbers.
func blank(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, s)
}

// typedText returns, line by line, the text of a template a person reads that is
// typed into it rather than rendered through the catalogue ({{.T "..."}}): the
// text between tags and the read attributes, with every action removed.
func typedText(src string) []string {
	src = templateAction.ReplaceAllStringFunc(src, blank)
	src = hiddenBlocks.ReplaceAllStringFunc(src, blank)
	var out []string
	report := func(line int, text string) {
		text = typedCode.ReplaceAllString(html.UnescapeString(text), " ")
		var words []string
		for _, w := range letterWord.FindAllString(text, -1) {
			if !notEnglish[w] {
				words = append(words, w)
			}
		}
		if len(words) > 0 {
			out = append(out, fmt.Sprintf("line %d: %s", line, strings.Join(words, " ")))
		}
	}
	// Tags may span lines: the read attributes are taken from the whole text, then
	// the tags are blanked out, leaving the text between them on its lines.
	for _, m := range readAttrs.FindAllStringSubmatchIndex(src, -1) {
		report(strings.Count(src[:m[0]], "\n")+1, strings.Trim(src[m[4]:m[5]], `"'`))
	}
	src = htmlTag.ReplaceAllStringFunc(src, blank)
	for n, line := range strings.Split(src, "\n") {
		report(n+1, line)
	}
	return out
}

// TestTemplatesTypeNoText fails when a template shows a person words typed into
// it instead of going through the catalogue: such words stay English on the
// Indonesian page (or Indonesian on the English one), and no catalogue test sees
// them. Names of things that are the same in both languages are in notEnglish.
func TestTemplatesTypeNoText(t *testing.T) {
	t.Run("the check finds typed words", func(t *testing.T) {
		got := strings.Join(typedText(`<p>{{.T "Hello"}} Next page</p>
<button title="Save now" aria-label="{{.T "Close"}}">{{.N 3}} ×</button>
<script>const x = "not read";</script>{{/* a comment */}}<span>NIK / KK, Gotong</span>
<input name="q"
  placeholder="Search here">`), "\n")
		for _, want := range []string{"line 1: Next page", "line 2: Save now", "line 5: Search here"} {
			if !strings.Contains(got, want) {
				t.Errorf("the check does not find %q; it finds:\n%s", want, got)
			}
		}
		for _, not := range []string{"Hello", "Close", "not read", "comment", "NIK", "Gotong"} {
			if strings.Contains(got, not) {
				t.Errorf("the check finds %q, which is no typed text; it finds:\n%s", not, got)
			}
		}
	})
	err := fs.WalkDir(assets, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(assets, path)
		if err != nil {
			return err
		}
		for _, found := range typedText(string(b)) {
			t.Errorf("%s %s", path, found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
