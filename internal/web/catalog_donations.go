package web

// catalogDonations is the catalogue's section for donations to the task force
// (issue 13): warehouses, the catalogue of goods and stock.
var catalogDonations = catalogPart(map[string]string{
	"the catalogue holds %d items already":        "katalog sudah berisi %d barang",
	"only %d available (%d on hand, %d reserved)": "hanya %d yang tersedia (%d di gudang, %d sudah dipesan)",
	"nothing on hand expiring on %q":              "tidak ada stok dengan tanggal kedaluwarsa %q",
	"no such warehouse":                           "gudang tidak ditemukan",
	"no such donation":                            "donasi tidak ditemukan",
	"no such receipt":                             "tanda terima tidak ditemukan",
	"the warehouse's catalogue has no item %q: name the stock item to give": "katalog tidak memuat barang %q: sebutkan barang stok yang akan diberikan",
	"contact phone is not an Indonesian phone number":                       "nomor telepon kontak bukan nomor Indonesia",
	"the catalogue has %q already":                                          "katalog sudah memuat %q",
	"only %d on hand":                                                       "hanya %d di gudang",
	"only %d on hand expiring on %q":                                        "hanya %d di gudang dengan tanggal kedaluwarsa %q",
	"kind must be gudang or posko":                                          "jenis harus gudang atau posko",
	"a warehouse lies in a kota or a smaller region":                        "gudang harus berada di sebuah kota atau wilayah yang lebih kecil",
	"the distributing organisation must be a verified organisation":         "organisasi penyalur harus organisasi yang sudah diverifikasi",
})
