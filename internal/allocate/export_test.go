package allocate

// SetBeforeRefill runs f between a commitment's transaction and its phase's
// refill (PostgreSQL), so a test can fill the commitment from elsewhere there.
func SetBeforeRefill(s *Service, f func()) { s.beforeRefill = f }
