package allocate

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Request is a commitment as a collaborator makes it.
type Request struct {
	ProgramID       string   `json:"program_id"`
	Phase           string   `json:"phase"`
	Quantity        int      `json:"quantity"`
	Region          string   `json:"region,omitempty"`
	TargetIDs       []string `json:"target_ids,omitempty"`
	DeliverBy       string   `json:"deliver_by"`
	AcceptStatement bool     `json:"accept_statement"`
	// WarehouseID gives from a warehouse's stock, which the committing
	// organisation distributes (the task force); Item names the stock item (a
	// catalogue id or name; "" the item named like the program's).
	WarehouseID string `json:"warehouse_id,omitempty"`
	Item        string `json:"item,omitempty"`
	// ClientRef is the client's idempotency key (the Idempotency-Key header, or a
	// token in the form): sending the same commitment twice — a double tap, a
	// retry on a bad connection — makes one commitment, and the second answer is
	// the first one.
	ClientRef string `json:"-"`
}

// normalize checks a request against its program and returns the phase and the
// normalised area or targets.
func (s *Service) normalize(ctx context.Context, q store.Querier, req *Request) (program.Program, program.Phase, error) {
	p, err := s.programs.Get(ctx, req.ProgramID, false)
	if err != nil {
		return p, program.Phase{}, err
	}
	if p.Status != program.Published {
		return p, program.Phase{}, errs.E(errs.Conflict, "the program is not open for commitments")
	}
	ph, ok := p.FindPhase(req.Phase)
	if !ok {
		return p, ph, errs.E(errs.Invalid, "no such phase")
	}
	today := s.Now().Format(time.DateOnly)
	if ph.End < today {
		return p, ph, errs.E(errs.Invalid, "that phase is over")
	}
	if req.Quantity < 1 || req.Quantity > MaxQuantity {
		return p, ph, errs.E(errs.Invalid, "quantity must be 1 to %d", MaxQuantity)
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(req.DeliverBy))
	if err != nil {
		return p, ph, errs.E(errs.Invalid, "deliver_by must be a date YYYY-MM-DD")
	}
	req.DeliverBy = d.Format(time.DateOnly)
	if req.DeliverBy < today {
		return p, ph, errs.E(errs.Invalid, "deliver_by is in the past")
	}
	if p.Statement != "" && !req.AcceptStatement {
		return p, ph, errs.E(errs.Invalid, "accept the program's statement to commit")
	}
	hasArea, hasTargets := strings.TrimSpace(req.Region) != "", len(req.TargetIDs) > 0
	if hasArea == hasTargets {
		return p, ph, errs.E(errs.Invalid, "give either a region or target_ids")
	}
	// What a commitment gets in a kelurahan, or for a chosen RW, is a figure below
	// kecamatan, which a health program does not show outside the offices.
	errSensitive := errs.E(errs.Invalid, "this program concerns health: commit for a kecamatan or a larger area")
	if hasArea {
		code, err := region.Normalize(req.Region)
		if err != nil {
			return p, ph, errs.E(errs.Invalid, "unknown region %q", req.Region)
		}
		if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.province) {
			return p, ph, errs.E(errs.Invalid, "unknown region %q", req.Region)
		}
		if lvl, _ := region.LevelOf(code); p.Sensitive && lvl > program.CoarseFloor {
			return p, ph, errSensitive
		}
		req.Region = code
		return p, ph, nil
	}
	if p.Sensitive {
		return p, ph, errSensitive
	}
	if len(req.TargetIDs) > MaxTargets {
		return p, ph, errs.E(errs.Invalid, "choose at most %d targets", MaxTargets)
	}
	var ids []string
	for _, id := range req.TargetIDs {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 64 {
			return p, ph, errs.E(errs.Invalid, "invalid target id")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	req.TargetIDs = ids
	return p, ph, nil
}

// Commit records a commitment and allocates what is free now; the rest waits.
func (s *Service) Commit(ctx context.Context, who Who, req Request) (Commitment, error) {
	var c Commitment
	if err := s.orgs.CheckCommitter(ctx, s.db.R(), who.OrgID); err != nil {
		return c, err
	}
	p, ph, err := s.normalize(ctx, s.db.R(), &req)
	if err != nil {
		return c, err
	}
	if len(req.ClientRef) > 100 {
		return c, errs.E(errs.Invalid, "the idempotency key is longer than 100 characters")
	}
	if prev, ok, err := s.byClientRef(ctx, s.db.R(), who, req.ClientRef); err != nil || ok {
		return prev, err
	}
	// Checked before the transaction to answer early, and again inside it: the
	// warehouse may pass to another organisation meanwhile.
	if _, err := s.source(ctx, s.db.R(), who, req, p); err != nil {
		return c, err
	}
	var repeated bool
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Again inside the transaction: an organisation rejected meanwhile must
		// not commit.
		if err := s.orgs.CheckCommitter(ctx, tx, who.OrgID); err != nil {
			return err
		}
		if prev, ok, err := s.byClientRef(ctx, tx, who, req.ClientRef); err != nil || ok {
			c, repeated = prev, ok
			return err
		}
		if err := s.checkOpen(ctx, tx, who.OrgID, req.Quantity); err != nil {
			return err
		}
		if err := s.checkCommitCap(ctx, tx, who.OrgID, req.Quantity); err != nil {
			return err
		}
		item, err := s.source(ctx, tx, who, req, p)
		if err != nil {
			return err
		}
		now := s.Now()
		c = Commitment{ID: newID(), OrgID: who.OrgID, ProgramID: p.ID, PhaseID: ph.ID, Phase: ph.Name, Region: req.Region,
			TargetIDs: req.TargetIDs, Requested: req.Quantity, DeliverBy: req.DeliverBy, CreatedAt: now, ProgramName: p.Name,
			WarehouseID: req.WarehouseID, Item: item}
		if len(req.TargetIDs) > 0 {
			var err error
			if c.Taken, err = s.checkTargets(ctx, tx, p, ph, req.TargetIDs); err != nil {
				return err
			}
			first, err := s.firstRegion(ctx, tx, req.TargetIDs)
			if err != nil {
				return err
			}
			c.chain = chainFor(first)
		} else {
			c.chain = chainFor(req.Region)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commitments (id, org_id, user_id, program_id, phase_id, region, chain,
			requested, waiting, deliver_by, client_ref, status, created_at, updated_at, warehouse_id, stock_item)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8,$9,$10,'waitlisted',$11,$11,$12,$13)`,
			c.ID, c.OrgID, who.UserID, c.ProgramID, c.PhaseID, c.Region, c.chain, c.Requested, c.DeliverBy, req.ClientRef, now,
			c.WarehouseID, c.Item); err != nil {
			return err
		}
		for _, t := range c.TargetIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO commitment_targets (commitment_id, target_id) VALUES ($1, $2)`, c.ID, t); err != nil {
				return err
			}
		}
		got, err := s.fill(ctx, tx, &c, p, c.Requested)
		if err != nil {
			return err
		}
		// The whole quantity (allocated and waiting) is reserved from the
		// warehouse's stock, or the commitment is not made.
		if err := s.settleStock(ctx, tx, c.ID); err != nil {
			return err
		}
		detail := map[string]any{
			"org": c.OrgID, "program": c.ProgramID, "phase": c.Phase, "requested": c.Requested,
			"allocated": c.Allocated, "waitlisted": c.Waitlisted, "allocations": got.count, "allocations_sha256": got.digest,
		}
		if c.WarehouseID != "" {
			detail["warehouse"], detail["item"] = c.WarehouseID, c.Item
		}
		return audit.Record(ctx, tx, audit.Change{Action: "commitment.create", ObjectType: "commitment", ObjectID: c.ID,
			Region: c.Region, Chain: c.chain, Detail: detail})
	})
	if err != nil {
		if errs.KindOf(err) == errs.Conflict && req.ClientRef != "" {
			// The same key raced in on another connection (PostgreSQL): answer
			// with the commitment that won.
			if prev, ok, err2 := s.byClientRef(ctx, s.db.R(), who, req.ClientRef); err2 == nil && ok {
				return prev, nil
			}
		}
		return Commitment{}, err
	}
	if repeated {
		return c, nil
	}
	if !s.eng.exact() {
		// A committer skips what others hold locked; they may leave some of it
		// (an RW's packages go a few at a time). Once this commitment is visible,
		// the waiting list of the phase — this one included — gets another pass.
		if s.beforeRefill != nil {
			s.beforeRefill()
		}
		if _, err := s.refillAfterCommit(ctx, p.ID, ph.ID); err != nil {
			s.logError("fill waiting commitments after a commitment", err)
		} else if c.Waitlisted > 0 {
			// Read again whatever this pass filled: another commitment's pass,
			// or a release, may have filled this one while it waited for the
			// phase's lock (its own pass then finds nothing), and the answer
			// would under-report what it holds. The pass took the lock after
			// every fill before it, so the answer is what the commitment holds
			// now; what still waits is filled later, as its status says.
			if fresh, err := s.Get(ctx, who, c.ID); err == nil {
				fresh.Taken, fresh.ProgramName = c.Taken, c.ProgramName
				c = fresh
			}
		}
	}
	if len(c.Taken) > 0 {
		c.Suggestions, _ = s.suggest(ctx, c)
	}
	return c, nil
}

// byClientRef finds who's commitment made with the idempotency key ref.
func (s *Service) byClientRef(ctx context.Context, q store.Querier, who Who, ref string) (Commitment, bool, error) {
	if ref == "" {
		return Commitment{}, false, nil
	}
	var id string
	err := store.One(ctx, q, `SELECT id FROM commitments WHERE org_id = $1 AND client_ref = $2`, who.OrgID, ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Commitment{}, false, nil
	}
	if err != nil {
		return Commitment{}, false, err
	}
	c, err := s.get(ctx, q, who, id)
	return c, err == nil, err
}

// firstRegion is the region of the first chosen target (the province when it has
// none), read from the registry inside q's transaction.
func (s *Service) firstRegion(ctx context.Context, q store.Querier, ids []string) (string, error) {
	r, err := registry.TargetRegion(ctx, q, ids[0])
	if r == "" && err == nil {
		r = s.province
	}
	return r, err
}

// checkTargets makes sure every chosen target is an RW or institution with a need in
// the phase, and says which ones have nothing free. Only a target without such a
// need is invalid; a failed read is the database's error, mapped by store.One.
func (s *Service) checkTargets(ctx context.Context, q store.Querier, p program.Program, ph program.Phase, ids []string) ([]Taken, error) {
	var taken []Taken
	for _, id := range ids {
		var kind, state string
		var qty, alloc int
		err := store.One(ctx, q, `SELECT kind, quantity, allocated, state FROM needs WHERE target_id = $1 AND phase_id = $2`,
			id, ph.ID).Scan(&kind, &qty, &alloc, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.Invalid, "target %s has no need in this program phase", id)
		}
		if err != nil {
			return nil, err
		}
		if kind != "rw" && kind != "institution" {
			return nil, errs.E(errs.Invalid, "only an RW or an institution can be chosen; households are reached through an area")
		}
		if state != "open" || alloc >= qty {
			name, err := registry.TargetName(ctx, q, id)
			if err != nil {
				return nil, err
			}
			taken = append(taken, Taken{TargetID: id, Name: name, Reason: "taken"})
		}
	}
	return taken, nil
}

// suggest proposes free RW and institution needs near the chosen targets that were
// already taken: the same kelurahan first, then the same kecamatan. They are named
// as publicName says.
func (s *Service) suggest(ctx context.Context, c Commitment) ([]Suggestion, error) {
	if len(c.Taken) == 0 {
		return nil, nil
	}
	near, err := registry.TargetRegion(ctx, s.db.R(), c.Taken[0].TargetID)
	if err != nil {
		return nil, err
	}
	kec := near
	if len(near) > 8 {
		kec = near[:8]
	}
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Suggestion, error) {
		var g Suggestion
		err := r.Scan(&g.TargetID, &g.Kind, &g.Name, &g.Region, &g.RW, &g.Free)
		g.Name = publicName(g.Kind, g.Name, g.RW)
		return g, err
	}, `SELECT t.id, t.kind, t.name, t.region, t.rw, n.quantity - n.allocated
		FROM needs n JOIN `+registry.Targets+` ON t.id = n.target_id
		WHERE n.phase_id = $1 AND n.region >= $2 AND n.region < $3 AND n.allocated < n.quantity AND n.state = 'open'
		  AND n.kind IN ('rw','institution') AND `+notStacked+`
		ORDER BY CASE WHEN n.region = $4 THEN 0 ELSE 1 END, n.priority DESC, n.since, n.id LIMIT 5`,
		c.PhaseID, kec, region.Upper(kec), near)
}

// Preview is what a commitment would receive if made now.
type Preview struct {
	Requested   int            `json:"requested"`
	Allocated   int            `json:"allocated"`
	Waitlisted  int            `json:"waitlisted"`
	Targets     int            `json:"targets"`
	Priority    int            `json:"priority_targets"`
	Regions     map[string]int `json:"regions"` // kelurahan code -> units
	Taken       []Taken        `json:"taken,omitempty"`
	Suggestions []Suggestion   `json:"suggestions,omitempty"`
}

// Preview plans a request without writing anything. Someone else may commit first,
// so the real answer can differ.
func (s *Service) Preview(ctx context.Context, who Who, req Request) (Preview, error) {
	var pv Preview
	if err := s.orgs.CheckCommitter(ctx, s.db.R(), who.OrgID); err != nil {
		return pv, err
	}
	// A preview commits to nothing: a collaborator reads what it would get before
	// accepting the program's statement, which Commit still demands.
	req.AcceptStatement = true
	p, ph, err := s.normalize(ctx, s.db.R(), &req)
	if err != nil {
		return pv, err
	}
	if _, err := s.source(ctx, s.db.R(), who, req, p); err != nil {
		return pv, err
	}
	c := &Commitment{ID: "", PhaseID: ph.ID, Region: req.Region, ProgramID: p.ID}
	var cands []Candidate
	var give []int
	if req.Region != "" {
		blocked, err := s.blockedTargets(ctx, s.db.R(), c, p)
		if err != nil {
			return pv, store.Map(err)
		}
		if cands, give, err = s.plan(ctx, s.db.R(), c, req.Quantity, nil, blocked); err != nil {
			return pv, store.Map(err)
		}
	} else {
		if pv.Taken, err = s.checkTargets(ctx, s.db.R(), p, ph, req.TargetIDs); err != nil {
			return pv, err
		}
		if cands, err = s.targetCandidates(ctx, ph.ID, req.TargetIDs); err != nil {
			return pv, err
		}
		if len(pv.Taken) > 0 {
			c.Taken = pv.Taken
			pv.Suggestions, _ = s.suggest(ctx, *c)
		}
		give = Plan(cands, req.Quantity)
	}
	pv.Requested, pv.Regions = req.Quantity, map[string]int{}
	for i, g := range give {
		if g == 0 {
			continue
		}
		pv.Allocated += g
		pv.Targets++
		if cands[i].Priority {
			pv.Priority++
		}
		pv.Regions[cands[i].Region] += g
	}
	pv.Waitlisted = pv.Requested - pv.Allocated
	if p.Sensitive {
		// Units per kelurahan and the count of priority households of a health
		// program are figures below kecamatan: the totals are enough to decide.
		pv.Regions, pv.Priority = map[string]int{}, 0
	}
	return pv, nil
}

func (s *Service) targetCandidates(ctx context.Context, phaseID string, ids []string) ([]Candidate, error) {
	var out []Candidate
	for _, id := range ids {
		var k Candidate
		var prio int
		err := store.One(ctx, s.db.R(), `SELECT n.id, n.target_id, n.kind, n.region, n.quantity, n.allocated, n.priority
			FROM needs n WHERE n.phase_id = $1 AND n.target_id = $2 AND n.allocated < n.quantity AND n.state = 'open' AND `+notStacked,
			phaseID, id).Scan(&k.NeedID, &k.TargetID, &k.Kind, &k.Region, &k.Quantity, &k.Allocated, &prio)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		k.Priority = prio > 0
		out = append(out, k)
	}
	return out, nil
}
