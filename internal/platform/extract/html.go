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

// skipped elements hold no reader-visible text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Canvas: true,
}

// blocks end a line of text.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true, atom.Table: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Title: true,
	atom.Blockquote: true, atom.Pre: true, atom.Ul: true, atom.Ol: true, atom.Dd: true, atom.Dt: true,
}

// html reads the visible text of an HTML document: the title, headings and
// paragraphs line by line, without scripts and styles. It tokenizes rather
// than builds a tree, so nesting costs nothing.
func html(data []byte, w *textWriter) error {
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return ErrNotText
	}
	w.tidy = true
	z := xhtml.NewTokenizer(bytes.NewReader(data))
	depth := 0 // inside skipped elements
	for {
		var err error
		switch z.Next() {
		case xhtml.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return nil
			}
			return ErrNotText
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] {
				depth++
			}
			if blocks[a] {
				err = w.Newline()
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] && depth > 0 {
				depth--
			}
			if blocks[a] {
				err = w.Newline()
			}
		case xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if blocks[atom.Lookup(name)] {
				err = w.Newline()
			}
		case xhtml.TextToken:
			if depth == 0 {
				if words := strings.Fields(string(z.Text())); len(words) > 0 {
					err = w.WriteString(strings.Join(words, " ") + " ")
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// Tidy trims every line of extracted text and drops empty ones.
func Tidy(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
