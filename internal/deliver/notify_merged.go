package deliver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// TellMerged enqueues, in tx (the merge's transaction), a household_merged e-mail to
// each organisation whose reserved or dispatched allocations serve the household
// that m folded away, one per organisation and program. A merge leaves those
// allocations as they are: the programs' next sync flags the dropped household's
// needs for the office (target_left, the allocated quantity kept) and gives it no
// new ones, which is what the message says. place names a region code for people;
// the households are named by masked No. KK and place only.
func (s *Service) TellMerged(ctx context.Context, tx *store.Tx, m registry.Merged, place func(code string) string) error {
	if s.notice == nil {
		return nil
	}
	serving, err := s.allocs.Serving(ctx, tx, m.Dropped)
	if err != nil || len(serving) == 0 {
		return err
	}
	dropped := "KK " + m.DroppedKK + ", " + place(m.DroppedRegion)
	kept := "KK " + m.KeptKKMasked + ", RW " + pad3(m.KeptRW) + "/RT " + pad3(m.KeptRT) + ", " + place(m.KeptRegion)
	for _, v := range serving {
		_, email, err := s.notice.Orgs(ctx, tx, v.OrgID)
		if err != nil {
			return err
		}
		if email == "" {
			continue
		}
		program, err := s.allocs.ProgramName(ctx, tx, v.ProgramID)
		if err != nil {
			return err
		}
		if err := s.notice.Outbox.Enqueue(ctx, tx, message.Message{Kind: "household_merged", Channel: message.Email, To: email,
			Ref: mergedRef(m.Duplicate, v.OrgID, v.ProgramID), Region: m.DroppedRegion,
			Args: map[string]string{"program": program, "dropped": dropped, "kept": kept, "units": strconv.Itoa(v.Units)}}); err != nil {
			return err
		}
	}
	return nil
}

// mergedRef is the outbox reference of the notice of pair to org about program:
// one per pair, organisation and program. The outbox holds references of at most
// 100 characters, and three ids side by side are longer (a UUID is 36), so the
// organisation and program are named by a digest of the two.
func mergedRef(pair, org, program string) string {
	sum := sha256.Sum256([]byte(org + "/" + program))
	return pair + "/" + hex.EncodeToString(sum[:16])
}

// pad3 writes an RW or RT number as people read it: 5 is 005.
func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
