package testkit

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// PDF builds a one-page PDF whose page shows lines, one under the other,
// in Helvetica. encrypted adds a Standard security handler whose password
// is not empty, as a password-protected PDF has.
func PDF(encrypted bool, lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
	for _, l := range lines {
		l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
		content.WriteString("(" + l + ") Tj T*\n")
	}
	content.WriteString("ET")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	trailer := ""
	if encrypted {
		objs = append(objs, "<< /Filter /Standard /V 1 /R 2 /O <"+strings.Repeat("41", 32)+"> /U <"+strings.Repeat("42", 32)+"> /P -4 >>")
		trailer = fmt.Sprintf(" /Encrypt %d 0 R /ID [<%s> <%s>]", len(objs), strings.Repeat("ab", 16), strings.Repeat("ab", 16))
	}
	return pdfFile(objs, trailer)
}

// pdfFile writes objects (numbered from 1, the first the catalog) with
// their cross-reference table; extra goes into the trailer.
func pdfFile(objs []string, extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extra, xref)
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>%s</Types>`

func ooxml(entries map[string]string, override string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("[Content_Types].xml")
	_, _ = fmt.Fprintf(w, contentTypes, override)
	for name, body := range entries {
		w, _ := z.Create(name)
		_, _ = io.WriteString(w, body)
	}
	_ = z.Close()
	return b.Bytes()
}

func paragraphs(ps []string) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + html.EscapeString(p) + `</w:t></w:r></w:p>`)
	}
	return b.String()
}

// DOCX builds a Word document with the paragraphs.
func DOCX(ps ...string) []byte {
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		paragraphs(ps) + `</w:body></w:document>`
	return ooxml(map[string]string{"word/document.xml": doc},
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`)
}

// PPTX builds a presentation, one slide per text.
func PPTX(slides ...string) []byte {
	entries := map[string]string{}
	for i, s := range slides {
		entries[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = `<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` +
			html.EscapeString(s) + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	}
	entries["ppt/presentation.xml"] = `<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`
	return ooxml(entries, `<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>`)
}

// XLSX builds a workbook whose first sheet holds rows.
func XLSX(rows ...[]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			_ = f.SetCellValue("Sheet1", cell, v)
		}
	}
	b, _ := f.WriteToBuffer()
	return b.Bytes()
}

// ZipBombDOCX builds a small file that claims to be a Word document and
// whose document.xml expands to 300 MiB (its header says so).
func ZipBombDOCX() []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("[Content_Types].xml")
	_, _ = fmt.Fprintf(w, contentTypes, `<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`)
	zipEntry(z, "word/document.xml", repeated{block: make([]byte, 1<<20), n: 300}, 0)
	_ = z.Close()
	return b.Bytes()
}
