// Package blobstore keeps uploaded bytes on disk, under
// FILE_STORAGE_DIR/<tenant>/files/<id>: chat attachments and knowledge
// documents alike.
package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// headSize is how much of a file content sniffing reads.
const headSize = 3072

// Disk keeps file bytes under dir/<tenant>/files/<id>. A file is written
// to a temporary name and renamed when complete, so a reader never sees
// half a file.
type Disk struct{ dir string }

// NewDisk returns a store rooted at dir (FILE_STORAGE_DIR).
func NewDisk(dir string) *Disk { return &Disk{dir: dir} }

func (d *Disk) path(tenant tenancy.ID, id uuid.UUID) string {
	return filepath.Join(d.dir, tenant.String(), "files", id.String())
}

// Save streams r to disk, hashing as it goes, never holding it whole.
func (d *Disk) Save(ctx context.Context, tenant tenancy.ID, id uuid.UUID, r io.Reader, max int64) (upload.Saved, error) {
	final := d.path(tenant, id)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return upload.Saved{}, fmt.Errorf("create storage directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), ".upload-*")
	if err != nil {
		return upload.Saved{}, fmt.Errorf("create file: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; removes a failed write
	h := sha256.New()
	head := &headWriter{max: headSize}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(ctxReader{ctx, r}, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return upload.Saved{}, fmt.Errorf("write file: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return upload.Saved{}, fmt.Errorf("store file: %w", err)
	}
	return upload.Saved{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Head: head.buf}, nil
}

// Open reads a stored file.
func (d *Disk) Open(tenant tenancy.ID, id uuid.UUID) (io.ReadCloser, error) {
	return os.Open(d.path(tenant, id))
}

// Remove deletes a stored file; one already gone is no error.
func (d *Disk) Remove(tenant tenancy.ID, id uuid.UUID) error {
	if err := os.Remove(d.path(tenant, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ctxReader stops reading when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
