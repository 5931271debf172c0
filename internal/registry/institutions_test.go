package registry

import (
	"testing"

	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

func TestInstitutionsWithCoordinatesInsideTheScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, 100)
		e.importFile(Institution, "lembaga.csv", []byte("Nama Lembaga,Jenis Lembaga,Kelurahan,RW,RT,Alamat,Narahubung,Telepon,Jumlah Penghuni,Latitude,Longitude\n"+
			"Panti Asuhan Al-Hikmah,panti_asuhan,31.71.01.1001,1,1,Jl. A 1,Ustadz Hasan,081234567890,45,-6.1754,106.8272\n"+
			"Puskesmas Cideng,puskesmas,31.71.01.1002,2,1,Jl. B 2,Dr. Rina,081234567891,10,-6.17,106.81\n"+
			"Pesantren Tanpa Titik,pesantren,31.71.01.1001,3,1,Jl. C 3,Kyai Ali,081234567892,80,,\n"+
			"Panti Jompo Menteng,panti_jompo,31.71.06.1001,1,1,Jl. D 4,Bu Sri,081234567893,30,-6.19,106.83\n"))
		ps, err := e.s.Institutions(e.ctx, "31.71.01", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Name != "Panti Asuhan Al-Hikmah" || ps[0].Kind != "panti_asuhan" || ps[0].Lat != -6.1754 || ps[0].Lon != 106.8272 ||
			ps[1].Name != "Puskesmas Cideng" {
			t.Fatalf("institutions of Gambir: %+v", ps)
		}
		if ps, err := e.s.Institutions(e.ctx, "31", 1); err != nil || len(ps) != 1 {
			t.Fatalf("limit 1 over the province: %+v %v", ps, err)
		}
	})
}
