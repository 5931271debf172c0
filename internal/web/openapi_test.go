package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// loadOpenAPI reads internal/web/openapi.json, the document the server embeds, and
// checks that kin-openapi accepts it.
func loadOpenAPI(t *testing.T) (*openapi3.T, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc, raw
}

// documentedOperations lists "METHOD /path" for every operation of doc, sorted.
func documentedOperations(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	if doc.OpenAPI != "3.0.3" || doc.Info.Title != "Gotong" || doc.Info.Version == "" || doc.Info.Description == "" {
		t.Errorf("openapi %q, info %q %q: want 3.0.3, title Gotong, a version and a description",
			doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers: want one, /")
	}

	t.Run("it declares the bearer token and the session cookie", func(t *testing.T) {
		schemes := doc.Components.SecuritySchemes
		if s := schemes["bearerToken"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
			t.Errorf("bearerToken: want an http bearer scheme")
		}
		if s := schemes["sessionCookie"]; s == nil || s.Value.Type != "apiKey" || s.Value.In != "cookie" || s.Value.Name != "gotong_session" {
			t.Errorf("sessionCookie: want an apiKey in the cookie gotong_session")
		}
	})

	for _, key := range documentedOperations(doc) {
		method, path, _ := strings.Cut(key, " ")
		o := doc.Paths.Value(path).GetOperation(method)
		t.Run(key+" says who may call it and how it fails", func(t *testing.T) {
			if o.OperationID == "" || !strings.Contains(o.Description, "**Access:") {
				t.Errorf("want an operationId and a description that starts with who may call it")
			}
			want := []string{"401", "500"}
			if o.RequestBody != nil {
				want = append(want, "400", "403", "413")
			}
			if strings.Contains(path, "{") {
				want = append(want, "404")
			}
			for _, code := range want {
				if o.Responses.Value(code) == nil {
					t.Errorf("no %s response", code)
				}
			}
		})
	}

	t.Run("every object refuses properties it does not name", func(t *testing.T) {
		seen := map[*openapi3.Schema]bool{}
		var walk func(where string, s *openapi3.SchemaRef)
		walk = func(where string, s *openapi3.SchemaRef) {
			if s == nil || s.Value == nil || seen[s.Value] {
				return
			}
			v := s.Value
			seen[v] = true
			if len(v.Properties) > 0 && (v.AdditionalProperties.Has == nil || *v.AdditionalProperties.Has) {
				t.Errorf("%s: an object with properties needs additionalProperties: false", where)
			}
			for name, p := range v.Properties {
				walk(where+"."+name, p)
			}
			walk(where+"[]", v.Items)
			// allOf members that are not references only narrow a referenced schema
			// (an error code per status), so they name no properties of their own.
			for _, m := range v.AllOf {
				if m.Ref != "" {
					walk(where+" allOf", m)
				}
			}
		}
		for name, s := range doc.Components.Schemas {
			walk(name, s)
		}
		for _, key := range documentedOperations(doc) {
			method, path, _ := strings.Cut(key, " ")
			o := doc.Paths.Value(path).GetOperation(method)
			if o.RequestBody != nil {
				for ct, mt := range o.RequestBody.Value.Content {
					walk(key+" request "+ct, mt.Schema)
				}
			}
			for code, r := range o.Responses.Map() {
				for ct, mt := range r.Value.Content {
					walk(key+" "+code+" "+ct, mt.Schema)
				}
			}
		}
	})
}

// servedAPIRoutes reads the API route table from routes.go: every route literal in
// (*Server).apiRoutes, as "METHOD /path". The table is an unexported method of the
// package under test, which this external test cannot call, so it reads the source.
func servedAPIRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if d, ok := d.(*ast.FuncDecl); ok && d.Recv != nil && d.Name.Name == "apiRoutes" {
			fn = d
		}
	}
	if fn == nil {
		t.Fatal("routes.go has no (*Server).apiRoutes")
	}
	str := func(e ast.Expr) (string, bool) {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			e = kv.Value
		}
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	isRoute := func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == "route" }
	var out []string
	addRoute := func(lit *ast.CompositeLit) {
		var method, path string
		ok := len(lit.Elts) >= 2
		if ok {
			var ok1, ok2 bool
			method, ok1 = str(lit.Elts[0])
			path, ok2 = str(lit.Elts[1])
			ok = ok1 && ok2
		}
		if !ok {
			t.Fatalf("%s: a route whose method and path are not string literals; teach servedAPIRoutes to read it",
				fset.Position(lit.Pos()))
		}
		out = append(out, method+" "+path)
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if arr, ok := lit.Type.(*ast.ArrayType); ok && isRoute(arr.Elt) {
			for _, e := range lit.Elts {
				if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
					addRoute(el)
				}
			}
			return true
		}
		if isRoute(lit.Type) {
			addRoute(lit)
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no routes in apiRoutes")
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	documented := documentedOperations(doc)
	served := servedAPIRoutes(t)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("%s is in openapi.json but not served by apiRoutes", r)
		}
	}
}

// oapiChecker validates requests and their answers against the document.
type oapiChecker struct {
	router routers.Router
	opts   *openapi3filter.Options
	// answered records the operations that answered 2xx at least once.
	answered map[string]bool
}

func newOAPIChecker(t *testing.T, doc *openapi3.T) *oapiChecker {
	t.Helper()
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &oapiChecker{router: router, answered: map[string]bool{},
		// Security is checked by the statuses each call expects, not by the
		// validator; undocumented statuses are failures.
		opts: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
}

// apiCall is one request of the conformance run.
type apiCall struct {
	name   string
	as     *apptest.Client
	method string
	path   string
	body   any // nil; a string, sent as is as JSON; anything else is encoded as JSON
	// form, when set, is sent instead of body as multipart/form-data.
	form   []formPart
	header map[string]string
	want   int // expected status; 0: the caller checks it
	// docRejects says that the document itself refuses the request (it breaks a
	// schema); then the server must refuse it too.
	docRejects bool
}

// route finds the operation of a request, failing the test if the document has none.
func (k *oapiChecker) route(t *testing.T, req *http.Request) (*routers.Route, map[string]string) {
	t.Helper()
	route, params, err := k.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.json: %v", req.Method, req.URL, err)
	}
	return route, params
}

// do sends c to the server, checks the request and the answer against the document
// and the status against c.want, and returns the answer.
func (k *oapiChecker) do(t *testing.T, c apiCall) apptest.Response {
	t.Helper()
	var raw []byte
	ctype := "application/json"
	switch b := c.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	if c.form != nil {
		raw, ctype = multipartForm(t, c.form...)
	}
	newReq := func(target string) *http.Request {
		var body io.Reader
		if raw != nil {
			body = bytes.NewReader(raw)
		}
		req := httptest.NewRequest(c.method, target, body)
		req.RequestURI = ""
		if raw != nil {
			req.Header.Set("Content-Type", ctype)
		}
		if c.as.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.as.Token)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		return req
	}

	vreq := newReq(c.path)
	route, params := k.route(t, vreq)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: k.opts}
	err := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case err != nil && !c.docRejects:
		t.Errorf("the document refuses a request the test means to be valid: %v", err)
	case err == nil && c.docRejects:
		t.Errorf("the document accepts a request the test means it to refuse")
	}

	res, err := c.as.HTTP.Do(newReq(c.as.S.URL + c.path))
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c.want != 0 && res.StatusCode != c.want {
		t.Errorf("%s %s: status %d, want %d; body %.300s", c.method, c.path, res.StatusCode, c.want, body)
	}
	if c.docRejects && res.StatusCode < 400 {
		t.Errorf("the server accepts (%d) a request the document refuses", res.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode,
		Header: res.Header, Options: k.opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("the answer does not match the document: %v\nbody: %.500s", err, body)
	}
	if res.StatusCode < 300 {
		k.answered[route.Method+" "+route.Path] = true
	}
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// registerLimit is the registrations per minute of the conformance server: low, so
// that the run reaches 429, but above the registrations its table makes.
const registerLimit = 8

// maxUpload is the upload limit of the conformance server: small, so that the run
// reaches 413 with a small file.
const maxUpload = 64 << 10

// registryClients are the callers of the registry part of the conformance run: an
// office of 31.71, an office of 31.74 and the others.
type registryClients struct {
	office, otherOffice, admin, adminCookie, collab, anon *apptest.Client
	crossSite                                             map[string]string
}

// registryConformance calls every registry endpoint, in the order an office works:
// upload a household file, follow it, read the rejected rows, list, read and correct
// targets; a second file puts a NIK under another No. KK, and the pair is resolved.
func registryConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	n := serial(s)
	kk1, kk2 := kkOf("317101", n), kkOf("317101", n+1)
	head, wife := nikOf("317101", "1969-12-31", false, n), nikOf("317101", "1972-06-15", true, n)
	file1 := householdHeader +
		hhRow(kk1, head, "Budi Konformitas", "1969-12-31", "L", "Kepala Keluarga", "31.71.01.1001", "8", "4", "Jl. Skema No. 1", "081298765432", "lansia") +
		hhRow(kk1, wife, "Wati Konformitas", "1972-06-15", "P", "Istri", "31.71.01.1001", "8", "4", "Jl. Skema No. 1", "", "ibu_hamil") +
		hhRow(kk1, "3.17101E+15", "Anak Konformitas", "2012-01-01", "L", "Anak", "31.71.01.1001", "8", "4", "Jl. Skema No. 1", "", "")
	file2 := householdHeader +
		hhRow(kk2, wife, "Wati Konformitas", "1972-06-15", "P", "Kepala Keluarga", "31.71.01.1002", "3", "1", "Jl. Skema No. 2", "", "")
	household := func(name, content string) []formPart {
		return []formPart{{name: "kind", content: []byte("household")}, {name: "file", filename: name, content: []byte(content)}}
	}
	imports, targets, dups := "/api/v1/imports", "/api/v1/targets", "/api/v1/duplicates"

	var im registry.Import
	k.do(t, apiCall{as: c.office, method: "POST", path: imports, form: household("warga-skema.csv", file1), want: 202}).JSON(t, &im)
	if im.ID == "" || im.Status != "queued" {
		t.Fatalf("the upload answered %+v", im)
	}
	if done := waitImport(t, s, im.ID); done.Accepted != 2 || done.Rejected != 1 {
		t.Fatalf("the import: %+v", done)
	}
	var list struct {
		Items      []registry.Target `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	k.do(t, apiCall{as: c.office, method: "GET", path: targets + "?q=konformitas", want: 200}).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d targets named Konformitas, want 1", len(list.Items))
	}
	target := list.Items[0].ID
	tooBig := strings.Repeat(householdHeader, maxUpload/len(householdHeader)+1)
	bigJSON := `{"address":"` + strings.Repeat("x", 1<<20) + `"}`

	calls := []apiCall{
		{name: "a kind given as a query parameter is taken", as: c.office, method: "POST", path: imports + "?kind=household",
			form: []formPart{{name: "file", filename: "lagi.csv", content: []byte(file1)}}, want: 202},
		{name: "an admin uploads for the whole province", as: c.admin, method: "POST", path: imports, form: household("provinsi.csv", file1), want: 202},
		{name: "a form without a file is invalid", as: c.office, method: "POST", path: imports, form: []formPart{{name: "kind", content: []byte("household")}}, want: 400, docRejects: true},
		{name: "an unknown kind is invalid", as: c.office, method: "POST", path: imports,
			form: []formPart{{name: "kind", content: []byte("alien")}, {name: "file", filename: "a.csv", content: []byte(file1)}}, want: 400, docRejects: true},
		{name: "a JSON body is invalid", as: c.office, method: "POST", path: imports, body: map[string]string{"kind": "household"}, want: 400, docRejects: true},
		{name: "an .xls file is invalid", as: c.office, method: "POST", path: imports, form: household("lama.xls", "\xd0\xcf\x11\xe0"), want: 400},
		{name: "a file missing required columns is invalid", as: c.office, method: "POST", path: imports, form: household("kurang.csv", "NIK,Nama\n1,2\n"), want: 400},
		{name: "a file over the upload limit is too large", as: c.office, method: "POST", path: imports, form: household("besar.csv", tooBig), want: 413},
		{name: "a collaborator cannot import", as: c.collab, method: "POST", path: imports, form: household("a.csv", file1), want: 404},
		{name: "an anonymous caller cannot import", as: c.anon, method: "POST", path: imports, form: household("a.csv", file1), want: 401},
		{name: "a cross-site browser cannot import", as: c.adminCookie, method: "POST", path: imports, form: household("a.csv", file1), header: c.crossSite, want: 403},

		{name: "an office lists its imports", as: c.office, method: "GET", path: imports, want: 200},
		{name: "an admin lists one import", as: c.adminCookie, method: "GET", path: imports + "?limit=1", want: 200},
		{name: "a limit of 0 is invalid", as: c.office, method: "GET", path: imports + "?limit=0", want: 400, docRejects: true},
		{name: "a collaborator cannot list imports", as: c.collab, method: "GET", path: imports, want: 404},
		{name: "an anonymous caller cannot list imports", as: c.anon, method: "GET", path: imports, want: 401},

		{name: "an office downloads the CSV template", as: c.office, method: "GET", path: imports + "/template?kind=household&format=csv", want: 200},
		{name: "the XLSX template is the default", as: c.admin, method: "GET", path: imports + "/template?kind=rw", want: 200},
		{name: "an office downloads the XLSX template", as: c.office, method: "GET", path: imports + "/template?kind=institution&format=xlsx", want: 200},
		{name: "a template needs a kind", as: c.office, method: "GET", path: imports + "/template", want: 400, docRejects: true},
		{name: "an unknown format is invalid", as: c.office, method: "GET", path: imports + "/template?kind=person&format=pdf", want: 400, docRejects: true},
		{name: "a collaborator gets no template", as: c.collab, method: "GET", path: imports + "/template?kind=person", want: 404},

		{name: "an office follows its import", as: c.office, method: "GET", path: imports + "/" + im.ID, want: 200},
		{name: "an admin follows an office's import", as: c.admin, method: "GET", path: imports + "/" + im.ID, want: 200},
		{name: "another kota's office cannot see it", as: c.otherOffice, method: "GET", path: imports + "/" + im.ID, want: 404},
		{name: "an unknown import is not found", as: c.office, method: "GET", path: imports + "/no-such-import", want: 404},
		{name: "an anonymous caller cannot follow imports", as: c.anon, method: "GET", path: imports + "/" + im.ID, want: 401},
		{name: "an office downloads the rejected rows", as: c.office, method: "GET", path: imports + "/" + im.ID + "/errors.csv", want: 200},
		{name: "the rejected rows of another kota are not found", as: c.otherOffice, method: "GET", path: imports + "/" + im.ID + "/errors.csv", want: 404},
		{name: "the rejected rows of an unknown import are not found", as: c.admin, method: "GET", path: imports + "/no-such-import/errors.csv", want: 404},
		{name: "an office downloads the rows to fix", as: c.office, method: "GET", path: imports + "/" + im.ID + "/rejected", want: 200},
		{name: "the rows to fix as a workbook", as: c.office, method: "GET", path: imports + "/" + im.ID + "/rejected?format=xlsx", want: 200},
		{name: "the rows to fix are not the admin's (NIKs in clear)", as: c.admin, method: "GET", path: imports + "/" + im.ID + "/rejected", want: 404},
		{name: "the rows to fix of another kota are not found", as: c.otherOffice, method: "GET", path: imports + "/" + im.ID + "/rejected", want: 404},

		{name: "an office lists its targets", as: c.office, method: "GET", path: targets, want: 200},
		{name: "an admin lists the province's targets", as: c.admin, method: "GET", path: targets, want: 200},
		{name: "an office filters by region, kind, tag and name", as: c.office, method: "GET", path: targets + "?region=31.71.01&kind=household&tag=lansia&q=budi", want: 200},
		{name: "a region may be written without dots", as: c.admin, method: "GET", path: targets + "?region=3171", want: 200},
		{name: "a region outside the office's is not found", as: c.office, method: "GET", path: targets + "?region=31.74", want: 404},
		{name: "a malformed region is invalid", as: c.office, method: "GET", path: targets + "?region=jakarta", want: 400, docRejects: true},
		{name: "an unknown kind of target is invalid", as: c.office, method: "GET", path: targets + "?kind=alien", want: 400, docRejects: true},
		{name: "a forged cursor is invalid", as: c.office, method: "GET", path: targets + "?cursor=bm9wZQ", want: 400},
		{name: "a collaborator cannot list targets", as: c.collab, method: "GET", path: targets, want: 404},
		{name: "an anonymous caller cannot list targets", as: c.anon, method: "GET", path: targets, want: 401},

		{name: "the office of the region reads a target unmasked", as: c.office, method: "GET", path: targets + "/" + target, want: 200},
		{name: "an admin reads it masked", as: c.admin, method: "GET", path: targets + "/" + target, want: 200},
		{name: "another kota's office cannot read it", as: c.otherOffice, method: "GET", path: targets + "/" + target, want: 404},
		{name: "an unknown target is not found", as: c.office, method: "GET", path: targets + "/no-such-target", want: 404},
		{name: "an anonymous caller cannot read targets", as: c.anon, method: "GET", path: targets + "/" + target, want: 401},

		{name: "an office corrects a target", as: c.office, method: "PATCH", path: targets + "/" + target,
			body: map[string]any{"address": "Jl. Skema No. 1A", "rw": 9, "phone": "0812-1111-3333", "tags": []string{"lansia", "anak"}}, want: 200},
		{name: "an admin corrects the domicile, null leaving the rest", as: c.adminCookie, method: "PATCH", path: targets + "/" + target,
			body: map[string]any{"domicile": "Jl. Sementara No. 2", "name": nil}, want: 200},
		{name: "an empty correction is invalid", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{}, want: 400, docRejects: true},
		{name: "a correction of nulls only is invalid", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"name": nil}, want: 400},
		{name: "an RW of 0 is invalid", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rw": 0}, want: 400, docRejects: true},
		{name: "an RW as text is invalid", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rw": "9"}, want: 400, docRejects: true},
		{name: "a NIK cannot be corrected", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"nik": head}, want: 400, docRejects: true},
		{name: "a foreign phone number is invalid", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"phone": "+1 555 0100"}, want: 400},
		{name: "a correction over 1 MiB is too large", as: c.office, method: "PATCH", path: targets + "/" + target, body: bigJSON, want: 413, docRejects: true},
		{name: "another kota's office cannot correct it", as: c.otherOffice, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rt": 1}, want: 404},
		{name: "a collaborator cannot correct targets", as: c.collab, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rt": 1}, want: 404},
		{name: "an anonymous caller cannot correct targets", as: c.anon, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rt": 1}, want: 401},
		{name: "a cross-site browser cannot correct targets", as: c.adminCookie, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rt": 1}, header: c.crossSite, want: 403},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}

	// The same NIK under a second No. KK: a pair.
	var second registry.Import
	k.do(t, apiCall{as: c.office, method: "POST", path: imports, form: household("pindah-kk.csv", file2), want: 202}).JSON(t, &second)
	if done := waitImport(t, s, second.ID); done.Review != 1 {
		t.Fatalf("the second file: %+v, want review=1", done)
	}
	var pairs struct {
		Items []registry.Duplicate `json:"items"`
	}
	k.do(t, apiCall{as: c.office, method: "GET", path: dups, want: 200}).JSON(t, &pairs)
	if len(pairs.Items) != 1 || !slices.Contains(pairs.Items[0].TargetIDs, target) {
		t.Fatalf("open pairs %+v, want one with %s", pairs.Items, target)
	}
	t.Run("an office follows the next cursor of its targets", func(t *testing.T) {
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		k.do(t, apiCall{as: c.office, method: "GET", path: targets + "?limit=1", want: 200}).JSON(t, &page)
		if page.NextCursor == "" {
			t.Fatal("no next cursor on a page of 1")
		}
		k.do(t, apiCall{as: c.office, method: "GET", path: targets + "?limit=1&cursor=" + page.NextCursor, want: 200})
	})
	pair := pairs.Items[0]
	keep := pair.TargetIDs[0]
	if keep == target {
		keep = pair.TargetIDs[1]
	}
	resolve := dups + "/" + pair.ID + "/resolve"
	calls = []apiCall{
		{name: "an admin lists the open pairs", as: c.admin, method: "GET", path: dups + "?status=open&limit=1", want: 200},
		{name: "an office lists decided pairs", as: c.office, method: "GET", path: dups + "?status=distinct", want: 200},
		{name: "an unknown status is invalid", as: c.office, method: "GET", path: dups + "?status=maybe", want: 400, docRejects: true},
		{name: "a forged pair cursor is invalid", as: c.office, method: "GET", path: dups + "?cursor=bm9wZQ", want: 400},
		{name: "another kota's office sees none of them", as: c.otherOffice, method: "GET", path: dups, want: 200},
		{name: "a collaborator cannot list pairs", as: c.collab, method: "GET", path: dups, want: 404},
		{name: "an anonymous caller cannot list pairs", as: c.anon, method: "GET", path: dups, want: 401},

		{name: "an unknown decision is invalid", as: c.office, method: "POST", path: resolve, body: map[string]string{"decision": "maybe"}, want: 400, docRejects: true},
		{name: "keeping a target outside the pair is invalid", as: c.office, method: "POST", path: resolve, body: map[string]string{"decision": "merge", "keep": "someone-else"}, want: 400},
		{name: "an unknown field is invalid", as: c.office, method: "POST", path: resolve, body: map[string]string{"decision": "distinct", "why": "x"}, want: 400, docRejects: true},
		{name: "another kota's office cannot decide it", as: c.otherOffice, method: "POST", path: resolve, body: map[string]string{"decision": "distinct"}, want: 404},
		{name: "an unknown pair is not found", as: c.office, method: "POST", path: dups + "/no-such-pair/resolve", body: map[string]string{"decision": "distinct"}, want: 404},
		{name: "a collaborator cannot decide pairs", as: c.collab, method: "POST", path: resolve, body: map[string]string{"decision": "distinct"}, want: 404},
		{name: "an anonymous caller cannot decide pairs", as: c.anon, method: "POST", path: resolve, body: map[string]string{"decision": "distinct"}, want: 401},
		{name: "a cross-site browser cannot decide pairs", as: c.adminCookie, method: "POST", path: resolve, body: map[string]string{"decision": "distinct"}, header: c.crossSite, want: 403},
		{name: "a body over 1 MiB is too large", as: c.office, method: "POST", path: resolve, body: `{"decision":"merge","keep":"` + strings.Repeat("x", 1<<20) + `"}`, want: 413},
		{name: "the office merges the pair", as: c.office, method: "POST", path: resolve, body: map[string]string{"decision": "merge", "keep": keep}, want: 200},
		{name: "deciding it again is a conflict", as: c.office, method: "POST", path: resolve, body: map[string]string{"decision": "distinct"}, want: 409},
		{name: "an admin lists merged pairs", as: c.admin, method: "GET", path: dups + "?status=merged", want: 200},
		{name: "the merged target still answers", as: c.office, method: "GET", path: targets + "/" + target, want: 200},
		{name: "a merged target cannot be corrected", as: c.office, method: "PATCH", path: targets + "/" + target, body: map[string]any{"rt": 2}, want: 409},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
}

func TestOpenAPIConformance(t *testing.T) {
	longTest(t)
	doc, raw := loadOpenAPI(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) { c.RegisterLimit, c.MaxUpload = registerLimit, maxUpload })
			k := newOAPIChecker(t, doc)

			admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			asAdmin := s.As(t, admin.ID)
			adminCookie := s.Client()
			adminCookie.Login(t, apptest.AdminEmail, apptest.AdminPassword)
			org, collabUser, _ := s.Org(t, "Yayasan Peduli Sesama", true)
			asCollab := s.As(t, collabUser.ID)
			pending, _, _ := s.Org(t, "Komunitas Kali Ciliwung", false)
			officeUser, _ := s.User(t, account.Office, "31.71", "")
			asOffice := s.As(t, officeUser.ID)
			victim, _ := s.User(t, account.Office, "31.73", "")
			officeY, _ := s.User(t, account.Office, "31.74", "")
			citizenUser, _ := s.User(t, account.Citizen, "31.71.01.1001", "")
			anon := s.Client()
			badToken := s.Client()
			badToken.Token = "gtg_not-a-real-token"

			newUser := func(role, region, orgID string) map[string]any {
				return map[string]any{"email": s.Unique("new") + "@test.gotong.local", "name": "Pengguna Baru",
					"role": role, "region": region, "org_id": orgID, "password": "kata-sandi-" + s.Unique("")}
			}
			dupUser := newUser("office", "31.72", "")
			registration := func(email, kind, phone string) map[string]any {
				return map[string]any{"name": "Bank Pangan " + s.Unique(""), "kind": kind, "contact_name": "Siti Aminah",
					"contact_email": "kontak@test.gotong.local", "contact_phone": phone,
					"user": map[string]any{"email": email, "name": "Siti Aminah", "password": "kata-sandi-" + s.Unique("")}}
			}
			regEmail := s.Unique("daftar") + "@test.gotong.local"
			crossSite := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
			bigLabel := `{"label":"` + strings.Repeat("x", 1<<20) + `"}`
			users, orgs := "/api/v1/users", "/api/v1/organizations"

			calls := []apiCall{
				{name: "anyone reads the OpenAPI document", as: anon, method: "GET", path: "/api/v1/openapi.json", want: 200},
				{name: "an invalid token is refused even where no sign-in is needed", as: badToken, method: "GET", path: "/api/v1/openapi.json", want: 401},

				{name: "anyone lists the provinces", as: anon, method: "GET", path: "/api/v1/regions", want: 200},
				{name: "anyone lists the regencies of a province", as: anon, method: "GET", path: "/api/v1/regions?parent=31", want: 200},
				{name: "a parent may be written without dots", as: asCollab, method: "GET", path: "/api/v1/regions?parent=317101", want: 200},
				{name: "a malformed parent is invalid", as: anon, method: "GET", path: "/api/v1/regions?parent=abc", want: 400, docRejects: true},
				{name: "an unknown parent is not found", as: anon, method: "GET", path: "/api/v1/regions?parent=99", want: 404},
				{name: "anyone reads a kelurahan", as: anon, method: "GET", path: "/api/v1/regions/31.71.01.1001", want: 200},
				{name: "anyone reads a province", as: anon, method: "GET", path: "/api/v1/regions/31", want: 200},
				{name: "an unknown region is not found", as: anon, method: "GET", path: "/api/v1/regions/99.99", want: 404},
				{name: "a malformed region code is not found", as: anon, method: "GET", path: "/api/v1/regions/jakarta", want: 404},

				{name: "anyone reads the public summary", as: anon, method: "GET", path: "/api/v1/public/summary", want: 200},
				{name: "anyone asks for a human check", as: anon, method: "GET", path: "/api/v1/challenge", want: 200},

				{name: "an anonymous caller has no account", as: anon, method: "GET", path: "/api/v1/me", want: 401},
				{name: "a collaborator reads their account", as: asCollab, method: "GET", path: "/api/v1/me", want: 200},
				{name: "a citizen reads their account, with the kelurahan they live in", as: s.As(t, citizenUser.ID), method: "GET", path: "/api/v1/me", want: 200},
				{name: "an admin signed in with the cookie reads their account", as: adminCookie, method: "GET", path: "/api/v1/me", want: 200},
				{name: "an office user reads their account", as: asOffice, method: "GET", path: "/api/v1/me", want: 200},

				{name: "a collaborator creates a labelled token", as: asCollab, method: "POST", path: "/api/v1/tokens", body: map[string]string{"label": "skrip gudang"}, want: 201},
				{name: "a token needs no body", as: asAdmin, method: "POST", path: "/api/v1/tokens", want: 201},
				{name: "a signed-in browser creates a token", as: adminCookie, method: "POST", path: "/api/v1/tokens", body: map[string]string{"label": "browser"}, want: 201},
				{name: "an unknown field is invalid", as: asCollab, method: "POST", path: "/api/v1/tokens", body: map[string]string{"label": "x", "scope": "all"}, want: 400, docRejects: true},
				{name: "malformed JSON is invalid", as: asCollab, method: "POST", path: "/api/v1/tokens", body: `{"label":`, want: 400, docRejects: true},
				{name: "a body over 1 MiB is too large", as: asCollab, method: "POST", path: "/api/v1/tokens", body: bigLabel, want: 413, docRejects: true},
				{name: "an anonymous caller gets no token", as: anon, method: "POST", path: "/api/v1/tokens", want: 401},
				{name: "a cross-site browser request is refused", as: adminCookie, method: "POST", path: "/api/v1/tokens", header: crossSite, want: 403},

				{name: "an admin lists users", as: asAdmin, method: "GET", path: users, want: 200},
				{name: "an admin lists office users one at a time", as: asAdmin, method: "GET", path: users + "?role=office&limit=1", want: 200},
				{name: "an admin lists an organisation's users", as: adminCookie, method: "GET", path: users + "?org_id=" + org.ID, want: 200},
				{name: "a limit of 0 is invalid", as: asAdmin, method: "GET", path: users + "?limit=0", want: 400, docRejects: true},
				{name: "a limit over 500 is invalid", as: asAdmin, method: "GET", path: users + "?limit=501", want: 400, docRejects: true},
				{name: "an unknown role is invalid", as: asAdmin, method: "GET", path: users + "?role=king", want: 400, docRejects: true},
				{name: "a forged cursor is invalid", as: asAdmin, method: "GET", path: users + "?cursor=bm90LWEtY3Vyc29y", want: 400},
				{name: "a collaborator cannot list users", as: asCollab, method: "GET", path: users, want: 404},
				{name: "an anonymous caller cannot list users", as: anon, method: "GET", path: users, want: 401},

				{name: "an admin creates an office user", as: asAdmin, method: "POST", path: users, body: dupUser, want: 201},
				{name: "an admin creates a collaborator", as: asAdmin, method: "POST", path: users, body: newUser("collaborator", "", org.ID), want: 201},
				{name: "an admin creates an admin", as: adminCookie, method: "POST", path: users, body: newUser("admin", "", ""), want: 201},
				{name: "a taken email is a conflict", as: asAdmin, method: "POST", path: users, body: dupUser, want: 409},
				{name: "an office outside the province is invalid", as: asAdmin, method: "POST", path: users, body: newUser("office", "32.01", ""), want: 400},
				{name: "a user without a password is invalid", as: asAdmin, method: "POST", path: users, body: map[string]string{"email": "x@test.gotong.local", "name": "Tanpa Sandi", "role": "admin"}, want: 400, docRejects: true},
				{name: "an office user cannot create users", as: asOffice, method: "POST", path: users, body: newUser("office", "31.71", ""), want: 404},
				{name: "an anonymous caller cannot create users", as: anon, method: "POST", path: users, body: newUser("office", "31.71", ""), want: 401},

				{name: "an admin reads a user", as: asAdmin, method: "GET", path: users + "/" + collabUser.ID, want: 200},
				{name: "an unknown user is not found", as: asAdmin, method: "GET", path: users + "/no-such-user", want: 404},
				{name: "a collaborator cannot read users", as: asCollab, method: "GET", path: users + "/" + collabUser.ID, want: 404},
				{name: "an anonymous caller cannot read users", as: anon, method: "GET", path: users + "/" + collabUser.ID, want: 401},

				{name: "a collaborator cannot delete users", as: asCollab, method: "DELETE", path: users + "/" + victim.ID, want: 404},
				{name: "an anonymous caller cannot delete users", as: anon, method: "DELETE", path: users + "/" + victim.ID, want: 401},
				{name: "an admin deactivates a user", as: asAdmin, method: "POST", path: users + "/" + victim.ID + "/deactivate", want: 200},
				{name: "a deactivated user cannot be deactivated again", as: asAdmin, method: "POST", path: users + "/" + victim.ID + "/deactivate", want: 409},
				{name: "an admin reactivates a user", as: asAdmin, method: "POST", path: users + "/" + victim.ID + "/reactivate", want: 200},
				{name: "an admin cannot deactivate their own account", as: asAdmin, method: "POST", path: users + "/" + admin.ID + "/deactivate", want: 409},
				{name: "an office cannot deactivate users", as: asOffice, method: "POST", path: users + "/" + victim.ID + "/deactivate", want: 404},
				{name: "an admin deletes a user", as: asAdmin, method: "DELETE", path: users + "/" + victim.ID, want: 204},
				{name: "a deleted user is not found", as: asAdmin, method: "DELETE", path: users + "/" + victim.ID, want: 404},
				{name: "an admin cannot delete their own account", as: asAdmin, method: "DELETE", path: users + "/" + admin.ID, want: 409},
				{name: "a cross-site browser cannot delete", as: adminCookie, method: "DELETE", path: users + "/" + collabUser.ID, header: crossSite, want: 403},

				{name: "anyone registers an organisation", as: anon, method: "POST", path: orgs, body: registration(regEmail, "community", "0812-3456-7890"), want: 201},
				{name: "registering a taken email is a conflict", as: anon, method: "POST", path: orgs, body: registration(regEmail, "ngo", "+62 812 3456 7890"), want: 409},
				{name: "an unknown kind of organisation is invalid", as: anon, method: "POST", path: orgs, body: registration(s.Unique("x")+"@test.gotong.local", "cult", "081234567890"), want: 400, docRejects: true},
				{name: "a foreign phone number is invalid", as: anon, method: "POST", path: orgs, body: registration(s.Unique("x")+"@test.gotong.local", "ngo", "+1 555 0100"), want: 400},
				{name: "a cross-site browser cannot register", as: anon, method: "POST", path: orgs, body: registration(s.Unique("x")+"@test.gotong.local", "ngo", "081234567890"), header: crossSite, want: 403},

				{name: "an admin lists organisations", as: asAdmin, method: "GET", path: orgs, want: 200},
				{name: "an admin lists pending organisations", as: adminCookie, method: "GET", path: orgs + "?status=pending&limit=1", want: 200},
				{name: "an unknown status is invalid", as: asAdmin, method: "GET", path: orgs + "?status=gone", want: 400, docRejects: true},
				{name: "an office user cannot list organisations", as: asOffice, method: "GET", path: orgs, want: 404},
				{name: "an anonymous caller cannot list organisations", as: anon, method: "GET", path: orgs, want: 401},

				{name: "an admin reads an organisation", as: asAdmin, method: "GET", path: orgs + "/" + pending.ID, want: 200},
				{name: "a collaborator reads their organisation", as: asCollab, method: "GET", path: orgs + "/" + org.ID, want: 200},
				{name: "a collaborator cannot see another organisation", as: asCollab, method: "GET", path: orgs + "/" + pending.ID, want: 404},
				{name: "an unknown organisation is not found", as: asAdmin, method: "GET", path: orgs + "/no-such-org", want: 404},
				{name: "an anonymous caller cannot read organisations", as: anon, method: "GET", path: orgs + "/" + org.ID, want: 401},

				{name: "an admin verifies an organisation", as: asAdmin, method: "POST", path: orgs + "/" + pending.ID + "/verify", body: map[string]string{"decision": "verified"}, want: 200},
				{name: "an admin rejects it with a reason", as: adminCookie, method: "POST", path: orgs + "/" + pending.ID + "/verify", body: map[string]string{"decision": "rejected", "reason": "dokumen tidak lengkap"}, want: 200},
				{name: "a rejection without a reason is invalid", as: asAdmin, method: "POST", path: orgs + "/" + pending.ID + "/verify", body: map[string]string{"decision": "rejected"}, want: 400},
				{name: "an unknown decision is invalid", as: asAdmin, method: "POST", path: orgs + "/" + pending.ID + "/verify", body: map[string]string{"decision": "maybe"}, want: 400, docRejects: true},
				{name: "deciding on an unknown organisation is not found", as: asAdmin, method: "POST", path: orgs + "/no-such-org/verify", body: map[string]string{"decision": "verified"}, want: 404},
				{name: "a collaborator cannot verify", as: asCollab, method: "POST", path: orgs + "/" + org.ID + "/verify", body: map[string]string{"decision": "verified"}, want: 404},
				{name: "an anonymous caller cannot verify", as: anon, method: "POST", path: orgs + "/" + org.ID + "/verify", body: map[string]string{"decision": "verified"}, want: 401},

				{name: "an admin raises an organisation's limits", as: asAdmin, method: "PUT", path: orgs + "/" + org.ID + "/limits", body: map[string]int{"open_limit": 20000, "reveal_limit": 5000}, want: 200},
				{name: "a negative limit is invalid", as: asAdmin, method: "PUT", path: orgs + "/" + org.ID + "/limits", body: map[string]int{"open_limit": -1, "reveal_limit": 0}, want: 400, docRejects: true},
				{name: "limits of an unknown organisation are not found", as: asAdmin, method: "PUT", path: orgs + "/no-such-org/limits", body: map[string]int{"open_limit": 1, "reveal_limit": 1}, want: 404},
				{name: "a suspension without a reason is invalid", as: asAdmin, method: "POST", path: orgs + "/" + org.ID + "/suspend", body: map[string]string{"reason": " "}, want: 400},
				{name: "an admin suspends an organisation", as: asAdmin, method: "POST", path: orgs + "/" + org.ID + "/suspend", body: map[string]string{"reason": "NPWP under review"}, want: 200},
				{name: "a suspended organisation cannot be suspended again", as: asAdmin, method: "POST", path: orgs + "/" + org.ID + "/suspend", body: map[string]string{"reason": "again"}, want: 409},
				{name: "a collaborator cannot lift its own suspension", as: asCollab, method: "POST", path: orgs + "/" + org.ID + "/reinstate", want: 404},
				{name: "an admin reinstates an organisation", as: asAdmin, method: "POST", path: orgs + "/" + org.ID + "/reinstate", want: 200},
				{name: "an organisation not suspended cannot be reinstated", as: asAdmin, method: "POST", path: orgs + "/" + org.ID + "/reinstate", want: 409},
				{name: "a collaborator cannot raise its own limits", as: asCollab, method: "PUT", path: orgs + "/" + org.ID + "/limits", body: map[string]int{"open_limit": 1000000, "reveal_limit": 1000000}, want: 404},
				{name: "an admin lists the flags", as: asAdmin, method: "GET", path: "/api/v1/flags?limit=5", want: 200},
				{name: "a collaborator cannot list the flags", as: asCollab, method: "GET", path: "/api/v1/flags", want: 404},

				{name: "an admin reads the audit log", as: asAdmin, method: "GET", path: "/api/v1/audit", want: 200},
				{name: "an admin filters the audit log", as: adminCookie, method: "GET", path: "/api/v1/audit?action=organization.&object_type=organization&region=&from=2020-01-01&to=2099-12-31&limit=2", want: 200},
				{name: "an admin reads one object's history", as: asAdmin, method: "GET", path: "/api/v1/audit?object_id=" + pending.ID + "&actor=" + admin.ID, want: 200},
				{name: "a malformed date is invalid", as: asAdmin, method: "GET", path: "/api/v1/audit?from=yesterday", want: 400, docRejects: true},
				{name: "a forged audit cursor is invalid", as: asAdmin, method: "GET", path: "/api/v1/audit?cursor=xyz", want: 400},
				{name: "an office user cannot read the audit log", as: asOffice, method: "GET", path: "/api/v1/audit", want: 404},
				{name: "an anonymous caller cannot read the audit log", as: anon, method: "GET", path: "/api/v1/audit", want: 401},
			}
			for _, c := range calls {
				t.Run(c.name, func(t *testing.T) { k.do(t, c) })
			}
			t.Run("registry", func(t *testing.T) {
				registryConformance(t, k, s, registryClients{office: asOffice, otherOffice: s.As(t, officeY.ID), admin: asAdmin,
					adminCookie: adminCookie, collab: asCollab, anon: anon, crossSite: crossSite})
			})

			t.Run("programs and commitments", func(t *testing.T) {
				programsConformance(t, k, s, registryClients{office: asOffice, otherOffice: s.As(t, officeY.ID), admin: asAdmin,
					adminCookie: adminCookie, collab: asCollab, anon: anon, crossSite: crossSite})
			})

			t.Run("office: codes, call-backs, courier webhooks", func(t *testing.T) {
				officeConformance(t, k, s, registryClients{office: asOffice, otherOffice: s.As(t, officeY.ID), admin: asAdmin,
					adminCookie: adminCookie, collab: asCollab, anon: anon, crossSite: crossSite})
			})
			t.Run("deliveries and the courier's link", func(t *testing.T) {
				deliveriesConformance(t, k, s, registryClients{office: asOffice, anon: anon})
			})
			t.Run("the documents of delivery and their public check", func(t *testing.T) {
				documentsConformance(t, k, s, registryClients{office: asOffice, anon: anon})
			})
			t.Run("the documents of donations and their public check", func(t *testing.T) {
				donationDocsConformance(t, k, s, registryClients{office: asOffice, anon: anon})
			})
			t.Run("the map", func(t *testing.T) {
				mapConformance(t, k, s, registryClients{office: asOffice, admin: asAdmin, anon: anon})
			})
			t.Run("warehouses, the catalogue and stock", func(t *testing.T) { warehousesConformance(t, k, s) })

			t.Run("the government dashboard", func(t *testing.T) { dashboardConformance(t, k, s) })
			t.Run("where donors' goods went", func(t *testing.T) { impactConformance(t, k, s) })
			t.Run("offers of goods and their intake", func(t *testing.T) { donationsConformance(t, k, s) })
			t.Run("the forum of ideas", func(t *testing.T) { ideasConformance(t, k, s) })
			t.Run("the self-check and data-subject access", func(t *testing.T) { selfConformance(t, k, s) })
			t.Run("citizens who give", func(t *testing.T) { citizensConformance(t, k, s) })
			t.Run("help requests", func(t *testing.T) { helpConformance(t, k, s) })

			t.Run("the exports of monitoring", func(t *testing.T) {
				exportsConformance(t, k, s, registryClients{office: asOffice, otherOffice: s.As(t, officeY.ID), admin: asAdmin, collab: asCollab, anon: anon})
			})
			t.Run("sessions and new passwords", func(t *testing.T) { sessionsConformance(t, k, s, asAdmin, anon) })
			t.Run("the served document is the embedded file, as JSON", func(t *testing.T) {
				r := k.do(t, apiCall{as: anon, method: "GET", path: "/api/v1/openapi.json", want: 200})
				if !bytes.Equal(r.Body, raw) {
					t.Errorf("GET /api/v1/openapi.json serves %d bytes that differ from openapi.json (%d bytes)", len(r.Body), len(raw))
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
			})

			for _, p := range []string{users + "?limit=1", orgs + "?limit=1", "/api/v1/audit?limit=1"} {
				t.Run("an admin follows the next cursor of "+p, func(t *testing.T) {
					var page struct {
						NextCursor string `json:"next_cursor"`
					}
					k.do(t, apiCall{as: asAdmin, method: "GET", path: p, want: 200}).JSON(t, &page)
					if page.NextCursor == "" {
						t.Fatalf("no next cursor on a page of 1")
					}
					k.do(t, apiCall{as: asAdmin, method: "GET", path: p + "&cursor=" + page.NextCursor, want: 200})
				})
			}

			t.Run("registering too often is rate limited", func(t *testing.T) {
				for range 2*registerLimit + 2 {
					r := k.do(t, apiCall{as: anon, method: "POST", path: orgs,
						body: registration(s.Unique("x")+"@test.gotong.local", "ngo", "123")})
					if r.Status == http.StatusTooManyRequests {
						return
					}
					if r.Status != http.StatusBadRequest {
						t.Fatalf("status %d, want 400 before the limit", r.Status)
					}
				}
				t.Fatalf("no 429 after %d registrations", 2*registerLimit+2)
			})

			for _, op := range documentedOperations(doc) {
				if !k.answered[op] {
					t.Errorf("%s never answered with success in this run; add a call for it", op)
				}
			}
		})
	}
}

// TestOpenAPIValidationCatchesDrift shows that the conformance test can fail: answers
// that drift from the document are refused by the same checks.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	k := newOAPIChecker(t, doc)
	me := `{"id":"u1","email":"a@b.id","name":"Ani","role":"office","region":"31.71","org_id":"","created_at":"2026-01-02T03:04:05Z"}`
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		ok     bool
	}{
		{"the answer as documented passes", 200, "application/json; charset=utf-8", me, true},
		{"a field the document does not name fails", 200, "application/json", strings.Replace(me, `"name"`, `"nik":"3173","name"`, 1), false},
		{"a field of the wrong type fails", 200, "application/json", strings.Replace(me, `"role":"office"`, `"role":1`, 1), false},
		{"a role outside the enum fails", 200, "application/json", strings.Replace(me, `"office"`, `"mayor"`, 1), false},
		{"a missing field fails", 200, "application/json", strings.Replace(me, `"org_id":"",`, ``, 1), false},
		{"an instant that is not RFC 3339 fails", 200, "application/json", strings.Replace(me, `2026-01-02T03:04:05Z`, `02/01/2026`, 1), false},
		{"an undocumented status fails", 418, "application/json", me, false},
		{"an error whose code does not match its status fails", 401, "application/json", `{"error":{"code":"not_found","message":"x"}}`, false},
		{"an error with its documented code passes", 401, "application/json", `{"error":{"code":"unauthorized","message":"sign in required"}}`, true},
		{"an answer that is not JSON fails", 200, "text/html", "<p>hi</p>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			route, params := k.route(t, req)
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: k.opts}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: tt.status,
				Header: http.Header{"Content-Type": {tt.ctype}}, Options: k.opts}
			out.SetBodyBytes([]byte(tt.body))
			err := openapi3filter.ValidateResponse(context.Background(), out)
			if (err == nil) != tt.ok {
				t.Errorf("ValidateResponse: %v, want ok=%v", err, tt.ok)
			}
		})
	}
	t.Run("registry answers", func(t *testing.T) {
		target := `{"id":"t1","kind":"household","name":"Budi","region":"31.71.01.1001","rw":5,"rt":3,"address":"Jl. A","size":2,` +
			`"tags":["lansia"],"nik_masked":"3171********0001","kk_masked":"3171********0002","updated_at":"2026-01-02T03:04:05Z",` +
			`"members":[{"id":"m1","name":"Budi","nik_masked":"3171********0001","birth_date":"1970-03-02","sex":"L","relation":"Kepala Keluarga","tags":[]}]}`
		pair := `{"id":"d1","target_ids":["a","b"],"score":1,"reasons":["NIK 3171********0001 tercatat di dua KK"],"region":"31.71.01.1001","status":"open","created_at":"2026-01-02T03:04:05Z"}`
		imp := `{"id":"i1","kind":"household","filename":"a.csv","status":"done","rows_total":5,"rows_done":5,"accepted":3,"updated":0,` +
			`"merged":0,"review":0,"rejected":2,"warnings":0,"bytes_total":900,"bytes_done":900,"user_id":"u1","scope":"31.71","created_at":"2026-01-02T03:04:05Z"}`
		cases := []struct {
			name, path, body string
			ok               bool
		}{
			{"a target as documented passes", "/api/v1/targets/t1", target, true},
			{"an unmasked NIK in nik_masked fails", "/api/v1/targets/t1", strings.Replace(target, `"nik_masked":"3171********0001","kk`, `"nik_masked":"3171010203700001","kk`, 1), false},
			{"a member without its masked NIK fails", "/api/v1/targets/t1", strings.Replace(target, `"nik_masked":"3171********0001","birth`, `"birth`, 1), false},
			{"a stored hash the document does not name fails", "/api/v1/targets/t1", strings.Replace(target, `"size":2`, `"size":2,"nik_hash":"ab"`, 1), false},
			{"a region that is not a kelurahan fails", "/api/v1/targets/t1", strings.Replace(target, `"31.71.01.1001"`, `"31.71"`, 1), false},
			{"a tag that is not lower_snake fails", "/api/v1/targets/t1", strings.Replace(target, `["lansia"]`, `["Lansia Sakit"]`, 1), false},
			{"a pair as documented passes", "/api/v1/duplicates/d1/resolve", pair, true},
			{"a pair of three fails", "/api/v1/duplicates/d1/resolve", strings.Replace(pair, `["a","b"]`, `["a","b","c"]`, 1), false},
			{"a score over 1 fails", "/api/v1/duplicates/d1/resolve", strings.Replace(pair, `"score":1`, `"score":1.5`, 1), false},
			{"an import as documented passes", "/api/v1/imports/i1", imp, true},
			{"an unknown import status fails", "/api/v1/imports/i1", strings.Replace(imp, `"done"`, `"paused"`, 1), false},
			{"a negative counter fails", "/api/v1/imports/i1", strings.Replace(imp, `"rejected":2`, `"rejected":-1`, 1), false},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				method := "GET"
				if strings.HasSuffix(tt.path, "/resolve") {
					method = "POST"
				}
				req := httptest.NewRequest(method, tt.path, nil)
				route, params := k.route(t, req)
				in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: k.opts}
				out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: 200,
					Header: http.Header{"Content-Type": {"application/json"}}, Options: k.opts}
				out.SetBodyBytes([]byte(tt.body))
				err := openapi3filter.ValidateResponse(context.Background(), out)
				if (err == nil) != tt.ok {
					t.Errorf("ValidateResponse: %v, want ok=%v", err, tt.ok)
				}
			})
		}
	})
	t.Run("a path the document does not have is not routed", func(t *testing.T) {
		if _, _, err := k.router.FindRoute(httptest.NewRequest("GET", "/api/v1/secrets", nil)); err == nil {
			t.Errorf("found a route for /api/v1/secrets")
		}
	})
	t.Run("a method the document does not have is not routed", func(t *testing.T) {
		if _, _, err := k.router.FindRoute(httptest.NewRequest("PUT", "/api/v1/me", nil)); err == nil {
			t.Errorf("found a route for PUT /api/v1/me")
		}
	})
}
