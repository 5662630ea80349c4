package extract_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/extract"
)

func detectAndRead(t *testing.T, name, content string) (string, string, error) {
	t.Helper()
	mime := extract.Detect([]byte(content), name)
	text, err := extract.Text(strings.NewReader(content), mime, 1000)
	return mime, text, err
}

func TestPlainTextFormats(t *testing.T) {
	t.Parallel()
	mime, text, err := detectAndRead(t, "notes.txt", "\xef\xbb\xbfParking permits\r\nare issued by the city.\r\n")
	require.NoError(t, err)
	require.Equal(t, "text/plain", mime)
	require.Equal(t, "Parking permits\nare issued by the city.", text, "BOM and CRLF are gone")

	mime, _, err = detectAndRead(t, "README.md", "# Title\n\nSome *text*.")
	require.NoError(t, err)
	require.Equal(t, "text/markdown", mime)

	mime, text, err = detectAndRead(t, "x.csv", "name,fee\npermit,100\nlicence,200\n")
	require.NoError(t, err)
	require.Equal(t, "text/csv", mime)
	require.Contains(t, text, "| permit | 100 |")

	mime, _, err = detectAndRead(t, "x.json", `{"fee": 100, "items": [1, 2]}`)
	require.NoError(t, err)
	require.Equal(t, "application/json", mime)
}

func TestHTMLKeepsVisibleTextOnly(t *testing.T) {
	t.Parallel()
	page := `<!doctype html><html><head><title>Fees</title><style>p{color:red}</style>
<script>alert("x")</script></head><body><h1>Parking   fees</h1><p>A permit costs <b>100</b> kronor.</p>
<ul><li>Monthly</li><li>Yearly</li></ul><noscript>enable js</noscript></body></html>`
	mime, text, err := detectAndRead(t, "page.html", page)
	require.NoError(t, err)
	require.Equal(t, "text/html", mime)
	require.Equal(t, "# Parking fees\n\nA permit costs 100 kronor.\n\n- Monthly\n- Yearly", text)
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		file, content string
		want          error
	}{
		"empty":        {"a.txt", "   \n ", extract.ErrEmpty},
		"zero bytes":   {"a.txt", "", extract.ErrEmpty},
		"invalid utf8": {"a.txt", "caf\xe9 au lait, which is Latin-1 and not UTF-8 at all", extract.ErrNotText},
		"NUL bytes":    {"a.txt", "text\x00with\x00nuls\x00in\x00it and more text to look textual", extract.ErrUnsupported},
		"too long":     {"a.txt", strings.Repeat("word ", 300), extract.ErrTooLong},
		"zip":          {"a.txt", "PK\x03\x04\x14\x00\x00\x00\x08\x00", extract.ErrUnsupported},
		"broken pdf":   {"a.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", extract.ErrCorrupt},
		"old word":     {"a.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00\x00\x00\x00\x00", extract.ErrUnsupported},
	} {
		_, _, err := detectAndRead(t, tc.file, tc.content)
		require.ErrorIs(t, err, tc.want, name)
	}
}
