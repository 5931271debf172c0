package namematch

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Folding and punctuation.
		{"lower case and spaces collapse", "  SITI   Aminah ", "siti aminah"},
		{"accents are removed", "José Müller", "jose muler"},
		{"fullwidth letters fold to ASCII", "Ｂｕｄｉ", "budi"},
		{"an apostrophe joins", "Nur'aini", "nuraini"},
		{"a typographic apostrophe joins", "Ma\u2019ruf", "maruf"},
		{"an acute accent used as apostrophe joins", "Nur\u00b4aini", "nuraini"},
		{"a hyphen between names separates", "Siti-Aminah", "siti aminah"},
		{"a hyphen after an Arabic article joins", "Fatimah Az-Zahra", "fatimah azahra"},
		{"symbols separate", "Budi/Santoso (Alm)", "budi santoso"},
		{"a name of symbols only is empty", "-- . ,", ""},

		// Titles.
		{"Haji abbreviated is dropped", "H. Ahmad Fauzi", "ahmad fauzi"},
		{"Hajjah is dropped", "Hj. Siti Aminah", "siti aminah"},
		{"stacked titles are dropped", "Prof. Dr. Ir. H. Budi Santoso", "budi santoso"},
		{"degrees after a comma are dropped", "Budi Santoso, S.E., M.M.", "budi santoso"},
		{"dotted degrees without a comma are dropped", "Agus Salim S.Kom.", "agus salim"},
		{"a degree written with a space inside is dropped", "Budi, S. E.", "budi"},
		{"a bare long degree at the end is dropped", "Sri Handayani SPd", "sri handayani"},
		{"a bare two-letter word at the end is kept", "Tan Siok Ma", "tan siok ma"},
		{"forms of address are dropped", "Bpk. Slamet Riyadi", "slamet riyadi"},
		{"Ibu is dropped", "Ibu Sri Wahyuni", "sri wahyuni"},
		{"almarhum abbreviated is dropped", "Alm. Suparman", "suparman"},
		{"a title glued to the name by a dot is dropped", "Dr.Budi", "budi"},
		{"a late H is an initial, not Haji", "Agus H. Santoso", "agus h santoso"},
		{"St. in first place is Siti, not a degree", "St. Nurhaliza", "siti nurhaliza"},
		{"a name made only of titles keeps them", "Pak Haji", "pak haji"},
		{"a comma-inverted name keeps both parts", "Santoso, Budi", "santoso budi"},
		{"old-spelling Hadji is a title", "Hadji Agus Salim", "agus salim"},

		// Old spelling.
		{"oe is u", "Soekarno", "sukarno"},
		{"dj is j", "Djoko Susilo", "joko susilo"},
		{"tj is c", "Tjipto", "cipto"},
		{"sj is sy", "Sjahrir", "syahrir"},
		{"nj at the start is ny", "Njoman", "nyoman"},
		{"modern nj stays", "Panji Anjani", "panji anjani"},
		{"old-spelled nj inside a word is ny", "Soenjoto", "sunyoto"},
		{"j is y in a word with another old marker", "Soejono", "suyono"},
		{"j is y after tj", "Tjahjo", "cahyo"},
		{"the j from dj stays j, the bare j becomes y", "Djojohadikusumo", "joyohadikusumo"},
		{"curated old names take y", "Jusuf Kalla", "yusuf kala"},
		{"modern Joko keeps its j", "Joko Widodo", "joko widodo"},
		{"Chairul is Khairul", "Chairul Tanjung", "khairul tanjung"},
		{"ch before a consonant is h", "Rachmat", "rahmat"},
		{"Christina starts with k", "Christina", "kristina"},
		{"Chandra keeps its c", "Chandra", "candra"},
		{"old ch for Arabic h is kh", "Chotimah", "khotimah"},

		// Set forms.
		{"Muhammad spelled with one m", "Muhamad Yusuf", "muhammad yusuf"},
		{"Mohammad", "Mohammad Rizki", "muhammad rizki"},
		{"Moch. abbreviated", "Moch. Ilham", "muhammad ilham"},
		{"Mochammad", "Mochammad Ridwan", "muhammad ridwan"},
		{"Muh.", "Muh. Arif", "muhammad arif"},
		{"Mhd.", "Mhd. Taufik", "muhammad taufik"},
		{"Mohammed", "Mohammed Ali", "muhammad ali"},
		{"M. in first place is Muhammad", "M. Fajar", "muhammad fajar"},
		{"M. after a title is still first", "H. M. Rizki", "muhammad rizki"},
		{"M. later is an initial", "Rizki M.", "rizki m"},
		{"Abd. is Abdul", "Abd. Rahman", "abdul rahman"},
		{"Abdoel is Abdul", "Abdoel Kadir", "abdul kadir"},
		{"Sitti is Siti", "Sitti Rahmah", "siti rahmah"},
		{"Noor is Nur", "Noor Aini", "nur aini"},
		{"Achmad is Ahmad", "Achmad Dahlan", "ahmad dahlan"},
		{"Akhmad is Ahmad", "Akhmad Fauzi", "ahmad fauzi"},
		{"bt. is binti", "Fatimah bt. Hasan", "fatimah binti hasan"},

		// Other variants.
		{"final y after a consonant is i", "Rizky", "rizki"},
		{"double letters collapse", "Hassan Basri", "hasan basri"},
		{"dh is d", "Ramadhan", "ramadan"},
		{"ph is f", "Stephanus", "stefanus"},
		{"q is k", "Taufiq", "taufik"},
		{"x is ks", "Felix", "feliks"},
		{"ae is ai", "Zaenal", "zainal"},
		{"short Chinese ie is i", "Liem Swie King", "lim swi king"},
		{"long words keep ie", "Daniel", "daniel"},
		{"everything at once", "H. Moch. Soedjono, S.H.", "muhammad sujono"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// The word lists must agree with canonWord, or Normalize stops being
// idempotent (a dictionary value would be rewritten on the second pass).
func TestWordListsAreFixedPoints(t *testing.T) {
	t.Run("every honorific is dropped before a name and kept alone", func(t *testing.T) {
		for h := range honorifics {
			if got := Normalize(h + " Budi"); got != "budi" {
				t.Errorf("Normalize(%q) = %q, want budi", h+" Budi", got)
			}
			alone := Normalize(h)
			if alone == "" || Normalize(alone) != alone {
				t.Errorf("Normalize(%q) = %q, then %q: want a stable non-empty name", h, alone, Normalize(alone))
			}
		}
	})
	t.Run("dictionary values respell to themselves", func(t *testing.T) {
		check := func(from, to string) {
			t.Helper()
			if c := canonWord(to, false); c != to {
				t.Errorf("%q → %q, but %q respells to %q", from, to, to, c)
			}
		}
		for k, v := range variants {
			check(k, v)
		}
		for k, v := range oldJ {
			check(k, v)
		}
	})
	t.Run("no honorific is a common name part", func(t *testing.T) {
		for h := range honorifics {
			if common[h] {
				t.Errorf("%q is both an honorific and a common name part", h)
			}
		}
	})
	t.Run("bare degrees are degrees", func(t *testing.T) {
		for d := range bareDegrees {
			if !degrees[d] {
				t.Errorf("bare degree %q missing from degrees", d)
			}
		}
	})
}
