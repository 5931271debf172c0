package web

// catalogWords is the catalogue's section for words instead of codes (issue 15
// item 5): every audit action, the program's own actors, the refusal pages and the
// common tags. The keys are codes, so English needs its words too (englishWords).
var catalogWords = catalogPart(wordsOf(func(w words) string { return w.id }))

func init() {
	for k, v := range wordsOf(func(w words) string { return w.en }) {
		english[k] = v
	}
}

type words struct{ id, en string }

func wordsOf(pick func(words) string) map[string]string {
	m := map[string]string{}
	for k, w := range codeWords {
		m[k] = pick(w)
	}
	return m
}

// codeWords names each code a person may read, in Indonesian and English.
var codeWords = map[string]words{
	// Audit actions (audit_words_test.go finds every one the code records).
	"audit allocation.codes.export":         {"Mengunduh kode penerima", "Downloaded the recipients' codes"},
	"audit allocation.deliver":              {"Mencatat bantuan sampai", "Recorded aid as delivered"},
	"audit allocation.dispatch":             {"Mengirim bantuan", "Dispatched aid"},
	"audit allocation.expire":               {"Alokasi kedaluwarsa", "An allocation expired"},
	"audit allocation.fail":                 {"Mencatat pengantaran gagal", "Recorded a failed delivery"},
	"audit allocation.overdue":              {"Alokasi melewati batas waktu", "An allocation became overdue"},
	"audit allocation.recipients.view":      {"Melihat daftar penerima", "Viewed the list of recipients"},
	"audit boundary.upload":                 {"Mengunggah batas wilayah", "Uploaded region boundaries"},
	"audit callback.answer":                 {"Mencatat jawaban cek konfirmasi", "Recorded a call-back answer"},
	"audit callback.confirmation.export":    {"Mengunduh hasil cek konfirmasi", "Downloaded call-back confirmations"},
	"audit callback.draw":                   {"Mengambil sampel cek konfirmasi", "Drew a call-back sample"},
	"audit callback.view":                   {"Melihat sampel cek konfirmasi", "Viewed a call-back sample"},
	"audit citizen.collaborate":             {"Warga meminta menjadi kolaborator perorangan", "A citizen asked to become an individual collaborator"},
	"audit citizen.register":                {"Warga mendaftar", "A citizen registered"},
	"audit commitment.cancel":               {"Membatalkan komitmen", "Cancelled a commitment"},
	"audit commitment.certificate":          {"Mengunduh sertifikat komitmen", "Downloaded a commitment certificate"},
	"audit commitment.complete":             {"Komitmen selesai", "A commitment was completed"},
	"audit commitment.create":               {"Membuat komitmen", "Made a commitment"},
	"audit commitment.fill":                 {"Komitmen diisi dari daftar tunggu", "A commitment was filled from the waiting list"},
	"audit courier_provider.secret":         {"Mengganti rahasia penyedia kurir", "Changed a courier provider's secret"},
	"audit delivery.bast":                   {"Mengunduh berita acara serah terima", "Downloaded a handover record"},
	"audit delivery.courier.view":           {"Kurir membuka daftar antar", "The courier opened the delivery list"},
	"audit delivery.create":                 {"Membuat pengantaran", "Created a delivery"},
	"audit delivery.flag":                   {"Menandai pengantaran", "Flagged a delivery"},
	"audit delivery.labels":                 {"Mengunduh label paket", "Downloaded parcel labels"},
	"audit delivery.list.csv":               {"Mengunduh daftar antar", "Downloaded the delivery list"},
	"audit delivery.revoke":                 {"Mencabut tautan kurir", "Revoked a courier link"},
	"audit delivery.stops.view":             {"Melihat alamat tujuan antar", "Viewed the delivery addresses"},
	"audit donation.accept":                 {"Menerima tawaran donasi", "Accepted a donation offer"},
	"audit donation.certificate":            {"Mengunduh sertifikat donasi", "Downloaded a donation certificate"},
	"audit donation.close":                  {"Menutup donasi", "Closed a donation"},
	"audit donation.decline":                {"Menolak tawaran donasi", "Declined a donation offer"},
	"audit donation.map":                    {"Melihat peta donasi", "Viewed the donation map"},
	"audit donation.offer":                  {"Menawarkan donasi barang", "Offered a donation of goods"},
	"audit donation.receipt_pdf":            {"Mengunduh tanda terima donasi", "Downloaded a donation receipt"},
	"audit donation.receive":                {"Mencatat donasi diterima", "Recorded a donation as received"},
	"audit donation.withdraw":               {"Menarik tawaran donasi", "Withdrew a donation offer"},
	"audit duplicate.auto_merge":            {"Menggabungkan data ganda otomatis", "Merged duplicates automatically"},
	"audit duplicate.queue":                 {"Memutuskan data ganda", "Decided on a possible duplicate"},
	"audit export.coverage":                 {"Mengunduh laporan cakupan", "Downloaded the coverage report"},
	"audit help_request.accept":             {"Menerima permintaan bantuan", "Accepted a help request"},
	"audit help_request.decline":            {"Menolak permintaan bantuan", "Declined a help request"},
	"audit help_request.submit":             {"Mengajukan permintaan bantuan", "Submitted a help request"},
	"audit help_request.view_personal_data": {"Melihat data pribadi peminta bantuan", "Viewed a help requester's personal data"},
	"audit idea.comment":                    {"Mengomentari ide", "Commented on an idea"},
	"audit idea.hide":                       {"Menyembunyikan ide", "Hid an idea"},
	"audit idea.offer":                      {"Menawarkan bantuan untuk ide", "Offered help for an idea"},
	"audit idea.propose":                    {"Mengusulkan ide", "Proposed an idea"},
	"audit idea.report":                     {"Melaporkan ide", "Reported an idea"},
	"audit idea.status":                     {"Mengubah status ide", "Changed an idea's status"},
	"audit idea.support":                    {"Mendukung ide", "Supported an idea"},
	"audit import.batch":                    {"Memproses sebagian impor", "Processed part of an import"},
	"audit import.create":                   {"Memulai impor", "Started an import"},
	"audit import.done":                     {"Impor selesai", "An import finished"},
	"audit member.update":                   {"Memperbarui anggota keluarga", "Updated a household member"},
	"audit organization.flag":               {"Menandai organisasi", "Flagged an organisation"},
	"audit organization.limits":             {"Mengubah batas organisasi", "Changed an organisation's limits"},
	"audit organization.register":           {"Organisasi mendaftar", "An organisation registered"},
	"audit organization.verify":             {"Memverifikasi organisasi", "Verified an organisation"},
	"audit organization.reject":             {"Menolak organisasi", "Rejected an organisation"},
	"audit pledge.link":                     {"Menautkan janji bantuan", "Linked a pledge"},
	"audit pledge.make":                     {"Membuat janji bantuan", "Made a pledge"},
	"audit program.close":                   {"Menutup program", "Closed a program"},
	"audit program.create":                  {"Membuat program", "Created a program"},
	"audit program.publish":                 {"Menerbitkan program", "Published a program"},
	"audit program.purge_personal_data":     {"Menghapus data pribadi program", "Purged a program's personal data"},
	"audit program.stacking":                {"Mengubah aturan bantuan ganda", "Changed the stacking rules"},
	"audit program.sync":                    {"Menyinkronkan program", "Synchronised a program"},
	"audit stock.adjust":                    {"Menyesuaikan stok", "Adjusted stock"},
	"audit stock.transfer_in":               {"Menerima kiriman stok", "Received a stock transfer"},
	"audit stock.transfer_out":              {"Mengirim stok", "Sent a stock transfer"},
	"audit stock_item.create":               {"Menambah barang stok", "Added a stock item"},
	"audit target.correct":                  {"Mengoreksi data sasaran", "Corrected a target's data"},
	"audit target.merge":                    {"Menggabungkan sasaran", "Merged targets"},
	"audit target.subject_access":           {"Membuka data pribadi atas permintaan pemiliknya", "Opened personal data at the subject's request"},
	"audit target.update":                   {"Memperbarui data sasaran", "Updated a target"},
	"audit target.view_personal_data":       {"Melihat data pribadi sasaran", "Viewed a target's personal data"},
	"audit token.create":                    {"Membuat token API", "Created an API token"},
	"audit user.create":                     {"Membuat pengguna", "Created a user"},
	"audit user.delete":                     {"Menghapus pengguna", "Deleted a user"},
	"audit warehouse.create":                {"Membuat gudang atau posko", "Created a warehouse or post"},
	"audit warehouse.update":                {"Memperbarui gudang atau posko", "Updated a warehouse or post"},

	"audit message.sent": {"Pesan terkirim", "A message was sent"},
	"audit message.dead": {"Pesan gagal dikirim", "A message could not be sent"},

	// Kinds of message (internal/message), as audit details name them.
	"word recipient_code":      {"Kode penerima", "Recipient's code"},
	"word allocation_expiring": {"Alokasi akan kedaluwarsa", "Allocation about to expire"},
	"word delivery_failed":     {"Pengantaran gagal", "Delivery failed"},
	"word commitment_complete": {"Komitmen selesai", "Commitment completed"},
	"word donation_accepted":   {"Donasi diterima", "Donation accepted"},
	"word donation_declined":   {"Donasi ditolak", "Donation declined"},
	"word donation_received":   {"Donasi sampai", "Donation received"},
	"word pledge_linked":       {"Janji bantuan ditautkan", "Pledge linked"},
	"word help_accepted":       {"Permintaan bantuan diterima", "Help request accepted"},
	"word help_declined":       {"Permintaan bantuan ditolak", "Help request declined"},
	"word help_submitted":      {"Permintaan bantuan diajukan", "Help request submitted"},

	// The program's own actors (app.SystemContext's labels and the web's anonymous).
	"actor bootstrap":         {"Sistem (awal)", "System (first start)"},
	"actor worker":            {"Sistem (pemroses impor)", "System (import worker)"},
	"actor allocation engine": {"Sistem (mesin alokasi)", "System (allocation engine)"},
	"actor message worker":    {"Sistem (pengirim pesan)", "System (message sender)"},
	"actor retention":         {"Sistem (penghapusan berkala)", "System (retention)"},
	"actor cli":               {"Sistem (baris perintah)", "System (command line)"},
	"actor cli purge":         {"Sistem (penghapusan lewat baris perintah)", "System (command-line purge)"},
	"actor demo":              {"Sistem (data contoh)", "System (demo data)"},
	"actor system":            {"Sistem", "System"},
	"actor anonymous":         {"Pengunjung tanpa akun", "A visitor without an account"},
	"actor courier":           {"Kurir: %s", "Courier: %s"},
	"actor courier provider":  {"Penyedia kurir: %s", "Courier provider: %s"},
	// Tags of the registry that are common enough to have words; others show with
	// spaces for underscores (view.Tag).
	"word lansia":         {"Lansia", "Elderly"},
	"word ibu_hamil":      {"Ibu hamil", "Pregnant"},
	"word anak":           {"Anak", "Child"},
	"word balita":         {"Balita", "Under five"},
	"word disabilitas":    {"Disabilitas", "Disability"},
	"word isoman":         {"Isolasi mandiri", "Self-isolating"},
	"word makanan_isoman": {"Makanan isolasi mandiri", "Food for self-isolation"},
	// Kinds of institution (registry.InstitutionKinds).
	"word panti_asuhan": {"Panti asuhan", "Orphanage"},
	"word panti_jompo":  {"Panti jompo", "Home for the elderly"},
	"word pesantren":    {"Pesantren", "Islamic boarding school"},
	"word puskesmas":    {"Puskesmas", "Community health centre"},
	"word rumah_sakit":  {"Rumah sakit", "Hospital"},
	"word lainnya":      {"Lainnya", "Other"},
	// Common keys of audit details.
	"word kind":        {"Jenis", "Kind"},
	"word org":         {"Organisasi", "Organisation"},
	"word org_id":      {"Organisasi", "Organisation"},
	"word name":        {"Nama", "Name"},
	"word allocations": {"Alokasi", "Allocations"},
	"word value":       {"Nilai", "Value"},
	"word targets":     {"Sasaran", "Targets"},
	"word record":      {"Catatan", "Record"},
	"word import_id":   {"Impor", "Import"},
	"word target_id":   {"Sasaran", "Target"},
	"word from":        {"Dari", "From"},
	"word format":      {"Format", "Format"},
	"word fields":      {"Kolom", "Fields"},
	"word row":         {"Baris", "Row"},
	"word quantity":    {"Jumlah", "Quantity"},
	"word recipients":  {"Penerima", "Recipients"},
	"word delivered":   {"Tersalurkan", "Delivered"},
	"word failed":      {"Gagal", "Failed"},
	"word stops":       {"Tujuan antar", "Stops"},
	"word channel":     {"Saluran", "Channel"},
	"word attempts":    {"Percobaan", "Attempts"},
	"word ref":         {"Rujukan", "Reference"},
	"word error":       {"Galat", "Error"},
	"word truncated":   {"Dipotong", "Truncated"},
	"word bytes":       {"Bita", "Bytes"},
	"word units":       {"Unit", "Units"},
	"word reason":      {"Alasan", "Reason"},
	"word region":      {"Wilayah", "Region"},
	"word rows":        {"Baris", "Rows"},
	"word count":       {"Jumlah", "Count"},
	// Kinds of object an audit entry is about.
	"word allocation":       {"Alokasi", "Allocation"},
	"word api_token":        {"Token API", "API token"},
	"word boundary":         {"Batas wilayah", "Region boundary"},
	"word callback_sample":  {"Sampel cek konfirmasi", "Call-back sample"},
	"word commitment":       {"Komitmen", "Commitment"},
	"word courier_provider": {"Penyedia kurir", "Courier provider"},
	"word delivery":         {"Pengantaran", "Delivery"},
	"word donation":         {"Donasi", "Donation"},
	"word duplicate":        {"Data ganda", "Duplicate"},
	"word help_request":     {"Permintaan bantuan", "Help request"},
	"word idea":             {"Ide", "Idea"},
	"word import":           {"Impor", "Import"},
	"word member":           {"Anggota keluarga", "Household member"},
	"word message":          {"Pesan", "Message"},
	"word organization":     {"Organisasi", "Organisation"},
	"word pledge":           {"Janji bantuan", "Pledge"},
	"word program":          {"Program", "Program"},
	"word stock_item":       {"Barang stok", "Stock item"},
	"word target":           {"Sasaran", "Target"},
	"word user":             {"Pengguna", "User"},
	"word warehouse":        {"Gudang atau posko", "Warehouse or post"},
}

// catalogRefusals is the error page's text: per status what happened and what to
// do instead (respond.go's refusals).
var catalogRefusals = catalogPart(map[string]string{
	"Something in what you sent is not right.":                                                                   "Ada yang belum benar pada data yang Anda kirim.",
	"Go back, correct what the message below names, and send it again.":                                          "Kembali, perbaiki yang disebut pesan di bawah, lalu kirim lagi.",
	"This page is only for signed-in users.":                                                                     "Halaman ini hanya untuk pengguna yang sudah masuk.",
	"Log in, and you will come back here.":                                                                       "Silakan masuk; setelah itu Anda kembali ke halaman ini.",
	"This page does not exist, or it is not open to your account.":                                               "Halaman ini tidak ada, atau tidak terbuka untuk akun Anda.",
	"Check the address, or go on from the menu. Records of another region or organisation are not shown to you.": "Periksa alamatnya, atau lanjutkan dari menu. Data wilayah atau organisasi lain tidak ditampilkan untuk Anda.",
	"This cannot be done in the record's current state; someone may have changed it meanwhile.":                  "Ini tidak dapat dilakukan pada keadaan data sekarang; mungkin ada yang baru mengubahnya.",
	"Reload the page to see the current state, then try again.":                                                  "Muat ulang halaman untuk melihat keadaan terbaru, lalu coba lagi.",
	"What you sent is too large.":                                                                                "Data yang Anda kirim terlalu besar.",
	"Split the file into smaller parts and send them one by one.":                                                "Bagi berkas menjadi beberapa bagian kecil dan kirim satu per satu.",
	"There were too many attempts in a short time.":                                                              "Terlalu banyak percobaan dalam waktu singkat.",
	"Wait a minute, then try again.":                                                                             "Tunggu satu menit, lalu coba lagi.",
	"Something went wrong on our side; what you did was not saved.":                                              "Terjadi gangguan di sistem kami; yang Anda lakukan belum tersimpan.",
	"Try again in a moment. If it keeps happening, tell the administrator of the task force.":                    "Coba lagi sebentar lagi. Jika terus terjadi, beri tahu admin satgas.",
	"Back to the previous page":                                                                                  "Kembali ke halaman sebelumnya",
	"Error code":                                                                                                 "Kode galat",
})

// catalogPhone is the phone layout's text (layout.html's menu button).
var catalogPhone = catalogPart(map[string]string{
	"Menu": "Menu",
})
