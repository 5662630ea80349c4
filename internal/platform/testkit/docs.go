package testkit

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
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

// PDFPages builds a PDF of pages of lines, as a word processor sets
// them: a line that starts with "# " is a heading in 18 pt type, other
// lines are body text in 11 pt, each line a text object of its own at
// its place on the page; an empty line leaves a gap (a new paragraph).
// Text is written in PDFDocEncoding, so Latin-1 letters and the ligatures
// "ﬁ" and "ﬂ" are one byte each. title goes into the document info.
func PDFPages(title string, pages ...[]string) []byte {
	n := len(pages)
	kids := make([]string, n)
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Title (" + pdfString(title) + ") >>"}
	for i, lines := range pages {
		var content strings.Builder
		y := 760.0
		for _, l := range lines {
			size := 11.0
			if h, ok := strings.CutPrefix(l, "# "); ok {
				size, l = 18, h
				y -= 8
			}
			if l == "" {
				y -= 14
				continue
			}
			fmt.Fprintf(&content, "BT /F1 %g Tf 1 0 0 1 72 %g Tm (%s) Tj ET\n", size, y, pdfString(l))
			y -= size * 1.25
		}
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 3 0 R >> >> >>", len(objs)+2),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		kids[i] = fmt.Sprintf("%d 0 R", len(objs)-1)
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	return pdfFile(objs, " /Info 4 0 R")
}

// pdfString escapes a PDF string and encodes it in PDFDocEncoding.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 'ﬁ':
			b.WriteByte(0x93)
		case r == 'ﬂ':
			b.WriteByte(0x94)
		case r < 0x100:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// WordHeading is a Word paragraph in the heading style of level.
func WordHeading(level int, text string) string {
	return fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="Heading%d"/></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>`, level, html.EscapeString(text))
}

// WordItem is a Word paragraph in a numbered (bulleted) list.
func WordItem(text string) string {
	return `<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>` + html.EscapeString(text) + `</w:t></w:r></w:p>`
}

// WordTable is a Word table of rows, the first its header.
func WordTable(rows ...[]string) string {
	var b strings.Builder
	b.WriteString("<w:tbl>")
	for _, row := range rows {
		b.WriteString("<w:tr>")
		for _, c := range row {
			b.WriteString("<w:tc>" + paragraphs([]string{c}) + "</w:tc>")
		}
		b.WriteString("</w:tr>")
	}
	b.WriteString("</w:tbl>")
	return b.String()
}

// WordDocument builds a Word document of body parts (WordHeading,
// WordItem, WordTable, or a plain paragraph's text) with a title in its
// properties.
func WordDocument(title string, parts ...string) []byte {
	var body strings.Builder
	for _, p := range parts {
		if !strings.HasPrefix(p, "<w:") {
			p = paragraphs([]string{p})
		}
		body.WriteString(p)
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
		body.String() + `</w:body></w:document>`
	core := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` +
		html.EscapeString(title) + `</dc:title></cp:coreProperties>`
	return ooxml(map[string]string{"word/document.xml": doc, "docProps/core.xml": core},
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`)
}

// Slide is a presentation slide: a title and bullet points.
type Slide struct {
	Title   string
	Bullets []string
}

// Presentation builds a presentation of slides, each with a title
// placeholder and a body placeholder of bullets.
func Presentation(slides ...Slide) []byte {
	entries := map[string]string{}
	for i, s := range slides {
		var body strings.Builder
		for _, b := range s.Bullets {
			body.WriteString(`<a:p><a:r><a:t>` + html.EscapeString(b) + `</a:t></a:r></a:p>`)
		}
		entries[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = `<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>` +
			`<p:sp><p:nvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>` + html.EscapeString(s.Title) + `</a:t></a:r></a:p></p:txBody></p:sp>` +
			`<p:sp><p:nvSpPr><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr><p:txBody>` + body.String() + `</p:txBody></p:sp>` +
			`</p:spTree></p:cSld></p:sld>`
	}
	entries["ppt/presentation.xml"] = `<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`
	return ooxml(entries, `<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>`)
}

// WAV is a silent 16 kHz mono 16-bit recording of samples samples.
func WAV(samples int) []byte {
	var b bytes.Buffer
	data := samples * 2
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)})
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(data))
	b.Write(make([]byte, data))
	return b.Bytes()
}
