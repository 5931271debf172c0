package web

// catalogSessions is the catalogue's section for sessions by user and the admin's
// new password (issue 16, item 6).
var catalogSessions = catalogPart(map[string]string{
	"Signed-in sessions": "Sesi yang sedang masuk",
	"Where your account is signed in now. End a session you do not recognise, and change your password.": "Tempat akun Anda sedang masuk. Akhiri sesi yang tidak Anda kenali, lalu ganti kata sandi Anda.",
	"Signed in":              "Masuk sejak",
	"Last seen":              "Terakhir aktif",
	"Client address":         "Alamat klien",
	"this session":           "sesi ini",
	"End session":            "Akhiri sesi",
	"No signed-in sessions.": "Tidak ada sesi yang sedang masuk.",
	"Sessions and password":  "Sesi dan kata sandi",
	"The user's new password, shown this once; pass it on by a way you both trust": "Kata sandi baru pengguna, ditampilkan sekali ini saja; sampaikan lewat cara yang Anda berdua percayai",
	"End every session": "Akhiri semua sesi",
	"Gives the user a new password, shown here once, and ends every session of the user. Its API tokens keep working.": "Memberi pengguna kata sandi baru, ditampilkan di sini sekali saja, dan mengakhiri semua sesi pengguna itu. Token API-nya tetap berlaku.",
	"The session was ended.":               "Sesi telah diakhiri.",
	"Every session of the user was ended.": "Semua sesi pengguna telah diakhiri.",
	"session not found or already ended":   "sesi tidak ditemukan atau sudah diakhiri",
})
