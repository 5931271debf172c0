package web

import (
	"net/http"
	"strconv"

	"github.com/gotong/gotong/internal/store"
)

// pager links a page of a list to the pages around it ("" where there is none).
type pager struct {
	PrevURL, NextURL string
}

// pagerFor builds the pager of items, a page of the list at path that r asked
// for, keeping r's other parameters (its filter). next is the list's cursor after
// the page; key gives a row's keyset position; before reports whether the list
// has any row before a cursor (a one-row page of the same list), so the first page
// offers no "previous" link even when it was reached by going back.
func pagerFor[T any](r *http.Request, path string, items []T, next string, key func(T) store.Cursor,
	before func(cursor string) (bool, error)) (pager, error) {
	link := func(cursor string) string {
		q := r.URL.Query()
		q.Del("cursor")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	var p pager
	if next != "" {
		p.NextURL = link(next)
	}
	if r.URL.Query().Get("cursor") == "" {
		return p, nil
	}
	if len(items) == 0 {
		// Paged past the end (or everything moved away): start again.
		p.PrevURL = link("")
		return p, nil
	}
	prev := key(items[0]).Before().Encode()
	has, err := before(prev)
	if err != nil || !has {
		return p, err
	}
	p.PrevURL = link(prev)
	return p, nil
}

// perPage is a list page's size: def, or the request's per (up to the API's
// maximum), for a reader who wants shorter or longer pages; the pager's links keep it.
func perPage(r *http.Request, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("per")); err == nil && n > 0 {
		return store.Limit(n)
	}
	return def
}
