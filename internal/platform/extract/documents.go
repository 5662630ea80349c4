package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
	"github.com/xuri/excelize/v2"
)

// More reasons a document cannot be read.
var (
	ErrEncrypted = errors.New("the document is password-protected")
	ErrCorrupt   = errors.New("the file is damaged or is not the kind of file it claims to be")
	ErrBomb      = errors.New("the document expands to far more than its size; it may be a zip bomb")
)

// MIME types of office documents.
const (
	mimeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mimePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// maxUnzipped bounds what an office document may expand to.
const maxUnzipped = 256 << 20

func init() {
	kinds["application/pdf"] = pdfText
	kinds[mimeDOCX] = docxText
	kinds[mimePPTX] = pptxText
	kinds[mimeXLSX] = xlsxText
}

// guard turns a reader's panic on a malformed file into ErrCorrupt.
func guard(read reader) reader {
	return func(data []byte) (text string, err error) {
		defer func() {
			if r := recover(); r != nil {
				text, err = "", fmt.Errorf("%w (%v)", ErrCorrupt, r)
			}
		}()
		return read(data)
	}
}

// pdfText reads the text of every page (ledongthuc/pdf).
func pdfText(data []byte) (string, error) {
	return guard(func(data []byte) (string, error) {
		r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if errors.Is(err, pdf.ErrInvalidPassword) || (err != nil && strings.Contains(err.Error(), "encrypt")) {
			return "", ErrEncrypted
		}
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		var b strings.Builder
		for i := 1; i <= r.NumPage(); i++ {
			p := r.Page(i)
			if p.V.IsNull() {
				continue
			}
			text, err := p.GetPlainText(nil)
			if err != nil {
				return "", fmt.Errorf("%w: page %d: %v", ErrCorrupt, i, err)
			}
			b.WriteString(text)
			b.WriteString("\n\n")
		}
		return b.String(), nil
	})(data)
}

// openZip opens an office document, refusing one that would expand to
// more than maxUnzipped.
func openZip(data []byte) (*zip.Reader, error) {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		if total > maxUnzipped {
			return nil, ErrBomb
		}
		if f.Name == "EncryptedPackage" || f.Name == "EncryptionInfo" {
			return nil, ErrEncrypted
		}
	}
	return z, nil
}

// readEntry reads one entry, at most maxUnzipped bytes whatever its
// header claims.
func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxUnzipped+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(b) > maxUnzipped {
		return nil, ErrBomb
	}
	return b, nil
}

// xmlText collects the character data of the elements named text, ending
// a line at each element named para.
func xmlText(data []byte, text, para string) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	inText := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inText = t.Name.Local == text
			if t.Name.Local == "tab" {
				b.WriteByte(' ')
			}
		case xml.EndElement:
			inText = false
			if t.Name.Local == para {
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
}

// docxText reads the body of a Word document: paragraphs, tables, lists.
func docxText(data []byte) (string, error) {
	z, err := openZip(data)
	if err != nil {
		return "", err
	}
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			b, err := readEntry(f)
			if err != nil {
				return "", err
			}
			return xmlText(b, "t", "p")
		}
	}
	return "", fmt.Errorf("%w: no word/document.xml", ErrCorrupt)
}

// pptxText reads every slide's text, slide by slide.
func pptxText(data []byte) (string, error) {
	z, err := openZip(data)
	if err != nil {
		return "", err
	}
	type slide struct {
		n int
		f *zip.File
	}
	var slides []slide
	for _, f := range z.File {
		dir, name := path.Split(f.Name)
		if dir == "ppt/slides/" && strings.HasPrefix(name, "slide") && strings.HasSuffix(name, ".xml") {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "slide"), ".xml"))
			slides = append(slides, slide{n, f})
		}
	}
	sort.Slice(slides, func(i, j int) bool { return slides[i].n < slides[j].n })
	var out strings.Builder
	for _, s := range slides {
		b, err := readEntry(s.f)
		if err != nil {
			return "", err
		}
		text, err := xmlText(b, "t", "p")
		if err != nil {
			return "", err
		}
		out.WriteString(text + "\n\n")
	}
	return out.String(), nil
}

// xlsxText reads every sheet, row by row, cells separated by tabs
// (xuri/excelize, with its unzip limits set).
func xlsxText(data []byte) (string, error) {
	if _, err := openZip(data); err != nil {
		return "", err
	}
	return guard(func(data []byte) (string, error) {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: 64 << 20})
		if err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "encrypt") || strings.Contains(err.Error(), "password") {
				return "", ErrEncrypted
			}
			return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		defer f.Close()
		var b strings.Builder
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				return "", fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
			}
			b.WriteString(sheet + "\n")
			for _, row := range rows {
				b.WriteString(strings.Join(row, "\t") + "\n")
			}
			b.WriteString("\n")
		}
		return b.String(), nil
	})(data)
}
