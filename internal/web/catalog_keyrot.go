package web

// keyRotationWords name the key rotation's audit entries (gotong key rotate,
// issue 16 item 3): their actions and the keys of their details.
var keyRotationWords = map[string]words{
	"audit key.rotate.begin":  {"Memulai penggantian kunci data pribadi", "Began replacing the personal-data key"},
	"audit key.rotate.batch":  {"Menyegel ulang satu kelompok baris dengan kunci baru", "Re-sealed a batch of rows with the new key"},
	"audit key.rotate.table":  {"Menyelesaikan satu tabel dalam penggantian kunci", "Finished a table of the key replacement"},
	"audit key.rotate.finish": {"Menyelesaikan penggantian kunci data pribadi", "Finished replacing the personal-data key"},
	"word table":              {"Tabel", "Table"},
	"word pass":               {"Putaran", "Pass"},
	"word batches":            {"Kelompok baris", "Batches"},
	"word after":              {"Setelah baris", "After row"},
	"word last":               {"Baris terakhir", "Last row"},
}

var catalogKeyRotation = wordsPart(keyRotationWords)
