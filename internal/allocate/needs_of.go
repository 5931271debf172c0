package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// TargetNeeds lists the ids of the live needs of one target in one program, in
// the caller's transaction: a help request accepted into a program (package help)
// answers with the needs Add made for its target, without reading this package's
// table itself.
func (n *Needs) TargetNeeds(ctx context.Context, tx *store.Tx, programID, targetID string) ([]string, error) {
	return store.All(ctx, tx, store.String, `SELECT id FROM needs WHERE program_id = $1 AND target_id = $2 AND state <> 'void' ORDER BY id`,
		programID, targetID)
}
