package registry

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// outcome is what became of one file row (API.md's counters).
type outcome int

const (
	accepted outcome = iota // a new record
	updated                 // an existing record changed
	merged                  // an exact duplicate of an existing record (unchanged)
	review                  // queued as a possible duplicate
)

type counts struct{ accepted, updated, merged, review, rejected int }

func (c *counts) add(o outcome) {
	switch o {
	case accepted:
		c.accepted++
	case updated:
		c.updated++
	case merged:
		c.merged++
	case review:
		c.review++
	}
}

// existingTarget is what a batch needs to know of a target already stored.
type existingTarget struct {
	id, region, name, address, domicile, phone, tags, rowHash string
	rw, rt, size                                              int
	isNew                                                     bool
	dirty                                                     bool
	foreign                                                   bool // outside the importer's region
	// held is the pair id while the target waits for an office holding both it and
	// a target of another region with the same No. KK or NIK (see heldFor).
	held string
}

type existingMember struct {
	id, targetID, region, rowHash, held string
	live                                bool // not merged into another member
}

// memberKey identifies a household member without a NIK: the keyed hash of No. KK,
// normalised name and birth date. Re-importing the row finds the member by it; a
// change of any of the three makes another member, which the fuzzy pass then pairs
// with the old one when it is in another household.
func memberKey(hash func(kind, value string) string, r *record) string {
	return hash("member_key", r.kk+"|"+namematch.Normalize(r.member.name)+"|"+r.member.birthDate)
}

// personKey identifies a person target without a NIK: kelurahan, normalised name
// and birth date.
func personKey(hash func(kind, value string) string, r *record) string {
	return hash("person_key", r.region+"|"+namematch.Normalize(r.member.name)+"|"+r.member.birthDate)
}

// batchWriter writes one batch of validated rows of one import in one transaction.
// It looks existing records up in bulk (one query per batch, not per row), so an
// import costs a few statements per few hundred rows.
type batchWriter struct {
	s      *Service
	ctx    context.Context
	tx     *store.Tx
	imp    string
	scope  string // the region prefix the importer may write
	now    time.Time
	counts counts

	newTargets []*newTarget
	newMembers []*newMember
	// pairs waits for its targets to be inserted (foreign keys) before it is queued.
	pairs []pendingPair
	// alias maps a keyed hash under the retiring key to the same value's hash under
	// the next key, during a key rotation (hash): the lookups find rows the rotation
	// has not reached yet by both, and answer by the next key's hash.
	alias map[string]string
}

// hash is the vault's keyed hash of value, the one written. During a key rotation it
// also remembers the retiring key's hash of value, which the lookups add.
func (w *batchWriter) hash(kind, value string) string {
	hs := w.s.vault.Hashes(kind, value)
	for _, old := range hs[1:] {
		if w.alias == nil {
			w.alias = map[string]string{}
		}
		w.alias[old] = hs[0]
	}
	return hs[0]
}

// lookupHashes is hashes with, during a key rotation, their retiring key's hashes.
func (w *batchWriter) lookupHashes(hashes []string) []string {
	if len(w.alias) == 0 {
		return hashes
	}
	want := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		want[h] = true
	}
	out := append([]string(nil), hashes...)
	for old, cur := range w.alias {
		if want[cur] {
			out = append(out, old)
		}
	}
	return out
}

// current is the next key's hash for a hash read from a row (itself outside a rotation).
func (w *batchWriter) current(h string) string {
	if cur, ok := w.alias[h]; ok {
		return cur
	}
	return h
}

type pendingPair struct {
	id, a, b, region string
	reasons          []msg.Message
}

type newTarget struct {
	t      *existingTarget
	kind   Kind
	rec    *record
	idEnc  string
	idHash string // "" for none (RWs, institutions)
	idMask string
}

type newMember struct {
	id, targetID, region, nikEnc, nikHash, nikMask, keyHash, name, nameNorm, birth, sex, relation, tags, held string
	line                                                                                                      int
	rowHash                                                                                                   string
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "," + strings.Join(tags, ",") + ","
}

// unionTags merges a stored ",a,b," tag list with more tags.
func unionTags(stored string, more []string) string {
	set := map[string]bool{}
	var all []string
	for _, t := range strings.Split(strings.Trim(stored, ","), ",") {
		if t != "" && !set[t] {
			set[t] = true
			all = append(all, t)
		}
	}
	for _, t := range more {
		if !set[t] {
			set[t] = true
			all = append(all, t)
		}
	}
	sortStrings(all)
	return tagList(all)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// targetsByHash looks households (by No. KK) and persons (by NIK, or personKey) up
// for the batch. Of the targets with one hash it returns, in this order: the live
// one inside the importer's scope; the importer's own held copy (an earlier import of
// the same row, still waiting); or the live one outside the scope, marked foreign so
// that the row is held instead of written into another office's record (heldFor).
// Another office's held copies are never returned.
func (w *batchWriter) targetsByHash(kind Kind, hashes []string) (map[string]*existingTarget, error) {
	out := map[string]*existingTarget{}
	if len(hashes) == 0 {
		return out, nil
	}
	rank := map[string]int{}
	err := lookupChunks(w.lookupHashes(hashes), func(part []string) error {
		args := append([]any{string(kind)}, store.HashArgs(part)...)
		// A No. KK or NIK of a target merged into another leads to the one it was
		// merged into (merges are flattened, so one step is enough).
		rows, err := w.tx.QueryContext(w.ctx, targetsByHashSQL(w.tx.Engine, len(part)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return w.rankTargets(rows, out, rank)
	})
	return out, err
}

// lookupChunk is the most hashes one lookup sends (twice in membersByHash): far
// below SQLite's 32,766 parameters even when a large batch meets a key rotation,
// which doubles the hashes.
const lookupChunk = 4000

// lookupChunks calls fn with hashes in parts of at most lookupChunk.
func lookupChunks(hashes []string, fn func(part []string) error) error {
	for len(hashes) > 0 {
		n := min(len(hashes), lookupChunk)
		if err := fn(hashes[:n]); err != nil {
			return err
		}
		hashes = hashes[n:]
	}
	return nil
}

// rankTargets keeps, of the targets read for each hash, the one targetsByHash says.
func (w *batchWriter) rankTargets(rows *sql.Rows, out map[string]*existingTarget, rank map[string]int) error {
	for rows.Next() {
		t := &existingTarget{}
		var h string
		var live bool
		if err := rows.Scan(&t.id, store.HashText(&h), &t.region, &t.rw, &t.rt, &t.name, &t.address, &t.domicile, &t.phone, &t.tags, &t.rowHash, &t.size, &live, &t.held); err != nil {
			return err
		}
		h = w.current(h)
		inScope := w.inScope(t.region)
		var r int
		switch {
		case t.held != "" && !inScope:
			continue // another office's row, waiting like this one would
		case t.held == "" && inScope && live:
			r = 5
		case t.held == "" && inScope:
			r = 4 // merged into a target in scope
		case inScope:
			r = 3 // the importer's held copy
		case live:
			r, t.foreign = 2, true
		default:
			r, t.foreign = 1, true
		}
		if r > rank[h] {
			rank[h], out[h] = r, t
		}
	}
	return rows.Err()
}

// targetsByHashSQL is targetsByHash's query for n hashes (plans_test.go explains it):
// targets_hash serves it, since it must find merged and held targets too, which the
// unique targets_id_hash leaves out.
func targetsByHashSQL(eng store.Engine, n int) string {
	return `SELECT k.id, t.id_hash, k.region, k.rw, k.rt, k.name, k.address, k.domicile, k.phone, k.tags,
		k.row_hash, k.size, t.merged_into IS NULL, k.held
		FROM targets t JOIN targets k ON k.id = COALESCE(t.merged_into, t.id)
		WHERE t.kind = $1 AND t.id_hash IN (` + store.InList(eng, 2, n) + `)`
}

// inScope reports whether a kelurahan lies in the importer's region.
func (w *batchWriter) inScope(code string) bool {
	return w.scope == "" || w.s.regions.Within(code, w.scope)
}

// heldFor starts a held copy, in the importer's region, of a target whose No. KK or
// NIK is registered outside that region. Writing the row into the other region's
// record would let one office move, rename or read another's household (the copy
// and the original are a pair that only an office holding both regions sees and
// decides); saying so would tell the importer that the number exists elsewhere. The
// row is counted as "review" like any other pair, and nothing of the original is
// read beyond its id and region.
func (w *batchWriter) heldFor(foreign *existingTarget, r *record, reason msg.Message) *existingTarget {
	t := &existingTarget{id: newID(), region: r.region, rw: r.rw, rt: r.rt, address: r.address, domicile: r.domicile,
		phone: r.phone, isNew: true, rowHash: r.hash, held: newID()}
	if r.member != nil {
		t.name = r.member.name
	}
	w.pairs = append(w.pairs, pendingPair{t.held, foreign.id, t.id, region.Common(foreign.region, r.region), []msg.Message{reason}})
	return t
}

// targetsByKey looks RWs (key region+rw) and institutions (key region+normalised name)
// up among the regions of the batch.
func (w *batchWriter) targetsByKey(kind Kind, regionList []string) (map[string]*existingTarget, error) {
	out := map[string]*existingTarget{}
	if len(regionList) == 0 {
		return out, nil
	}
	args := append([]any{string(kind)}, anys(regionList)...)
	rows, err := w.tx.QueryContext(w.ctx, `SELECT id, region, rw, rt, name, name_norm, address, domicile, phone, tags, row_hash, size
		FROM targets WHERE kind = $1 AND merged_into IS NULL AND region IN (`+store.InList(w.tx.Engine, 2, len(regionList))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		t := &existingTarget{}
		var norm string
		if err := rows.Scan(&t.id, &t.region, &t.rw, &t.rt, &t.name, &norm, &t.address, &t.domicile, &t.phone, &t.tags, &t.rowHash, &t.size); err != nil {
			return nil, err
		}
		out[naturalKey(kind, t.region, t.rw, norm)] = t
	}
	return out, rows.Err()
}

func naturalKey(kind Kind, region string, rw int, nameNorm string) string {
	if kind == RW {
		return region + "|" + strconv.Itoa(rw)
	}
	return region + "|" + nameNorm
}

func (w *batchWriter) membersByHash(hashes []string) (live map[string]*existingMember, held map[string]*existingMember, err error) {
	live, held = map[string]*existingMember{}, map[string]*existingMember{}
	if len(hashes) == 0 {
		return live, held, nil
	}
	err = lookupChunks(w.lookupHashes(hashes), func(part []string) error {
		args := store.HashArgs(part)
		args = append(args, args...)
		rows, err := w.tx.QueryContext(w.ctx, membersByHashSQL(w.tx.Engine, len(part)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := &existingMember{live: true}
			var h string
			if err := rows.Scan(&m.id, &m.targetID, &m.region, store.HashText(&h), &m.rowHash, &m.held); err != nil {
				return err
			}
			h = w.current(h)
			if m.held == "" {
				live[h] = m
			} else {
				held[h+"|"+m.targetID] = m
			}
		}
		return rows.Err()
	})
	return live, held, err
}

// membersByHashSQL is membersByHash's query for n hashes, given twice: live members
// are found by the unique members_nik, held ones by the small members_nik_held; no
// index holds every member's hash (migration 00034, plans_test.go).
func membersByHashSQL(eng store.Engine, n int) string {
	const cols = `SELECT id, target_id, region, nik_hash, row_hash, held FROM members WHERE merged_into IS NULL AND `
	return cols + `held = '' AND nik_hash IN (` + store.InList(eng, 1, n) + `)
		UNION ALL ` + cols + `held <> '' AND nik_hash IN (` + store.InList(eng, 1+n, n) + `)`
}

// membersByKey looks members without a NIK up by their natural key (memberKey),
// merged ones too: re-importing a row folded into another person writes nothing.
// One key can be found in several households of one No. KK (an office's held copy
// beside the live household of another region), so every match is returned and the
// row's household picks (keyedMember, heldMember).
func (w *batchWriter) membersByKey(keys []string) (map[string][]*existingMember, error) {
	out := map[string][]*existingMember{}
	if len(keys) == 0 {
		return out, nil
	}
	keys = w.lookupHashes(keys)
	rows, err := w.tx.QueryContext(w.ctx, membersByKeySQL(w.tx.Engine, len(keys)), anys(keys)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m := &existingMember{}
		var h string
		if err := rows.Scan(&m.id, &m.targetID, &m.region, &h, &m.rowHash, &m.held, &m.live); err != nil {
			return nil, err
		}
		h = w.current(h)
		out[h] = append(out[h], m)
	}
	return out, rows.Err()
}

// membersByKeySQL is membersByKey's query for n keys (members_key_any serves it).
func membersByKeySQL(eng store.Engine, n int) string {
	return `SELECT id, target_id, region, key_hash, row_hash, held, merged_into IS NULL FROM members
		WHERE key_hash <> '' AND key_hash IN (` + store.InList(eng, 1, n) + `)`
}

// write stores a batch of valid records and returns their outcomes' counts.
func (w *batchWriter) write(kind Kind, recs []*record) error {
	switch kind {
	case Household:
		return w.households(recs)
	case Person:
		return w.persons(recs)
	default:
		return w.places(kind, recs)
	}
}

func (w *batchWriter) households(recs []*record) error {
	kkHash := make([]string, len(recs))
	nikHash := make([]string, len(recs)) // "" for a member without a NIK
	keyHash := make([]string, len(recs)) // memberKey, for a member without a NIK
	var kks, niks, keys []string
	seenKK, seenNIK := map[string]bool{}, map[string]bool{}
	for i, r := range recs {
		kkHash[i] = w.hash("kk", r.kk)
		if !seenKK[kkHash[i]] {
			seenKK[kkHash[i]] = true
			kks = append(kks, kkHash[i])
		}
		if r.member.nik.Number == "" {
			keyHash[i] = memberKey(w.hash, r)
			if !seenNIK[keyHash[i]] {
				seenNIK[keyHash[i]] = true
				keys = append(keys, keyHash[i])
			}
			continue
		}
		nikHash[i] = w.hash("nik", r.member.nik.Number)
		if !seenNIK[nikHash[i]] {
			seenNIK[nikHash[i]] = true
			niks = append(niks, nikHash[i])
		}
	}
	targets, err := w.targetsByHash(Household, kks)
	if err != nil {
		return err
	}
	live, held, err := w.membersByHash(niks)
	if err != nil {
		return err
	}
	byKey, err := w.membersByKey(keys)
	if err != nil {
		return err
	}
	for i, r := range recs {
		m := r.member
		head := m.relation == "Kepala Keluarga"
		t := targets[kkHash[i]]
		if t != nil && t.foreign {
			t = w.heldFor(t, r, msg.New("No. KK %s was imported for two regions", nik.Mask(r.kk)))
			targets[kkHash[i]] = t
			if err := w.newHousehold(t, r, kkHash[i]); err != nil {
				return err
			}
		}
		if t == nil {
			t = &existingTarget{id: newID(), region: r.region, rw: r.rw, rt: r.rt, name: m.name, address: r.address,
				domicile: r.domicile, phone: r.phone, isNew: true}
			targets[kkHash[i]] = t
			if err := w.newHousehold(t, r, kkHash[i]); err != nil {
				return err
			}
		} else if head && (t.name != m.name || t.region != r.region || t.rw != r.rw || t.rt != r.rt ||
			t.address != r.address || t.domicile != r.domicile || (r.phone != "" && t.phone != r.phone)) {
			// The head's row describes the household: name, where it lives, phone.
			t.name, t.region, t.rw, t.rt, t.address, t.domicile = m.name, r.region, r.rw, r.rt, r.address, r.domicile
			if r.phone != "" {
				t.phone = r.phone
			}
			t.dirty = true
		}
		if t.phone == "" && r.phone != "" {
			t.phone, t.dirty = r.phone, !t.isNew || t.dirty
		}
		if tags := unionTags(t.tags, r.tags); tags != t.tags {
			t.tags, t.dirty = tags, !t.isNew || t.dirty
		}
		if t.held != "" {
			// Nothing of a held household is live until the pair is decided: each
			// member waits with it, found again by NIK or natural key on re-import.
			if err := w.heldMember(t, r, nikHash[i], keyHash[i], held, byKey); err != nil {
				return err
			}
			continue
		}
		if nikHash[i] == "" {
			if err := w.keyedMember(t, r, keyHash[i], byKey); err != nil {
				return err
			}
			continue
		}
		em := live[nikHash[i]]
		switch {
		case em == nil:
			nm, err := w.member(t, r, nikHash[i], "")
			if err != nil {
				return err
			}
			live[nikHash[i]] = &existingMember{id: nm.id, targetID: t.id, region: r.region, rowHash: r.hash, live: true}
			t.size++
			t.dirty = t.dirty || !t.isNew
			w.counts.add(accepted)
		case em.targetID == t.id && em.rowHash == r.hash:
			w.counts.add(merged)
		case em.targetID == t.id:
			if err := w.updateMember(em, r); err != nil {
				return err
			}
			em.rowHash = r.hash
			w.counts.add(updated)
		default:
			// The same NIK already belongs to another KK: the row waits, held under
			// its own KK, for an office that holds both households to decide. The
			// pair is filed under the smallest region holding both, so an office
			// never sees (nor learns of) a household outside its region.
			if h := held[nikHash[i]+"|"+t.id]; h != nil {
				w.counts.add(review)
				continue
			}
			reasons := []msg.Message{msg.New("NIK %s is on two family cards (KK)", nik.Mask(m.nik.Number))}
			where := region.Common(em.region, r.region)
			var dupID string
			if t.isNew {
				dupID = newID()
				w.pairs = append(w.pairs, pendingPair{dupID, em.targetID, t.id, where, reasons})
			} else if dupID, err = w.queuePair(em.targetID, t.id, where, 1.0, reasons); err != nil {
				return err
			}
			nm, err := w.member(t, r, nikHash[i], dupID)
			if err != nil {
				return err
			}
			held[nikHash[i]+"|"+t.id] = &existingMember{id: nm.id, targetID: t.id, held: dupID}
			w.counts.add(review)
		}
	}
	return w.flush(targets)
}

// newHousehold queues the insert of household t, new in this batch.
func (w *batchWriter) newHousehold(t *existingTarget, r *record, kkHash string) error {
	enc, err := w.s.vault.Seal([]byte(r.kk), vault.AD("targets", t.id, "kk"))
	if err != nil {
		return err
	}
	w.newTargets = append(w.newTargets, &newTarget{t: t, kind: Household, rec: r, idEnc: enc, idHash: kkHash, idMask: nik.Mask(r.kk)})
	return nil
}

// heldMember settles the row of a member of a held household: found again in that
// household (by NIK, or by natural key when it has none), it stays as it is, or is
// updated when the row changed; otherwise it is added, held with the household. The
// row counts as "review" either way.
func (w *batchWriter) heldMember(t *existingTarget, r *record, nikHash, keyHash string, held map[string]*existingMember, byKey map[string][]*existingMember) error {
	var em *existingMember
	if nikHash != "" {
		em = held[nikHash+"|"+t.id]
	} else {
		em = inTarget(byKey[keyHash], t.id)
	}
	w.counts.add(review)
	switch {
	case em == nil:
		nm, err := w.member(t, r, nikHash, t.held)
		if err != nil {
			return err
		}
		nm.keyHash = keyHash
		em = &existingMember{id: nm.id, targetID: t.id, region: r.region, rowHash: r.hash, held: t.held, live: true}
		if nikHash != "" {
			held[nikHash+"|"+t.id] = em
		} else {
			byKey[keyHash] = append(byKey[keyHash], em)
		}
	case em.rowHash != r.hash:
		if err := w.updateMember(em, r); err != nil {
			return err
		}
		em.rowHash = r.hash
	}
	return nil
}

// inTarget returns the live member of target among ms, if any.
func inTarget(ms []*existingMember, target string) *existingMember {
	for _, m := range ms {
		if m.targetID == target && m.live {
			return m
		}
	}
	return nil
}

// keyedMember settles the row of a member without a NIK, found (or not) by its
// natural key in its household (or among members merged away): new, it is added;
// unchanged, nothing is written (merged); changed, it is updated.
func (w *batchWriter) keyedMember(t *existingTarget, r *record, key string, byKey map[string][]*existingMember) error {
	em := inTarget(byKey[key], t.id)
	if em == nil {
		for _, m := range byKey[key] {
			if !m.live {
				em = m
				break
			}
		}
	}
	switch {
	case em == nil:
		nm, err := w.member(t, r, "", "")
		if err != nil {
			return err
		}
		nm.keyHash = key
		byKey[key] = append(byKey[key], &existingMember{id: nm.id, targetID: t.id, region: r.region, rowHash: r.hash, live: true})
		t.size++
		t.dirty = t.dirty || !t.isNew
		w.counts.add(accepted)
	case em.rowHash == r.hash:
		w.counts.add(merged)
	default:
		if err := w.updateMember(em, r); err != nil {
			return err
		}
		em.rowHash = r.hash
		w.counts.add(updated)
	}
	return nil
}

// member prepares a new member row of target t; hash is the NIK's keyed hash, "" for
// a member without a NIK (whose NIK columns stay empty).
func (w *batchWriter) member(t *existingTarget, r *record, hash, held string) (*newMember, error) {
	m := r.member
	id := newID()
	var enc string
	if m.nik.Number != "" {
		var err error
		if enc, err = w.s.vault.Seal([]byte(m.nik.Number), vault.AD("members", id, "nik")); err != nil {
			return nil, err
		}
	}
	nm := &newMember{id: id, targetID: t.id, region: r.region, nikEnc: enc, nikHash: hash, nikMask: nik.Mask(m.nik.Number),
		name: m.name, nameNorm: namematch.Normalize(m.name), birth: m.birthDate, sex: m.sex, relation: m.relation,
		tags: tagList(m.tags), held: held, line: r.line, rowHash: r.hash}
	w.newMembers = append(w.newMembers, nm)
	return nm, nil
}

func (w *batchWriter) updateMember(em *existingMember, r *record) error {
	m := r.member
	_, err := w.tx.ExecContext(w.ctx, `UPDATE members SET name = $1, name_norm = $2, birth_date = $3, sex = $4, relation = $5,
		tags = $6, region = $7, line = $8, row_hash = $9, import_id = $10, updated_at = $11 WHERE id = $12`,
		m.name, namematch.Normalize(m.name), m.birthDate, m.sex, m.relation, tagList(m.tags), r.region, r.line, r.hash, w.imp, w.now, em.id)
	if err != nil {
		return err
	}
	return audit.Record(w.ctx, w.tx, audit.Change{Action: "member.update", ObjectType: "member", ObjectID: em.id, Region: r.region,
		Detail: map[string]any{"import_id": w.imp, "row": r.line, "target_id": em.targetID}})
}

func (w *batchWriter) persons(recs []*record) error {
	hashes := make([]string, len(recs))
	var uniq []string
	seen := map[string]bool{}
	for i, r := range recs {
		if r.member.nik.Number == "" {
			hashes[i] = personKey(w.hash, r)
		} else {
			hashes[i] = w.hash("nik", r.member.nik.Number)
		}
		if !seen[hashes[i]] {
			seen[hashes[i]] = true
			uniq = append(uniq, hashes[i])
		}
	}
	targets, err := w.targetsByHash(Person, uniq)
	if err != nil {
		return err
	}
	for i, r := range recs {
		t := targets[hashes[i]]
		if t != nil && t.foreign {
			t = w.heldFor(t, r, msg.New("NIK %s was imported for two regions", nik.Mask(r.member.nik.Number)))
			targets[hashes[i]] = t
			if err := w.newPerson(t, r, hashes[i]); err != nil {
				return err
			}
			w.counts.add(review)
			continue
		}
		switch {
		case t == nil:
			t = &existingTarget{id: newID(), isNew: true, rowHash: r.hash}
			targets[hashes[i]] = t
			if err := w.newPerson(t, r, hashes[i]); err != nil {
				return err
			}
			w.counts.add(accepted)
		default:
			if err := w.settle(t, r); err != nil {
				return err
			}
		}
	}
	return w.flush(nil)
}

// newPerson queues the insert of person t, new in this batch. A person without a
// NIK keeps personKey in id_hash, a keyed hash of another kind, so it can never
// equal a NIK's.
func (w *batchWriter) newPerson(t *existingTarget, r *record, hash string) error {
	var enc string
	if r.member.nik.Number != "" {
		var err error
		if enc, err = w.s.vault.Seal([]byte(r.member.nik.Number), vault.AD("targets", t.id, "nik")); err != nil {
			return err
		}
	}
	w.newTargets = append(w.newTargets, &newTarget{t: t, kind: Person, rec: r, idEnc: enc, idHash: hash, idMask: nik.Mask(r.member.nik.Number)})
	return nil
}

// settle handles a row for a target that exists: unchanged, it is an exact duplicate
// (merged) and nothing is written; changed, the target is updated.
// A held target's row stays in review, changed or not.
func (w *batchWriter) settle(t *existingTarget, r *record) error {
	outcome := updated
	switch {
	case t.held != "":
		outcome = review
	case t.rowHash == r.hash:
		outcome = merged
	}
	if t.rowHash != r.hash {
		if err := w.updateTarget(t.id, r); err != nil {
			return err
		}
		t.rowHash = r.hash
	}
	w.counts.add(outcome)
	return nil
}

// places writes RW and institution rows, keyed by kelurahan + RW number or
// kelurahan + normalised name.
func (w *batchWriter) places(kind Kind, recs []*record) error {
	var regionList []string
	seen := map[string]bool{}
	for _, r := range recs {
		if !seen[r.region] {
			seen[r.region] = true
			regionList = append(regionList, r.region)
		}
	}
	targets, err := w.targetsByKey(kind, regionList)
	if err != nil {
		return err
	}
	for _, r := range recs {
		key := naturalKey(kind, r.region, r.rw, namematch.Normalize(r.name))
		t := targets[key]
		switch {
		case t == nil:
			t = &existingTarget{id: newID(), isNew: true, rowHash: r.hash}
			targets[key] = t
			w.newTargets = append(w.newTargets, &newTarget{t: t, kind: kind, rec: r})
			w.counts.add(accepted)
		default:
			if err := w.settle(t, r); err != nil {
				return err
			}
		}
	}
	return w.flush(nil)
}

// updateTarget rewrites a person, RW or institution target from a changed row;
// audited with the row it came from (not the personal data itself).
func (w *batchWriter) updateTarget(id string, r *record) error {
	size, families := targetSize(r)
	_, err := w.tx.ExecContext(w.ctx, `UPDATE targets SET region = $1, rw = $2, rt = $3, name = $4, name_norm = $5, address = $6,
		domicile = $7, phone = $8, size = $9, families = $10, tags = $11, birth_date = $12, sex = $13, inst_kind = $14,
		contact_name = $15, lat = $16, lon = $17, row_hash = $18, import_id = $19, updated_at = $20 WHERE id = $21`,
		r.region, r.rw, r.rt, r.name, namematch.Normalize(r.name), r.address, r.domicile, r.phone, size, families, tagList(r.tags),
		birthOf(r), sexOf(r), r.instKind, r.contact, r.lat, r.lon, r.hash, w.imp, w.now, id)
	if err != nil {
		return err
	}
	return audit.Record(w.ctx, w.tx, audit.Change{Action: "target.update", ObjectType: "target", ObjectID: id, Region: r.region,
		Detail: map[string]any{"import_id": w.imp, "row": r.line}})
}

func targetSize(r *record) (size, families int) {
	switch r.kind {
	case Person:
		return 1, 0
	case RW:
		return r.people, r.families
	case Institution:
		return r.people, 0
	}
	return 0, 1
}

func birthOf(r *record) string {
	if r.kind == Person && r.member != nil {
		return r.member.birthDate
	}
	return ""
}

func sexOf(r *record) string {
	if r.kind == Person && r.member != nil {
		return r.member.sex
	}
	return ""
}

// queuePair records a possible duplicate between two targets; a pair already known
// (open or decided) is not queued again. It returns the pair's id.
func (w *batchWriter) queuePair(a, b, region string, score float64, reasons []msg.Message) (string, error) {
	return queuePair(w.ctx, w.tx, a, b, region, score, reasons, w.imp, w.now)
}

// flush writes the batch's new targets and members with multi-row INSERTs, and the
// changed household targets one by one.
func (w *batchWriter) flush(households map[string]*existingTarget) error {
	// Rows go in in the order of their keyed hashes: the hashes are random, and their
	// indexes (the largest of the registry) are then walked once from left to right
	// instead of being read and dirtied at random pages, which at a million rows
	// leaves SQLite's page cache on nearly every insert. Hex digits sort as the bytes.
	slices.SortStableFunc(w.newTargets, func(a, b *newTarget) int { return strings.Compare(a.idHash, b.idHash) })
	slices.SortStableFunc(w.newMembers, func(a, b *newMember) int {
		if c := strings.Compare(a.nikHash, b.nikHash); c != 0 {
			return c
		}
		return strings.Compare(a.keyHash, b.keyHash)
	})
	rows := make([][]any, 0, len(w.newTargets))
	for _, nt := range w.newTargets {
		t, r := nt.t, nt.rec
		name, address, domicile, phone, tags := r.name, r.address, r.domicile, r.phone, tagList(r.tags)
		size, families := targetSize(r)
		region, rw, rt := r.region, r.rw, r.rt
		if nt.kind == Household {
			name, address, domicile, phone, tags, size = t.name, t.address, t.domicile, t.phone, t.tags, t.size
			region, rw, rt = t.region, t.rw, t.rt
		}
		rows = append(rows, []any{t.id, string(nt.kind), region, rw, rt, name, namematch.Normalize(name), address, domicile, phone,
			size, families, tags, nt.idEnc, store.HashArg(nt.idHash), nt.idMask, birthOf(r), sexOf(r), r.instKind, r.contact, r.lat, r.lon, r.hash, t.held})
		t.dirty = false
	}
	if _, err := w.tx.Insert(w.ctx, `INSERT INTO targets (id, kind, region, rw, rt, name, name_norm, address, domicile, phone,
		size, families, tags, id_enc, id_hash, id_mask, birth_date, sex, inst_kind, contact_name, lat, lon, row_hash, held, import_id, created_at, updated_at) VALUES `,
		"", rows, w.imp, w.now, w.now); err != nil {
		return err
	}
	for _, p := range w.pairs {
		if _, _, err := queuePairID(w.ctx, w.tx, p.id, p.a, p.b, p.region, 1.0, p.reasons, w.imp, w.now); err != nil {
			return err
		}
	}
	w.pairs = w.pairs[:0]
	mrows := make([][]any, 0, len(w.newMembers))
	for _, m := range w.newMembers {
		mrows = append(mrows, []any{m.id, m.targetID, m.region, m.nikEnc, store.HashArg(m.nikHash), m.nikMask, m.keyHash, m.name, m.nameNorm, m.birth, m.sex,
			m.relation, m.tags, m.line, m.held, m.rowHash})
	}
	if _, err := w.tx.Insert(w.ctx, `INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, key_hash, name, name_norm,
		birth_date, sex, relation, tags, line, held, row_hash, import_id, created_at, updated_at) VALUES `, "", mrows, w.imp, w.now, w.now); err != nil {
		return err
	}
	for _, t := range households {
		if !t.dirty || t.isNew {
			continue
		}
		if _, err := w.tx.ExecContext(w.ctx, `UPDATE targets SET name = $1, name_norm = $2, region = $3, rw = $4, rt = $5, address = $6,
			domicile = $7, phone = $8, tags = $9, size = $10, import_id = $11, updated_at = $12 WHERE id = $13`,
			t.name, namematch.Normalize(t.name), t.region, t.rw, t.rt, t.address, t.domicile, t.phone, t.tags, t.size, w.imp, w.now, t.id); err != nil {
			return err
		}
		if err := audit.Record(w.ctx, w.tx, audit.Change{Action: "target.update", ObjectType: "target", ObjectID: t.id, Region: t.region,
			Detail: map[string]any{"import_id": w.imp}}); err != nil {
			return err
		}
		t.dirty = false
	}
	w.newTargets, w.newMembers = w.newTargets[:0], w.newMembers[:0]
	return nil
}
