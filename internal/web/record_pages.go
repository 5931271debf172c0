package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/registry"
)

// A registry record corrected in the page (issue 15): the form sends the record
// and every member as they should be, and the registry's one correction path
// (registry.Service.Correct, the API's PATCH) writes and audits what differs.

// formTags are the common tags the correction form offers as words with checkboxes,
// beside the record's own. The sensitive (health) tags are not offered: only the
// record's own show, to the office of the region, the one viewer who sees them;
// the office adds one under "other tags".
var formTags = []string{"lansia", "ibu_hamil", "anak", "balita"}

// relationWords are the words of registry.RelationKinds, for the form's choice.
var relationWords = map[string]string{"Kepala Keluarga": "Head of household", "Istri": "Wife", "Suami": "Husband",
	"Anak": "Son or daughter", "Menantu": "Son- or daughter-in-law", "Cucu": "Grandchild", "Orang Tua": "Parent",
	"Mertua": "Parent-in-law", "Famili Lain": "Other relative", "Lainnya": "Other, not family"}

// formChoice is one option of a form's select or checkbox list: its value and the
// catalogue key of its words (a tag shows through view.Tag instead).
type formChoice struct {
	Value, Words string
	On           bool
}

// targetEditPage is what the correction form shows.
type targetEditPage struct {
	Target    registry.Target
	Office    bool
	Tags      []formChoice // the record's tags (checked), then the common ones
	Relations []formChoice
	Error     error
}

func (s *Server) pageTargetEdit(w http.ResponseWriter, r *http.Request) {
	s.targetEditPage(w, r, http.StatusOK, nil)
}

func (s *Server) targetEditPage(w http.ResponseWriter, r *http.Request, code int, formErr error) {
	v := s.viewer(r)
	t, err := s.registry.Target(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if t.MergedInto != "" {
		http.Redirect(w, r, "/registry/targets/"+t.MergedInto+"/edit", http.StatusSeeOther)
		return
	}
	p := targetEditPage{Target: t, Office: v.Office, Error: formErr}
	for _, tag := range t.Tags {
		p.Tags = append(p.Tags, formChoice{Value: tag, Words: tag, On: true})
	}
	for _, tag := range formTags {
		if !slices.Contains(t.Tags, tag) {
			p.Tags = append(p.Tags, formChoice{Value: tag})
		}
	}
	for _, rel := range registry.RelationKinds {
		p.Relations = append(p.Relations, formChoice{Value: rel, Words: relationWords[rel]})
	}
	s.renderStatus(w, r, code, "target_edit", map[string]any{"title": t.Name, "data": p})
}

func (s *Server) pageTargetEditPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.E(errs.Invalid, "malformed form"))
		return
	}
	v := s.viewer(r)
	id := r.PathValue("id")
	// The masked read: the form's values are compared with what is stored, and a
	// write is not a read of personal data.
	t, err := s.registry.Target(r.Context(), registry.Viewer{Scope: v.Scope}, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := correctionOf(r.PostForm, t, v.Office)
	if err == nil {
		_, err = s.registry.Correct(r.Context(), v, id, c)
	}
	if err != nil {
		if errs.Is(err, errs.NotFound) && !strings.Contains(err.Error(), "member") {
			s.fail(w, r, err)
			return
		}
		s.targetEditPage(w, r, http.StatusBadRequest, err)
		return
	}
	http.Redirect(w, r, "/registry/targets/"+id+"?corrected=1", http.StatusSeeOther)
}

// correctionOf reads the correction form: the record's fields that differ from t,
// and every member as the form shows it (the registry writes only what differs).
func correctionOf(f url.Values, t registry.Target, office bool) (registry.Correction, error) {
	var c registry.Correction
	text := func(key, old string) *string {
		if _, sent := f[key]; !sent {
			return nil
		}
		val := strings.Join(strings.Fields(f.Get(key)), " ")
		if val == old {
			return nil
		}
		return &val
	}
	num := func(key string, old int) (*int, error) {
		raw := strings.TrimSpace(f.Get(key))
		if _, sent := f[key]; !sent {
			return nil, nil
		}
		n := 0
		if raw != "" {
			var err error
			if n, err = strconv.Atoi(raw); err != nil {
				return nil, errs.E(errs.Invalid, "%s must be a number from 0 to 999", strings.ToUpper(key))
			}
		}
		if n == old {
			return nil, nil
		}
		return &n, nil
	}
	c.Name, c.Address = text("name", t.Name), text("address", t.Address)
	var err error
	if c.RW, err = num("rw", t.RW); err != nil {
		return c, err
	}
	if c.RT, err = num("rt", t.RT); err != nil {
		return c, err
	}
	if _, sent := f["tags_sent"]; sent {
		tags := append([]string{}, f["tag"]...)
		for _, tag := range strings.Split(f.Get("tags_other"), ",") {
			if tag = strings.TrimSpace(tag); tag != "" {
				tags = append(tags, tag)
			}
		}
		old := slices.Sorted(slices.Values(t.Tags))
		if now := slices.Sorted(slices.Values(tags)); !slices.Equal(now, old) {
			c.Tags = &tags
		}
	}
	for _, m := range t.Members {
		if !slices.Contains(f["member"], m.ID) {
			continue
		}
		if f.Get("remove_"+m.ID) != "" {
			c.Members = append(c.Members, registry.MemberChange{ID: m.ID, Remove: true, Reason: f.Get("reason_" + m.ID)})
			continue
		}
		mc := registry.MemberChange{ID: m.ID, Name: text("name_"+m.ID, m.Name), BirthDate: text("birth_"+m.ID, m.BirthDate),
			Sex: text("sex_"+m.ID, m.Sex), Relation: text("relation_"+m.ID, m.Relation)}
		if office {
			mc.NIK = text("nik_"+m.ID, "")
		}
		if mc.Name != nil || mc.BirthDate != nil || mc.Sex != nil || mc.Relation != nil || mc.NIK != nil {
			c.Members = append(c.Members, mc)
		}
	}
	if name := strings.TrimSpace(f.Get("new_name")); name != "" {
		mc := registry.MemberChange{Name: &name, BirthDate: text("new_birth", ""), Sex: text("new_sex", ""), Relation: text("new_relation", "")}
		if office {
			mc.NIK = text("new_nik", "")
		}
		c.Members = append(c.Members, mc)
	}
	return c, nil
}

// targetHistory is the aid history the target page shows: a page of allocations.
type targetHistory struct {
	Items   []historyRow
	Total   int
	NextURL string
}

// historyRow is an allocation of the history with the catalogue key of its proof's
// words ("" before delivery).
type historyRow struct {
	allocate.TargetAllocation
	ProofText string
}

// historyOf reads a page of the target's aid history (?cursor= continues it).
func (s *Server) historyOf(r *http.Request, id string) (targetHistory, error) {
	items, next, total, err := s.allocs.TargetHistory(r.Context(), id, r.URL.Query().Get("cursor"), 20)
	h := targetHistory{Total: total}
	for _, a := range items {
		h.Items = append(h.Items, historyRow{TargetAllocation: a, ProofText: proofText[a.Proof]})
	}
	if next != "" {
		h.NextURL = "/registry/targets/" + id + "?" + url.Values{"cursor": {next}}.Encode() + "#history"
	}
	return h, err
}
