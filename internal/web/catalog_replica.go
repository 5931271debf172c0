package web

// The read replica's note on the dashboard (issue 16).
var catalogReplica = catalogPart(map[string]string{
	"These figures are read from a copy of the database that was %s seconds behind when the page was made.": "Angka ini dibaca dari salinan basis data yang tertinggal %s detik saat halaman dibuat.",
})
