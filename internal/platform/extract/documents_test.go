package extract_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func read(t *testing.T, name string, data []byte) (string, string, error) {
	t.Helper()
	mime := extract.Detect(data[:min(len(data), 3072)], name)
	text, err := extract.Text(bytes.NewReader(data), mime, 1_000_000)
	return mime, text, err
}

func TestOfficeDocumentsAndPDF(t *testing.T) {
	t.Parallel()
	mime, text, err := read(t, "rules.pdf", testkit.PDF(false, "Parking permits cost 500 kronor.", "Apply at the service centre."))
	require.NoError(t, err)
	require.Equal(t, "application/pdf", mime)
	require.Contains(t, text, "Parking permits cost 500 kronor.")
	require.Contains(t, text, "Apply at the service centre.")

	mime, text, err = read(t, "minutes.docx", testkit.DOCX("Minutes of the board.", "The budget was approved & signed."))
	require.NoError(t, err)
	require.Equal(t, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", mime)
	require.Equal(t, "Minutes of the board.\n\nThe budget was approved & signed.", text)

	mime, text, err = read(t, "deck.pptx", testkit.PPTX("Welcome", "Snow clearing starts in November"))
	require.NoError(t, err)
	require.Equal(t, "application/vnd.openxmlformats-officedocument.presentationml.presentation", mime)
	require.Equal(t, "Welcome\n"+extract.PageBreak+"\nSnow clearing starts in November", text)

	mime, text, err = read(t, "fees.xlsx", testkit.XLSX([]string{"Service", "Fee"}, []string{"Parking permit", "500"}))
	require.NoError(t, err)
	require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", mime)
	require.Contains(t, text, "| Parking permit | 500 |")
}

func TestBrokenDocuments(t *testing.T) {
	t.Parallel()
	_, _, err := read(t, "secret.pdf", testkit.PDF(true, "You may not read this."))
	require.ErrorIs(t, err, extract.ErrEncrypted)

	good := testkit.PDF(false, "Some text that is long enough to matter.")
	_, _, err = read(t, "cut.pdf", good[:len(good)/2])
	require.ErrorIs(t, err, extract.ErrCorrupt, "a truncated PDF")

	_, _, err = read(t, "bomb.docx", testkit.ZipBombDOCX())
	require.ErrorIs(t, err, extract.ErrBomb)

	docx := testkit.DOCX("fine")
	_, _, err = read(t, "cut.docx", docx[:len(docx)-40])
	require.ErrorIs(t, err, extract.ErrCorrupt, "a truncated DOCX")

	_, _, err = read(t, "empty.pdf", testkit.PDF(false))
	require.ErrorIs(t, err, extract.ErrEmpty, "a PDF without text (say, a scan)")
}
