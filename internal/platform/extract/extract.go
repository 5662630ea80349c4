// Package extract turns uploaded files into Markdown that keeps their
// structure: headings, paragraphs, list items, table rows under their
// header, code blocks and page breaks. It sniffs what a file is from its
// content (gabriel-vasile/mimetype), never from its name alone, and
// refuses what it cannot read with an error that says why. Plain text,
// Markdown, CSV, JSON and HTML, PDF and the Office formats are read here;
// text is Unicode-normalised (NFKC) and words a line end broke are joined. Readers write into a counting writer that stops them at the
// character limit, so a file that expands stops costing at the limit, not
// after. Parsers of untrusted formats run in a sandbox child (Isolated);
// Reader is what the modules that store files read them with.
package extract

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// Errors callers map to client errors.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrEmpty       = errors.New("the file holds no text")
	ErrNotText     = errors.New("the file is not valid UTF-8 text")
	ErrTooLong     = errors.New("the text is too long")
)

// reader extracts the text of one kind of file into w.
type reader func(data []byte, w *textWriter) error

// kinds maps a detected MIME type (without parameters) to its reader.
var kinds = map[string]reader{
	"text/plain":       plain,
	"text/csv":         csvText,
	"text/markdown":    markdown,
	"application/json": plain,
	"text/html":        html,
}

// Supported lists the MIME types Text reads, for error messages and docs.
func Supported() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	return out
}

// Detect sniffs a file's MIME type from its first bytes; a Markdown name
// refines plain text, which is all the content can say of Markdown.
func Detect(head []byte, name string) string {
	m := mimetype.Detect(head).String()
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = m[:i]
	}
	ext := strings.ToLower(filepath.Ext(name))
	if m == "text/plain" && (ext == ".md" || ext == ".markdown") {
		return "text/markdown"
	}
	return m
}

// Text reads the text of a file of the given MIME type (as Detect found
// it), at most maxChars characters of it, in this process. Untrusted
// parsers belong in a sandbox child: see Isolated.
func Text(r io.Reader, mime string, maxChars int) (string, error) {
	return textOf(Read(r, mime, maxChars))
}

// textOf is a document's text, ErrEmpty when it has none (a scan).
func textOf(d Document, err error) (string, error) {
	if err == nil && strings.TrimSpace(d.Text) == "" {
		return "", ErrEmpty
	}
	return d.Text, err
}

// Read reads a file as Text does, with the title it gives itself.
func Read(r io.Reader, mime string, maxChars int) (Document, error) {
	read, ok := kinds[mime]
	if !ok {
		return Document{}, fmt.Errorf("%w: %s", ErrUnsupported, mime)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Document{}, fmt.Errorf("read file: %w", err)
	}
	w := &textWriter{max: maxChars}
	if err := read(data, w); err != nil {
		return Document{}, err
	}
	text := strings.Trim(w.String(), " \t\n")
	if strings.TrimSpace(text) == "" && w.pages == 0 {
		return Document{}, ErrEmpty
	}
	return Document{Title: cleanTitle(w.title), Text: text, Pages: w.pages}, nil
}

// cleanTitle is a title fit to show, or empty: a title that is a file
// name or a word processor's placeholder says nothing.
func cleanTitle(t string) string {
	t = collapse(normalize(t))
	lower := strings.ToLower(t)
	for _, junk := range []string{".doc", ".pdf", ".ppt", ".xls", ".txt", "microsoft word", "untitled", "namnlös", "rubrik"} {
		if strings.Contains(lower, junk) {
			return ""
		}
	}
	if utf8.RuneCountInString(t) > 200 {
		return ""
	}
	return t
}

// textWriter collects text and fails once it holds more than max
// characters, so a reader stops at the limit. title is the document's
// own; titled means its metadata named it, so no heading replaces it.
type textWriter struct {
	b      strings.Builder
	n      int
	max    int
	limit  error
	title  string
	titled bool
	// headings counts the top-level headings.
	headings int
	// pages counts a PDF's pages.
	pages int
}

// topHeading notes a top-level heading: the only one of a document is its
// title (when its metadata names none); a document with several has none.
func (w *textWriter) topHeading(s string) {
	w.headings++
	if w.titled {
		return
	}
	if w.headings == 1 {
		w.title = s
	} else {
		w.title = ""
	}
}

// setTitle takes a title from the document's metadata.
func (w *textWriter) setTitle(t string) {
	if t = cleanTitle(t); t != "" {
		w.title, w.titled = t, true
	}
}

// WriteString adds s, or fails with ErrTooLong when s takes the text past
// the limit.
func (w *textWriter) WriteString(s string) error {
	if w.limit != nil {
		return w.limit
	}
	w.n += utf8.RuneCountInString(s)
	if w.max > 0 && w.n > w.max {
		w.limit = fmt.Errorf("%w: more than %d characters", ErrTooLong, w.max)
		return w.limit
	}
	w.b.WriteString(s)
	return nil
}

func (w *textWriter) String() string { return normalize(w.b.String()) }

// plain accepts UTF-8 text without NUL bytes (a NUL means a binary file
// that only looks like text); a byte-order mark is dropped.
func plain(data []byte, w *textWriter) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return ErrNotText
	}
	return w.WriteString(strings.ReplaceAll(string(data), "\r\n", "\n"))
}

// markdown is plain text whose first top-level heading is its title.
func markdown(data []byte, w *textWriter) error {
	if err := plain(data, w); err != nil {
		return err
	}
	fenced := false
	for line := range strings.Lines(w.b.String()) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if h, ok := strings.CutPrefix(line, "# "); ok && !fenced {
			w.topHeading(h)
		}
	}
	return nil
}

// csvText reads a CSV file as a table whose first row is the header;
// a file that is not well-formed CSV is read as plain text.
func csvText(data []byte, w *textWriter) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return ErrNotText
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return plain(data, w)
	}
	m := &md{w: w}
	for _, row := range rows {
		if err := m.row(row); err != nil {
			return err
		}
	}
	return nil
}
