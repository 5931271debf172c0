package web

// catalogResend is the catalogue's section for the fix file (issue 15, item 10):
// an import's rejected rows given back to be fixed and sent again.
var catalogResend = catalogPart(map[string]string{
	"Original line": "Baris asal",
	"This row was not rejected, but another row of the same household (same No KK) was: send the household again whole.": "Baris ini sendiri tidak ditolak, tetapi baris lain dari keluarga yang sama (No KK sama) ditolak: kirim lagi keluarga ini secara utuh.",
	"Download the rows to fix":                         "Unduh baris yang perlu diperbaiki",
	"Fix the rows in this file, then upload it again.": "Perbaiki baris di berkas ini lalu unggah lagi.",
	"Technical list of errors (CSV, for scripts)":      "Daftar kesalahan teknis (CSV, untuk skrip)",
})
