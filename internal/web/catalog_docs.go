package web

// catalogDocs is the catalogue's section for the documents of donations (issue
// 13): the receipt of an intake, the donor's certificate and their public check.
var catalogDocs = catalogPart(map[string]string{
	"nothing given by this organisation has been received yet":       "belum ada barang dari organisasi ini yang diterima",
	"This receipt of donated goods was issued by Gotong and states:": "Tanda terima barang donasi ini diterbitkan oleh Gotong dan menyatakan:",
	"This donor's certificate was issued by Gotong and states:":      "Piagam donatur ini diterbitkan oleh Gotong dan menyatakan:",
	"Receipt number":           "Nomor tanda terima",
	"Certificate number":       "Nomor piagam",
	"Donor organisation":       "Organisasi donatur",
	"Warehouse or post":        "Gudang atau posko",
	"Received at":              "Diterima pada",
	"Donated item":             "Barang donasi",
	"Units in good condition":  "Jumlah baik",
	"Units damaged":            "Jumlah rusak",
	"Units expired":            "Jumlah kedaluwarsa",
	"Expiry date of the goods": "Tanggal kedaluwarsa barang",
	"Good units (stocked)":     "Jumlah baik (masuk stok)",
	"Good units received":      "Jumlah baik yang diterima",
	"Value of the good units":  "Nilai barang baik",
})
