package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/exercise/exercisetest"
	"github.com/kizuna-dev/kizuna/exercise/report"
)

func input(t *testing.T) report.Input {
	w := exercisetest.NewWorld(t)
	w.Play()
	res := w.Evaluate(72 * time.Hour)
	f := res.Findings()
	n := 0
	ca := evaluate.Review(nil, res, f, func() string {
		n++
		return fmt.Sprintf("x-kizuna-corrective-action--00000000-0000-4000-8000-0000000000%02d", n)
	})
	return report.Input{Result: res, Findings: f, Corrective: ca, Issued: exercisetest.Startex.Add(80 * time.Hour), By: w.Ex.ControlRef}
}

// TestHTMLReport: the after-action report shows the banner at its top and
// bottom, both languages, every expectation with its status, the findings
// and corrective actions, and escapes what the scenario says.
func TestHTMLReport(t *testing.T) {
	in := input(t)
	in.Result.Exercise.Participants[1].Name["en"] = `<script>alert(1)</script>`
	b, err := report.HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	banner := "EXERCISE 演習 " + in.Result.Exercise.ID
	if strings.Count(html, banner) != 2 || strings.Index(html, banner) > strings.Index(html, "<h1>") ||
		strings.LastIndex(html, banner) < strings.LastIndex(html, "</table>") {
		t.Error("the EXERCISE banner is not at the top and the bottom")
	}
	for _, want := range []string{"事後検討報告", "黒潮シールド2027", "KUROSHIO SHIELD 2027", `class="late">late`, `class="missed">missed`,
		"jpn-node#", "F-01", "是正措置", "T&#43;0s", "consult.close"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") {
		t.Error("scenario text is not escaped")
	}
	if got, want := strings.Count(html, `<td class="`), len(in.Result.Outcomes); got != want {
		t.Errorf("%d expectation rows, want %d", got, want)
	}
}

// TestPDFReport: the PDF is well-formed (every cross-reference offset
// points at its object), and, where poppler's pdftotext is installed, its
// text holds the banner on every page, both languages and the outcomes.
func TestPDFReport(t *testing.T) {
	in := input(t)
	b := report.PDF(in)
	if !bytes.HasPrefix(b, []byte("%PDF-1.5")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatal("not a PDF file")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	lines := strings.Split(string(b[xref:]), "\n")
	count, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	for i := 1; i < count; i++ {
		off, _ := strconv.Atoi(strings.Fields(lines[2+i])[0])
		if want := fmt.Sprintf("%d 0 obj", i); !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q", i, b[off:off+10])
		}
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is not installed; the text was not checked")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "aar.pdf")
	os.WriteFile(file, b, 0o600)
	out, err := exec.Command(tool, "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	pages := strings.Split(text, "\f")
	pages = pages[:len(pages)-1]
	if len(pages) < 3 {
		t.Errorf("%d pages", len(pages))
	}
	for i, p := range pages {
		if strings.Count(p, "EXERCISE 演習") < 2 {
			t.Errorf("page %d lacks the banner at its top and bottom", i+1)
		}
	}
	for _, want := range []string{"事後検討報告", "黒潮シールド2027", "After-action report", "missed", "jpn-port-isac", "是正措置"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF text lacks %q", want)
		}
	}
	if os.Getenv("KIZUNA_WRITE_AAR") != "" {
		os.WriteFile(os.Getenv("KIZUNA_WRITE_AAR"), b, 0o600)
	}
}
