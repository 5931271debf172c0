package web

// catalogGive is the catalogue's section for citizens who give (issue 14):
// citizens' accounts, individual collaborators and pledges to aggregators.
var catalogGive = catalogPart(map[string]string{
	"an individual collaborator commits at most %d units at a time": "kolaborator perorangan berkomitmen paling banyak %d satuan sekali",
	"aggregator not found":                                        "agregator tidak ditemukan",
	"quantity must be a whole number from 1 to %d":                "jumlah harus bilangan bulat dari 1 sampai %d",
	"commitment_id is required":                                   "commitment_id wajib diisi",
	"this pledge is linked to another commitment already":         "sumbangan ini sudah terhubung ke komitmen lain",
	"what you give":                                               "yang Anda sumbangkan",
	"pledge not found":                                            "sumbangan tidak ditemukan",
	"individual collaborator not found":                           "kolaborator perorangan tidak ditemukan",
	"only a citizen may ask to become an individual collaborator": "hanya warga yang dapat meminta menjadi kolaborator perorangan",
})
