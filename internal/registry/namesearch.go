package registry

import "github.com/gotong/gotong/internal/namematch"

// NameSearch is the SQL condition that target t is named q or holds a member
// named q (a part of the name, as normalised for matching), for another
// capability's list of targets: a household is found by any of its members, not
// only its head. placeholder is the argument's number ("$5"); value is the
// argument to pass there. An empty q gives no condition (cond "").
func NameSearch(q, placeholder string) (cond string, value any) {
	text := namematch.Normalize(q)
	if text == "" {
		return "", nil
	}
	return `(t.name_norm LIKE ` + placeholder + ` ESCAPE '\' OR EXISTS (SELECT 1 FROM members m WHERE m.target_id = t.id
		AND m.merged_into IS NULL AND m.name_norm LIKE ` + placeholder + ` ESCAPE '\'))`, "%" + likeEscape(text) + "%"
}
