package account

import (
	"strings"

	"github.com/gotong/gotong/internal/errs"
)

// orgDocuments checks the documents a registration gives for the verifier (issue
// 15, item 11), each optional: the NPWP is kept as its digits (15, or 16 since the
// NIK-based numbers of 2024), whatever punctuation it was written with
// (01.234.567.8-901.000); the deed number and the address are free text.
func orgDocuments(in Registration) (npwp, deed, address string, err error) {
	npwp = strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == '.' || r == '-' || r == ' ':
			return -1
		}
		return 'x'
	}, strings.TrimSpace(in.NPWP))
	if npwp != "" && (strings.ContainsRune(npwp, 'x') || (len(npwp) != 15 && len(npwp) != 16)) {
		return "", "", "", errs.E(errs.Invalid, "the NPWP must be 15 or 16 digits, such as 01.234.567.8-901.000")
	}
	if deed, err = cleanText("deed number", in.DeedNumber, 0, 100); err != nil {
		return "", "", "", err
	}
	if address, err = cleanText("address", in.Address, 0, 300); err != nil {
		return "", "", "", err
	}
	return npwp, deed, address, nil
}
