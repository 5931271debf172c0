package idea

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// NewIdea is the input of Propose.
type NewIdea struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Category string `json:"category"`
	Region   string `json:"region"`
	Needs    string `json:"needs"`
}

func (s *Service) check(in *NewIdea) error {
	var err error
	if in.Title, err = line("title", in.Title, 5, MaxTitle); err != nil {
		return err
	}
	if in.Body, err = prose("body", in.Body, 10, MaxBody); err != nil {
		return err
	}
	if in.Needs, err = prose("needs", in.Needs, 0, MaxNeeds); err != nil {
		return err
	}
	if in.Category = strings.ToLower(strings.TrimSpace(in.Category)); !slices.Contains(Categories, in.Category) {
		return errs.E(errs.Invalid, "category must be food, health, education, environment, economy or other")
	}
	code, err := region.Normalize(in.Region)
	if err != nil || !s.regions.Within(code, s.province) {
		return errs.E(errs.Invalid, "unknown region %q", in.Region)
	}
	if lvl, _ := region.LevelOf(code); lvl < region.Regency {
		return errs.E(errs.Invalid, "an idea is for a kota, a kecamatan or a kelurahan")
	}
	in.Region = code
	return nil
}

// Propose adds an idea (anyone signed in: TakePart).
func (s *Service) Propose(ctx context.Context, who Who, in NewIdea) (Idea, error) {
	if !who.Can(account.TakePart) {
		return Idea{}, who.Refusal(account.TakePart)
	}
	if err := s.check(&in); err != nil {
		return Idea{}, err
	}
	name, err := s.whoName(ctx, who)
	if err != nil {
		return Idea{}, err
	}
	now := s.Now().UTC()
	i := Idea{ID: newID(), Title: in.Title, Body: in.Body, Category: in.Category, Region: in.Region, RegionName: s.regionName(in.Region),
		Needs: in.Needs, Status: Proposed, Author: name, CreatedAt: now, UpdatedAt: now, authorID: who.UserID, chain: chainFor(in.Region)}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ideas (id, title, body, category, region, chain, needs, status, author_id, author_name,
			created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`,
			i.ID, i.Title, i.Body, i.Category, i.Region, i.chain, i.Needs, i.Status, who.UserID, name, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.propose", ObjectType: "idea", ObjectID: i.ID, Region: i.Region, Chain: i.chain,
			Detail: map[string]any{"title": i.Title, "category": i.Category}})
	})
	return i, err
}

// Filter narrows List.
type Filter struct {
	Status   string // "" every status
	Region   string // inside this region ("" the province)
	Sort     string // "recent" (default) or "support"
	Reported bool   // the admin: ideas with reports, hidden ones among them
	Cursor   string
	Limit    int
}

const ideaCols = `i.id, i.title, i.body, i.category, i.region, i.needs, i.status, i.reason, i.author_name, i.supports, i.reports,
	i.hidden, i.program_id, i.created_at, i.updated_at, i.chain, i.author_id,
	EXISTS (SELECT 1 FROM idea_supports s WHERE s.idea_id = i.id AND s.user_id = $1)`

func (s *Service) scan(r store.Scanner) (Idea, error) {
	var i Idea
	err := r.Scan(&i.ID, &i.Title, &i.Body, &i.Category, &i.Region, &i.Needs, &i.Status, &i.Reason, &i.Author, &i.Supports,
		&i.ReportCount, &i.Hidden, &i.ProgramID, &i.CreatedAt, &i.UpdatedAt, &i.chain, &i.authorID, &i.Supported)
	i.RegionName = s.regionName(i.Region)
	return i, err
}

// forReader drops what only the admin may see.
func forReader(who Who, i Idea) Idea {
	if !who.Can(account.GovernIdeas) {
		i.Hidden, i.ReportCount = false, 0
	}
	return i
}

// List lists the ideas anyone may read (no sign-in needed): hidden ones never;
// newest first, or most supported first. The admin may list reported ideas.
func (s *Service) List(ctx context.Context, who Who, f Filter) ([]Idea, string, error) {
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", errs.E(errs.Invalid, "status must be one of %s", strings.Join(Statuses, ", "))
	}
	if f.Sort == "" {
		f.Sort = "recent"
	}
	if f.Sort != "recent" && f.Sort != "support" {
		return nil, "", errs.E(errs.Invalid, "sort must be support or recent")
	}
	if f.Reported && !who.Can(account.GovernIdeas) {
		return nil, "", errs.E(errs.NotFound, "not found")
	}
	scope := s.province
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil || !s.regions.Within(code, s.province) {
			return nil, "", errs.E(errs.Invalid, "unknown region %q", f.Region)
		}
		scope = code
	}
	c, err := decodeCursor(f.Cursor, f.Sort)
	if err != nil {
		return nil, "", err
	}
	limit := store.Limit(f.Limit)
	q, args := listQuery(who, f, scope, c, limit)
	items, err := store.All(ctx, s.db.R(), s.scan, q, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(f.Sort, items[len(items)-1])
	}
	if items == nil {
		items = []Idea{}
	}
	for k := range items {
		items[k] = forReader(who, items[k])
	}
	return items, next, nil
}

// listQuery is List's statement: $1 the caller (for "supported"), $2 $3 the
// region's range, $4 the status, $5 $6 $7 hidden ideas (only the admin's
// reported list shows them) and the reports an idea must have, then the
// cursor and the limit. Newest first walks the primary key backwards (ids are
// UUIDv7: their order is the order ideas were proposed in); most supported
// first walks ideas_support backwards. Neither sorts (plans_test.go).
func listQuery(who Who, f Filter, scope string, c cursor, limit int) (string, []any) {
	q := `SELECT ` + ideaCols + ` FROM ideas i WHERE i.region >= $2 AND i.region < $3 AND ($4 = '' OR i.status = $4)
		AND (i.hidden = $5 OR $6) AND i.reports >= $7`
	minReports := 0
	if f.Reported {
		minReports = 1
	}
	args := []any{who.UserID, scope, region.Upper(scope), f.Status, false, f.Reported, minReports}
	if f.Sort == "support" {
		q += ` AND ($9 = '' OR i.supports < $8 OR (i.supports = $8 AND i.id < $9)) ORDER BY i.supports DESC, i.id DESC LIMIT $10`
		return q, append(args, c.supports, c.id, limit+1)
	}
	q += ` AND ($8 = '' OR i.id < $8) ORDER BY i.id DESC LIMIT $9`
	return q, append(args, c.id, limit+1)
}

// visible reads an idea the caller may see: a hidden one is not found but to
// the admin.
func (s *Service) visible(ctx context.Context, q store.Querier, who Who, id string) (Idea, error) {
	i, err := s.scan(store.One(ctx, q, `SELECT `+ideaCols+` FROM ideas i WHERE i.id = $2`, who.UserID, id))
	if err != nil {
		return Idea{}, store.NotFound(err, "no such idea")
	}
	if i.Hidden && !who.Can(account.GovernIdeas) {
		return Idea{}, errs.E(errs.NotFound, "no such idea")
	}
	return i, nil
}

// Get reads one idea with its comments and offers (anyone; no sign-in needed),
// and, for the admin, its reports.
func (s *Service) Get(ctx context.Context, who Who, id string) (Detail, error) {
	r := s.db.R()
	i, err := s.visible(ctx, r, who, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Idea: forReader(who, i)}
	if d.Comments, err = store.All(ctx, r, func(r store.Scanner) (Comment, error) {
		var c Comment
		return c, r.Scan(&c.ID, &c.Author, &c.Body, &c.CreatedAt)
	}, `SELECT id, author_name, body, created_at FROM idea_comments WHERE idea_id = $1 ORDER BY created_at, id LIMIT 500`, id); err != nil {
		return Detail{}, err
	}
	if d.Offers, err = s.offers(ctx, r, id); err != nil {
		return Detail{}, err
	}
	if who.Can(account.GovernIdeas) {
		if d.Reports, err = store.All(ctx, r, func(r store.Scanner) (Report, error) {
			var x Report
			return x, r.Scan(&x.ID, &x.By, &x.Reason, &x.CreatedAt)
		}, `SELECT id, user_name, reason, created_at FROM idea_reports WHERE idea_id = $1 ORDER BY created_at, id LIMIT 500`, id); err != nil {
			return Detail{}, err
		}
	}
	if d.Comments == nil {
		d.Comments = []Comment{}
	}
	if d.Offers == nil {
		d.Offers = []Offer{}
	}
	return d, nil
}

func (s *Service) offers(ctx context.Context, q store.Querier, id string) ([]Offer, error) {
	return store.All(ctx, q, func(r store.Scanner) (Offer, error) {
		var o Offer
		return o, r.Scan(&o.ID, &o.Organization, &o.Offer, &o.CreatedAt)
	}, `SELECT id, org_name, offer, created_at FROM idea_offers WHERE idea_id = $1 ORDER BY created_at, id LIMIT 500`, id)
}

// take runs one act of taking part on a visible idea, in one transaction, and
// answers the idea as the caller then sees it.
func (s *Service) take(ctx context.Context, who Who, perm account.Permission, id string, fn func(ctx context.Context, tx *store.Tx, i Idea) error) (Detail, error) {
	if !who.Can(perm) {
		return Detail{}, who.Refusal(perm)
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		i, err := s.visible(ctx, tx, who, id)
		if err != nil {
			return err
		}
		return fn(ctx, tx, i)
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, who, id)
}

// Support adds the caller's support, once: again is a conflict, and of two
// requests at once one wins and the other is the conflict.
func (s *Service) Support(ctx context.Context, who Who, id string) (Detail, error) {
	return s.take(ctx, who, account.TakePart, id, func(ctx context.Context, tx *store.Tx, i Idea) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_supports (idea_id, user_id, created_at) VALUES ($1,$2,$3)`,
			id, who.UserID, s.Now().UTC()); err != nil {
			if store.IsConflict(err) {
				return errs.E(errs.Conflict, "you support this idea already")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ideas SET supports = supports + 1 WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.support", ObjectType: "idea", ObjectID: id, Region: i.Region, Chain: i.chain})
	})
}

// Comment adds a comment (TakePart).
func (s *Service) Comment(ctx context.Context, who Who, id, body string) (Comment, error) {
	if !who.Can(account.TakePart) {
		return Comment{}, who.Refusal(account.TakePart)
	}
	body, err := prose("comment", body, 1, MaxComment)
	if err != nil {
		return Comment{}, err
	}
	name, err := s.whoName(ctx, who)
	if err != nil {
		return Comment{}, err
	}
	c := Comment{ID: newID(), Author: name, Body: body, CreatedAt: s.Now().UTC()}
	_, err = s.take(ctx, who, account.TakePart, id, func(ctx context.Context, tx *store.Tx, i Idea) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_comments (id, idea_id, author_id, author_name, body, created_at)
			VALUES ($1,$2,$3,$4,$5,$6)`, c.ID, id, who.UserID, name, body, c.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.comment", ObjectType: "idea", ObjectID: id, Region: i.Region, Chain: i.chain,
			Detail: map[string]any{"comment": c.ID, "chars": utf8.RuneCountInString(body)}})
	})
	return c, err
}

// MakeOffer records what the caller's organisation would contribute (a
// verified collaborator: OfferToIdea), once per organisation, while the idea
// is proposed or reviewed.
func (s *Service) MakeOffer(ctx context.Context, who Who, id, offer string) (Offer, error) {
	if !who.Can(account.OfferToIdea) {
		return Offer{}, who.Refusal(account.OfferToIdea)
	}
	offer, err := prose("offer", offer, 3, MaxOffer)
	if err != nil {
		return Offer{}, err
	}
	org, err := s.names.Org(ctx, who.OrgID)
	if err != nil || org.Status != account.OrgVerified {
		return Offer{}, who.Refusal(account.OfferToIdea)
	}
	o := Offer{ID: newID(), Organization: org.Name, Offer: offer, CreatedAt: s.Now().UTC()}
	_, err = s.take(ctx, who, account.OfferToIdea, id, func(ctx context.Context, tx *store.Tx, i Idea) error {
		if i.Status != Proposed && i.Status != Reviewed {
			return errs.E(errs.Conflict, "offers are taken while an idea is proposed or reviewed")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_offers (id, idea_id, org_id, org_name, user_id, offer, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, o.ID, id, org.ID, org.Name, who.UserID, offer, o.CreatedAt); err != nil {
			if store.IsConflict(err) {
				return errs.E(errs.Conflict, "your organisation has made an offer to this idea already")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.offer", ObjectType: "idea", ObjectID: id, Region: i.Region, Chain: i.chain,
			Detail: map[string]any{"offer": o.ID, "org": org.ID}})
	})
	return o, err
}

// ReportIdea reports an idea to the admin (TakePart), once per user.
func (s *Service) ReportIdea(ctx context.Context, who Who, id, reason string) error {
	if !who.Can(account.TakePart) {
		return who.Refusal(account.TakePart)
	}
	reason, err := prose("reason", reason, 3, MaxReason)
	if err != nil {
		return err
	}
	name, err := s.whoName(ctx, who)
	if err != nil {
		return err
	}
	_, err = s.take(ctx, who, account.TakePart, id, func(ctx context.Context, tx *store.Tx, i Idea) error {
		rid := newID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_reports (id, idea_id, user_id, user_name, reason, created_at)
			VALUES ($1,$2,$3,$4,$5,$6)`, rid, id, who.UserID, name, reason, s.Now().UTC()); err != nil {
			if store.IsConflict(err) {
				return errs.E(errs.Conflict, "you reported this idea already")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ideas SET reports = reports + 1 WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.report", ObjectType: "idea", ObjectID: id, Region: i.Region, Chain: i.chain,
			Detail: map[string]any{"report": rid, "reason": reason}})
	})
	return err
}

// Hide takes an idea out of every list; its page is not found but to the admin
// (GovernIdeas). Hiding a hidden idea is a conflict.
func (s *Service) Hide(ctx context.Context, who Who, id, reason string) (Detail, error) {
	reason, err := prose("reason", reason, 0, MaxReason)
	if err != nil {
		return Detail{}, err
	}
	return s.take(ctx, who, account.GovernIdeas, id, func(ctx context.Context, tx *store.Tx, i Idea) error {
		res, err := tx.ExecContext(ctx, `UPDATE ideas SET hidden = $1, updated_at = $2 WHERE id = $3 AND hidden = $4`, true, s.Now().UTC(), id, false)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errs.E(errs.Conflict, "the idea is hidden already")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.hide", ObjectType: "idea", ObjectID: id, Region: i.Region, Chain: i.chain,
			Detail: map[string]any{"reason": reason}})
	})
}
