package application

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// OCR reads scanned PDF pages and images (platform/ocr).
type OCR interface {
	// Available reports whether OCR is installed.
	Available() bool
	// MaxPages is the most pages of one document it reads.
	MaxPages() int
	PDFPage(ctx context.Context, path string, page int, langs string) (string, error)
	Image(ctx context.Context, path, langs string) (string, error)
}

// imageTypes are the images read by OCR, named for people.
var imageTypes = map[string]string{"image/png": "a PNG image", "image/jpeg": "a JPEG image", "image/tiff": "a TIFF image"}

func (k *Knowledge) isImage(mime string) bool {
	_, ok := imageTypes[mime]
	return ok
}

// ocrReady reports whether images and scanned pages can be read here.
func (k *Knowledge) ocrReady() bool { return k.ocr != nil && k.ocr.Available() }

// ocrLanguages are Tesseract's languages for the collection's language.
func ocrLanguages(language string) string {
	if language == "english" {
		return "eng+swe"
	}
	return "swe+eng"
}

// localCopy copies a stored document to a temporary file for a program
// that reads files; remove it with the returned function.
func (k *Knowledge) localCopy(b domain.InfoBlob) (string, func(), error) {
	rc, err := k.store.Open(b.Tenant, b.ID)
	if err != nil {
		return "", nil, errs.Wrap(errs.NotFound, "the uploaded file is gone; upload it again", err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "agora-doc-*")
	if err != nil {
		return "", nil, fmt.Errorf("copy %s for OCR: %w", b.Title, err)
	}
	done := func() { _ = os.Remove(f.Name()) }
	if _, err := io.Copy(f, rc); err != nil {
		_ = f.Close()
		done()
		return "", nil, fmt.Errorf("copy %s for OCR: %w", b.Title, err)
	}
	if err := f.Close(); err != nil {
		done()
		return "", nil, err
	}
	return f.Name(), done, nil
}

// readImage reads an uploaded image by OCR.
func (k *Knowledge) readImage(ctx context.Context, b domain.InfoBlob, language string) (upload.Document, error) {
	if !k.ocrReady() {
		return upload.Document{}, errs.Newf(errs.UnsupportedMediaType, "%s is %s, which is read by OCR, and OCR is not installed on this server", b.Title, imageTypes[b.MimeType])
	}
	path, done, err := k.localCopy(b)
	if err != nil {
		return upload.Document{}, err
	}
	defer done()
	text, err := k.ocr.Image(ctx, path, ocrLanguages(language))
	switch {
	case ctx.Err() != nil:
		return upload.Document{}, ctx.Err()
	case err != nil && isTooLarge(err):
		return upload.Document{}, errs.Newf(errs.TooLarge, "%s cannot be read: %v", b.Title, err)
	case err != nil:
		return upload.Document{}, errs.Newf(errs.UnsupportedMediaType, "%s could not be read by OCR: %v", b.Title, err)
	case strings.TrimSpace(text) == "":
		return upload.Document{}, errs.Newf(errs.Invalid, "%s holds no text OCR could read", b.Title)
	}
	return upload.Document{Text: text}, nil
}

// readScans reads by OCR the pages of a PDF that have no text layer, and
// returns the document with their text and a note of the pages it could
// not read and why (OCR missing, over the page limit, out of time). A
// PDF with no text at all that way fails with the note as its reason.
func (k *Knowledge) readScans(ctx context.Context, b domain.InfoBlob, doc upload.Document, language string, report func(int, string) error) (upload.Document, string, error) {
	pages := strings.Split(doc.Text, domain.PageBreak)
	if doc.Pages == 0 || len(pages) != doc.Pages {
		return doc, "", nil
	}
	var empty []int
	for i, p := range pages {
		if strings.TrimSpace(p) == "" {
			empty = append(empty, i+1)
		}
	}
	if len(empty) == 0 {
		return doc, "", nil
	}
	var unread []string
	if !k.ocrReady() {
		unread = append(unread, fmt.Sprintf("%s not read: %s scanned and OCR is not installed on this server", wereList(empty), itThey(empty)))
	} else {
		var err error
		if unread, err = k.ocrPages(ctx, b, pages, empty, language, report); err != nil {
			return doc, "", err
		}
	}
	text := strings.Join(trimmed(pages), "\n"+domain.PageBreak+"\n")
	note := strings.Join(unread, "; ")
	if strings.TrimSpace(strings.ReplaceAll(text, domain.PageBreak, "")) == "" {
		return doc, note, errs.Newf(errs.Invalid, "%s holds no text: %s", b.Title, note)
	}
	doc.Text = text
	return doc, note, nil
}

// ocrPages reads the empty pages by OCR into pages, up to the page limit,
// and says which it could not read.
func (k *Knowledge) ocrPages(ctx context.Context, b domain.InfoBlob, pages []string, empty []int, language string, report func(int, string) error) ([]string, error) {
	path, done, err := k.localCopy(b)
	if err != nil {
		return nil, err
	}
	defer done()
	var unread []string
	limit := k.ocr.MaxPages()
	if len(empty) > limit {
		unread = append(unread, fmt.Sprintf("%s not read: at most %d scanned pages of a document are read by OCR", wereList(empty[limit:]), limit))
		empty = empty[:limit]
	}
	for i, n := range empty {
		if err := report(1+8*i/len(empty), fmt.Sprintf("reading scanned page %d (%d of %d) by OCR", n, i+1, len(empty))); err != nil {
			return nil, err
		}
		text, err := k.ocr.PDFPage(ctx, path, n, ocrLanguages(language))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			k.log.WarnContext(ctx, "scanned page not read", "blob_id", b.ID, "page", n, "err", err)
			unread = append(unread, fmt.Sprintf("page %d could not be read: %v", n, errors.Unwrap(err)))
			continue
		}
		pages[n-1] = text
	}
	return unread, nil
}

func trimmed(pages []string) []string {
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = strings.Trim(p, "\n")
	}
	return out
}

// wereList is "page 3 was" or "pages 2–4 were".
func wereList(pages []int) string {
	if len(pages) == 1 {
		return pageList(pages) + " was"
	}
	return pageList(pages) + " were"
}

// itThey is "it is" or "they are" for pages.
func itThey(pages []int) string {
	if len(pages) == 1 {
		return "it is"
	}
	return "they are"
}

// pageList names pages for people: "page 3", "pages 2–4, 7".
func pageList(pages []int) string {
	var parts []string
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(pages[i]))
		} else {
			parts = append(parts, strconv.Itoa(pages[i])+"–"+strconv.Itoa(pages[j]))
		}
		i = j + 1
	}
	if len(pages) == 1 {
		return "page " + parts[0]
	}
	return "pages " + strings.Join(parts, ", ")
}

// isTooLarge reports an error of the TooLarge kind (an image over the
// pixel limit).
func isTooLarge(err error) bool {
	k, ok := errs.AsKind(err)
	return ok && k == errs.TooLarge
}
