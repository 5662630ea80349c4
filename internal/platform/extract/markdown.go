package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// PageBreak is the line that separates pages (PDF pages, slides, sheets)
// in extracted text: a form feed, as pdftotext writes it.
const PageBreak = "\f"

// Document is what a file holds: its own title (from its metadata or
// first top-level heading; empty when it names none) and its text as
// Markdown, pages separated by PageBreak lines.
type Document struct {
	Title string
	Text  string
	// Pages is how many pages a PDF has, with or without text: a PDF of
	// scanned pages is read as empty pages, to be read by OCR.
	Pages int
}

// kind is what a Markdown block is, for how it joins its neighbour.
type kind int

const (
	kindNone kind = iota
	kindPara
	kindHeading
	kindItem
	kindRow
	kindCode
	kindPage
)

// md writes Markdown blocks: blocks are separated by a blank line, list
// items and table rows of one list or table by a line break.
type md struct {
	w    *textWriter
	last kind
	// cols is the width of the table being written (0: none).
	cols int
}

func (m *md) put(k kind, s string) error {
	sep := "\n\n"
	switch {
	case m.last == kindNone || m.last == kindPage || k == kindPage:
		sep = "\n"
	case k == m.last && (k == kindItem || k == kindRow):
		sep = "\n"
	}
	if m.last == kindNone && k != kindPage {
		sep = ""
	}
	if k != kindRow {
		m.cols = 0
	}
	m.last = k
	return m.w.WriteString(sep + s)
}

// para writes a paragraph; its inner white space collapses.
func (m *md) para(s string) error {
	if s = collapse(s); s == "" {
		return nil
	}
	return m.put(kindPara, s)
}

// heading writes a heading of level 1 to 6.
func (m *md) heading(level int, s string) error {
	if s = collapse(s); s == "" {
		return nil
	}
	level = max(1, min(level, 6))
	if level == 1 {
		m.w.topHeading(s)
	}
	return m.put(kindHeading, strings.Repeat("#", level)+" "+s)
}

// item writes a list item.
func (m *md) item(s string) error {
	if s = collapse(s); s == "" {
		return nil
	}
	return m.put(kindItem, "- "+s)
}

// row writes a table row; the first row of a table is its header, and
// the separator line follows it.
func (m *md) row(cells []string) error {
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) == 0 {
		return nil
	}
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(collapse(c), "|", `\|`)
	}
	header := m.last != kindRow || m.cols == 0
	line := "| " + strings.Join(cells, " | ") + " |"
	if err := m.put(kindRow, line); err != nil {
		return err
	}
	if !header {
		return nil
	}
	m.cols = len(cells)
	return m.w.WriteString("\n|" + strings.Repeat(" --- |", len(cells)))
}

// endTable ends the table being written, so the next row starts a new one.
func (m *md) endTable() { m.cols = 0 }

// code writes a fenced code block, its lines as they are.
func (m *md) code(s string) error {
	s = strings.Trim(s, "\n")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return m.put(kindCode, "```\n"+s+"\n```")
}

// page ends a page, even an empty one: the page breaks count the pages.
func (m *md) page() error {
	return m.put(kindPage, PageBreak)
}

// collapse joins a run of text's words with single spaces.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	// hyphenated is a word broken at a line end: "trafi-\nkerar".
	hyphenated = regexp.MustCompile(`(\p{L})-[ \t]*\n[ \t]*(\p{Ll})`)
	// brokenNumber is a number broken at a line end: "2024-\n07-01".
	brokenNumber = regexp.MustCompile(`(\d)-[ \t]*\n[ \t]*(\d)`)
)

// normalize makes extracted text searchable as it reads: Unicode NFKC
// (ligatures and full-width forms become plain letters), soft hyphens
// dropped, words and numbers broken at a line end joined, Windows line
// ends and control characters other than tab, newline and the page break
// gone.
func normalize(s string) string {
	s = norm.NFKC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\u00ad', r == utf8.RuneError:
			return -1
		case r == '\t', r == '\n', r == '\f':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = hyphenated.ReplaceAllString(s, "$1$2")
	return brokenNumber.ReplaceAllString(s, "$1-$2")
}

// joinLine appends a line of a paragraph to the text before it, joining a
// word or number the line end broke.
func joinLine(text, line string) string {
	line = strings.TrimSpace(line)
	switch {
	case text == "":
		return line
	case line == "":
		return text
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	if last == '\u00ad' {
		return strings.TrimSuffix(text, "\u00ad") + line
	}
	if last == '-' && len(text) > 1 {
		before, _ := utf8.DecodeLastRuneInString(text[:len(text)-1])
		next, _ := utf8.DecodeRuneInString(line)
		switch {
		case unicode.IsLetter(before) && unicode.IsLower(next):
			return text[:len(text)-1] + line
		case unicode.IsDigit(before) && unicode.IsDigit(next):
			return text + line
		}
	}
	return text + " " + line
}
