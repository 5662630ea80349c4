package audio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/sandbox"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// splitter runs ffmpeg (or the script standing in for it) in the sandbox.
func splitter(t *testing.T, ffmpeg string, timeout time.Duration) audio.Splitter {
	t.Helper()
	return audio.Splitter{FFmpeg: ffmpeg, Seconds: 600, Sandbox: sandbox.Runner{Bin: testkit.ExtractBin(t)},
		Limits: sandbox.Limits{Timeout: timeout, CPU: timeout, Memory: 512 << 20}}
}

// fakeFFmpeg writes a script that stands in for ffmpeg: it checks that it
// was asked for mono 16 kHz segments of the input and writes three of
// them (or fails, when told to).
func fakeFFmpeg(t *testing.T, fail bool) string {
	t.Helper()
	body := `#!/bin/sh
for a; do out="$a"; done
case "$*" in *"-ac 1 -ar 16000"*"-f segment -segment_time 600"*) ;; *) echo "unexpected arguments: $*" >&2; exit 2;; esac
in=""; prev=""; for a; do [ "$prev" = "-i" ] && in="$a"; prev="$a"; done
[ -s "$in" ] || { echo "no input" >&2; exit 3; }
`
	if fail {
		body += "echo 'first line' >&2; echo 'Invalid data found when processing input' >&2; exit 1\n"
	} else {
		body += `for i in 0002 0000 0001; do printf "seg$i" > "$(dirname "$out")/segment-$i.mp3"; done` + "\n"
	}
	path := filepath.Join(t.TempDir(), "ffmpeg")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o755))
	return path
}

func TestSplitReturnsSegmentsInOrderAndCleansUp(t *testing.T) {
	s := splitter(t, fakeFFmpeg(t, false), time.Minute)
	require.True(t, s.Available())
	segs, cleanup, err := s.Split(context.Background(), strings.NewReader("RIFF fake wav"), "wav")
	require.NoError(t, err)
	require.Len(t, segs, 3)
	for i, seg := range segs {
		b, err := os.ReadFile(seg)
		require.NoError(t, err)
		require.Equal(t, []string{"seg0000", "seg0001", "seg0002"}[i], string(b))
	}
	cleanup()
	_, err = os.Stat(filepath.Dir(segs[0]))
	require.True(t, os.IsNotExist(err), "the segments are removed")
}

func TestSplitReportsWhatFFmpegSaid(t *testing.T) {
	s := splitter(t, fakeFFmpeg(t, true), time.Minute)
	_, _, err := s.Split(context.Background(), strings.NewReader("not audio"), "mp3")
	require.ErrorContains(t, err, "Invalid data found when processing input")
}

func TestSplitWithoutFFmpeg(t *testing.T) {
	s := splitter(t, filepath.Join(t.TempDir(), "no-ffmpeg-here"), time.Minute)
	require.False(t, s.Available())
	_, _, err := s.Split(context.Background(), strings.NewReader("x"), "mp3")
	require.ErrorIs(t, err, audio.ErrNoFFmpeg)
}

func TestAudioTypes(t *testing.T) {
	for _, m := range []string{"audio/mpeg", "audio/x-m4a", "audio/wav", "audio/ogg", "video/webm", "video/mp4"} {
		require.True(t, audio.IsAudio(m), m)
	}
	require.False(t, audio.IsAudio("application/pdf"))
}

// TestAHangingFFmpegIsStopped: ffmpeg runs within its deadline; one that
// hangs on a crafted recording is killed and the reason says so. A spinning
// process meets its CPU limit and its deadline at about the same moment
// (both are a second here, as FFMPEG_TIMEOUT sets both), so either reason
// is right.
func TestAHangingFFmpegIsStopped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ffmpeg")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\nwhile :; do :; done\n"), 0o755))
	start := time.Now()
	_, _, err := splitter(t, path, time.Second).Split(context.Background(), strings.NewReader("RIFF fake wav"), "wav")
	require.True(t, errors.Is(err, sandbox.ErrTimeout) || errors.Is(err, sandbox.ErrCPU), "%v", err)
	require.ErrorContains(t, err, "ffmpeg could not split the recording")
	require.Less(t, time.Since(start), 10*time.Second)
}
