package message

// The messages of the registry's duplicate review (issue 15): an organisation
// serving a household that an office merged into another is told by e-mail, with
// the two households named by masked No. KK and place only.
//
//	household_merged  program, dropped (the household merged away), kept (the one kept), units
func init() {
	Kinds["household_merged"] = kind([]string{"program", "dropped", "kept", "units"},
		"Keluarga penerima {{.program}} digabung",
		"Kantor wilayah menggabungkan keluarga {{.dropped}} yang Anda layani untuk {{.program}} ke keluarga {{.kept}}: keduanya ternyata satu keluarga. Alokasi Anda ({{.units}} unit) tidak dibatalkan dan tetap milik Anda; kebutuhannya ditandai \"perlu diperiksa\" untuk petugas kantor, yang dapat menghubungi Anda. Tidak ada alokasi baru untuk keluarga yang digabung.",
		"A {{.program}} household was merged",
		"The regional office merged the household {{.dropped}} that you serve for {{.program}} into the household {{.kept}}: the two turned out to be one family. Your allocation ({{.units}} units) is not cancelled and stays yours; its need is flagged \"needs to check\" for the office, who may contact you. Nothing new is allocated to the merged household.")
}
