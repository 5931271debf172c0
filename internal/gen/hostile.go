package gen

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"slices"
	"strings"
)

// Hostile workbooks, for tests of readers that take files from outside: zip bombs,
// sheets of nothing but whitespace or empty rows, XML that breaks, entity expansion,
// deep nesting, huge shared-string tables. Each is a minimal XLSX (the parts Excel
// needs to find the first sheet) whose sheet, or shared strings, is the attack.
// Gigabyte-sized parts cost a few megabytes and no compression time: the compressed
// block of one repeated unit is written again and again.

// Part is the XML of one workbook part: Prefix, then Unit Repeat times, then Suffix.
type Part struct {
	Prefix, Unit []byte
	Repeat       int64
	Suffix       []byte
}

// Size is the part's unpacked size.
func (p Part) Size() int64 {
	return int64(len(p.Prefix)) + p.Repeat*int64(len(p.Unit)) + int64(len(p.Suffix))
}

// PlainPart is a part with no repeated unit.
func PlainPart(s string) Part { return Part{Prefix: []byte(s)} }

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// WriteWorkbook writes an XLSX whose first (and only) sheet is sheet and whose shared
// strings, when shared is not nil, are *shared. extra parts, if any, are added as they are.
func WriteWorkbook(w io.Writer, sheet Part, shared *Part, extra map[string]Part) error {
	zw := zip.NewWriter(w)
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	rels := `<Relationship Id="rId1" Type="` + nsRels + `/worksheet" Target="worksheets/sheet1.xml"/>`
	if shared != nil {
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		rels += `<Relationship Id="rId2" Type="` + nsRels + `/sharedStrings" Target="sharedStrings.xml"/>`
	}
	parts := []struct {
		name string
		part Part
	}{
		{"[Content_Types].xml", PlainPart(types + `</Types>`)},
		{"_rels/.rels", PlainPart(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="` + nsPkg + `">` +
			`<Relationship Id="rId1" Type="` + nsRels + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", PlainPart(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="` + nsMain + `" xmlns:r="` + nsRels + `">` +
			`<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", PlainPart(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="` + nsPkg + `">` + rels + `</Relationships>`)},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	if shared != nil {
		parts = append(parts, struct {
			name string
			part Part
		}{"xl/sharedStrings.xml", *shared})
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		parts = append(parts, struct {
			name string
			part Part
		}{name, extra[name]})
	}
	for _, p := range parts {
		if err := writePart(zw, p.name, p.part); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return zw.Close()
}

// writePart deflates p into the zip. A repeated unit is compressed twice, after the
// prefix and after itself; the second block refers only to the 32 KiB before it, which
// is the same before every repetition, so it is written Repeat-1 times as it is.
func writePart(zw *zip.Writer, name string, p Part) error {
	if p.Repeat == 0 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err == nil {
			_, err = w.Write(append(p.Prefix[:len(p.Prefix):len(p.Prefix)], p.Suffix...))
		}
		return err
	}
	if p.Repeat > 1 && len(p.Unit) < 32<<10 {
		return fmt.Errorf("a repeated unit must be at least 32 KiB, the deflate window")
	}
	var head bytes.Buffer
	fw, err := flate.NewWriter(&head, flate.BestCompression)
	if err != nil {
		return err
	}
	var block []byte
	_, _ = fw.Write(p.Prefix)
	if p.Repeat > 0 {
		_, _ = fw.Write(p.Unit)
	}
	if err := fw.Flush(); err != nil {
		return err
	}
	if p.Repeat > 1 {
		mark := head.Len()
		_, _ = fw.Write(p.Unit)
		if err := fw.Flush(); err != nil {
			return err
		}
		block = append(block, head.Bytes()[mark:]...)
		head.Truncate(mark)
	}
	// The suffix gets a compressor of its own: it refers to nothing before it, and
	// its last block is the final one.
	var tail bytes.Buffer
	tw, err := flate.NewWriter(&tail, flate.BestCompression)
	if err != nil {
		return err
	}
	_, _ = tw.Write(p.Suffix)
	if err := tw.Close(); err != nil {
		return err
	}
	crc := crc32.Update(0, crc32.IEEETable, p.Prefix)
	for range p.Repeat {
		crc = crc32.Update(crc, crc32.IEEETable, p.Unit)
	}
	crc = crc32.Update(crc, crc32.IEEETable, p.Suffix)
	repeats := max(p.Repeat-1, 0)
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc, UncompressedSize64: uint64(p.Size()),
		CompressedSize64: uint64(int64(head.Len()) + repeats*int64(len(block)) + int64(tail.Len()))}
	w, err := zw.CreateRaw(hdr)
	if err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	for range repeats {
		if _, err := w.Write(block); err != nil {
			return err
		}
	}
	_, err = w.Write(tail.Bytes())
	return err
}

// SheetRow is the XML of row r with cells as inline strings, from column A on.
func SheetRow(r int, cells ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, c := range cells {
		if c == "" {
			continue
		}
		fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>`, column(i), r)
		_ = xml.EscapeText(&b, []byte(c))
		b.WriteString(`</t></is></c>`)
	}
	b.WriteString(`</row>`)
	return b.String()
}

// column is the letters of the 0-based column i (A, B, … Z, AA …).
func column(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// SheetXML wraps rows (SheetRow's output) in a worksheet.
func SheetXML(rows ...string) string { return sheetOpen + strings.Join(rows, "") + sheetClose }

const (
	sheetOpen  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="` + nsMain + `"><sheetData>`
	sheetClose = `</sheetData></worksheet>`
)

// repeated is s repeated to at least 1 MiB.
func repeated(s string) []byte { return bytes.Repeat([]byte(s), (1<<20+len(s)-1)/len(s)) }

// BombXLSX is a workbook whose header row is header and whose row 2 holds one cell
// of about mib MiB of the letter A (3 MiB of file for a 3 GiB cell).
func BombXLSX(w io.Writer, header []string, mib int64) error {
	return WriteWorkbook(w, Part{
		Prefix: []byte(sheetOpen + SheetRow(1, header...) + `<row r="2"><c r="A2" t="inlineStr"><is><t>`),
		Unit:   repeated("A"), Repeat: mib,
		Suffix: []byte(`</t></is></c></row>` + sheetClose),
	}, nil, nil)
}

// FillerXLSX is a workbook whose header row is followed by about mib MiB of filler
// (spaces between rows, empty row elements: anything that may stand between rows),
// then rows.
func FillerXLSX(w io.Writer, header []string, filler string, mib int64, rows ...string) error {
	return WriteWorkbook(w, Part{
		Prefix: []byte(sheetOpen + SheetRow(1, header...)),
		Unit:   repeated(filler), Repeat: mib,
		Suffix: []byte(strings.Join(rows, "") + sheetClose),
	}, nil, nil)
}

// BrokenXLSX is a workbook of rows (the header first) whose XML breaks inside row
// breakAt (a cell is never closed), followed by rows after.
func BrokenXLSX(w io.Writer, rows [][]string, breakAt int, after [][]string) error {
	var xs []string
	for i, r := range rows {
		xs = append(xs, SheetRow(i+1, r...))
	}
	xs = append(xs, fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>rusak</t></is></row>`, breakAt, breakAt))
	for i, r := range after {
		xs = append(xs, SheetRow(breakAt+1+i, r...))
	}
	return WriteWorkbook(w, PlainPart(SheetXML(xs...)), nil, nil)
}

// BillionLaughsXLSX is the "billion laughs": a sheet that declares nested entities in a
// DTD and uses the last one in row 2, after a good header row.
func BillionLaughsXLSX(w io.Writer, header []string) error {
	var dtd strings.Builder
	dtd.WriteString(`<!DOCTYPE worksheet [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&dtd, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	dtd.WriteString(`]>`)
	sheet := `<?xml version="1.0" encoding="UTF-8"?>` + dtd.String() + `<worksheet xmlns="` + nsMain + `"><sheetData>` +
		SheetRow(1, header...) + `<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>` + sheetClose
	return WriteWorkbook(w, PlainPart(sheet), nil, nil)
}

// DeepXLSX is a workbook whose header row is followed by depth nested elements.
func DeepXLSX(w io.Writer, header []string, depth int) error {
	return WriteWorkbook(w, PlainPart(sheetOpen+SheetRow(1, header...)+`<row r="2"><c r="A2">`+
		strings.Repeat("<x>", depth)+strings.Repeat("</x>", depth)+`</c></row>`+sheetClose), nil, nil)
}

// ManySharedStringsXLSX is a workbook whose header row uses shared strings, and whose
// shared-string table then holds about mib MiB of empty strings (five bytes each).
func ManySharedStringsXLSX(w io.Writer, header []string, mib int64) error {
	return sharedStringsXLSX(w, header, "", repeated("<si/>"), mib, "")
}

// LongSharedStringXLSX is a workbook whose header row uses shared strings, and whose
// shared-string table then holds one string of about mib MiB.
func LongSharedStringXLSX(w io.Writer, header []string, mib int64) error {
	return sharedStringsXLSX(w, header, "<si><t>", repeated("A"), mib, "</t></si>")
}

func sharedStringsXLSX(w io.Writer, header []string, open string, unit []byte, mib int64, close string) error {
	var sst, row strings.Builder
	fmt.Fprintf(&row, `<row r="1">`)
	for i, h := range header {
		fmt.Fprintf(&row, `<c r="%s1" t="s"><v>%d</v></c>`, column(i), i)
		sst.WriteString(`<si><t>`)
		_ = xml.EscapeText(&sst, []byte(h))
		sst.WriteString(`</t></si>`)
	}
	row.WriteString(`</row>`)
	shared := Part{
		Prefix: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="` + nsMain + `">` + sst.String() + open),
		Unit:   unit, Repeat: mib,
		Suffix: []byte(close + `</sst>`),
	}
	return WriteWorkbook(w, PlainPart(SheetXML(row.String())), &shared, nil)
}

// ManyPartsXLSX is a workbook with a header row and n more (empty) files in it.
func ManyPartsXLSX(w io.Writer, header []string, n int) error {
	extra := map[string]Part{}
	for i := range n {
		extra[fmt.Sprintf("xl/media/leer%05d.bin", i)] = PlainPart("")
	}
	return WriteWorkbook(w, PlainPart(SheetXML(SheetRow(1, header...))), nil, extra)
}
