// Package audio prepares recordings for speech-to-text services: it knows
// the formats they take and splits long recordings into segments small
// enough for one request with ffmpeg, when the machine has it.
package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/agora-platform/agora/internal/platform/sandbox"
)

// Extensions maps the MIME types of recordings to the file extensions
// Whisper-style services tell formats by.
var Extensions = map[string]string{
	"audio/mpeg": "mp3", "audio/mp3": "mp3",
	"audio/x-m4a": "m4a", "audio/mp4": "m4a", "audio/m4a": "m4a",
	"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav",
	"audio/ogg": "ogg", "application/ogg": "ogg", "video/ogg": "ogg",
	"audio/webm": "webm", "video/webm": "webm",
	"video/mp4": "mp4",
}

// IsAudio reports whether mime is a recording the services take.
func IsAudio(mime string) bool { _, ok := Extensions[mime]; return ok }

// ErrNoFFmpeg means a recording needs splitting but ffmpeg is missing.
var ErrNoFFmpeg = errors.New("ffmpeg is not installed on the worker")

// Splitter cuts recordings into segments with ffmpeg, which runs in a
// sandbox child within Limits (a recording is untrusted bytes too).
type Splitter struct {
	// FFmpeg is the program (a name looked up in PATH, or a path).
	FFmpeg string
	// Seconds is the length of one segment.
	Seconds int
	Sandbox sandbox.Runner
	Limits  sandbox.Limits
}

// Available reports whether ffmpeg can be run.
func (s Splitter) Available() bool {
	_, err := exec.LookPath(s.FFmpeg)
	return err == nil
}

// Split writes src (a recording with extension ext) to a temporary
// directory and cuts it into mono 16 kHz MP3 segments of s.Seconds, which
// it returns in order, with a function that removes them.
func (s Splitter) Split(ctx context.Context, src io.Reader, ext string) ([]string, func(), error) {
	bin, err := exec.LookPath(s.FFmpeg)
	if err != nil {
		return nil, func() {}, ErrNoFFmpeg
	}
	dir, err := os.MkdirTemp("", "agora-audio-")
	if err != nil {
		return nil, func() {}, fmt.Errorf("temporary directory for segments: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	in := filepath.Join(dir, "input."+ext)
	if err := writeFile(in, src); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	seconds := max(s.Seconds, 30)
	err = s.Sandbox.Exec(ctx, s.Limits, bin, "-hide_banner", "-loglevel", "error", "-nostdin", "-i", in, "-vn", "-ac", "1", "-ar", "16000",
		"-c:a", "libmp3lame", "-b:a", "32k", "-f", "segment", "-segment_time", strconv.Itoa(seconds), "-reset_timestamps", "1",
		filepath.Join(dir, "segment-%04d.mp3"))
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("ffmpeg could not split the recording: %w", err)
	}
	segments, _ := filepath.Glob(filepath.Join(dir, "segment-*.mp3"))
	sort.Strings(segments)
	if len(segments) == 0 {
		cleanup()
		return nil, func() {}, errors.New("ffmpeg found no audio in the recording")
	}
	return segments, cleanup, nil
}

func writeFile(path string, src io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the recording for ffmpeg: %w", err)
	}
	if _, err := io.Copy(f, src); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the recording for ffmpeg: %w", err)
	}
	return f.Close()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
