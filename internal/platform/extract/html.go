package extract

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements hold no main-content text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Canvas: true,
	atom.Nav: true, atom.Aside: true, atom.Header: true, atom.Footer: true,
	atom.Form: true, atom.Button: true, atom.Select: true,
}

// breaks end the block being written.
var breaks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true, atom.Table: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Main: true, atom.Blockquote: true, atom.Pre: true,
	atom.Ul: true, atom.Ol: true, atom.Dd: true, atom.Dt: true, atom.Figcaption: true, atom.Hr: true,
}

// headings maps heading elements to their level.
var headings = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// maxInline is how much inline text is held before it is written as a
// paragraph of its own, so a page of one endless paragraph meets the
// character limit as it is read.
const maxInline = 64 << 10

// html reads the main content of an HTML page as Markdown: the <main> or
// <article> element when the page has one, without navigation, headers,
// footers, forms and scripts. It tokenizes rather than builds a tree, so
// nesting costs nothing.
func html(data []byte, w *textWriter) error {
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return ErrNotText
	}
	h := &htmlReader{m: &md{w: w}, mainOnly: hasMain(data)}
	return h.read(xhtml.NewTokenizer(bytes.NewReader(data)))
}

// HTML reads a page's main content as html does, for crawled pages: its
// Markdown and the title of its first top-level heading (or <title>).
func HTML(data []byte) Document {
	w := &textWriter{}
	h := &htmlReader{m: &md{w: w}, mainOnly: hasMain(data)}
	_ = h.read(xhtml.NewTokenizer(bytes.NewReader(data)))
	return Document{Title: collapse(normalize(w.title)), Text: strings.Trim(w.String(), " \t\n\f")}
}

// hasMain reports whether a page marks its main content.
func hasMain(data []byte) bool {
	z := xhtml.NewTokenizer(bytes.NewReader(data))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return false
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); a == atom.Main || a == atom.Article {
				return true
			}
		}
	}
}

// htmlReader turns a page's tokens into Markdown blocks.
type htmlReader struct {
	m        *md
	mainOnly bool
	skip     int // depth inside skipped elements
	main     int // depth inside main content
	pre      int
	inTitle  bool
	title    string
	heading  int // level of the heading being read, 0 for none
	item     bool
	inRow    bool
	cells    []string
	buf      strings.Builder
}

func (h *htmlReader) read(z *xhtml.Tokenizer) error {
	for {
		var err error
		switch z.Next() {
		case xhtml.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				return ErrNotText
			}
			if err := h.flush(); err != nil {
				return err
			}
			if h.m.w.title == "" && h.m.w.headings != 1 {
				h.m.w.title = collapse(h.title) // no single top heading: the page's <title>
			}
			return nil
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			err = h.start(atom.Lookup(name))
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			err = h.end(atom.Lookup(name))
		case xhtml.TextToken:
			err = h.text(string(z.Text()))
		}
		if err != nil {
			return err
		}
	}
}

func (h *htmlReader) visible() bool { return h.skip == 0 && (!h.mainOnly || h.main > 0) }

func (h *htmlReader) start(a atom.Atom) error {
	switch {
	case a == atom.Title:
		h.inTitle = true
		return nil
	case skipped[a]:
		h.skip++
		return nil
	case a == atom.Main || a == atom.Article:
		h.main++
	}
	if !h.visible() {
		return nil
	}
	if h.inRow {
		if a == atom.Td || a == atom.Th {
			h.buf.Reset()
		} else if breaks[a] {
			h.buf.WriteByte(' ')
		}
		return nil
	}
	if breaks[a] {
		if err := h.flush(); err != nil {
			return err
		}
	}
	switch a {
	case atom.Li:
		h.item = true
	case atom.Pre:
		h.pre++
	case atom.Tr:
		h.inRow, h.cells = true, nil
	default:
		if level, ok := headings[a]; ok {
			h.heading = level
		}
	}
	return nil
}

func (h *htmlReader) end(a atom.Atom) error {
	switch {
	case a == atom.Title:
		h.inTitle = false
		return nil
	case skipped[a]:
		h.skip = max(0, h.skip-1)
		return nil
	case a == atom.Main || a == atom.Article:
		defer func() { h.main = max(0, h.main-1) }()
	}
	if !h.visible() {
		return nil
	}
	switch a {
	case atom.Td, atom.Th:
		if h.inRow {
			h.cells = append(h.cells, h.buf.String())
			h.buf.Reset()
		}
		return nil
	case atom.Tr:
		h.inRow = false
		cells := h.cells
		h.cells = nil
		h.buf.Reset()
		return h.m.row(cells)
	case atom.Table:
		h.m.endTable()
	}
	if h.inRow || !breaks[a] {
		return nil
	}
	err := h.flush()
	if a == atom.Pre {
		h.pre = max(0, h.pre-1)
	}
	return err
}

func (h *htmlReader) text(s string) error {
	if h.inTitle {
		h.title += s
		return nil
	}
	if !h.visible() {
		return nil
	}
	h.buf.WriteString(s)
	if h.buf.Len() > maxInline && !h.inRow {
		return h.flush()
	}
	return nil
}

// flush writes the text read since the last block as the block it is.
func (h *htmlReader) flush() error {
	s := h.buf.String()
	h.buf.Reset()
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var err error
	switch {
	case h.pre > 0:
		err = h.m.code(s)
	case h.heading > 0:
		err = h.m.heading(h.heading, s)
	case h.item:
		err = h.m.item(s)
	default:
		err = h.m.para(s)
	}
	h.heading, h.item = 0, false
	return err
}
