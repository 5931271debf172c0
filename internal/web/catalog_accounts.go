package web

// catalogAccounts is the catalogue's section for feedback on slow actions and
// confirmation steps (issue 15 item 7) and for accounts: forgotten passwords,
// deactivated users, suspended organisations, an organisation's documents
// (issue 15 item 11).
var catalogAccounts = catalogPart(map[string]string{
	// Feedback and confirmation.
	"Working…": "Memproses…",
	"A published program cannot go back to draft.": "Program yang sudah diterbitkan tidak bisa kembali menjadi draf.",
	"Yes, publish the program":                     "Ya, terbitkan program",
	"The other household's members move to the one kept and it leaves the registry. A merge cannot be undone.": "Anggota keluarga yang lain pindah ke yang dipertahankan dan keluarga itu keluar dari data sasaran. Penggabungan tidak bisa dibatalkan.",
	"Yes, merge them": "Ya, gabungkan",
	"A verified organisation can commit aid and sees the addresses of the people it serves.": "Organisasi terverifikasi dapat berkomitmen memberi bantuan dan melihat alamat orang yang dilayaninya.",
	"Yes, verify": "Ya, verifikasi",
	"I am sure":   "Saya yakin",
})
