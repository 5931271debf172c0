package region

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Label names a region for people together with the regions around it, so that
// two kelurahan of one name can be told apart: "Cideng — Gambir, Kota
// Administrasi Jakarta Pusat" for a village, "Gambir — Kota Administrasi Jakarta
// Pusat" for a district, a regency with its province, a province alone. An
// unknown code is returned as it is.
func (s *Set) Label(code string) string {
	chain := s.Ancestors(code)
	if len(chain) == 0 {
		return code
	}
	self := chain[len(chain)-1]
	var up []string
	for i := len(chain) - 2; i >= 0 && len(up) < 2; i-- {
		if chain[i].Level == Province && len(chain) > 2 {
			break // "Jakarta Pusat" already says which province
		}
		up = append(up, chain[i].Name)
	}
	if len(up) == 0 {
		return self.Name
	}
	return self.Name + " — " + strings.Join(up, ", ")
}

// Search finds regions within the region within ("" for the whole country)
// for a search-as-you-type picker. A query of digits and dots is a code prefix
// ("31.71.0" finds Gambir's and Sawah Besar's codes); any other query matches
// names ignoring case and punctuation as FindByName does, at any word: exact
// names first, then names beginning with the query, then names with a word
// beginning with it, then any other name containing it; larger regions first
// among equals, then by name. It returns at most limit regions and nothing for a
// query of fewer than two letters or digits.
func (s *Set) Search(q, within string, limit int) []Region {
	if within != "" {
		if _, ok := s.Get(within); !ok {
			return nil
		}
	}
	q = strings.TrimSpace(q)
	if isCodePrefix(q) {
		return s.searchCode(q, within, limit)
	}
	key := foldName(q)
	if len([]rune(key)) < 2 || limit <= 0 {
		return nil
	}
	type hit struct {
		r    Region
		rank int
	}
	var hits []hit
	if within != "" {
		// A province's few thousand names are folded faster than the country's
		// names are compared (BenchmarkSearch: 0.04 ms against 4 ms a keystroke for DKI
		// Jakarta).
		for l := Province; l <= Village; l++ {
			rs := s.levels[l]
			lo, hi := below(rs, within)
			if i, ok := find(rs, within); ok {
				lo, hi = i, max(hi, i+1)
			}
			for _, r := range rs[lo:hi] {
				if r.Code != within && !inside(r.Code, within) {
					continue
				}
				if rank := nameRank(foldName(r.Name), key); rank >= 0 {
					hits = append(hits, hit{r, rank})
				}
			}
		}
	}
	for l := Province; l <= Village && within == ""; l++ {
		for name, idx := range s.names[l] {
			rank := nameRank(name, key)
			if rank < 0 {
				continue
			}
			for _, i := range idx {
				hits = append(hits, hit{s.levels[l][i], rank})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.r.Level, b.r.Level), cmp.Compare(a.r.Name, b.r.Name), cmp.Compare(a.r.Code, b.r.Code))
	})
	out := make([]Region, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.r)
	}
	return out
}

// nameRank says how well folded name matches folded key: 0 equal, 1 begins
// with it, 2 a later word begins with it, 3 contains it, -1 not at all.
func nameRank(name, key string) int {
	switch {
	case name == key:
		return 0
	case strings.HasPrefix(name, key):
		return 1
	case strings.Contains(name, " "+key):
		return 2
	case strings.Contains(name, key):
		return 3
	}
	return -1
}

func isCodePrefix(q string) bool {
	if q == "" || q[0] < '0' || q[0] > '9' {
		return false
	}
	return strings.Trim(q, "0123456789.") == ""
}

// searchCode returns the regions whose dotted code begins with prefix, by code.
func (s *Set) searchCode(prefix, within string, limit int) []Region {
	var out []Region
	for l := Province; l <= Village && len(out) < limit; l++ {
		rs := s.levels[l]
		for i := sort.Search(len(rs), func(i int) bool { return rs[i].Code >= prefix }); i < len(rs) && len(out) < limit; i++ {
			if !strings.HasPrefix(rs[i].Code, prefix) {
				break
			}
			if within == "" || rs[i].Code == within || inside(rs[i].Code, within) {
				out = append(out, rs[i])
			}
		}
	}
	return out
}

// AmbiguousError is what Resolve returns when a name fits several regions; it
// lists them so that the person can choose.
type AmbiguousError struct {
	Text       string
	Candidates []Region
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("region %q fits %d regions", e.Text, len(e.Candidates))
}

// UnknownError is what Resolve returns when nothing fits.
type UnknownError struct{ Text string }

func (e *UnknownError) Error() string { return fmt.Sprintf("no region %q", e.Text) }

// Resolve reads a region as a form without JavaScript gives it: a code, a name
// that only one region within the region within bears, or a name with its
// parents as Label writes them ("Cideng — Gambir", "Cideng — Gambir, Jakarta
// Pusat"; a plain " - " works as the dash). Names match as in FindByName; when no
// name is equal, whole words of a longer name do ("Jakarta Pusat" is "Kota
// Administrasi Jakarta Pusat"). More than one fit is an *AmbiguousError with up
// to ten candidates, none an *UnknownError.
func (s *Set) Resolve(text, within string) (Region, error) {
	text = strings.TrimSpace(text)
	if isCodePrefix(text) {
		code, err := Normalize(text)
		if err == nil {
			if r, ok := s.Get(code); ok && (within == "" || code == within || inside(code, within)) {
				return r, nil
			}
		}
		return Region{}, &UnknownError{text}
	}
	name, parents := text, []string(nil)
	for _, dash := range []string{"—", "–", " - "} {
		if n, p, ok := strings.Cut(text, dash); ok {
			name = n
			for _, part := range strings.Split(p, ",") {
				if k := foldName(part); k != "" {
					parents = append(parents, k)
				}
			}
			break
		}
	}
	key := foldName(name)
	if key == "" {
		return Region{}, &UnknownError{text}
	}
	fits := func(words, strict bool) []Region {
		var out []Region
		for l := Province; l <= Village; l++ {
			for n, idx := range s.names[l] {
				if n != key && !(words && strings.Contains(" "+n+" ", " "+key+" ")) {
					continue
				}
				for _, i := range idx {
					r := s.levels[l][i]
					if (within == "" || r.Code == within || inside(r.Code, within)) && s.under(r, parents, strict) {
						out = append(out, r)
					}
				}
			}
		}
		slices.SortFunc(out, func(a, b Region) int { return cmp.Compare(a.Code, b.Code) })
		return out
	}
	// The parents as Label writes them (the direct parent first) before the
	// parents anywhere above, so Resolve(Label(code)) is code again even for the
	// kecamatan Gambir and its kelurahan Gambir; equal names before words of names.
	var found []Region
	for _, try := range [][2]bool{{false, true}, {false, false}, {true, true}, {true, false}} {
		if found = fits(try[0], try[1]); len(found) > 0 {
			break
		}
	}
	switch len(found) {
	case 0:
		return Region{}, &UnknownError{text}
	case 1:
		return found[0], nil
	}
	return Region{}, &AmbiguousError{Text: text, Candidates: found[:min(len(found), 10)]}
}

// under reports whether every one of the folded parent names is, as whole
// words, in the name of one of r's ancestors; strictly, the first in the direct
// parent's, the second in the grandparent's and so on.
func (s *Set) under(r Region, parents []string, strict bool) bool {
	if len(parents) == 0 {
		return true
	}
	chain := s.Ancestors(r.Code)
	chain = chain[:len(chain)-1]
	if strict && len(parents) > len(chain) {
		return false
	}
	for i, p := range parents {
		ok := false
		for j, a := range chain {
			if strict && j != len(chain)-1-i {
				continue
			}
			if strings.Contains(" "+foldName(a.Name)+" ", " "+p+" ") {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
