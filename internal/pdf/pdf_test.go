package pdf

import (
	"bytes"
	"strings"
	"testing"
)

// TestWrap: lines break at spaces when they can, between any two
// characters when they must, and never exceed the width.
func TestWrap(t *testing.T) {
	lines := wrap("alpha beta gamma delta", 10, 60) // 12 half-width characters a line
	if strings.Join(lines, "|") != "alpha beta|gamma delta" {
		t.Errorf("%q", lines)
	}
	lines = wrap("日本語の文章には空白がない", 10, 50) // five full-width characters a line
	if strings.Join(lines, "|") != "日本語の文|章には空白|がない" {
		t.Errorf("%q", lines)
	}
	if got := ucs2("a😀\x01"); got != "0061FFFDFFFD" {
		t.Errorf("ucs2 = %s", got)
	}
}

// TestPagesCarryTheBanner: a document long enough for several pages has
// the banner twice on each.
func TestPagesCarryTheBanner(t *testing.T) {
	d := New("t", "EXERCISE")
	for i := 0; i < 200; i++ {
		d.Paragraph("line", 10)
	}
	if len(d.pages) < 2 {
		t.Fatalf("%d pages", len(d.pages))
	}
	b := d.Bytes()
	if n := bytes.Count(b, []byte("<"+ucs2("EXERCISE")+">")); n != 2*len(d.pages) {
		t.Errorf("%d banners on %d pages", n, len(d.pages))
	}
}
