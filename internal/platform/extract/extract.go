// Package extract turns uploaded files into plain text. It sniffs what a
// file is from its content (gabriel-vasile/mimetype), never from its name
// alone, and refuses what it cannot read with an error that says why.
// Plain text, Markdown, CSV, JSON and HTML, PDF and the Office formats are
// read here. Readers write into a counting writer that stops them at the
// character limit, so a file that expands stops costing at the limit, not
// after. Parsers of untrusted formats run in a sandbox child (Isolated);
// Reader is what the modules that store files read them with.
package extract

import (
	"bytes"
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
	"text/csv":         plain,
	"text/markdown":    plain,
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
	read, ok := kinds[mime]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrUnsupported, mime)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read file: %w", err)
	}
	w := &textWriter{max: maxChars}
	if err := read(data, w); err != nil {
		return "", err
	}
	text := strings.TrimSpace(w.String())
	if text == "" {
		return "", ErrEmpty
	}
	return text, nil
}

// textWriter collects text and fails once it holds more than max
// characters, so a reader stops at the limit.
type textWriter struct {
	b     strings.Builder
	n     int
	max   int
	tidy  bool
	limit error
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

// Newline ends a line unless the text is empty or ends one already, so
// markup that opens many blocks costs nothing against the limit.
func (w *textWriter) Newline() error {
	if s := w.b.String(); s == "" || s[len(s)-1] == '\n' {
		return nil
	}
	return w.WriteString("\n")
}

func (w *textWriter) String() string {
	if w.tidy {
		return Tidy(w.b.String())
	}
	return w.b.String()
}

// plain accepts UTF-8 text without NUL bytes (a NUL means a binary file
// that only looks like text); a byte-order mark is dropped.
func plain(data []byte, w *textWriter) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return ErrNotText
	}
	return w.WriteString(strings.ReplaceAll(string(data), "\r\n", "\n"))
}
