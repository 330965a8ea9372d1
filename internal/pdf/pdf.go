// Package pdf writes simple text documents as PDF: headings, paragraphs
// and tables on A4 pages, with a banner at the top and bottom of every
// page, in Japanese and English.
//
// Text is set in a non-embedded Adobe-Japan1 CID font (Kozuka Mincho, with
// the predefined UniJIS-UCS2-HW-H encoding, whose Latin letters are
// half-width), so the writer needs no font file: a PDF reader supplies the
// font (Acrobat from its Asian font pack, poppler, pdf.js and macOS
// Preview from the system's Japanese fonts). A ToUnicode map keeps the text
// searchable and extractable. Characters outside the Basic Multilingual
// Plane are written as U+FFFD.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A4 in points, and the margins.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 50.0
	bannerSize   = 9.0
)

// Document is a document being laid out.
type Document struct {
	title  string
	banner string
	pages  []*bytes.Buffer
	y      float64
}

// New starts a document whose every page carries banner at its top and
// bottom.
func New(title, banner string) *Document {
	d := &Document{title: title, banner: banner}
	d.newPage()
	return d
}

func (d *Document) page() *bytes.Buffer { return d.pages[len(d.pages)-1] }

func (d *Document) newPage() {
	d.pages = append(d.pages, &bytes.Buffer{})
	d.y = pageH - margin - 20
}

// need starts a new page unless h points fit above the bottom margin.
func (d *Document) need(h float64) {
	if d.y-h < margin+20 {
		d.newPage()
	}
}

// Heading writes a heading.
func (d *Document) Heading(text string, size float64) {
	d.need(size * 2.2)
	d.y -= size * 0.8
	for _, line := range wrap(text, size, pageW-2*margin) {
		d.text(margin, d.y, size, line)
		d.y -= size * 1.3
	}
	d.y -= size * 0.3
}

// Paragraph writes wrapped text.
func (d *Document) Paragraph(text string, size float64) {
	for _, line := range wrap(text, size, pageW-2*margin) {
		d.need(size * 1.4)
		d.text(margin, d.y, size, line)
		d.y -= size * 1.4
	}
	d.y -= size * 0.5
}

// Table writes rows in columns of the given relative widths; the first
// row is the header, repeated on a new page. Cells wrap within their
// column.
func (d *Document) Table(widths []float64, rows [][]string, size float64) {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	cols := make([]float64, len(widths))
	for i, w := range widths {
		cols[i] = w / total * (pageW - 2*margin)
	}
	for r, row := range rows {
		cells := make([][]string, len(cols))
		lines := 1
		for i := range cols {
			if i < len(row) {
				cells[i] = wrap(row[i], size, cols[i]-4)
			}
			lines = max(lines, len(cells[i]))
		}
		h := float64(lines) * size * 1.3
		if d.y-h < margin+20 && r > 0 {
			d.newPage()
			d.row(cols, wrapRow(rows[0], cols, size), size, 1)
		}
		d.row(cols, cells, size, lines)
	}
	d.y -= size
}

func wrapRow(row []string, cols []float64, size float64) [][]string {
	out := make([][]string, len(cols))
	for i := range cols {
		if i < len(row) {
			out[i] = wrap(row[i], size, cols[i]-4)
		}
	}
	return out
}

func (d *Document) row(cols []float64, cells [][]string, size float64, lines int) {
	x := margin
	for i, c := range cols {
		for j, line := range cells[i] {
			d.text(x, d.y-float64(j)*size*1.3, size, line)
		}
		x += c
	}
	d.y -= float64(lines)*size*1.3 + 2
	fmt.Fprintf(d.page(), "0.7 G %.2f %.2f m %.2f %.2f l S 0 G\n", margin, d.y+size*0.9, pageW-margin, d.y+size*0.9)
}

// text places one line at (x, y).
func (d *Document) text(x, y, size float64, s string) {
	fmt.Fprintf(d.page(), "BT /F1 %.1f Tf %.2f %.2f Td <%s> Tj ET\n", size, x, y, ucs2(s))
}

// width of a code point in thousandths of the font size, as the font's
// widths array says: half-width for ASCII and half-width katakana.
func width(r rune) float64 {
	if r >= 0x20 && r <= 0x7e || r >= 0xff61 && r <= 0xff9f {
		return 500
	}
	return 1000
}

// wrap breaks s into lines no wider than w points at size, at spaces when
// it can and between any two characters when it must (Japanese has no
// spaces).
func wrap(s string, size, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		lw, lastSpace := 0.0, -1
		for _, r := range para {
			if r == '\t' {
				r = ' '
			}
			cw := width(r) * size / 1000
			if lw+cw > w && len(line) > 0 {
				cut := len(line)
				if lastSpace > 0 && r != ' ' {
					cut = lastSpace
				}
				out = append(out, strings.TrimRight(string(line[:cut]), " "))
				line = []rune(strings.TrimLeft(string(line[cut:]), " "))
				lw, lastSpace = 0, -1
				for _, c := range line {
					lw += width(c) * size / 1000
				}
			}
			if r == ' ' {
				lastSpace = len(line)
			}
			line = append(line, r)
			lw += cw
		}
		out = append(out, string(line))
	}
	return out
}

// ucs2 encodes s as the hex string of its UCS-2 codes.
func ucs2(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xffff || r == utf8.RuneError || r < 0x20 {
			r = 0xfffd
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}
