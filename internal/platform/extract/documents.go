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
	return func(data []byte, w *textWriter) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w (%v)", ErrCorrupt, r)
			}
		}()
		return read(data, w)
	}
}

// openZip opens an office document, refusing one whose entries claim to
// expand to more than maxUnzipped (entries that lie are stopped as they
// are read: see entry).
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

// entry opens one entry for streaming, failing with ErrBomb once more
// than maxUnzipped bytes came out of it, whatever its header claims.
func entry(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &bounded{ReadCloser: rc, left: maxUnzipped}, nil
}

type bounded struct {
	io.ReadCloser
	left int64
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrBomb
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// verify reads every entry once: excelize stops quietly at an entry
// that is longer than its header says (a lying bomb) or fails its
// checksum, and would return part of a workbook as if it were all.
func verify(z *zip.Reader) error {
	for _, f := range z.File {
		rc, err := entry(f)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		_ = rc.Close()
		if errors.Is(err, ErrBomb) {
			return ErrBomb
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Name, err)
		}
	}
	return nil
}

// xmlText writes the character data of the elements named text, ending
// a line at each element named para, streaming from r.
func xmlText(r io.Reader, w *textWriter, text, para string) error {
	d := xml.NewDecoder(r)
	inText := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, ErrBomb) {
			return ErrBomb
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inText = t.Name.Local == text
			if t.Name.Local == "tab" {
				err = w.WriteString(" ")
			}
		case xml.EndElement:
			inText = false
			if t.Name.Local == para {
				err = w.WriteString("\n")
			}
		case xml.CharData:
			if inText {
				err = w.WriteString(string(t))
			}
		}
		if err != nil {
			return err
		}
	}
}

// entryText streams one entry's text into w.
func entryText(f *zip.File, w *textWriter, text, para string) error {
	rc, err := entry(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xmlText(rc, w, text, para)
}

// docxText reads the body of a Word document: paragraphs, tables, lists.
func docxText(data []byte, w *textWriter) error {
	z, err := openZip(data)
	if err != nil {
		return err
	}
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			return entryText(f, w, "t", "p")
		}
	}
	return fmt.Errorf("%w: no word/document.xml", ErrCorrupt)
}

// pptxText reads every slide's text, slide by slide.
func pptxText(data []byte, w *textWriter) error {
	z, err := openZip(data)
	if err != nil {
		return err
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
	for _, s := range slides {
		if err := entryText(s.f, w, "t", "p"); err != nil {
			return err
		}
		if err := w.WriteString("\n\n"); err != nil {
			return err
		}
	}
	return nil
}

// xlsxText reads every sheet, row by row, cells separated by tabs
// (xuri/excelize, with its unzip limits set), a row at a time.
func xlsxText(data []byte, w *textWriter) error {
	z, err := openZip(data)
	if err != nil {
		return err
	}
	if err := verify(z); err != nil {
		return err
	}
	return guard(func(data []byte, w *textWriter) error {
		// No spilling of large sheets to temporary files: the reader's
		// memory is bounded by its sandbox instead.
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
		if err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "encrypt") || strings.Contains(err.Error(), "password") {
				return ErrEncrypted
			}
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		defer f.Close()
		for _, sheet := range f.GetSheetList() {
			if err := sheetText(f, sheet, w); err != nil {
				return err
			}
		}
		return nil
	})(data, w)
}

func sheetText(f *excelize.File, sheet string, w *textWriter) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
	}
	defer rows.Close()
	if err := w.WriteString(sheet + "\n"); err != nil {
		return err
	}
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
		}
		if err := w.WriteString(strings.Join(trimRow(cols), "\t") + "\n"); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
	}
	return w.WriteString("\n")
}

// trimRow drops a row's empty trailing cells, as GetRows does.
func trimRow(cols []string) []string {
	for len(cols) > 0 && cols[len(cols)-1] == "" {
		cols = cols[:len(cols)-1]
	}
	return cols
}
