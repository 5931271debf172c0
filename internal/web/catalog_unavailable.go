package web

// catalogUnavailable is the catalogue's section for a database that does not
// answer (issue 16): the 503 answer and its error page.
var catalogUnavailable = catalogPart(map[string]string{
	"the database is not answering; try again in a moment":                                  "basis data tidak menjawab; coba lagi sebentar lagi",
	"The service cannot reach its database just now; what you did was not saved.":           "Layanan tidak dapat menghubungi basis datanya saat ini; yang Anda lakukan tidak tersimpan.",
	"Wait a moment and try again: the service resumes by itself when its database is back.": "Tunggu sebentar lalu coba lagi: layanan berjalan kembali dengan sendirinya begitu basis datanya kembali.",
})
