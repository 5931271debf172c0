package web

// catalogDup is the catalogue's section for the duplicate review an office can
// decide (issue 15 item 9): the errors of moving one member between its KKs.
var catalogDup = catalogPart(map[string]string{
	"decision must be merge, distinct or move":                                    "keputusan harus merge, distinct atau move",
	"to must be one of the pair's two targets":                                    "to harus salah satu dari dua penerima dalam pasangan",
	"member_id is required to move a member":                                      "member_id wajib diisi untuk memindahkan anggota",
	"member not found in the other household of this pair":                        "anggota tidak ditemukan di keluarga lain dalam pasangan ini",
	"only members of households can be moved; merge or mark them distinct":        "hanya anggota keluarga yang dapat dipindahkan; gabungkan atau tandai berbeda",
	"the head of a household cannot be moved: merge the two, or correct the file": "kepala keluarga tidak dapat dipindahkan: gabungkan keduanya, atau perbaiki berkasnya",
	"Move one person to the other KK":                                             "Pindahkan satu orang ke KK yang lain",
	"When one person is listed in the wrong KK, or in both, move them: they leave this KK and join the other (the same person already there is kept once). The households stay apart.": "Bila seseorang tercatat di KK yang salah, atau di keduanya, pindahkan dia: dia keluar dari KK ini dan masuk ke KK yang lain (orang yang sama yang sudah ada di sana dicatat sekali). Kedua keluarga tetap terpisah.",
	"Move %s to the other KK": "Pindahkan %s ke KK yang lain",
	"Households":              "Keluarga",
})
