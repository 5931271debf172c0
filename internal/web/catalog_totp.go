package web

// catalogTOTP is the catalogue's section for the second factor of admins and
// offices (issue 16, item 6): enrolment, the code at sign-in, recovery codes and
// the admin's reset.
var catalogTOTP = catalogPart(map[string]string{
	"Second factor":                                             "Faktor kedua",
	"Set up a second factor":                                    "Pasang faktor kedua",
	"Your recovery codes":                                       "Kode pemulihan Anda",
	"The 6-digit code of your authenticator app":                "Kode 6 angka dari aplikasi autentikator Anda",
	"Lost your phone? Type one of your recovery codes instead.": "Ponsel hilang? Ketik salah satu kode pemulihan Anda.",
	"Sign in": "Masuk",
	"Admins and offices sign in with a password and a code from an authenticator app on their phone (such as Google Authenticator, Microsoft Authenticator or FreeOTP).": "Admin dan kantor masuk dengan kata sandi dan kode dari aplikasi autentikator di ponsel (misalnya Google Authenticator, Microsoft Authenticator, atau FreeOTP).",
	"Scan this QR code with the app:":        "Pindai kode QR ini dengan aplikasi tersebut:",
	"QR code of the second factor":           "Kode QR faktor kedua",
	"Or type this key into the app by hand:": "Atau ketik kunci ini di aplikasi secara manual:",
	"Type the 6-digit code the app shows:":   "Ketik kode 6 angka yang ditampilkan aplikasi:",
	"Turn on the second factor":              "Aktifkan faktor kedua",
	"The second factor is on. If you lose your phone, each of these codes signs you in once. Write them down or print them now and keep them safe: they are not shown again.": "Faktor kedua sudah aktif. Jika ponsel Anda hilang, setiap kode ini dapat dipakai masuk satu kali. Catat atau cetak sekarang dan simpan baik-baik: kode ini tidak ditampilkan lagi.",
	"Continue":            "Lanjut",
	"Reset second factor": "Atur ulang faktor kedua",
	"For a lost phone: signs the user out; at the next sign-in it sets up a new second factor.": "Untuk ponsel yang hilang: pengguna dikeluarkan; saat masuk berikutnya ia memasang faktor kedua baru.",
	"Yes, reset": "Ya, atur ulang",
	"The second factor was reset: the user is signed out and sets up a new one at the next sign-in.": "Faktor kedua telah diatur ulang: pengguna dikeluarkan dan memasang yang baru saat masuk berikutnya.",
	// Errors of package account (factor.go) and of the web layer.
	"second factor required: finish signing in with the code of your authenticator app": "faktor kedua diperlukan: selesaikan masuk dengan kode dari aplikasi autentikator Anda",
	"the code is wrong or was already used; type the code your app shows now":           "kode salah atau sudah dipakai; ketik kode yang ditampilkan aplikasi Anda sekarang",
	"too many wrong codes; wait five minutes and try again":                             "terlalu banyak kode salah; tunggu lima menit lalu coba lagi",
	"no second factor is set up":                                                        "belum ada faktor kedua yang dipasang",
	"a second factor is already set up":                                                 "faktor kedua sudah dipasang",
	"you cannot reset your own second factor; ask another admin":                        "Anda tidak dapat mengatur ulang faktor kedua Anda sendiri; minta admin lain",
	"this user has no second factor to reset":                                           "pengguna ini tidak memiliki faktor kedua untuk diatur ulang",
	"no key for second factors":                                                         "tidak ada kunci untuk faktor kedua",
})

// factorWords name the audit actions of the second factor, as codeWords does.
var factorWords = map[string]words{
	"audit user.factor_enrol":    {"Memasang faktor kedua", "Set up a second factor"},
	"audit user.factor_recovery": {"Masuk dengan kode pemulihan", "Signed in with a recovery code"},
	"audit user.factor_reset":    {"Mengatur ulang faktor kedua pengguna", "Reset a user's second factor"},
}

var catalogFactorWords = wordsPart(factorWords)
