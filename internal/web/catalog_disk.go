package web

// A full disk's refusals (issue 16 item 4).
var catalogDisk = catalogPart(map[string]string{
	"the database's disk is full; nothing was saved: try again once an administrator has freed space": "disk basis data penuh; tidak ada yang tersimpan: coba lagi setelah administrator mengosongkan ruang",
	"the server's disk is full; nothing was saved: try again once an administrator has freed space":   "disk server penuh; tidak ada yang tersimpan: coba lagi setelah administrator mengosongkan ruang",
})
