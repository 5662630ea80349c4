package extract_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/sandbox"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func isolated(t *testing.T, timeout time.Duration) extract.Isolated {
	t.Helper()
	return extract.Isolated{Runner: sandbox.Runner{Bin: testkit.ExtractBin(t)},
		Limits: sandbox.Limits{Timeout: timeout, CPU: timeout, Memory: 512 << 20}}
}

// TestIsolatedReadsWhatTextReads: the child gives the same text as the
// in-process reader, and its refusals keep their meaning.
func TestIsolatedReadsWhatTextReads(t *testing.T) {
	t.Parallel()
	x := isolated(t, 30*time.Second)
	for name, data := range map[string][]byte{
		"rules.pdf":    testkit.PDF(false, "Parking permits cost 500 kronor.", "Apply at the service centre."),
		"minutes.docx": testkit.DOCX("Minutes of the board.", "The budget was approved & signed."),
		"fees.xlsx":    testkit.XLSX([]string{"Service", "Fee"}, []string{"Parking permit", "500"}),
		"page.html":    []byte("<html><body><h1>Fees</h1><p>A permit costs 100 kronor.</p></body></html>"),
		"notes.txt":    []byte("plain text is read in process"),
	} {
		mime := extract.Detect(data, name)
		want, err := extract.Text(bytes.NewReader(data), mime, 10_000)
		require.NoError(t, err, name)
		got, err := x.Text(context.Background(), bytes.NewReader(data), mime, 10_000)
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}
	_, err := x.Text(context.Background(), bytes.NewReader(testkit.PDF(true, "secret")), "application/pdf", 10_000)
	require.ErrorIs(t, err, extract.ErrEncrypted)
	_, err = x.Text(context.Background(), bytes.NewReader(testkit.PDF(false)), "application/pdf", 10_000)
	require.ErrorIs(t, err, extract.ErrEmpty)
	_, err = x.Text(context.Background(), bytes.NewReader(testkit.DOCX(string(bytes.Repeat([]byte("word "), 500)))), extract.Detect(testkit.DOCX("x"), "a.docx"), 1000)
	require.ErrorIs(t, err, extract.ErrTooLong)
}

// TestPoisonDocumentsFailFast: every poison file ends with a reason well
// within its deadline, in the child, and the parent stays small.
func TestPoisonDocumentsFailFast(t *testing.T) {
	t.Parallel()
	const deadline = 20 * time.Second
	x := isolated(t, deadline)
	docxMime := extract.Detect(testkit.DOCX("x"), "a.docx")
	xlsxMime := extract.Detect(testkit.XLSX([]string{"x"}), "a.xlsx")
	cases := []struct {
		name string
		data []byte
		mime string
		want error
	}{
		{"kids cycle", testkit.CyclicKidsPDF(), "application/pdf", extract.ErrCorrupt},
		{"own parent", testkit.SelfParentPDF(), "application/pdf", nil},
		{"flate bomb", testkit.FlateBombPDF(200 << 20), "application/pdf", extract.ErrTooLong},
		{"nested arrays", testkit.NestedPDF(2_000_000), "application/pdf", nil},
		{"docx bomb", testkit.ZipBombDOCX(), docxMime, extract.ErrBomb},
		// archive/zip refuses an entry longer than its header says.
		{"lying docx bomb", testkit.LyingZipBombDOCX(1 << 30), docxMime, extract.ErrCorrupt},
		{"xlsx bomb", testkit.ZipBombXLSX(250 << 20), xlsxMime, nil},
		{"nested html", testkit.NestedHTML(50 << 20), "text/html", extract.ErrEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			text, err := x.Text(context.Background(), bytes.NewReader(tc.data), tc.mime, 20_000_000)
			took := time.Since(start)
			t.Logf("%s (%d KiB): %v in %s", tc.name, len(tc.data)>>10, err, took.Round(time.Millisecond))
			if tc.name == "own parent" {
				// Nothing loops: the page's text is read.
				require.NoError(t, err)
				require.Contains(t, text, "own parent")
				return
			}
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			} else {
				_, isLimit := errors.AsType[*extract.LimitError](err)
				require.True(t, isLimit || errors.Is(err, extract.ErrCorrupt) || errors.Is(err, extract.ErrBomb) || errors.Is(err, extract.ErrTooLong),
					"a reason the user can read, got %T %v", err, err)
			}
			require.Less(t, took, deadline+5*time.Second)
		})
	}
}

// TestCyclicPageTreesEndInProcess: the page-tree walk itself refuses a
// loop, without any sandbox limit.
func TestCyclicPageTreesEndInProcess(t *testing.T) {
	t.Parallel()
	_, err := extract.Text(bytes.NewReader(testkit.CyclicKidsPDF()), "application/pdf", 1_000_000)
	require.ErrorIs(t, err, extract.ErrCorrupt)
	require.ErrorContains(t, err, "loops back on itself")
	text, err := extract.Text(bytes.NewReader(testkit.SelfParentPDF()), "application/pdf", 1_000_000)
	require.NoError(t, err)
	require.Contains(t, text, "own parent")
}

// TestTheLimitStopsTheReader: a bomb read in process stops at the
// character limit instead of building the whole text first.
func TestTheLimitStopsTheReader(t *testing.T) {
	t.Parallel()
	bomb := testkit.FlateBombPDF(200 << 20)
	start := time.Now()
	_, err := extract.Text(bytes.NewReader(bomb), "application/pdf", 100_000)
	require.ErrorIs(t, err, extract.ErrTooLong)
	require.Less(t, time.Since(start), 10*time.Second)
}
