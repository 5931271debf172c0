package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/region"
)

// officeRegion is the office's kota: Jakarta Pusat.
const officeRegion = "31.71"

// State is what the load needs from the setup: the program under load and the
// tokens of the people who use it. -setup writes it; a later run may read it back.
type State struct {
	ProgramID     string   `json:"program_id"`
	Phase         string   `json:"phase"`
	DeliverBy     string   `json:"deliver_by"`
	Regions       []string `json:"regions"` // kab/kota codes the collaborators commit in
	AdminToken    string   `json:"admin_token"`
	OfficeToken   string   `json:"office_token"`
	Collaborators []string `json:"collaborator_tokens"`
}

// client is a small JSON client of the API.
type client struct {
	base string
	hc   *http.Client
}

type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("status %d: %s", e.Status, strings.TrimSpace(e.Body))
}

// do sends a request; body is JSON unless it is already a *bytes.Buffer with
// contentType. It decodes a 2xx answer into out.
func (c *client) do(ctx context.Context, token, method, path, contentType string, body io.Reader, header http.Header, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, &apiError{res.StatusCode, string(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

func (c *client) json(ctx context.Context, token, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	_, err := c.do(ctx, token, method, path, "application/json", body, nil, out)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// importFile uploads a household CSV and returns the import's id.
func (c *client) importFile(ctx context.Context, token string, file []byte) (string, int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", "household")
	fw, err := mw.CreateFormFile("file", "warga.csv")
	if err == nil {
		_, err = fw.Write(file)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", 0, err
	}
	var out struct{ ID string }
	code, err := c.do(ctx, token, "POST", "/api/v1/imports", mw.FormDataContentType(), &buf, nil, &out)
	return out.ID, code, err
}

// households generates a file of DKI Jakarta's households (internal/gen) as an office
// would upload it, about n member rows; a different seed gives other people. With
// within (a kota such as "31.71"), only the rows of that kota are kept: an office
// imports its own.
func households(seed int64, n int, within string) ([]byte, error) {
	regions, err := region.Load(data.Regions)
	if err != nil {
		return nil, err
	}
	all := n
	if within != "" {
		all = 8 * n // Jakarta Pusat holds about a ninth of the province's households
	}
	var b bytes.Buffer
	if _, err := gen.New(seed, regions, "31").WriteHouseholdsCSV(&b, all, gen.Damage{ExactDup: 0.01, Damaged: 0.01}); err != nil {
		return nil, err
	}
	if within == "" {
		return b.Bytes(), nil
	}
	lines := strings.SplitAfter(b.String(), "\n")
	out := []string{lines[0]}
	for _, l := range lines[1:] {
		if strings.Contains(l, ","+within+".") && len(out) <= n {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "")), nil
}

// tokenFor asks the command line for a user's API token (`gotong token create`):
// the API makes tokens only for a signed-in caller. The command finds the
// database from the environment (GOTONG_DB), as the servers do.
func tokenFor(gotong, email string) (string, error) {
	out, err := exec.Command(gotong, "token", "create", "--email", email, "--label", "load").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("gotong token create --email %s: %v: %s", email, err, ee.Stderr)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// setup makes what the load needs through the API, as an admin would: an office
// user of the province, verified collaborating organisations, a registry of
// households (imported by the admin) and a published program for them.
func setup(ctx context.Context, c *client, adminToken, gotong string, orgs, rows int) (*State, error) {
	st := &State{AdminToken: adminToken, Regions: []string{"31.71", "31.72", "31.73", "31.74", "31.75"}}
	run := time.Now().UTC().Format("150405")
	password := "Beban-Uji-" + run + "-kata-sandi"

	office := fmt.Sprintf("kantor-%s@load.test", run)
	if err := c.json(ctx, adminToken, "POST", "/api/v1/users", map[string]any{"email": office,
		"name": "Kantor Uji Beban", "role": "office", "region": officeRegion, "password": password}, nil); err != nil {
		return nil, err
	}
	var err error
	if st.OfficeToken, err = tokenFor(gotong, office); err != nil {
		return nil, err
	}
	for i := range orgs {
		email := fmt.Sprintf("mitra%d-%s@load.test", i, run)
		var org struct{ ID string }
		if err := c.json(ctx, "", "POST", "/api/v1/organizations", map[string]any{
			"name": fmt.Sprintf("Dapur Umum Uji %d %s", i, run), "kind": "ngo", "contact_name": "Penguji Beban",
			"contact_email": email, "contact_phone": "081200000" + fmt.Sprintf("%03d", i),
			"user": map[string]string{"email": email, "password": password}}, &org); err != nil {
			return nil, err
		}
		if err := c.json(ctx, adminToken, "POST", "/api/v1/organizations/"+org.ID+"/verify",
			map[string]string{"decision": "verified"}, nil); err != nil {
			return nil, err
		}
		tok, err := tokenFor(gotong, email)
		if err != nil {
			return nil, err
		}
		st.Collaborators = append(st.Collaborators, tok)
	}

	file, err := households(1, rows, "")
	if err != nil {
		return nil, err
	}
	id, _, err := c.importFile(ctx, adminToken, file)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := waitImport(ctx, c, adminToken, id, 10*time.Minute); err != nil {
		return nil, err
	}

	today := time.Now().UTC()
	st.Phase = "Tahap 1"
	st.DeliverBy = today.AddDate(0, 0, 20).Format(time.DateOnly)
	var p struct{ ID string }
	if err := c.json(ctx, adminToken, "POST", "/api/v1/programs", map[string]any{
		"name": "Sembako Uji Beban " + run, "category": "pangan", "description": "Program uji beban.",
		"item":         map[string]any{"name": "Paket sembako", "unit": "paket", "unit_value": 150000},
		"target_kinds": []string{"household"}, "regions": []string{"31"}, "tags": []string{},
		"phases":        []map[string]string{{"name": st.Phase, "start": today.Format(time.DateOnly), "end": today.AddDate(0, 0, 30).Format(time.DateOnly)}},
		"quantity_rule": "per_target"}, &p); err != nil {
		return nil, err
	}
	st.ProgramID = p.ID
	if err := c.json(ctx, adminToken, "POST", "/api/v1/programs/"+p.ID+"/publish", map[string]any{}, nil); err != nil {
		return nil, err
	}
	return st, nil
}

// waitImport polls an import until it is done.
func waitImport(ctx context.Context, c *client, token, id string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var im struct{ Status string }
		if err := c.json(ctx, token, "GET", "/api/v1/imports/"+id, nil, &im); err != nil {
			return err
		}
		switch im.Status {
		case "done":
			return nil
		case "failed":
			return fmt.Errorf("import %s failed", id)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("import %s not done after %v", id, limit)
}

func readState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	return &st, json.Unmarshal(b, &st)
}
