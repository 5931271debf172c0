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
	// Deactivating users, suspending organisations.
	"deactivated": "dinonaktifkan",
	"Deactivate":  "Nonaktifkan",
	"Signs the user out everywhere and stops its API tokens; it cannot sign in until reactivated.": "Mengeluarkan pengguna dari semua sesi dan menghentikan token API-nya; ia tidak bisa masuk sampai diaktifkan kembali.",
	"Yes, deactivate": "Ya, nonaktifkan",
	"Reactivate":      "Aktifkan kembali",
	"suspended":       "ditangguhkan",
	"Reinstate":       "Pulihkan",
	"Suspend":         "Tangguhkan",
	"A suspended organisation cannot commit; the allocations it holds stay, so the people waiting are still served.": "Organisasi yang ditangguhkan tidak bisa berkomitmen; alokasi yang dipegangnya tetap, sehingga warga yang menunggu tetap dilayani.",
	"Reason for the suspension": "Alasan penangguhan",
	"Yes, suspend":              "Ya, tangguhkan",
	"Deed of establishment":     "Akta pendirian",
	"The user was reactivated.": "Pengguna telah diaktifkan kembali.",
	"The user was deactivated: signed out everywhere, and cannot sign in.":   "Pengguna telah dinonaktifkan: keluar dari semua sesi dan tidak bisa masuk.",
	"The organisation was suspended: it cannot commit; what it holds stays.": "Organisasi telah ditangguhkan: tidak bisa berkomitmen; yang sudah dipegang tetap.",
	"The organisation was reinstated.":                                       "Organisasi telah dipulihkan.",
	"a suspension needs a reason":                                            "penangguhan perlu alasan",
	"the organisation is already suspended":                                  "organisasi ini sudah ditangguhkan",
	"the organisation is not suspended":                                      "organisasi ini tidak sedang ditangguhkan",
	"you cannot deactivate your own account":                                 "Anda tidak bisa menonaktifkan akun Anda sendiri",
	"the account is already active":                                          "akun ini sudah aktif",
	"the account is already deactivated":                                     "akun ini sudah dinonaktifkan",
	// Documents at registration.
	"Documents for the verification": "Dokumen untuk verifikasi",
	"The government checks these before it verifies the organisation. Leave empty what you do not have.": "Pemerintah memeriksa ini sebelum memverifikasi organisasi. Kosongkan yang tidak Anda miliki.",
	"e.g. Akta No. 12, 3 Maret 2020":                                 "mis. Akta No. 12, 3 Maret 2020",
	"the NPWP must be 15 or 16 digits, such as 01.234.567.8-901.000": "NPWP harus 15 atau 16 angka, seperti 01.234.567.8-901.000",
	"deed number": "nomor akta",
	// Forgotten passwords.
	"Forgot your password?": "Lupa kata sandi?",
	"If an account with this email exists, a link to set a new password is on its way. It works once, within an hour.": "Jika ada akun dengan e-mail ini, tautan untuk membuat kata sandi baru sedang dikirim. Tautan hanya berlaku sekali, dalam satu jam.",
	"Type the email of your account. We send a link to set a new password.":                                            "Ketik e-mail akun Anda. Kami mengirim tautan untuk membuat kata sandi baru.",
	"Send the link":                               "Kirim tautan",
	"Set a new password":                          "Buat kata sandi baru",
	"New password":                                "Kata sandi baru",
	"Save the new password":                       "Simpan kata sandi baru",
	"Ask for a new link":                          "Minta tautan baru",
	"Your password was changed. Sign in with it.": "Kata sandi Anda telah diganti. Masuklah dengannya.",
	"this link to set a password has expired or was already used; ask for a new one": "tautan untuk membuat kata sandi ini sudah kedaluwarsa atau sudah dipakai; mintalah yang baru",
	"no outbox for password resets": "tidak ada kotak keluar untuk atur ulang kata sandi",
	"Your organisation is suspended: it cannot commit new aid. What it already holds stays, so deliver it.": "Organisasi Anda ditangguhkan: tidak bisa berkomitmen bantuan baru. Yang sudah dipegang tetap, jadi antarkanlah.",
})
