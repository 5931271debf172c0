package region

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gotong/gotong/data"
)

// loadEmbedded loads the real embedded data once for all tests.
var loadEmbedded = sync.OnceValues(func() (*Set, error) { return Load(data.Regions) })

func regions(t testing.TB) *Set {
	t.Helper()
	s, err := loadEmbedded()
	if err != nil {
		t.Fatalf("Load(data.Regions): %v", err)
	}
	return s
}

func codes(rs []Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestCount(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name   string
		level  Level
		within string
		want   int
	}{
		{"Indonesia has 38 provinces", Province, "", 38},
		{"Indonesia has 514 regencies and cities", Regency, "", 514},
		{"Indonesia has 7285 districts", District, "", 7285},
		{"Indonesia has 83762 villages", Village, "", 83762},
		{"DKI Jakarta is one province", Province, "31", 1},
		{"DKI Jakarta has 6 regencies and cities", Regency, "31", 6},
		{"DKI Jakarta has 44 districts", District, "31", 44},
		{"DKI Jakarta has 267 villages", Village, "31", 267},
		{"Jakarta Pusat has 8 districts", District, "31.71", 8},
		{"Gambir district has 6 villages", Village, "31.71.01", 6},
		{"a village counts itself", Village, "31.71.01.1001", 1},
		{"a regency contains no province", Province, "31.71", 0},
		{"an unknown province contains nothing", Village, "99", 0},
		{"a partial code contains nothing", Village, "3", 0},
		{"a code cut mid-segment contains nothing", Village, "31.7", 0},
		{"an undotted code contains nothing", Village, "3171", 0},
		{"an invalid level counts nothing", Level(0), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Count(tt.level, tt.within); got != tt.want {
				t.Errorf("Count(%v, %q) = %d, want %d", tt.level, tt.within, got, tt.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name string
		code string
		want Region
		ok   bool
	}{
		{"31 is DKI Jakarta", "31", Region{"31", "Daerah Khusus Ibukota Jakarta", Province, ""}, true},
		{"31.71 is Jakarta Pusat", "31.71", Region{"31.71", "Kota Administrasi Jakarta Pusat", Regency, "31"}, true},
		{"31.01 is Kepulauan Seribu", "31.01", Region{"31.01", "Kabupaten Administrasi Kepulauan Seribu", Regency, "31"}, true},
		{"31.71.01 is Gambir district", "31.71.01", Region{"31.71.01", "Gambir", District, "31.71"}, true},
		{"31.71.01.1002 is Cideng village", "31.71.01.1002", Region{"31.71.01.1002", "Cideng", Village, "31.71.01"}, true},
		{"a name with a quote is kept as given", "35.29.22", Region{"35.29.22", `Ra"as`, District, "35.29"}, true},
		{"a name with a comma is kept as given", "14.02.09.2010", Region{"14.02.09.2010", "Lambang Sari I, II, III", Village, "14.02.09"}, true},
		{"an unknown code is not found", "31.99", Region{}, false},
		{"an undotted code is not found", "3171", Region{}, false},
		{"the empty code is not found", "", Region{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := s.Get(tt.code)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Get(%q) = %+v, %v; want %+v, %v", tt.code, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestChildren(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name string
		code string
		want []string // nil: check only length and order
		n    int
	}{
		{"the country's children are the provinces", "", nil, 38},
		{"DKI Jakarta's children are its 6 regencies in code order", "31",
			[]string{"31.01", "31.71", "31.72", "31.73", "31.74", "31.75"}, 6},
		{"Gambir district's children are its 6 villages", "31.71.01",
			[]string{"31.71.01.1001", "31.71.01.1002", "31.71.01.1003", "31.71.01.1004", "31.71.01.1005", "31.71.01.1006"}, 6},
		{"a village has no children", "31.71.01.1001", nil, 0},
		{"an unknown code has no children", "31.99", nil, 0},
		{"a malformed code has no children", "31.7", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Children(tt.code)
			if len(got) != tt.n {
				t.Fatalf("Children(%q) has %d regions, want %d", tt.code, len(got), tt.n)
			}
			if tt.want != nil && !slices.Equal(codes(got), tt.want) {
				t.Errorf("Children(%q) = %v, want %v", tt.code, codes(got), tt.want)
			}
			if !slices.IsSorted(codes(got)) {
				t.Errorf("Children(%q) is not sorted by code: %v", tt.code, codes(got))
			}
			for _, c := range got {
				if c.Parent != tt.code {
					t.Errorf("child %s has parent %q, want %q", c.Code, c.Parent, tt.code)
				}
			}
		})
	}

	t.Run("the regencies of DKI Jakarta have the names the data gives", func(t *testing.T) {
		var names []string
		for _, r := range s.Children("31") {
			names = append(names, r.Name)
		}
		want := []string{
			"Kabupaten Administrasi Kepulauan Seribu",
			"Kota Administrasi Jakarta Pusat",
			"Kota Administrasi Jakarta Utara",
			"Kota Administrasi Jakarta Barat",
			"Kota Administrasi Jakarta Selatan",
			"Kota Administrasi Jakarta Timur",
		}
		if !slices.Equal(names, want) {
			t.Errorf("names = %q, want %q", names, want)
		}
	})

	t.Run("changing a returned slice does not change the set", func(t *testing.T) {
		got := s.Children("31")
		got[0].Name = "changed"
		if r, _ := s.Get("31.01"); r.Name == "changed" {
			t.Error("Children returned the set's internal storage")
		}
	})

	t.Run("every region is a child of its parent", func(t *testing.T) {
		total := 0
		var walk func(code string)
		walk = func(code string) {
			for _, c := range s.Children(code) {
				total++
				walk(c.Code)
			}
		}
		walk("")
		if want := 38 + 514 + 7285 + 83762; total != want {
			t.Errorf("walking Children from the top visits %d regions, want %d", total, want)
		}
	})
}

func TestAncestors(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name string
		code string
		want []string
	}{
		{"a village's ancestors run from its province down to itself", "31.71.01.1001",
			[]string{"31", "31.71", "31.71.01", "31.71.01.1001"}},
		{"a district's ancestors end with the district", "31.71.01", []string{"31", "31.71", "31.71.01"}},
		{"a province is its own only ancestor", "31", []string{"31"}},
		{"an unknown code has no ancestors", "31.71.01.9999", nil},
		{"an undotted code has no ancestors", "3171011001", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Ancestors(tt.code)
			if !slices.Equal(codes(got), tt.want) {
				t.Errorf("Ancestors(%q) = %v, want %v", tt.code, codes(got), tt.want)
			}
			for i, r := range got {
				if r.Level != Level(i+1) {
					t.Errorf("ancestor %d (%s) has level %v, want %v", i, r.Code, r.Level, Level(i+1))
				}
			}
		})
	}
	t.Run("the names along the chain are the data's names", func(t *testing.T) {
		var names []string
		for _, r := range s.Ancestors("31.71.01.1001") {
			names = append(names, r.Name)
		}
		want := []string{"Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Pusat", "Gambir", "Gambir"}
		if !slices.Equal(names, want) {
			t.Errorf("names = %q, want %q", names, want)
		}
	})
}

func TestWithin(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name           string
		code, ancestor string
		want           bool
	}{
		{"a regency lies within its province", "31.71", "31", true},
		{"a village lies within its province", "31.71.01.1001", "31", true},
		{"a village lies within its district", "31.71.01.1001", "31.71.01", true},
		{"a region lies within itself", "31.71", "31.71", true},
		{"every known region lies within the country", "31.71.01.1001", "", true},
		{"a region does not lie within a sibling", "31.72.01", "31.71", false},
		{"a province does not lie within its regency", "31", "31.71", false},
		{"a code cut mid-segment is no ancestor", "31.71", "31.7", false},
		{"a one-digit prefix is no ancestor", "31.71", "3", false},
		{"a prefix ending in a dot is no ancestor", "31.71", "31.", false},
		{"an undotted ancestor is not accepted", "31.71.01", "3171", false},
		{"an undotted code is not accepted", "317101", "31", false},
		{"an unknown code lies nowhere", "31.99", "31", false},
		{"an unknown code is not within the country", "99", "", false},
		{"nothing lies within an unknown ancestor", "31.71", "99", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Within(tt.code, tt.ancestor); got != tt.want {
				t.Errorf("Within(%q, %q) = %v, want %v", tt.code, tt.ancestor, got, tt.want)
			}
		})
	}
}

func TestInsideComparesWholeSegments(t *testing.T) {
	tests := []struct {
		name           string
		code, ancestor string
		want           bool
	}{
		{"a longer first segment does not match a shorter one", "31.71", "31.7", false},
		{"a prefix without a dot after it does not match", "31.710", "31.71", false},
		{"a prefix followed by a dot matches", "31.71.01", "31.71", true},
		{"an equal code matches", "31.71", "31.71", true},
		{"a shorter code does not match", "31", "31.71", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inside(tt.code, tt.ancestor); got != tt.want {
				t.Errorf("inside(%q, %q) = %v, want %v", tt.code, tt.ancestor, got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	good := []struct {
		name, in, want string
	}{
		{"a two-digit province code stays as it is", "31", "31"},
		{"a dotted regency code stays as it is", "31.71", "31.71"},
		{"a dotted village code stays as it is", "31.71.01.1001", "31.71.01.1001"},
		{"four digits become a regency code", "3171", "31.71"},
		{"six digits become a district code", "317101", "31.71.01"},
		{"ten digits become a village code", "3171011001", "31.71.01.1001"},
		{"surrounding spaces are trimmed", "  31.71 ", "31.71"},
		{"surrounding tabs and newlines are trimmed", "\t3171011001\n", "31.71.01.1001"},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}

	bad := []struct {
		name, in string
	}{
		{"the empty string is rejected", ""},
		{"blanks alone are rejected", "   "},
		{"one digit is rejected", "3"},
		{"three digits are rejected", "317"},
		{"five digits are rejected", "31710"},
		{"eight digits are rejected", "31710110"},
		{"nine digits are rejected", "317101100"},
		{"eleven digits are rejected", "31710110011"},
		{"a one-digit second segment is rejected", "31.7"},
		{"a three-digit second segment is rejected", "31.710"},
		{"a trailing dot is rejected", "31.71."},
		{"a leading dot is rejected", ".31"},
		{"a doubled dot is rejected", "31..71"},
		{"a three-digit village segment is rejected", "31.71.01.100"},
		{"a five-digit village segment is rejected", "31.71.01.10011"},
		{"a fifth segment is rejected", "31.71.01.1001.1"},
		{"a half-dotted code is rejected", "3171.01"},
		{"an inner space is rejected", "31 71"},
		{"a dash instead of a dot is rejected", "31-71"},
		{"a letter among the digits is rejected", "3l71"},
		{"a sign is rejected", "+31"},
		{"non-ASCII digits are rejected", "٣١"},
		{"full-width digits are rejected", "３１"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if err == nil {
				t.Fatalf("Normalize(%q) = %q, nil; want an error", tt.in, got)
			}
			if !errors.Is(err, ErrInvalidCode) {
				t.Errorf("Normalize(%q) error %v does not wrap ErrInvalidCode", tt.in, err)
			}
			if got != "" {
				t.Errorf("Normalize(%q) returned %q alongside an error", tt.in, got)
			}
		})
	}
}

func TestLevelOf(t *testing.T) {
	tests := []struct {
		name string
		code string
		want Level
		ok   bool
	}{
		{"two digits are a province", "31", Province, true},
		{"two dotted pairs are a regency", "31.71", Regency, true},
		{"three dotted pairs are a district", "31.71.01", District, true},
		{"three pairs and four digits are a village", "31.71.01.1001", Village, true},
		{"undotted digits have no level", "3171", 0, false},
		{"a padded code has no level", " 31", 0, false},
		{"the empty string has no level", "", 0, false},
		{"dots in the wrong places give no level", "3.171", 0, false},
		{"a village code with a short last segment has no level", "31.71.01.100", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LevelOf(tt.code)
			if got != tt.want || ok != tt.ok {
				t.Errorf("LevelOf(%q) = %v, %v; want %v, %v", tt.code, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLevelNames(t *testing.T) {
	for _, tt := range []struct {
		level Level
		name  string
	}{{Province, "province"}, {Regency, "regency"}, {District, "district"}, {Village, "village"}} {
		t.Run(tt.name+" round-trips through String and ParseLevel", func(t *testing.T) {
			if got := tt.level.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got, ok := ParseLevel(tt.name); !ok || got != tt.level {
				t.Errorf("ParseLevel(%q) = %v, %v", tt.name, got, ok)
			}
		})
	}
	parse := []struct {
		name, in string
		want     Level
		ok       bool
	}{
		{"case and spaces are ignored", " Village ", Village, true},
		{"the Indonesian kelurahan is a village", "kelurahan", Village, true},
		{"the Indonesian kota is a regency", "Kota", Regency, true},
		{"the Indonesian kecamatan is a district", "KECAMATAN", District, true},
		{"the Indonesian provinsi is a province", "provinsi", Province, true},
		{"an unknown word is rejected", "city hall", 0, false},
		{"the empty string is rejected", "", 0, false},
	}
	for _, tt := range parse {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := ParseLevel(tt.in); got != tt.want || ok != tt.ok {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("an invalid level prints its number", func(t *testing.T) {
		if got := Level(7).String(); got != "Level(7)" {
			t.Errorf("Level(7).String() = %q", got)
		}
	})
}

func TestFindByName(t *testing.T) {
	s := regions(t)
	tests := []struct {
		name         string
		level        Level
		query, where string
		want         []string
	}{
		{"an exact village name is found within its province", Village, "Gambir", "31", []string{"31.71.01.1001"}},
		{"case and surrounding spaces are ignored", Village, "  gAMBIR ", "31.71", []string{"31.71.01.1001"}},
		{"inner spaces collapse", Village, "Petojo   Utara", "31.71.01", []string{"31.71.01.1003"}},
		{"dots and dashes count as spaces", Regency, "kota administrasi jakarta-pusat.", "", []string{"31.71"}},
		{"an apostrophe matches the data's quote", District, "Ra'as", "35", []string{"35.29.22"}},
		{"a name typed without the quote matches", District, "RAAS", "", []string{"35.29.22"}},
		{"a comma in the data matches a spaced query", Village, "lambang sari i ii iii", "14.02.09", []string{"14.02.09.2010"}},
		{"a kelurahan and a desa of one name are both returned in code order", Village, "Sorkam Kanan", "12.01.10",
			[]string{"12.01.10.1001", "12.01.10.2018"}},
		{"a name outside the given region is not found", Village, "Gambir", "31.72", nil},
		{"a name is not found at another level", Province, "Gambir", "", nil},
		{"words are not glued together", Village, "PetojoUtara", "31", nil},
		{"an unknown within finds nothing", Village, "Gambir", "99", nil},
		{"a malformed within finds nothing", Village, "Gambir", "3", nil},
		{"a query of punctuation alone finds nothing", Village, " .-. ", "", nil},
		{"an invalid level finds nothing", Level(0), "Gambir", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.FindByName(tt.level, tt.query, tt.where)
			if !slices.Equal(codes(got), tt.want) {
				t.Errorf("FindByName(%v, %q, %q) = %v, want %v", tt.level, tt.query, tt.where, codes(got), tt.want)
			}
			for _, r := range got {
				if r.Level != tt.level {
					t.Errorf("result %s has level %v, want %v", r.Code, r.Level, tt.level)
				}
			}
		})
	}

	t.Run("a common village name is found all over the country", func(t *testing.T) {
		all := s.FindByName(Village, "Sukamaju", "")
		if len(all) < 10 {
			t.Fatalf("found %d villages named Sukamaju, want many", len(all))
		}
		if !slices.IsSorted(codes(all)) {
			t.Error("results are not sorted by code")
		}
	})
}

func TestFoldName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"letters are lower-cased", "GAMBIR", "gambir"},
		{"runs of spaces and punctuation become one space", " Kota  Adm. - Jakarta/Pusat ", "kota adm jakarta pusat"},
		{"quotes and apostrophes are dropped", `Ra"as Ra'as Regapu’u`, "raas raas regapuu"},
		{"digits are kept", "Kampung 2", "kampung 2"},
		{"non-ASCII letters are kept", "Éléphant", "éléphant"},
		{"punctuation alone folds to nothing", "(*)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := foldName(tt.in); got != tt.want {
				t.Errorf("foldName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSetIsSafeForConcurrentUse(t *testing.T) {
	s := regions(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, p := range s.Children("") {
				if s.Count(Village, p.Code) == 0 {
					t.Errorf("province %s has no villages", p.Code)
				}
				s.FindByName(Village, "Sukamaju", p.Code)
				s.Ancestors(p.Code)
			}
		})
	}
	wg.Wait()
}

// minimal returns a small valid region filesystem; edit modifies it.
func minimal(edit func(files map[string]string)) fs.FS {
	files := map[string]string{
		"regions/provinces.csv": "code,name\n31,Jakarta\n32,Jawa Barat\n",
		"regions/regencies.csv": "code,name\n31.71,Jakarta Pusat\n32.01,Bogor\n",
		"regions/districts.csv": "code,name\n31.71.01,Gambir\n",
		"regions/villages.csv":  "code,name\n31.71.01.1001,Gambir\n31.71.01.1002,Cideng\n",
	}
	if edit != nil {
		edit(files)
	}
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func TestLoad(t *testing.T) {
	t.Run("a small valid filesystem loads", func(t *testing.T) {
		s, err := Load(minimal(nil))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Count(Village, ""); got != 2 {
			t.Errorf("Count(Village, \"\") = %d, want 2", got)
		}
	})

	t.Run("rows out of order are sorted", func(t *testing.T) {
		s, err := Load(minimal(func(f map[string]string) {
			f["regions/villages.csv"] = "code,name\n31.71.01.1002,Cideng\n31.71.01.1001,Gambir\n"
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(s.Children("31.71.01")); !slices.Equal(got, []string{"31.71.01.1001", "31.71.01.1002"}) {
			t.Errorf("Children = %v", got)
		}
	})

	bad := []struct {
		name    string
		edit    func(map[string]string)
		wantErr string
	}{
		{"a missing file is reported", func(f map[string]string) { delete(f, "regions/districts.csv") }, "districts.csv"},
		{"a wrong header is reported", func(f map[string]string) {
			f["regions/provinces.csv"] = "kode,nama\n31,Jakarta\n"
		}, "header"},
		{"an empty file is reported", func(f map[string]string) { f["regions/provinces.csv"] = "" }, "empty"},
		{"a file with a header only is reported", func(f map[string]string) { f["regions/provinces.csv"] = "code,name\n" }, "no regions"},
		{"a malformed code is reported with its line", func(f map[string]string) {
			f["regions/regencies.csv"] = "code,name\n31.71,Jakarta Pusat\n3201,Bogor\n"
		}, "regencies.csv:3: malformed code \"3201\""},
		{"a code of the wrong level is reported", func(f map[string]string) {
			f["regions/districts.csv"] = "code,name\n31.71,Gambir\n"
		}, "is a regency, want a district"},
		{"a missing parent is reported", func(f map[string]string) {
			f["regions/villages.csv"] = "code,name\n31.71.02.1001,Kemayoran\n"
		}, "parent district 31.71.02 does not exist"},
		{"a duplicate code is reported", func(f map[string]string) {
			f["regions/provinces.csv"] = "code,name\n31,Jakarta\n31,Jakarta again\n32,Jawa Barat\n"
		}, "duplicate code 31"},
		{"an empty name is reported", func(f map[string]string) {
			f["regions/provinces.csv"] = "code,name\n31, \n32,Jawa Barat\n"
		}, "has no name"},
		{"a row with an extra field is reported", func(f map[string]string) {
			f["regions/provinces.csv"] = "code,name\n31,Jakarta,extra\n32,Jawa Barat\n"
		}, "wrong number of fields"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(minimal(tt.edit))
			if err == nil {
				t.Fatalf("Load succeeded (%d villages), want an error containing %q", s.Count(Village, ""), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"31", "31.71", "31.71.01", "31.71.01.1001", "3171", "317101", "3171011001",
		" 31 ", "", "3", "31.7", "31..71", "31.71.", "3171.01", "٣١", "31.71.01.1001.1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Normalize(in)
		if err != nil {
			if out != "" {
				t.Errorf("Normalize(%q) = %q with error %v", in, out, err)
			}
			return
		}
		again, err := Normalize(out)
		if err != nil || again != out {
			t.Errorf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", in, out, out, again, err)
		}
		if _, ok := LevelOf(out); !ok {
			t.Errorf("Normalize(%q) = %q, which LevelOf rejects", in, out)
		}
		if strings.ReplaceAll(out, ".", "") != strings.ReplaceAll(strings.TrimSpace(in), ".", "") {
			t.Errorf("Normalize(%q) = %q changed the digits", in, out)
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(data.Regions); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindByNameCountryWide(b *testing.B) {
	s := regions(b)
	for b.Loop() {
		s.FindByName(Village, "Sukamaju", "")
	}
}

func TestCommon(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"31.71.01.1001", "31.71.01.1001", "31.71.01.1001"},
		{"31.71.01.1001", "31.71.01.1002", "31.71.01"},
		{"31.71.01.1001", "31.71.02.1001", "31.71"},
		{"31.71.01.1001", "31.73.01.1001", "31"},
		{"31.71.01.1001", "32.01.01.2001", ""},
		{"31.71", "31.71.01.1001", "31.71"},
		{"31.71.01.1001", "31.71", "31.71"},
		{"31.7", "31.71", "31"}, // segments, not characters
		{"31.71.1", "31.71.10", "31.71"},
	} {
		if got := Common(c.a, c.b); got != c.want {
			t.Errorf("Common(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
		if got := Common(c.b, c.a); got != c.want {
			t.Errorf("Common(%q, %q) = %q, want %q", c.b, c.a, got, c.want)
		}
	}
}
