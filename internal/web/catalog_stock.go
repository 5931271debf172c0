package web

// catalogStock is the catalogue's section for the stock ledger's operations
// (adjustments, transfers) and commitments that give from a warehouse's stock
// (issue 13).
var catalogStock = catalogPart(map[string]string{
	"name the item": "sebutkan barangnya",
	"an adjustment adds or takes 1 to %d units":               "penyesuaian menambah atau mengurangi 1 sampai %d satuan",
	"give the reason for the adjustment (1 to %d characters)": "tuliskan alasan penyesuaian (1 sampai %d karakter)",
	"name the warehouse to transfer to":                       "sebutkan gudang tujuan pemindahan",
	"the warehouse to transfer to does not exist":             "gudang tujuan pemindahan tidak ada",
	"a transfer goes to another warehouse":                    "pemindahan harus ke gudang lain",
})
