package web

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// errNotWhole is what parseWhole returns for text that is not a whole number; form
// handlers turn it into their own words ("unit value must be whole rupiah").
var errNotWhole = errors.New("not a whole number")

// parseWhole reads a whole number as people type it into a page form, Indonesian
// first: "50000", "50.000", "Rp200.000", "Rp 200.000,-", "Rp200.000,00", "1.250",
// "-3". A "." separates thousands, so its groups must have three digits ("1.25"
// is refused, not read as 125: in Indonesian it is one and a quarter). A
// trailing ",-" or ",00" (no cents) is allowed; any other comma is refused, since
// "1,250" is a decimal in Indonesian and a thousand in English. The API takes
// JSON numbers and never comes here.
func parseWhole(s string) (int64, error) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, strings.TrimLeftFunc(s[1:], unicode.IsSpace)
	}
	if len(s) >= 2 && strings.EqualFold(s[:2], "rp") {
		s = strings.TrimLeftFunc(strings.TrimPrefix(s[2:], "."), unicode.IsSpace)
	}
	for _, tail := range []string{",-", ",00", ",0"} {
		if strings.HasSuffix(s, tail) {
			s = s[:len(s)-len(tail)]
			break
		}
	}
	if s == "" {
		return 0, errNotWhole
	}
	groups := strings.Split(s, ".")
	var digits strings.Builder
	for i, g := range groups {
		if g == "" || (i > 0 && len(g) != 3) || (i == 0 && len(groups) > 1 && len(g) > 3) {
			return 0, errNotWhole
		}
		for _, c := range g {
			if c < '0' || c > '9' {
				return 0, errNotWhole
			}
		}
		digits.WriteString(g)
	}
	n, err := strconv.ParseInt(digits.String(), 10, 64)
	if err != nil {
		return 0, errNotWhole
	}
	if neg {
		n = -n
	}
	return n, nil
}

// parseWholeInt is parseWhole for fields held in an int (quantities, hours).
func parseWholeInt(s string) (int, error) {
	n, err := parseWhole(s)
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, errNotWhole
	}
	return int(n), nil
}
