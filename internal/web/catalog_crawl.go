package web

// catalogCrawl is the catalogue's section for texts that were typed straight into
// templates, or made from codes without the catalogue, and so stayed English on
// Indonesian pages (issue 15): found by TestTemplatesTypeNoText and the
// accessibility crawl's English check.
var catalogCrawl = catalogPart(map[string]string{
	"Breadcrumb":     "Jejak navigasi",
	"pcs, box, pack": "pcs, dus, paket",
	"Week 1":         "Minggu 1",
})

// detailWords name the keys of audit entries' details that had no words: the
// audit log showed them as English made from the code ("Received by given").
var detailWords = map[string]words{
	"word answer":             {"Jawaban", "Answer"},
	"word asked":              {"Diminta", "Asked"},
	"word before":             {"Sebelumnya", "Before"},
	"word category":           {"Kategori", "Category"},
	"word certificate":        {"Sertifikat", "Certificate"},
	"word chars":              {"Karakter", "Characters"},
	"word clear":              {"Kantor yang melihat data terbuka", "Office seeing data in clear"},
	"word comment":            {"Komentar", "Comment"},
	"word complete":           {"Selesai", "Complete"},
	"word contacts_shown":     {"Kontak yang ditampilkan", "Contacts shown"},
	"word cursor":             {"Posisi halaman", "Page position"},
	"word deliver_by":         {"Dikirim paling lambat", "Deliver by"},
	"word drawn":              {"Terpilih", "Drawn"},
	"word ended_before":       {"Berakhir sebelum", "Ended before"},
	"word failures":           {"Kegagalan", "Failures"},
	"word filename":           {"Nama berkas", "File name"},
	"word flag":               {"Tanda", "Flag"},
	"word good":               {"Dalam kondisi baik", "In good condition"},
	"word ids":                {"Pengenal", "Identifiers"},
	"word item":               {"Barang", "Item"},
	"word keep":               {"Dipertahankan", "Kept"},
	"word line":               {"Baris", "Line"},
	"word lines":              {"Jumlah baris", "Lines"},
	"word location":           {"Lokasi", "Location"},
	"word matched_existing":   {"Cocok dengan yang sudah ada", "Matched an existing one"},
	"word need_ids":           {"Kebutuhan", "Needs"},
	"word need_kind":          {"Jenis kebutuhan", "Kind of need"},
	"word needs":              {"Jumlah kebutuhan", "Needs"},
	"word noted":              {"Dengan catatan", "With a note"},
	"word offer":              {"Tawaran", "Offer"},
	"word office":             {"Kantor", "Office"},
	"word open_limit":         {"Batas komitmen terbuka", "Open commitments limit"},
	"word organizations":      {"Organisasi", "Organisations"},
	"word pairs":              {"Pasangan", "Pairs"},
	"word perishable":         {"Mudah rusak", "Perishable"},
	"word phase":              {"Tahap", "Phase"},
	"word phases":             {"Tahap-tahap", "Phases"},
	"word pool":               {"Jumlah yang dapat dipilih", "Pool"},
	"word program_id":         {"Program", "Program"},
	"word receipt":            {"Tanda terima", "Receipt"},
	"word received_by_given":  {"Nama penerima diisi", "Recipient's name given"},
	"word reference":          {"Nomor rujukan", "Reference"},
	"word report":             {"Laporan", "Report"},
	"word reused":             {"Dipakai ulang", "Reused"},
	"word reveal_limit":       {"Batas alamat yang ditampilkan", "Addresses shown limit"},
	"word revealed":           {"Ditampilkan", "Shown"},
	"word same_person":        {"Orang yang sama", "Same person"},
	"word sample":             {"Sampel", "Sample"},
	"word stack_exempt":       {"Dikecualikan dari aturan tumpang tindih", "Exempt from stacking"},
	"word stack_group":        {"Kelompok tumpang tindih", "Stack group"},
	"word text":               {"Teks", "Text"},
	"word title":              {"Judul", "Title"},
	"word to":                 {"Ke", "To"},
	"word unit":               {"Satuan", "Unit"},
	"word urgency":            {"Tingkat kedaruratan", "Urgency"},
	"word what":               {"Apa", "What"},
	"word accepted":           {"Diterima", "Accepted"},
	"word added":              {"Ditambahkan", "Added"},
	"word allocations_sha256": {"Sidik alokasi (SHA-256)", "Allocations' fingerprint (SHA-256)"},
	"word email":              {"E-mail", "E-mail"},
	"word flagged":            {"Ditandai", "Flagged"},
	"word ids_sha256":         {"Sidik pengenal (SHA-256)", "Identifiers' fingerprint (SHA-256)"},
	"word label":              {"Label", "Label"},
	"word link_expires_at":    {"Tautan berlaku sampai", "Link valid until"},
	"word merged":             {"Digabung", "Merged"},
	"word proof":              {"Bukti", "Proof"},
	"word provider":           {"Penyedia", "Provider"},
	"word rejected":           {"Ditolak", "Rejected"},
	"word reopened":           {"Dibuka kembali", "Reopened"},
	"word resized":            {"Ukurannya diubah", "Resized"},
	"word review":             {"Perlu diperiksa", "To review"},
	"word role":               {"Peran", "Role"},
	"word updated":            {"Diperbarui", "Updated"},
	"word user_id":            {"Pengguna", "User"},
	"word voided":             {"Dibatalkan", "Voided"},
	"word waitlisted":         {"Masuk daftar tunggu", "Waitlisted"},
	"word waitlisted_dropped": {"Keluar dari daftar tunggu", "Dropped from the waiting list"},
	"word warnings":           {"Peringatan", "Warnings"},
	"word allocated":          {"Dialokasikan", "Allocated"},
	"word commitment_id":      {"Komitmen", "Commitment"},
	"word ended":              {"Berakhir", "Ended"},
	"word errors":             {"Galat", "Errors"},
	"word expires_on":         {"Kedaluwarsa pada", "Expires on"},
	"word features":           {"Fitur peta", "Map features"},
	"word level":              {"Tingkat", "Level"},
	"word matched":            {"Cocok", "Matched"},
	"word members":            {"Anggota", "Members"},
	"word move":               {"Perpindahan", "Move"},
	"word org_before":         {"Organisasi sebelumnya", "Organisation before"},
	"word points_after":       {"Titik sesudah", "Points after"},
	"word points_before":      {"Titik sebelum", "Points before"},
	"word property":           {"Atribut", "Property"},
	"word reasons":            {"Alasan", "Reasons"},
	"word region_before":      {"Wilayah sebelumnya", "Region before"},
	"word requested":          {"Diminta", "Requested"},
	"word reset_id":           {"Permintaan atur ulang", "Reset request"},
	"word score":              {"Skor", "Score"},
	"word session":            {"Sesi", "Session"},
	"word sessions":           {"Sesi", "Sessions"},
	"word unmatched":          {"Tidak cocok", "Unmatched"},
	"word user_email":         {"Email pengguna", "User e-mail"},
	"word withheld_limit":     {"Ditahan karena batas", "Withheld by the limit"},
	"word withheld_not_due":   {"Ditahan karena belum waktunya", "Withheld as not yet due"},
}

var catalogDetailWords = wordsPart(detailWords)

// wordsPart adds a section of words for codes to the catalogue: the Indonesian
// side as a catalogue part, the English side to english.
func wordsPart(ws map[string]words) map[string]string {
	m := map[string]string{}
	for k, w := range ws {
		m[k] = w.id
		english[k] = w.en
	}
	return catalogPart(m)
}
