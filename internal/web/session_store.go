package web

import (
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// lazySessions spares the database the write scs makes on every signed-in request
// only to push an idle session's expiry forward (one SQLite write per page view):
// a session whose values are unchanged is written again only once its expiry has
// moved by slack or more. An idle session may therefore end up to slack before its
// idle timeout; slack is a tenth of that timeout, at most a minute. A change of
// the session's values is always written at once.
type lazySessions struct {
	sessionStore
	codec scs.Codec
	slack time.Duration

	mu   sync.Mutex
	last map[string]sessionWritten // by token: what this process last wrote
}

type sessionWritten struct {
	deadline, expiry time.Time
	values           map[string]any
}

// maxRemembered bounds the memory of what was written; past it, the entries of
// expired sessions are forgotten.
const maxRemembered = 10000

func newLazySessions(st sessionStore, codec scs.Codec, idle time.Duration) *lazySessions {
	return &lazySessions{sessionStore: st, codec: codec, slack: min(time.Minute, idle/10), last: map[string]sessionWritten{}}
}

func (l *lazySessions) Commit(token string, b []byte, expiry time.Time) error {
	deadline, values, decodeErr := l.codec.Decode(b)
	if decodeErr == nil && l.slack > 0 {
		l.mu.Lock()
		w, ok := l.last[token]
		l.mu.Unlock()
		if ok && w.deadline.Equal(deadline) && !expiry.Before(w.expiry) && expiry.Sub(w.expiry) < l.slack &&
			reflect.DeepEqual(w.values, values) {
			return nil
		}
	}
	if err := l.sessionStore.Commit(token, b, expiry); err != nil {
		return err
	}
	if decodeErr == nil {
		l.remember(token, sessionWritten{deadline: deadline, expiry: expiry, values: values})
	}
	return nil
}

func (l *lazySessions) remember(token string, w sessionWritten) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.last) >= maxRemembered {
		now := time.Now()
		maps.DeleteFunc(l.last, func(_ string, w sessionWritten) bool { return w.expiry.Before(now) })
		if len(l.last) >= maxRemembered {
			clear(l.last) // all alive: forgetting only costs one write each
		}
	}
	l.last[token] = w
}

func (l *lazySessions) Delete(token string) error {
	l.mu.Lock()
	delete(l.last, token)
	l.mu.Unlock()
	return l.sessionStore.Delete(token)
}
