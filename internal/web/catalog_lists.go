package web

// catalogLists is the catalogue's section for lists that page and count (issue
// 15): totals, page links and the commitment page's recipient filter.
var catalogLists = catalogPart(map[string]string{
	"%s of %s recipients shown":                    "%s dari %s penerima ditampilkan",
	"%s of %s commitments shown":                   "%s dari %s komitmen ditampilkan",
	"%s of %s targets shown":                       "%s dari %s sasaran ditampilkan",
	"%s of %s imports shown":                       "%s dari %s impor ditampilkan",
	"%s of %s pairs shown":                         "%s dari %s pasangan ditampilkan",
	"Collaborator":                                 "Kolaborator",
	"Name of anyone in the household":              "Nama siapa pun dalam keluarga",
	"Previous page":                                "Halaman sebelumnya",
	"Pages":                                        "Halaman",
	"Everything needed here is already allocated.": "Semua yang dibutuhkan di sini sudah dialokasikan.",
})
