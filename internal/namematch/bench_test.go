package namematch

import "testing"

// benchNames is a mix of raw names as imports deliver them: titles, old
// spellings, abbreviations, plain names.
var benchNames = []string{
	"Budi Santoso, S.E., M.M.", "Budi Santoso", "H. Moch. Soedjono, S.H.", "Muhammad Sujono",
	"Siti Aminah", "Aminah Siti", "Dewi Lestari", "Dewi Lestiani",
	"Agus Santoso", "Agus Susanto", "Muhammad Rizki Pratama", "M. Rizki Pratama",
	"Hj. Sitti Noerhajati", "Siti Nurhayati", "I Made Suarta", "Ni Made Suarta",
	"Ahmad bin Yusuf", "Yusuf bin Ahmad", "Tjoa Kian Hoo", "Coa Kian Hoo",
	"Drs. Achmad Djunaedi", "Ahmad Junaidi", "Putra Pratama", "Putri Pratama",
	"Hotman Paris Hutapea", "Hotman P. Hutapea", "Nur'aini Lubis", "Nuraini Lubis",
	"Abdulrahman Hakim", "Abdul Rahman Hakim", "Bambang Pamungkas", "Bambang Pamungas",
	"Soesilo Bambang Joedhojono", "Susilo Bambang Yudhoyono", "Rina Wati", "Rini Wati",
	"Fransiskus Xaverius Hadi", "Fransiskus Hadi", "Tan Siok Lan", "Tan Siok Hwa",
}

var sink float64
var sinkString string

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sinkString = Normalize(benchNames[i%len(benchNames)])
		i++
	}
}

// BenchmarkSimilarity compares raw names, normalising both on every call.
func BenchmarkSimilarity(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j := i % (len(benchNames) / 2) * 2
		sink = Similarity(benchNames[j], benchNames[j+1])
		i++
	}
}

// BenchmarkCompare compares names normalised once, as the registry does
// when it scores one record against the others in its block.
func BenchmarkCompare(b *testing.B) {
	norm := make([]string, len(benchNames))
	for i, n := range benchNames {
		norm[i] = Normalize(n)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j := i % (len(norm) / 2) * 2
		sink = Compare(norm[j], norm[j+1])
		i++
	}
}
