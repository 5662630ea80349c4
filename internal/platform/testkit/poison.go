package testkit

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Poison files: documents built to hang, exhaust or crash a reader. Each
// is small on disk.

// CyclicKidsPDF is a PDF whose page tree node lists itself among its kids.
func CyclicKidsPDF() []byte {
	return pdfFile([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		"<< /Length 22 >>\nstream\nBT (looping page) Tj ET\nendstream",
	}, "")
}

// SelfParentPDF is a PDF with a page that is its own parent and holds no
// resources, so a reader looking its resources up the parents goes round.
func SelfParentPDF() []byte {
	return pdfFile([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>",
		"<< /Length 33 >>\nstream\nBT /F1 12 Tf (own parent) Tj ET\nendstream",
	}, "")
}

// FlateBombPDF is a PDF whose one page's content stream is compressed and
// inflates to about size bytes of text-showing operators.
func FlateBombPDF(size int) []byte {
	return streamPDF(timesOver([]byte("BT\n"), []byte("(All work and no play makes a bomb) Tj\n"), []byte("ET\n"), size))
}

// timesOver is head, block repeated to about size bytes, and tail.
func timesOver(head, line, tail []byte, size int) repeated {
	block := bytes.Repeat(line, (1<<20)/len(line)+1)
	return repeated{head: head, block: block, tail: tail, n: max(3, size/len(block))}
}

// streamPDF is a one-page PDF whose content stream is r, FlateDecoded.
func streamPDF(r repeated) []byte {
	z := r.zlib()
	return pdfFile([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", len(z), z),
	}, "")
}

// SlowPDF is a PDF whose page's content stream inflates to about size
// bytes of drawing operators: no text, so no character limit stops its
// reading, only time.
func SlowPDF(size int) []byte {
	return streamPDF(timesOver(nil, []byte("1 0 0 1 0 0 cm 0 0 m 10 10 l S\n"), nil, size))
}

// NestedPDF is a PDF whose page's content stream shows text from inside
// arrays nested depth deep.
func NestedPDF(depth int) []byte {
	content := "BT " + strings.Repeat("[", depth) + "(deep)" + strings.Repeat("]", depth) + " TJ ET"
	return pdfFile([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}, "")
}

// zipEntry adds an entry holding r's data, with the size its header
// claims (0: the true size).
func zipEntry(z *zip.Writer, name string, r repeated, claim uint64) {
	if claim == 0 {
		claim = uint64(r.size())
	}
	d := r.deflate()
	raw, _ := z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(d)),
		UncompressedSize64: claim, CRC32: r.crc32()})
	_, _ = raw.Write(d)
}

// lyingZip builds an Office package whose entry name (the part that
// holds the text) claims to be 1 KiB and inflates to size bytes: head,
// then repeat until size, then tail.
func lyingZip(override, name, head, repeat, tail string, size int) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	ct, _ := z.Create("[Content_Types].xml")
	_, _ = fmt.Fprintf(ct, contentTypes, override)
	zipEntry(z, name, timesOver([]byte(head), []byte(repeat), []byte(tail), size), 1<<10)
	_ = z.Close()
	return b.Bytes()
}

// LyingZipBombDOCX is a Word document whose document.xml claims 1 KiB in
// its header and inflates to size bytes of paragraphs of text.
func LyingZipBombDOCX(size int) []byte {
	return lyingZip(`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>`,
		"word/document.xml",
		`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`,
		`<w:p><w:r><w:t>All work and no play makes a bomb.</w:t></w:r></w:p>`,
		`</w:body></w:document>`, size)
}

// ZipBombXLSX is a workbook whose one sheet inflates to size bytes of
// rows (its header says so).
func ZipBombXLSX(size int) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml":        fmt.Sprintf(contentTypes, `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`),
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		w, _ := z.Create(name)
		_, _ = io.WriteString(w, body)
	}
	row := `<row><c t="inlineStr"><is><t>All work and no play makes a bomb</t></is></c></row>`
	zipEntry(z, "xl/worksheets/sheet1.xml", timesOver([]byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`),
		[]byte(row), []byte(`</sheetData></worksheet>`), size), 0)
	_ = z.Close()
	return b.Bytes()
}

// NestedHTML is size bytes of HTML made of nothing but opening tags.
func NestedHTML(size int) []byte {
	return append([]byte("<!doctype html><html><body>"), bytes.Repeat([]byte("<div>"), size/5)...)
}
