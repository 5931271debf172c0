package web

// TitleText is the page's title in its language. A title is either a catalogue
// key (a page's name, "Programs"), translated, or a record's own name (a program,
// a region, a person, a file), shown as it is: a name has no translation, and the
// test that records untranslated texts must not take it for a missing one. The
// catalogue test checks that every title written in the code has its Indonesian.
func (v view) TitleText() string {
	if _, ok := catalog[v.Title]; ok || v.Lang == langEN {
		return v.T(v.Title)
	}
	return v.Title
}
