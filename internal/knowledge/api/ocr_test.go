package api_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

var scannedLines = []string{"# Snow clearing", "The municipality clears the cycle paths first", "when the snow depth reaches five centimetres."}

func TestScansAndImagesAreReadByOCR(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Skannat")
	pdf := l.upload(t, "plogning.pdf", testkit.ScannedPDF(t, nil, scannedLines))
	blob := testkit.JSON[api.InfoBlobText](t, l.e.Do(http.MethodGet, pdf.ResultLocation, "", l.token))
	require.Equal(t, "ready", blob.Status)
	require.Equal(t, 2, blob.Pages)
	require.Empty(t, blob.Note, "every page was read")
	hits := l.search(t, l.token, l.collection, "snow depth centimetres")
	require.NotEmpty(t, hits, "the scanned page's words are found")
	require.Equal(t, pdf.InfoBlob.ID, hits[0].InfoBlobID)
	require.Equal(t, 2, hits[0].PageEnd, "on the scanned page")

	img := l.upload(t, "skylt.png", testkit.Scan(t, "png", "No parking on weekdays", "between eight and sixteen."))
	blob = testkit.JSON[api.InfoBlobText](t, l.e.Do(http.MethodGet, img.ResultLocation, "", l.token))
	require.Equal(t, "ready", blob.Status)
	require.Equal(t, "image/png", blob.MimeType)
	hits = l.search(t, l.token, l.collection, "parking weekdays")
	require.NotEmpty(t, hits)
	require.Equal(t, img.InfoBlob.ID, hits[0].InfoBlobID, "the image's words are found")
}

func TestWithoutOCRScansSayWhatWasNotRead(t *testing.T) {
	t.Parallel()
	cfg := apptest.New(t).App.Config
	cfg.OCRPath = "off"
	l := newLibrary(t, apptest.With(t, cfg), "Skannat")
	a := l.upload(t, "blandat.pdf", testkit.ScannedPDF(t, nil, scannedLines, scannedLines))
	blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
	require.Equal(t, "ready", blob.Status, "the typed page is read")
	require.Equal(t, "pages 2–3 were not read: they are scanned and OCR is not installed on this server", blob.Note)

	a = l.upload(t, "scan.pdf", testkit.ScannedPDF(t, scannedLines))
	job := l.job(t, a.ID)
	require.Equal(t, "failed", job["status"])
	require.Equal(t, "scan.pdf holds no text: page 1 was not read: it is scanned and OCR is not installed on this server", job["message"])

	rec := testkit.Upload(l.e.H, "/api/v1/groups/"+l.collection+"/info-blobs/upload/", "file", "skylt.png", testkit.Scan(t, "png", "Parkering"),
		"Authorization", "Bearer "+l.token)
	require.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
	require.Equal(t, "skylt.png is a PNG image, which is read by OCR, and OCR is not installed on this server", testkit.JSON[httpx.ErrorBody](t, rec).Message)
}

func TestOCRIsBounded(t *testing.T) {
	t.Parallel()
	cfg := apptest.New(t).App.Config
	cfg.OCRMaxPages, cfg.OCRMaxPixels = 2, 50_000_000
	l := newLibrary(t, apptest.With(t, cfg), "Stort")
	a := l.upload(t, "tjock.pdf", testkit.BlankPDF(2000))
	job := l.job(t, a.ID)
	require.Equal(t, "failed", job["status"])
	require.Contains(t, job["message"], "pages 3–2000 were not read: at most 2 scanned pages of a document are read by OCR")

	var huge bytes.Buffer
	require.NoError(t, png.Encode(&huge, image.NewGray(image.Rect(0, 0, 20000, 20000))))
	a = l.upload(t, "enorm.png", huge.Bytes())
	job = l.job(t, a.ID)
	require.Equal(t, "failed", job["status"])
	require.Equal(t, "enorm.png cannot be read: the image is too large to read: 20000 × 20000 pixels, more than the 50 million allowed", job["message"])

	cfg.OCRTimeout = time.Millisecond
	slow := newLibrary(t, apptest.With(t, cfg), "Långsamt")
	a = slow.upload(t, "blandat.pdf", testkit.ScannedPDF(t, nil, scannedLines))
	blob := testkit.JSON[api.InfoBlobResponse](t, slow.e.Do(http.MethodGet, a.ResultLocation, "", slow.token))
	require.Equal(t, "ready", blob.Status, "a page out of time fails alone, not the document or the worker")
	require.True(t, strings.HasPrefix(blob.Note, "page 2 could not be read: "), blob.Note)
	require.Contains(t, blob.Note, "in time")
}
