package pdf

import (
	"bytes"
	"fmt"
	"strconv"
)

// Bytes returns the PDF file.
func (d *Document) Bytes() []byte {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) int {
		offsets = append(offsets, out.Len())
		n := len(offsets)
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", n, body)
		return n
	}
	stream := func(dict string, data []byte) int {
		offsets = append(offsets, out.Len())
		n := len(offsets)
		fmt.Fprintf(&out, "%d 0 obj\n<< %s /Length %d >>\nstream\n", n, dict, len(data))
		out.Write(data)
		out.WriteString("\nendstream\nendobj\n")
		return n
	}
	out.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	// Objects 1 and 2 are the catalog and the page tree; pages follow.
	catalog := obj("<< /Type /Catalog /Pages 2 0 R >>")
	_ = catalog
	offsets = append(offsets, 0) // 2: written last, when the kids are known
	pagesAt := len(offsets) - 1
	desc := obj("<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 6 /FontBBox [-437 -340 1147 1317] " +
		"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 742 /StemV 80 >>")
	cid := obj(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor %d 0 R "+
		"/DW 1000 /W [231 632 500] >>", desc))
	toUnicode := stream("", identityToUnicode())
	font := obj(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular-UniJIS-UCS2-HW-H "+
		"/Encoding /UniJIS-UCS2-HW-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", cid, toUnicode))
	info := obj("<< /Title <FEFF" + ucs2(d.title) + "> /Producer (kizuna) >>")
	var kids []int
	for i, p := range d.pages {
		var content bytes.Buffer
		d.decorate(&content, i+1)
		content.Write(p.Bytes())
		c := stream("", content.Bytes())
		kids = append(kids, obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "+
			"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pageW, pageH, font, c)))
	}
	var kb bytes.Buffer
	for _, k := range kids {
		fmt.Fprintf(&kb, "%d 0 R ", k)
	}
	offsets[pagesAt] = out.Len()
	fmt.Fprintf(&out, "2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", kb.String(), len(kids))
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, info, xref)
	return out.Bytes()
}

// decorate draws the banner at the top and bottom of a page, in red as
// classification banners are, and the page number.
func (d *Document) decorate(b *bytes.Buffer, n int) {
	bw := 0.0
	for _, r := range d.banner {
		bw += width(r) * bannerSize / 1000
	}
	x := (pageW - bw) / 2
	fmt.Fprintf(b, "0.75 0 0 rg BT /F1 %.1f Tf %.2f %.2f Td <%s> Tj ET\n", bannerSize, x, pageH-30, ucs2(d.banner))
	fmt.Fprintf(b, "BT /F1 %.1f Tf %.2f %.2f Td <%s> Tj ET 0 g\n", bannerSize, x, 22.0, ucs2(d.banner))
	fmt.Fprintf(b, "BT /F1 8 Tf %.2f 10 Td <%s> Tj ET\n", pageW/2-4, ucs2(strconv.Itoa(n)))
}

// identityToUnicode maps every two-byte code to the same Unicode code
// point: the encoding is UCS-2, so the codes are the text.
func identityToUnicode() []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for hi := 0; hi < 256; hi += 100 {
		n := min(100, 256-hi)
		fmt.Fprintf(&b, "%d beginbfrange\n", n)
		for i := hi; i < hi+n; i++ {
			fmt.Fprintf(&b, "<%02X00> <%02XFF> <%02X00>\n", i, i, i)
		}
		b.WriteString("endbfrange\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
