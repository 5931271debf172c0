package audit

import (
	"context"
	"time"

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

// SubjectEntry is an entry as the person it is about receives it: what was done,
// when, and by which account (its opaque id, which the office can name if asked),
// without the staff member's email or network address, which are the staff's own
// personal data. The chain, sequence and hash stay, so that the entry can be
// checked against the log.
type SubjectEntry struct {
	Chain      string    `json:"chain"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Region     string    `json:"region"`
	Detail     string    `json:"detail"`
	Hash       string    `json:"hash"`
}

// ForSubject is the entry as its subject receives it.
func (e Entry) ForSubject() SubjectEntry {
	return SubjectEntry{Chain: e.Chain, Seq: e.Seq, At: e.At, ActorID: e.ActorID, Action: e.Action, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Region: e.Region, Detail: e.Detail, Hash: e.Hash}
}
