package infrastructure

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// DirStorage keeps each tenant's files in a directory of its own under root.
type DirStorage struct{ root string }

// NewDirStorage returns a DirStorage under root (FILE_STORAGE_DIR).
func NewDirStorage(root string) DirStorage { return DirStorage{root: root} }

// Prepare creates the tenant's directory; it is harmless when it exists.
func (s DirStorage) Prepare(_ context.Context, tenant tenancy.ID) error {
	dir := filepath.Join(s.root, tenant.String())
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create tenant storage %s: %w", dir, err)
	}
	return nil
}

// Remove deletes the tenant's directory and everything in it.
func (s DirStorage) Remove(_ context.Context, tenant tenancy.ID) error {
	dir := filepath.Join(s.root, tenant.String())
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove tenant storage %s: %w", dir, err)
	}
	return nil
}
