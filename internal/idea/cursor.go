package idea

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/errs"
)

// cursor is a position in a list: the last idea's id, and its support count
// when the list is sorted by support. A cursor of one sort is refused by the other.
type cursor struct {
	supports int
	id       string
}

func encodeCursor(sort string, last Idea) string {
	raw := sort + "|" + last.ID
	if sort == "support" {
		raw = sort + "|" + strconv.Itoa(last.Supports) + "|" + last.ID
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s, sort string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := errs.E(errs.Invalid, "invalid cursor")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	parts := strings.Split(string(raw), "|")
	valid := func(id string) bool {
		return id != "" && len(id) <= 64 && strings.Trim(id, "0123456789abcdef") == ""
	}
	switch {
	case sort == "recent" && len(parts) == 2 && parts[0] == sort && valid(parts[1]):
		return cursor{id: parts[1]}, nil
	case sort == "support" && len(parts) == 3 && parts[0] == sort && valid(parts[2]):
		n, err := strconv.Atoi(parts[1])
		if err != nil || n < 0 {
			return cursor{}, bad
		}
		return cursor{supports: n, id: parts[2]}, nil
	}
	return cursor{}, bad
}
