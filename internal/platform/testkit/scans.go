package testkit

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // DecodeConfig reads the rendered JPEG's size
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Scan renders a page of lines (as PDFPages sets them, so in Latin
// letters without å, ä and ö: Helvetica's standard encoding lacks them)
// to an image with poppler's pdftoppm, as a scanner would give it: format
// is "png" or "jpeg". make test installs pdftoppm (scripts/services.sh).
func Scan(t testing.TB, format string, lines ...string) []byte {
	t.Helper()
	prog, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatalf("pdftoppm (poppler-utils) is needed to render a scan; run `make test`, which installs it")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "page.pdf")
	if err := os.WriteFile(in, PDFPages("", lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(prog, "-r", "150", "-gray", "-"+format, "-singlefile", in, filepath.Join(dir, "scan")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	ext := map[string]string{"png": ".png", "jpeg": ".jpg"}[format]
	data, err := os.ReadFile(filepath.Join(dir, "scan"+ext))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ScannedPDF builds a PDF whose pages are images of their lines and hold
// no text, as a scanner makes them; a nil page is a page with text (its
// only line "Typed page.").
func ScannedPDF(t testing.TB, pages ...[]string) []byte {
	t.Helper()
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids []string
	for _, lines := range pages {
		var content, resources string
		if lines == nil {
			content, resources = "BT /F1 12 Tf 1 0 0 1 72 700 Tm (Typed page.) Tj ET", "<< /Font << /F1 3 0 R >> >>"
		} else {
			jpeg := Scan(t, "jpeg", lines...)
			c, _, err := image.DecodeConfig(bytes.NewReader(jpeg))
			if err != nil {
				t.Fatal(err)
			}
			space := "/DeviceRGB"
			if c.ColorModel == color.GrayModel {
				space = "/DeviceGray"
			}
			objs = append(objs, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream",
				c.Width, c.Height, space, len(jpeg), jpeg))
			content = "q 612 0 0 792 0 0 cm /Im1 Do Q"
			resources = fmt.Sprintf("<< /XObject << /Im1 %d 0 R >> >>", len(objs))
		}
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources %s >>", len(objs), resources))
		kids = append(kids, fmt.Sprintf("%d 0 R", len(objs)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages))
	return pdfFile(objs, "")
}

// BlankPDF builds a PDF of n empty pages.
func BlankPDF(n int) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"}
	kids := strings.Repeat("3 0 R ", n)
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.TrimSpace(kids), n)
	return pdfFile(objs, "")
}
