package web

import "github.com/gotong/gotong/internal/account"

// GuardedPermissions are the permissions the server's routes ask for (once its
// handler is built, as it is here).
func (s *Server) GuardedPermissions() map[account.Permission]bool {
	s.Handler()
	s.guardsMu.Lock()
	defer s.guardsMu.Unlock()
	out := map[account.Permission]bool{}
	for p := range s.guards {
		out[p] = true
	}
	return out
}
