package web

// catalogHuman is the catalogue's section for the human check of public forms
// (issue 14).
var catalogHuman = catalogPart(map[string]string{
	"I am human":                                     "Saya manusia",
	"Checking that you are human…":                   "Memeriksa bahwa Anda manusia…",
	"Checked: you are human":                         "Terperiksa: Anda manusia",
	"The check failed. Try again.":                   "Pemeriksaan gagal. Coba lagi.",
	"The check expired. Try again.":                  "Pemeriksaan kedaluwarsa. Coba lagi.",
	"Wait until the check is done, then send again.": "Tunggu sampai pemeriksaan selesai, lalu kirim lagi.",
	"Checking… please wait.":                         "Memeriksa… mohon tunggu.",
	"Try again":                                      "Coba lagi",
	"Loading…":                                       "Memuat…",
	"the human check failed or expired: solve it again and resend the form":                               "pemeriksaan manusia gagal atau kedaluwarsa: ulangi pemeriksaannya lalu kirim formulir lagi",
	"the human check is missing: wait until the page has checked you are human, then send the form again": "pemeriksaan manusia belum ada: tunggu sampai halaman selesai memeriksa bahwa Anda manusia, lalu kirim formulir lagi",
	"the human check is not configured":                                                                   "pemeriksaan manusia belum disiapkan",
	"no number up to %d solves the challenge":                                                             "tidak ada angka sampai %d yang memecahkan tantangan",
	"a citizen needs the code of the region they live in":                                                 "warga perlu kode wilayah tempat tinggalnya",
	"a citizen has no organisation":                                                                       "warga tidak memiliki organisasi",
	"not a region code":                                                                                   "bukan kode wilayah",
})
