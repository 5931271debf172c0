package web

// catalogCrawl is the catalogue's section for texts that were typed straight into
// templates and so stayed English on Indonesian pages (issue 15): found by
// TestTemplatesTypeNoText and the accessibility crawl's English check.
var catalogCrawl = catalogPart(map[string]string{
	"Breadcrumb":     "Jejak navigasi",
	"pcs, box, pack": "pcs, dus, paket",
	"Week 1":         "Minggu 1",
})
