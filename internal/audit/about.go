package audit

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// Object names one thing entries are about, as Change names it.
type Object struct{ Type, ID string }

// About returns every entry about the objects, newest first per object, each
// object's entries in turn: the history of the processing of one person's data
// for a data-subject access request (issue 14). It reads through the index on
// (object_type, object_id), a page at a time.
func About(ctx context.Context, q store.Querier, objects []Object) ([]Entry, error) {
	out := []Entry{}
	for _, o := range objects {
		cursor := ""
		for {
			page, next, err := List(ctx, q, Filter{ObjectType: o.Type, ObjectID: o.ID, Limit: 500, Cursor: cursor})
			if err != nil {
				return nil, err
			}
			out = append(out, page...)
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return out, nil
}
