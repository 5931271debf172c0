package web

// catalogStock is the catalogue's section for the stock ledger's operations
// (adjustments, transfers) and commitments that give from a warehouse's stock
// (issue 13).
var catalogStock = catalogPart(map[string]string{
	"name the item": "sebutkan barangnya",
	"an adjustment adds or takes 1 to %d units":                "penyesuaian menambah atau mengurangi 1 sampai %d satuan",
	"give the reason for the adjustment (1 to %d characters)":  "tuliskan alasan penyesuaian (1 sampai %d karakter)",
	"name the warehouse to transfer to":                        "sebutkan gudang tujuan pemindahan",
	"the warehouse to transfer to does not exist":              "gudang tujuan pemindahan tidak ada",
	"a transfer goes to another warehouse":                     "pemindahan harus ke gudang lain",
	"an item is given from a warehouse: name the warehouse_id": "barang stok diberikan dari gudang: sebutkan warehouse_id",

	// The commitment form and page of the task force.
	"From the task force's stock":  "Dari stok gugus tugas",
	"Our own goods (no warehouse)": "Barang kami sendiri (bukan dari gudang)",
	"Stock item":                   "Barang stok",
	"The program's item":           "Barang program",
	"The whole quantity is reserved from the warehouse's stock; goods leave it when they are delivered.": "Seluruh jumlah dipesan dari stok gudang; barang keluar dari gudang saat sudah diantar.",
	"From the stock of":      "Dari stok",
	"Warehouse to give from": "Gudang asal barang",
})
