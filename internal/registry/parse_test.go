package registry

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzParseRows feeds arbitrary bytes through the CSV reader, the header mapping and
// the row validator of every kind: no input may panic, every row must end either as
// a record or with at least one reason, and every reason must name a column of the
// template (or the row) and say something.
func FuzzParseRows(f *testing.F) {
	f.Add([]byte(householdHeader + "3171010101200001,3171010203700001,Budi,1970-03-02,L,Kepala Keluarga,Gambir,5,3,Jl. A,,0812345678,lansia\n"))
	f.Add([]byte("\ufeffNo KK;NIK;Nama;Tanggal Lahir;Jenis Kelamin;Hubungan Keluarga;Kelurahan;RW;RT;Alamat KTP\r\n\"3171\n\";3.17101E+15;=1+1;31/02/1980;X;?;31.71;0;1000;\r\n"))
	f.Add([]byte("Kelurahan,RW,Nama Ketua RW,Telepon,Jumlah KK,Jumlah Jiwa,Tag\nGambir,1,Pak RW,0812,300,200,x y\n"))
	f.Add([]byte("Nama Lembaga,Jenis Lembaga,Kelurahan,RW,RT,Alamat,Narahubung,Telepon,Jumlah Penghuni,Latitude,Longitude,Tag\nPanti,panti_asuhan,Gambir,,,Jl. B,Bu,,40,-6.2,\n"))
	f.Add([]byte{0xff, 0xfe, 0x00, ',', '"', '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range Kinds {
			rr, err := newCSVReader(bytes.NewReader(data), Limits{})
			if err != nil {
				continue
			}
			_, header, err := rr.Next()
			if err != nil {
				continue
			}
			pos, err := mapHeader(kind, header)
			if err != nil {
				continue
			}
			headers := map[string]bool{"": true}
			for _, c := range templates[kind] {
				headers[c.header] = true
			}
			v := newValidator(kind, pos, testRegions, "31", "31")
			for range 50 {
				line, cells, err := rr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					continue
				}
				rec, ps := v.parse(line, cells)
				if ps == nil && rec.hash == "" {
					t.Fatalf("row %d accepted without a content hash", line)
				}
				for _, p := range ps {
					if !headers[p.col] || strings.TrimSpace(p.reason.String()) == "" {
						t.Fatalf("row %d: problem %+v names no template column or gives no reason", line, p)
					}
				}
			}
		}
	})
}

// TestTemplatesImportAsTheyAre downloads every template, as CSV and XLSX, and imports
// it unchanged: the example row must be a valid row, and the XLSX must carry the guide
// sheet and text-formatted columns.
func TestTemplatesImportAsTheyAre(t *testing.T) {
	for _, kind := range Kinds {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(string(kind)+" "+format, func(t *testing.T) {
				e := newEnv(t, openSQLite(t), 100)
				var buf bytes.Buffer
				if err := WriteTemplate(&buf, kind, format); err != nil {
					t.Fatal(err)
				}
				if format == "xlsx" {
					f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					sheets := f.GetSheetList()
					if len(sheets) != 2 || sheets[1] != "Panduan" {
						t.Fatalf("sheets %v, want Data and Panduan", sheets)
					}
					guide, _ := f.GetRows("Panduan")
					if len(guide) < len(templates[kind])+1 {
						t.Fatalf("the guide has %d rows for %d columns", len(guide), len(templates[kind]))
					}
					f.Close()
				}
				im := e.importFile(kind, "templat."+format, buf.Bytes())
				if im.Accepted != 1 || im.Rejected != 0 {
					t.Fatalf("the template's example row: %s\n%s", counters(im), e.errorsCSV(im.ID))
				}
				// Importing the same template again holds nothing new.
				if again := e.importFile(kind, "templat."+format, buf.Bytes()); again.Merged != 1 {
					t.Fatalf("second import of the template: %s", counters(again))
				}
			})
		}
	}
	if _, err := (func() (int, error) { var b bytes.Buffer; return 0, WriteTemplate(&b, "bogus", "csv") })(); err == nil {
		t.Fatal("a template of an unknown kind was written")
	}
}
