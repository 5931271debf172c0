package web

// catalogForms is the catalogue's section for forms that take regions by name and
// numbers as Indonesians write them (issue 15, items 3 and 4).
var catalogForms = catalogPart(map[string]string{
	// Errors.
	"%s: %q fits several regions, write one of: %s":                "%s: %q cocok dengan beberapa wilayah, tulis salah satu dari: %s",
	"%s: no region %q in the province; write its name or its code": "%s: tidak ada wilayah %q di provinsi ini; tulis nama atau kodenya",
	"q must be at most 100 characters":                             "q paling banyak 100 karakter",
	// Pages.
	"Regions (names or codes, separated by commas; empty: the whole province)": "Wilayah (nama atau kode, dipisah koma; kosong: seluruh provinsi)",
	"Phase name":                    "Nama tahap",
	"Starts":                        "Mulai",
	"Ends":                          "Selesai",
	"Leave a row empty to skip it.": "Biarkan baris kosong untuk melewatinya.",
	"Type a name or a code":         "Ketik nama atau kode",
	"No region with this name":      "Tidak ada wilayah dengan nama ini",
})
