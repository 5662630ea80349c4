// Package extract turns uploaded files into plain text. It sniffs what a
// file is from its content (gabriel-vasile/mimetype), never from its name
// alone, and refuses what it cannot read with an error that says why.
// Plain text, Markdown, CSV, JSON and HTML are read here; more formats join
// the table as readers for them are added.
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

// reader extracts the text of one kind of file.
type reader func(data []byte) (string, error)

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
// it), at most maxChars characters of it.
func Text(r io.Reader, mime string, maxChars int) (string, error) {
	read, ok := kinds[mime]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrUnsupported, mime)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read file: %w", err)
	}
	text, err := read(data)
	if err != nil {
		return "", err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", ErrEmpty
	}
	if n := utf8.RuneCountInString(text); n > maxChars {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, maxChars)
	}
	return text, nil
}

// plain accepts UTF-8 text without NUL bytes (a NUL means a binary file
// that only looks like text); a byte-order mark is dropped.
func plain(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return "", ErrNotText
	}
	return strings.ReplaceAll(string(data), "\r\n", "\n"), nil
}
