package httpx

import (
	"errors"
	"io"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// ErrNoFile is a request without the multipart file part.
var ErrNoFile = errs.New(errs.Invalid, "send the file as multipart/form-data in the field \"file\"")

// errCutOff is an upload whose body ended inside the file part: the
// client stopped sending, or the body lacks its closing boundary.
var errCutOff = errs.New(errs.Invalid, "the upload was cut off; send the file again")

// FilePart finds the multipart part named "file" and returns its file
// name and a reader that streams it, never holding it whole. A body that
// ends before the part does reads as the client's fault (400, "cut off"),
// not an internal error, so the services remove what they stored of it.
func FilePart(c *echo.Context) (string, io.Reader, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return "", nil, ErrNoFile
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, ErrNoFile
		}
		if err != nil {
			return "", nil, errs.Wrap(errs.Invalid, "the multipart body is malformed", err)
		}
		if part.FormName() == "file" {
			return part.FileName(), filePart{part}, nil
		}
	}
}

// filePart maps a body cut off inside the part to errCutOff.
type filePart struct{ r io.Reader }

func (p filePart) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errCutOff
	}
	return n, err
}
