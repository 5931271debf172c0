package document

import "codeberg.org/go-pdf/fpdf"

// column is one column of a document's table: its title, width in mm and
// alignment; wrap lets its text run to a second line (names, places), where a
// column that does not wrap is cut to fit (numbers are never split).
type column struct {
	title string
	w     float64
	align string
	wrap  bool
}

// table draws a bordered table at the left margin: the header in bold of size
// head, then one row per entry of rows in font size size, each as tall as its
// tallest cell. A row that
// would cross bottom starts a new page with the header again. It stops at the
// first error of the PDF.
func table(pdf *fpdf.Fpdf, cols []column, head, size float64, rows [][]string) {
	header := func() {
		pdf.SetFont(family, "B", head)
		pdf.SetFillColor(230, 230, 230)
		pdf.SetX(bastMargin)
		for _, c := range cols {
			pdf.CellFormat(c.w, 6, c.title, "1", 0, c.align, true, 0, "")
		}
		pdf.Ln(6)
	}
	header()
	cells := make([][]string, len(cols))
	for _, text := range rows {
		pdf.SetFont(family, "", size)
		n := 1
		for c, col := range cols {
			if col.wrap {
				cells[c] = lines(pdf, text[c], col.w-2, 2)
			} else {
				cells[c] = []string{fit(pdf, text[c], col.w-2)}
			}
			n = max(n, len(cells[c]))
		}
		h := float64(n)*lineH + 1.6
		if pdf.GetY()+h > bastBottom {
			pdf.AddPage()
			header()
			pdf.SetFont(family, "", size)
		}
		x, y := bastMargin, pdf.GetY()
		for c, col := range cols {
			pdf.Rect(x, y, col.w, h, "D")
			for k, s := range cells[c] {
				pdf.SetXY(x, y+0.8+float64(k)*lineH)
				pdf.CellFormat(col.w, lineH, s, "", 0, col.align, false, 0, "")
			}
			x += col.w
		}
		pdf.SetXY(bastMargin, y+h)
		if pdf.Err() {
			return
		}
	}
}
