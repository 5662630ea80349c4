package extract

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Bounds of a PDF's page tree. Real trees are a few levels deep; a tree
// whose nodes name each other (a /Kids that holds its own node) or that
// reaches one subtree through many paths would otherwise never end.
const (
	maxPageTreeDepth = 64
	maxPageTreeNodes = 1_000_000
)

// errPageTreeLoop means a page tree that loops back on itself.
var errPageTreeLoop = fmt.Errorf("%w: its page tree loops back on itself", ErrCorrupt)

// pdfText reads the text of every page (ledongthuc/pdf for the objects
// and content streams). It walks the page tree itself, with the pages
// above each node in hand: a node met again on its own path is a loop,
// and inherited resources come from that path, never from /Parent links
// (a page that names itself as parent cannot send the reader round).
func pdfText(data []byte, w *textWriter) error {
	return guard(func(data []byte, w *textWriter) error {
		r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if errors.Is(err, pdf.ErrInvalidPassword) || (err != nil && strings.Contains(err.Error(), "encrypt")) {
			return ErrEncrypted
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		w.setTitle(r.Trailer().Key("Info").Key("Title").Text())
		t := &pageTree{w: w}
		if err := t.walk(r.Trailer().Key("Root").Key("Pages"), nil); err != nil {
			return err
		}
		w.pages = len(t.pages)
		return layout(t.pages, &md{w: w})
	})(data, w)
}

// pageTree walks a PDF's pages in order, collecting their lines.
type pageTree struct {
	w     *textWriter
	nodes int
	page  int
	pages [][]line
	chars int
}

// walk visits node below the path of nodes above it.
func (t *pageTree) walk(node pdf.Value, above []pdf.Value) error {
	t.nodes++
	switch {
	case t.nodes > maxPageTreeNodes:
		return fmt.Errorf("%w: its page tree has more than %d nodes", ErrCorrupt, maxPageTreeNodes)
	case len(above) > maxPageTreeDepth:
		return errPageTreeLoop
	case node.Kind() != pdf.Dict && node.Kind() != pdf.Stream:
		return nil
	}
	key := node.String()
	for _, a := range above {
		if a.String() == key {
			return errPageTreeLoop
		}
	}
	if node.Key("Type").Name() == "Page" || (node.Key("Kids").IsNull() && !node.Key("Contents").IsNull()) {
		t.page++
		lines, err := t.text(node, above)
		if err != nil {
			return fmt.Errorf("page %d: %w", t.page, err)
		}
		t.pages = append(t.pages, lines)
		return nil
	}
	kids := node.Key("Kids")
	path := append(above[:len(above):len(above)], node)
	for i := 0; i < kids.Len(); i++ {
		if err := t.walk(kids.Index(i), path); err != nil {
			return err
		}
	}
	return nil
}

// resources finds a page's resources, inherited down the tree.
func resources(page pdf.Value, above []pdf.Value) pdf.Value {
	if r := page.Key("Resources"); !r.IsNull() {
		return r
	}
	for i := len(above) - 1; i >= 0; i-- {
		if r := above[i].Key("Resources"); !r.IsNull() {
			return r
		}
	}
	return pdf.Value{}
}

// stopReading carries the writer's error out of the content interpreter.
type stopReading struct{ err error }

// text reads a page's lines: the strings its text operators show, with
// where each line sits and the size of its type.
func (t *pageTree) text(page pdf.Value, above []pdf.Value) (lines []line, err error) {
	content := page.Key("Contents")
	if content.IsNull() {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			if s, ok := r.(stopReading); ok {
				err = s.err
				return
			}
			err = fmt.Errorf("%w (%v)", ErrCorrupt, r)
		}
	}()
	fontDict := resources(page, above).Key("Font")
	fonts := map[string]pdf.TextEncoding{}
	var enc pdf.TextEncoding = rawEncoding{}
	var pos textState
	show := func(s string) {
		if s == "" {
			return
		}
		t.chars += utf8.RuneCountInString(s)
		if t.w.max > 0 && t.chars > t.w.max {
			panic(stopReading{fmt.Errorf("%w: more than %d characters", ErrTooLong, t.w.max)})
		}
		size, moved := pos.size(), pos.moved
		pos.moved = false
		if n := len(lines); n > 0 && math.Abs(lines[n-1].y-pos.y()) < max(size, 1)/2 {
			l := &lines[n-1]
			if moved && !strings.HasSuffix(l.text.String(), " ") && !strings.HasPrefix(s, " ") {
				l.text.WriteByte(' ')
			}
			l.text.WriteString(s)
			l.size = max(l.size, size)
			return
		}
		lines = append(lines, line{y: pos.y(), size: size})
		lines[len(lines)-1].text.WriteString(s)
	}
	pdf.Interpret(content, func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "Tf":
			if len(args) != 2 {
				panic("bad Tf operator")
			}
			enc = fontEncoding(fonts, fontDict, args[0].Name())
			pos.fontSize = args[1].Float64()
		case "\"", "'", "Tj":
			if len(args) == 0 {
				panic("bad " + op + " operator")
			}
			if op != "Tj" {
				pos.nextLine()
			}
			show(enc.Decode(args[len(args)-1].RawString()))
		case "TJ":
			if len(args) != 1 {
				panic("bad TJ operator")
			}
			for i := 0; i < args[0].Len(); i++ {
				switch x := args[0].Index(i); x.Kind() {
				case pdf.String:
					show(enc.Decode(x.RawString()))
				case pdf.Integer, pdf.Real:
					pos.moved = pos.moved || x.Float64() < -200 // a gap as wide as a space
				}
			}
		default:
			pos.apply(op, args)
		}
	})
	return lines, nil
}

// fontEncoding returns the encoding of a page's font by name, parsing
// each font once.
func fontEncoding(cache map[string]pdf.TextEncoding, fonts pdf.Value, name string) pdf.TextEncoding {
	if enc, ok := cache[name]; ok {
		return enc
	}
	var enc pdf.TextEncoding = rawEncoding{}
	if v := fonts.Key(name); !v.IsNull() {
		f := pdf.Font{V: v}
		enc = f.Encoder()
	}
	cache[name] = enc
	return enc
}

// rawEncoding shows bytes as they are, for text without a known font.
type rawEncoding struct{}

func (rawEncoding) Decode(raw string) string { return raw }
