package web

// catalogPublic13 is the catalogue's section for recognition and transparency of
// donations to the task force (issue 13): the public's task-force block and a
// donor's page of where its goods went.
var catalogPublic13 = catalogPart(map[string]string{
	// The home page and the frame.
	"Goods for the task force (Gugus Tugas)": "Barang untuk Gugus Tugas",
	"Goods given to the task force (Gugus Tugas) and received in good condition at its warehouses and posts; the task force distributes them itself.": "Barang yang diberikan kepada Gugus Tugas dan diterima dalam kondisi baik di gudang dan poskonya; Gugus Tugas menyalurkannya sendiri.",
	"donors to the task force":         "donatur Gugus Tugas",
	"donor to the task force":          "donatur Gugus Tugas",
	"Goods received by the task force": "Barang yang diterima Gugus Tugas",
	"units in good condition":          "unit dalam kondisi baik",

	// The donor's page.
	"Where your donations went":           "Ke mana donasi Anda pergi",
	"Where my donations went":             "Ke mana donasi saya pergi",
	"What you gave":                       "Yang Anda berikan",
	"Where it went":                       "Ke mana barangnya pergi",
	"offered (rupiah)":                    "ditawarkan (rupiah)",
	"received in good condition (rupiah)": "diterima dalam kondisi baik (rupiah)",
	"Offer to the warehouse":              "Penawaran ke gudang",
	"Goods given":                         "Barang yang diberikan",
	"units offered":                       "unit ditawarkan",
	"units arrived":                       "unit tiba",
	"Kecamatan / kelurahan":               "Kecamatan / kelurahan",
	"your share":                          "bagian Anda",
	"Not distributed yet.":                "Belum disalurkan.",
	"Nothing of yours has arrived at a warehouse yet.": "Belum ada barang Anda yang tiba di gudang.",
	"The task force distributes each warehouse's stock of an item as a whole. Your part of what it distributed is pro rata: your good units received over all good units the warehouse received of that item. Areas only, never a person; a health program is shown by kecamatan and counts under 5 as <5.": "Gugus Tugas menyalurkan stok setiap barang di sebuah gudang secara keseluruhan. Bagian Anda dari yang disalurkan dihitung secara proporsional: unit baik Anda yang diterima dibagi seluruh unit baik barang itu yang diterima gudang. Hanya wilayah, tidak pernah orang; program kesehatan ditampilkan per kecamatan dan jumlah di bawah 5 sebagai <5.",
	"You gave %s %s of the %s %s this warehouse received: your share is %s%%.": "Anda memberikan %s %s dari %s %s yang diterima gudang ini: bagian Anda %s%%.",
	"no such organisation": "organisasi tidak ditemukan",
})
