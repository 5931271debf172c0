// Package document renders the printed documents of a delivery as PDF: the labels
// stuck on each package, the handover record (berita acara serah terima, BAST)
// signed at the end of a run, and the thank-you certificate an organisation gets
// when its commitment is complete (issue 11). It also signs the record each
// document states, so a public page can prove a printed copy genuine.
//
// It is pure rendering: it reads no database and checks no permission. The caller
// (the deliver package) gathers what it may show, masks NIKs, and passes plain
// values; what a document prints is exactly what it is given. A label never holds a
// recipient code, and no type here has a field for one.
//
// The text is Indonesian, set in the Go fonts (golang.org/x/image/font/gofont,
// embedded and subset into each PDF as UTF-8 TrueType, so "é" or "ñ" in a name print
// as themselves). Text from people is cleaned before it is set: control, format
// (zero-width, bidirectional overrides) and characters the font lacks are dropped
// or shown as "?", and each field is cut to its box with "…", so no name can break
// the layout or hide text.
//
// Memory: fpdf keeps the document it builds in memory until Output, so a document
// costs about its compressed size plus the rows given; BenchmarkBAST1000 and
// BenchmarkLabels1000 measure it for a run of 1,000 stops.
package document
