package message

// The messages of accounts (issue 15, package account): the link that sets a
// forgotten password.
//
//	password_reset  link, minutes (how long the link works)
func init() {
	Kinds["password_reset"] = kind([]string{"link", "minutes"},
		"Atur ulang kata sandi Gotong",
		"Seseorang (semoga Anda) meminta mengatur ulang kata sandi akun Gotong Anda. Buka tautan ini dalam {{.minutes}} menit untuk membuat kata sandi baru; tautan hanya berlaku sekali: {{.link}} — Jika Anda tidak memintanya, abaikan e-mail ini; kata sandi Anda tetap.",
		"Reset your Gotong password",
		"Someone (hopefully you) asked to reset the password of your Gotong account. Open this link within {{.minutes}} minutes to choose a new password; it works once: {{.link}} — If you did not ask, ignore this e-mail; your password stays as it is.")
}
