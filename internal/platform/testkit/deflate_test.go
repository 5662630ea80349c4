package testkit

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRepeatedStreamsInflateToWhatTheySay: the quick streams of the poison
// files inflate to head, the block n times and tail, with right checksums.
func TestRepeatedStreamsInflateToWhatTheySay(t *testing.T) {
	t.Parallel()
	block := bytes.Repeat([]byte("0123456789abcdef-"), 3000) // over the 32 KiB window
	r := repeated{head: []byte("head:"), block: block, tail: []byte(":tail"), n: 7}
	want := append(append([]byte("head:"), bytes.Repeat(block, 7)...), ":tail"...)
	require.Equal(t, len(want), r.size())

	zr, err := zlib.NewReader(bytes.NewReader(r.zlib()))
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err, "the Adler-32 checksum is right")
	require.Equal(t, want, got)

	var b bytes.Buffer
	z := zip.NewWriter(&b)
	zipEntry(z, "part.xml", r, 0)
	require.NoError(t, z.Close())
	zf, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	rc, err := zf.File[0].Open()
	require.NoError(t, err)
	got, err = io.ReadAll(rc)
	require.NoError(t, err, "the CRC-32 is right")
	require.Equal(t, want, got)
}
