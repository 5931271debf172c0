// Package callback is the office's call-back check of deliveries, as large aid
// programs run it after payment or delivery: the office draws a random sample of
// the delivered allocations in its region, calls each recipient, and records
// whether they confirm that the aid arrived. The share confirmed, per
// organisation, is what the office and the admin watch: a collaborator whose
// recipients do not confirm is one to look at.
//
// # Tables
//
// The package owns callback_samples and callback_items (store's ownership table).
// It reads allocations and their recipients through package allocate
// (Service.Delivered and Service.Contacts) and organisations' names through
// package account.
//
// # Randomness
//
// A sample is drawn with crypto/rand among every delivered allocation of the
// program in the region that no sample holds yet: an organisation cannot predict
// which of its recipients will be called, so it cannot arrange for those to be the
// ones who confirm. An allocation is in at most one sample (UNIQUE in the schema),
// so two samples drawn at once by two offices never call one person twice.
//
// # Scope
//
// An office draws, reads and answers samples within its region only; the admin
// anywhere in the province. What is outside the caller's scope is not found.
// Every look at a sample reveals names and phones and is audited.
package callback

import (
	"cmp"
	"context"
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// MaxSize bounds one sample: a day of calls for one person.
const MaxSize = 200

// MaxNote bounds the note beside an answer.
const MaxNote = 500

// Answers recorded for an item.
const (
	Unanswered = ""
	Yes        = "yes"
	No         = "no"
)

// Service draws samples and records answers.
type Service struct {
	db       *store.DB
	regions  *region.Set
	province string
	allocs   *allocate.Service
	programs *program.Service
	orgs     *account.Service
	// Now is the clock.
	Now func() time.Time
}

// New returns the call-back service.
func New(db *store.DB, regions *region.Set, province string, allocs *allocate.Service, programs *program.Service, orgs *account.Service) *Service {
	return &Service{db: db, regions: regions, province: province, allocs: allocs, programs: programs, orgs: orgs, Now: time.Now}
}

// Sample is a drawn sample with its items.
type Sample struct {
	ID        string    `json:"id"`
	ProgramID string    `json:"program_id"`
	Region    string    `json:"region"`
	Size      int       `json:"size"`
	CreatedAt time.Time `json:"created_at"`
	Answered  int       `json:"answered"`
	Confirmed int       `json:"confirmed"`
	Items     []Item    `json:"items,omitempty"`
}

// Item is one person to call.
type Item struct {
	AllocationID string `json:"allocation_id"`
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	OrgID        string `json:"-"`
	Region       string `json:"-"`
	Answer       string `json:"answer"`
	Note         string `json:"note"`
}

// inScope checks that code is a region the caller works in (its own region or
// below for an office, the province for the admin); otherwise not found.
func (s *Service) inScope(who account.Principal, code string) error {
	if !s.regions.Within(code, who.RegionScope(s.province)) {
		return errs.E(errs.NotFound, "no such region in your area")
	}
	return nil
}

// Draw draws a sample of size delivered allocations of the program within code,
// among those no sample holds yet, and returns it with the recipients' names and
// phones (audited). Fewer than size are drawn when fewer are left; none left is a
// conflict.
func (s *Service) Draw(ctx context.Context, who account.Principal, programID, code string, size int) (Sample, error) {
	if size < 1 || size > MaxSize {
		return Sample{}, errs.E(errs.Invalid, "the sample size must be between 1 and %d", MaxSize)
	}
	if err := s.inScope(who, code); err != nil {
		return Sample{}, err
	}
	if _, err := s.programs.Get(ctx, programID, false); err != nil {
		return Sample{}, err
	}
	sm := Sample{ID: strings.ReplaceAll(uuid.NewString(), "-", ""), ProgramID: programID, Region: code, CreatedAt: s.Now().UTC()}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		all, err := s.allocs.DeliveredIn(ctx, tx, programID, code)
		if err != nil {
			return err
		}
		taken, err := store.All(ctx, tx, store.String, `SELECT allocation_id FROM callback_items WHERE program_id = $1
			AND region >= $2 AND region < $3`, programID, code, region.Upper(code))
		if err != nil {
			return err
		}
		held := make(map[string]bool, len(taken))
		for _, id := range taken {
			held[id] = true
		}
		var pool []allocate.DeliveredAllocation
		for _, d := range all {
			if !held[d.ID] {
				pool = append(pool, d)
			}
		}
		if len(pool) == 0 {
			return errs.E(errs.Conflict, "no delivered allocation in this region is left to check")
		}
		picked, err := pick(pool, size)
		if err != nil {
			return err
		}
		sm.Size = len(picked)
		if _, err := tx.ExecContext(ctx, `INSERT INTO callback_samples (id, program_id, region, size, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, sm.ID, programID, code, sm.Size, who.UserID, sm.CreatedAt); err != nil {
			return err
		}
		rows := make([][]any, len(picked))
		ids := make([]string, len(picked))
		for i, d := range picked {
			rows[i] = []any{d.ID, d.OrgID, d.Region}
			ids[i] = d.ID
		}
		if _, err := tx.Insert(ctx, `INSERT INTO callback_items (allocation_id, org_id, region, sample_id, program_id) VALUES `, ``,
			rows, sm.ID, programID); err != nil {
			return err
		}
		sm.Items, err = s.contacts(ctx, tx, picked)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "callback.draw", ObjectType: "callback_sample", ObjectID: sm.ID, Region: code,
			Detail: map[string]any{"program": programID, "asked": size, "drawn": sm.Size, "pool": len(pool), "allocations": ids}})
	})
	return sm, err
}

// pick draws n of pool (all when fewer) uniformly at random with crypto/rand: a
// partial Fisher–Yates shuffle.
func pick(pool []allocate.DeliveredAllocation, n int) ([]allocate.DeliveredAllocation, error) {
	n = min(n, len(pool))
	for i := range n {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(len(pool)-i)))
		if err != nil {
			return nil, err
		}
		k := i + int(j.Int64())
		pool[i], pool[k] = pool[k], pool[i]
	}
	return pool[:n], nil
}

// contacts fills the items of ds with the recipients' names and phones.
func (s *Service) contacts(ctx context.Context, q store.Querier, ds []allocate.DeliveredAllocation) ([]Item, error) {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	cs, err := s.allocs.Contacts(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(ds))
	for i, d := range ds {
		items[i] = Item{AllocationID: d.ID, Name: cs[d.ID].Name, Phone: cs[d.ID].Phone, OrgID: d.OrgID, Region: d.Region}
	}
	return items, nil
}

// scopeArgs are the bounds of the caller's region for a condition "region = lo OR
// (region > lo AND region < hi)".
func (s *Service) scopeArgs(who account.Principal) (lo, hi string) {
	code := who.RegionScope(s.province)
	return code, region.Upper(code)
}

// Samples lists the samples within the caller's region, newest first (at most 100).
func (s *Service) Samples(ctx context.Context, who account.Principal) ([]Sample, error) {
	lo, hi := s.scopeArgs(who)
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Sample, error) {
		var sm Sample
		err := r.Scan(&sm.ID, &sm.ProgramID, &sm.Region, &sm.Size, &sm.CreatedAt, &sm.Answered, &sm.Confirmed)
		sm.CreatedAt = sm.CreatedAt.UTC()
		return sm, err
	}, `SELECT s.id, s.program_id, s.region, s.size, s.created_at,
			(SELECT COUNT(*) FROM callback_items i WHERE i.sample_id = s.id AND i.answer <> ''),
			(SELECT COUNT(*) FROM callback_items i WHERE i.sample_id = s.id AND i.answer = 'yes')
		FROM callback_samples s WHERE (s.region = $1 OR (s.region > $1 AND s.region < $2))
		ORDER BY s.created_at DESC, s.id DESC LIMIT 100`, lo, hi)
}

// sample reads a sample's row within the caller's region.
func (s *Service) sample(ctx context.Context, q store.Querier, who account.Principal, id string) (Sample, error) {
	lo, hi := s.scopeArgs(who)
	var sm Sample
	err := store.One(ctx, q, `SELECT id, program_id, region, size, created_at FROM callback_samples
		WHERE id = $1 AND (region = $2 OR (region > $2 AND region < $3))`, id, lo, hi).
		Scan(&sm.ID, &sm.ProgramID, &sm.Region, &sm.Size, &sm.CreatedAt)
	sm.CreatedAt = sm.CreatedAt.UTC()
	return sm, store.NotFound(err, "no such sample")
}

// Sample returns a sample with its people to call and their answers. Names and
// phones are personal data: the read is audited.
func (s *Service) Sample(ctx context.Context, who account.Principal, id string) (Sample, error) {
	var sm Sample
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if sm, err = s.sample(ctx, tx, who, id); err != nil {
			return err
		}
		type row struct {
			d            allocate.DeliveredAllocation
			answer, note string
		}
		rs, err := store.All(ctx, tx, func(r store.Scanner) (row, error) {
			var x row
			return x, r.Scan(&x.d.ID, &x.d.OrgID, &x.d.Region, &x.answer, &x.note)
		}, `SELECT allocation_id, org_id, region, answer, note FROM callback_items WHERE sample_id = $1 ORDER BY region, allocation_id`, id)
		if err != nil {
			return err
		}
		ds := make([]allocate.DeliveredAllocation, len(rs))
		for i, x := range rs {
			ds[i] = x.d
		}
		if sm.Items, err = s.contacts(ctx, tx, ds); err != nil {
			return err
		}
		for i, x := range rs {
			sm.Items[i].Answer, sm.Items[i].Note = x.answer, x.note
			if x.answer != Unanswered {
				sm.Answered++
			}
			if x.answer == Yes {
				sm.Confirmed++
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "callback.view", ObjectType: "callback_sample", ObjectID: id, Region: sm.Region,
			Detail: map[string]any{"recipients": len(rs)}})
	})
	return sm, err
}

// Answer records whether the recipient of an allocation in the sample confirmed
// receiving the aid, with a note. Answering again replaces the answer; each
// answer is audited with the one it replaced. An allocation not in the sample is
// not found.
func (s *Service) Answer(ctx context.Context, who account.Principal, sampleID, allocationID string, confirmed bool, note string) error {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > MaxNote {
		return errs.E(errs.Invalid, "the note is longer than %d characters", MaxNote)
	}
	answer := No
	if confirmed {
		answer = Yes
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		sm, err := s.sample(ctx, tx, who, sampleID)
		if err != nil {
			return err
		}
		var before string
		if err := store.One(ctx, tx, `SELECT answer FROM callback_items WHERE sample_id = $1 AND allocation_id = $2`, sampleID, allocationID).
			Scan(&before); err != nil {
			return store.NotFound(err, "no such person in this sample")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE callback_items SET answer = $1, note = $2, answered_by = $3, answered_at = $4
			WHERE sample_id = $5 AND allocation_id = $6`, answer, note, who.UserID, s.Now().UTC(), sampleID, allocationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "callback.answer", ObjectType: "allocation", ObjectID: allocationID, Region: sm.Region,
			Detail: map[string]any{"sample": sampleID, "answer": answer, "before": before, "noted": note != ""}})
	})
}

// Rate is the call-back result of one organisation in a program.
type Rate struct {
	OrgID        string  `json:"org_id"`
	Organization string  `json:"organization"`
	Checked      int     `json:"checked"`
	Confirmed    int     `json:"confirmed"`
	Rate         float64 `json:"rate"`
}

// Confirmation returns, per organisation, how many of its recipients in the
// program were reached by a call-back (checked: answered yes or no) and how many
// confirmed, within the caller's region; rate is confirmed / checked. Sorted by
// rate, lowest first, then by name: those to look at come first.
func (s *Service) Confirmation(ctx context.Context, who account.Principal, programID string) ([]Rate, error) {
	if _, err := s.programs.Get(ctx, programID, who.Role == account.Admin); err != nil {
		return nil, err
	}
	lo, hi := s.scopeArgs(who)
	rs, err := store.All(ctx, s.db.R(), func(r store.Scanner) (Rate, error) {
		var x Rate
		err := r.Scan(&x.OrgID, &x.Checked, &x.Confirmed)
		if x.Checked > 0 {
			x.Rate = float64(x.Confirmed) / float64(x.Checked)
		}
		return x, err
	}, `SELECT org_id, COUNT(*), SUM(CASE WHEN answer = 'yes' THEN 1 ELSE 0 END) FROM callback_items
		WHERE program_id = $1 AND (region = $2 OR (region > $2 AND region < $3)) AND answer <> '' GROUP BY org_id`, programID, lo, hi)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rs))
	for i, x := range rs {
		ids[i] = x.OrgID
	}
	names, err := s.orgs.OrgNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		rs[i].Organization = names[rs[i].OrgID]
	}
	slices.SortFunc(rs, func(a, b Rate) int {
		return cmp.Or(cmp.Compare(a.Rate, b.Rate), strings.Compare(a.Organization, b.Organization), strings.Compare(a.OrgID, b.OrgID))
	})
	return rs, nil
}

// ExportConfirmation is Confirmation for a download, which is audited.
func (s *Service) ExportConfirmation(ctx context.Context, who account.Principal, programID string) ([]Rate, error) {
	rs, err := s.Confirmation(ctx, who, programID)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "callback.confirmation.export", ObjectType: "program", ObjectID: programID,
			Region: who.RegionScope(s.province), Detail: map[string]any{"organizations": len(rs)}})
	})
	return rs, err
}
