package message

// The messages of help requests (issue 14, package help): the person who asked, and
// the person helped when they gave a phone, get an SMS with the reference at each
// step. Kept in their own file so that the kinds of each part stay apart.
//
//	help_submitted  reference
//	help_accepted   reference, program
//	help_declined   reference, reason (the office's words)
func init() {
	Kinds["help_submitted"] = kind([]string{"reference"},
		"Permintaan bantuan diterima",
		"Permintaan bantuan Anda tercatat dengan nomor {{.reference}}. Cek statusnya di /bantuan/status dengan nomor ini dan 4 angka terakhir telepon Anda.",
		"Help request received",
		"Your help request is recorded as {{.reference}}. Check its status at /bantuan/status with this number and the last 4 digits of your phone.")
	Kinds["help_accepted"] = kind([]string{"reference", "program"},
		"Permintaan bantuan disetujui",
		"Permintaan bantuan {{.reference}} disetujui dan masuk program {{.program}}. Petugas akan menghubungi Anda.",
		"Help request accepted",
		"Help request {{.reference}} was accepted into the program {{.program}}. Staff will contact you.")
	Kinds["help_declined"] = kind([]string{"reference", "reason"},
		"Permintaan bantuan tidak disetujui",
		"Permintaan bantuan {{.reference}} tidak dapat disetujui: {{.reason}}",
		"Help request declined",
		"Help request {{.reference}} could not be accepted: {{.reason}}")
}
