// Package ocr reads the text of images and of PDF pages without a text
// layer with Tesseract, rendering a PDF page with poppler's pdftoppm first.
// Both run as subprocesses bounded by a deadline per page, and an image
// larger than a bound is refused before Tesseract sees it.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig reads JPEG sizes
	_ "image/png"  // and PNG sizes
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Config locates the programs and bounds their work.
type Config struct {
	// Tesseract and PDFToPPM are the programs (OCR_PATH, PDFTOPPM_PATH);
	// "off" turns OCR off.
	Tesseract, PDFToPPM string
	// Timeout bounds the reading of one page or image.
	Timeout time.Duration
	// MaxPages is the most pages of one document read by OCR.
	MaxPages int
	// MaxPixels is the largest image read (width × height).
	MaxPixels int64
	// RenderSize is the long side, in pixels, a PDF page is rendered at.
	RenderSize int
}

// Defaults.
const (
	DefaultTimeout    = time.Minute
	DefaultMaxPages   = 100
	DefaultMaxPixels  = 100_000_000
	DefaultRenderSize = 2480
)

// ErrUnavailable means Tesseract or pdftoppm is not installed here.
var ErrUnavailable = errors.New("OCR is not installed")

// Reader runs OCR.
type Reader struct {
	cfg                 Config
	tesseract, pdftoppm string
}

// New finds the programs; a Reader whose programs are missing says so
// (Available) and fails with ErrUnavailable.
func New(cfg Config) *Reader {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = DefaultMaxPixels
	}
	if cfg.RenderSize <= 0 {
		cfg.RenderSize = DefaultRenderSize
	}
	r := &Reader{cfg: cfg}
	if cfg.Tesseract != "off" && cfg.PDFToPPM != "off" {
		r.tesseract, _ = exec.LookPath(or(cfg.Tesseract, "tesseract"))
		r.pdftoppm, _ = exec.LookPath(or(cfg.PDFToPPM, "pdftoppm"))
	}
	return r
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Available reports whether both programs are installed.
func (r *Reader) Available() bool { return r.tesseract != "" && r.pdftoppm != "" }

// MaxPages is the most pages of one document read by OCR.
func (r *Reader) MaxPages() int { return r.cfg.MaxPages }

// PDFPage reads page (from 1) of the PDF at path.
func (r *Reader) PDFPage(ctx context.Context, path string, page int, langs string) (string, error) {
	if !r.Available() {
		return "", ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "agora-ocr-")
	if err != nil {
		return "", fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	n := strconv.Itoa(page)
	if _, err := r.run(ctx, r.pdftoppm, "-f", n, "-l", n, "-gray", "-png", "-scale-to", strconv.Itoa(r.cfg.RenderSize), path, filepath.Join(dir, "page")); err != nil {
		return "", fmt.Errorf("render the page: %w", err)
	}
	images, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(images) != 1 {
		return "", fmt.Errorf("render the page: pdftoppm wrote %d images", len(images))
	}
	return r.tesseractRun(ctx, images[0], langs)
}

// Image reads the image at path (PNG, JPEG or TIFF).
func (r *Reader) Image(ctx context.Context, path string, langs string) (string, error) {
	if !r.Available() {
		return "", ErrUnavailable
	}
	if err := r.checkSize(path); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	return r.tesseractRun(ctx, path, langs)
}

// ErrTooLarge is an image with more pixels than allowed; its kind
// (errs.TooLarge) tells callers so.
var ErrTooLarge = errs.New(errs.TooLarge, "the image is too large to read")

// checkSize refuses a PNG or JPEG larger than MaxPixels from its header.
func (r *Reader) checkSize(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ocr: %w", err)
	}
	defer f.Close()
	c, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil // TIFF and others: Tesseract's deadline bounds them
	}
	if px := int64(c.Width) * int64(c.Height); px > r.cfg.MaxPixels {
		return fmt.Errorf("%w: %d × %d pixels, more than the %d million allowed", ErrTooLarge, c.Width, c.Height, r.cfg.MaxPixels/1_000_000)
	}
	return nil
}

func (r *Reader) tesseractRun(ctx context.Context, image, langs string) (string, error) {
	out, err := r.run(ctx, r.tesseract, image, "stdout", "-l", langs, "--psm", "3")
	if err != nil {
		return "", fmt.Errorf("read the text: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ErrTimeout is a page or image not read within the deadline.
var ErrTimeout = errors.New("OCR did not finish in time")

// run runs a program in its own process group, killed as a group when
// ctx ends.
func (r *Reader) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = []string{"OMP_THREAD_LIMIT=1", "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w (%s)", ErrTimeout, r.cfg.Timeout)
		}
		return nil, ctx.Err()
	}
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n") // the first line says what went wrong
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, msg)
	}
	return stdout.Bytes(), nil
}
