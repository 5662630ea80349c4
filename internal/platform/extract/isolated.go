package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agora-platform/agora/internal/platform/sandbox"
)

// ModeText is the sandbox mode that reads a document's text (see Child).
const ModeText = "text"

// maxInput bounds what a child reads of a file.
const maxInput = 512 << 20

// inProcess are the formats read without a parser worth isolating: their
// reading is a UTF-8 check and a copy.
var inProcess = map[string]bool{"text/plain": true, "text/csv": true, "text/markdown": true, "application/json": true}

// Isolated reads files whose formats need a parser (PDF, Office, HTML) in
// a sandbox child, and plain text in process.
type Isolated struct {
	Runner sandbox.Runner
	Limits sandbox.Limits
}

// Text is the isolated Text: the same errors, plus a *LimitError when the
// child was stopped by a limit and ctx's error when ctx ended.
func (x Isolated) Text(ctx context.Context, r io.Reader, mime string, maxChars int) (string, error) {
	return textOf(x.Read(ctx, r, mime, maxChars))
}

// titleEnd ends the title and the page count the child writes before the
// text.
const titleEnd = "\x1e"

// Read is the isolated Read, with Text's errors.
func (x Isolated) Read(ctx context.Context, r io.Reader, mime string, maxChars int) (Document, error) {
	if _, ok := kinds[mime]; !ok {
		return Document{}, fmt.Errorf("%w: %s", ErrUnsupported, mime)
	}
	if inProcess[mime] {
		return Read(r, mime, maxChars)
	}
	l := x.Limits
	l.Output = 4*int64(maxChars) + 1024
	out, err := x.Runner.Run(ctx, l, ModeText, []string{mime, strconv.Itoa(maxChars)}, r)
	if err != nil {
		return Document{}, fromChild(err, mime)
	}
	title, rest, _ := strings.Cut(string(out), titleEnd)
	pages, text, _ := strings.Cut(rest, titleEnd)
	n, _ := strconv.Atoi(pages)
	if strings.TrimSpace(text) == "" && n == 0 {
		return Document{}, ErrEmpty
	}
	return Document{Title: title, Text: text, Pages: n}, nil
}

// LimitError is a document whose reading was stopped by a limit of the
// sandbox or crashed its reader.
type LimitError struct {
	// Format names the kind of document ("PDF", "Word document").
	Format string
	Err    *sandbox.Stopped
}

func (e *LimitError) Error() string {
	switch {
	case errors.Is(e.Err, sandbox.ErrTimeout):
		return fmt.Sprintf("the %s could not be read within %s", e.Format, e.Err.Limit)
	case errors.Is(e.Err, sandbox.ErrCPU):
		return fmt.Sprintf("the %s needed more than %s of computing time to read", e.Format, e.Err.Limit)
	case errors.Is(e.Err, sandbox.ErrMemory):
		return fmt.Sprintf("the %s needed more memory to read than allowed (%s)", e.Format, e.Err.Limit)
	case errors.Is(e.Err, sandbox.ErrOutput):
		return fmt.Sprintf("the %s holds more text than allowed", e.Format)
	case errors.Is(e.Err, sandbox.ErrNesting):
		return fmt.Sprintf("the %s is nested too deeply to read", e.Format)
	}
	return fmt.Sprintf("the %s could not be read: its reader stopped unexpectedly", e.Format)
}

func (e *LimitError) Unwrap() error { return e.Err }

// formats names MIME types for people.
var formats = map[string]string{
	"application/pdf": "PDF", mimeDOCX: "Word document", mimePPTX: "PowerPoint presentation",
	mimeXLSX: "Excel workbook", "text/html": "HTML page",
}

// codes are the wire names of the errors a child reports.
var codes = map[string]error{
	"unsupported": ErrUnsupported, "empty": ErrEmpty, "not_text": ErrNotText, "too_long": ErrTooLong,
	"encrypted": ErrEncrypted, "corrupt": ErrCorrupt, "bomb": ErrBomb,
}

// fromChild turns a child's failure back into this package's errors.
func fromChild(err error, mime string) error {
	if f, ok := errors.AsType[*sandbox.Failure](err); ok {
		sentinel, ok := codes[f.Code]
		if !ok {
			sentinel = ErrCorrupt
		}
		return &childError{msg: f.Message, sentinel: sentinel}
	}
	if s, ok := errors.AsType[*sandbox.Stopped](err); ok {
		if errors.Is(s, sandbox.ErrOutput) {
			return fmt.Errorf("%w: %v", ErrTooLong, s)
		}
		name := formats[mime]
		if name == "" {
			name = "document"
		}
		return &LimitError{Format: name, Err: s}
	}
	return err
}

// childError is a reason the child reported, in its words, that is still
// the sentinel it stands for.
type childError struct {
	msg      string
	sentinel error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.sentinel }

// Child is the sandbox mode ModeText: args are the MIME type and the
// character limit; the file comes on in and its text goes to out.
func Child(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 2 {
		return &sandbox.Failure{Code: "usage", Message: "text needs a MIME type and a character limit"}
	}
	maxChars, err := strconv.Atoi(args[1])
	if err != nil || maxChars < 1 {
		return &sandbox.Failure{Code: "usage", Message: "the character limit must be a positive number"}
	}
	d, err := Read(io.LimitReader(in, maxInput), args[0], maxChars)
	if err != nil {
		return toChild(err)
	}
	_, err = io.WriteString(out, strings.ReplaceAll(d.Title, titleEnd, "")+titleEnd+strconv.Itoa(d.Pages)+titleEnd+d.Text)
	return err
}

// toChild gives an error its wire code.
func toChild(err error) error {
	for code, sentinel := range codes {
		if errors.Is(err, sentinel) {
			return &sandbox.Failure{Code: code, Message: err.Error()}
		}
	}
	return &sandbox.Failure{Code: "corrupt", Message: err.Error()}
}
