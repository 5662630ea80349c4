package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
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

// decode streams the XML elements of an entry to visit; character data
// comes with a nil start element.
func decode(f *zip.File, visit func(tok xml.Token) error) error {
	rc, err := entry(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
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
		if err := visit(tok); err != nil {
			return err
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// headingStyle is a Word paragraph style that is a heading ("Heading2",
// Swedish "Rubrik2", "Title").
var headingStyle = regexp.MustCompile(`(?i)^(?:heading|rubrik|berschrift|titre|otsikko|overskrift)\s*([1-6])$`)

// styleLevel is the heading level of a paragraph style, 0 for none.
func styleLevel(style string) int {
	if m := headingStyle.FindStringSubmatch(style); m != nil {
		return int(m[1][0] - '0')
	}
	if strings.EqualFold(style, "Title") || strings.EqualFold(style, "Rubrik") {
		return 1
	}
	return 0
}

// ooxmlBlocks reads the paragraphs and tables of a Word body or a slide
// (their markup shares its element names: p, t, tbl, tr, tc) as Markdown.
type ooxmlBlocks struct {
	m *md
	// shape-level: how a slide's text box reads (heading level, list).
	shapeLevel int
	shapeList  bool
	// paragraph-level.
	level  int
	list   bool
	inText bool
	text   strings.Builder
	// tables: depth, and the row being read.
	tables int
	cells  []string
	cell   strings.Builder
}

func (o *ooxmlBlocks) visit(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return o.start(t)
	case xml.EndElement:
		return o.end(t.Name.Local)
	case xml.CharData:
		if o.inText {
			o.text.Write(t)
		}
	}
	return nil
}

func (o *ooxmlBlocks) start(t xml.StartElement) error {
	switch t.Name.Local {
	case "t":
		o.inText = true
	case "tab", "br":
		o.text.WriteByte(' ')
	case "p":
		o.level, o.list = o.shapeLevel, o.shapeList
		o.text.Reset()
	case "pStyle":
		o.level = styleLevel(attr(t, "val"))
	case "numPr", "buChar", "buAutoNum":
		o.list = true
	case "buNone":
		o.list = false
	case "ph":
		switch attr(t, "type") {
		case "ctrTitle":
			o.shapeLevel = 1
		case "title":
			o.shapeLevel = 2
		case "", "body", "obj":
			o.shapeList = true
		}
	case "tbl":
		o.tables++
		if o.tables == 1 {
			o.m.endTable()
		}
	case "tr":
		if o.tables == 1 {
			o.cells = nil
		}
	case "tc":
		if o.tables == 1 {
			o.cell.Reset()
		}
	}
	return nil
}

func (o *ooxmlBlocks) end(name string) error {
	switch name {
	case "t":
		o.inText = false
	case "p":
		text := o.text.String()
		o.text.Reset()
		if o.tables > 0 {
			o.cell.WriteString(" " + text)
			return nil
		}
		switch {
		case o.level > 0:
			return o.m.heading(o.level, text)
		case o.list:
			return o.m.item(text)
		}
		return o.m.para(text)
	case "tc":
		if o.tables == 1 {
			o.cells = append(o.cells, o.cell.String())
		}
	case "tr":
		if o.tables == 1 {
			return o.m.row(o.cells)
		}
	case "tbl":
		o.tables--
		if o.tables == 0 {
			o.m.endTable()
		}
	case "sp", "graphicFrame":
		o.shapeLevel, o.shapeList = 0, false
	}
	return nil
}

// coreTitle takes the title of an Office document's properties.
func coreTitle(z *zip.Reader, w *textWriter) error {
	for _, f := range z.File {
		if f.Name != "docProps/core.xml" {
			continue
		}
		in, title := false, ""
		err := decode(f, func(tok xml.Token) error {
			switch t := tok.(type) {
			case xml.StartElement:
				in = t.Name.Local == "title"
			case xml.EndElement:
				in = false
			case xml.CharData:
				if in {
					title += string(t)
				}
			}
			return nil
		})
		w.setTitle(title)
		return err
	}
	return nil
}

// docxText reads the body of a Word document: headings by their style,
// paragraphs, list items and tables.
func docxText(data []byte, w *textWriter) error {
	z, err := openZip(data)
	if err != nil {
		return err
	}
	if err := coreTitle(z, w); err != nil {
		return err
	}
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			o := &ooxmlBlocks{m: &md{w: w}}
			return decode(f, o.visit)
		}
	}
	return fmt.Errorf("%w: no word/document.xml", ErrCorrupt)
}

// pptxText reads every slide, a page each: its title as a heading, its
// text boxes' bullets as list items, its tables.
func pptxText(data []byte, w *textWriter) error {
	z, err := openZip(data)
	if err != nil {
		return err
	}
	if err := coreTitle(z, w); err != nil {
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
	m := &md{w: w}
	for i, s := range slides {
		if i > 0 {
			if err := m.page(); err != nil {
				return err
			}
		}
		o := &ooxmlBlocks{m: m}
		if err := decode(s.f, o.visit); err != nil {
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
		if p, err := f.GetDocProps(); err == nil && p != nil {
			w.setTitle(p.Title)
		}
		m := &md{w: w}
		for i, sheet := range f.GetSheetList() {
			if i > 0 {
				if err := m.page(); err != nil {
					return err
				}
			}
			if err := sheetText(f, sheet, m); err != nil {
				return err
			}
		}
		return nil
	})(data, w)
}

// sheetText reads a sheet as a heading with its name and a table whose
// header is the sheet's first row.
func sheetText(f *excelize.File, sheet string, m *md) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
	}
	defer rows.Close()
	if err := m.heading(2, sheet); err != nil {
		return err
	}
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
		}
		if err := m.row(cols); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
	}
	return nil
}
