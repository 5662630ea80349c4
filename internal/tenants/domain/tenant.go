// Package domain holds the tenant entity and its rules.
package domain

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// State is a tenant's lifecycle state.
type State string

// The tenant states.
const (
	StateActive    State = "active"
	StateSuspended State = "suspended"
)

// Tenant is an organisation (municipality, region, agency) using Agora.
type Tenant struct {
	ID          tenancy.ID
	Name        string
	Slug        string
	DisplayName string
	State       State
	// QuotaLimit is the storage quota in bytes; 0 means no limit.
	QuotaLimit int64
	Settings   Settings
	// ProvisionedAt is when the worker finished preparing the tenant
	// (its file storage); zero until then.
	ProvisionedAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Limits on tenant fields.
const (
	MinNameLen        = 2
	MaxNameLen        = 100
	MaxDisplayNameLen = 200
)

// Settings are a tenant's switches.
type Settings struct {
	// JITProvisioning creates users on their first single sign-on.
	JITProvisioning bool
	// Language is the full-text search language: simple, english or swedish.
	Language string
	// Crawl overrides the installation's crawl limits for this tenant.
	Crawl CrawlLimits
}

// CrawlLimits bound a tenant's crawls; 0 keeps the installation's value.
type CrawlLimits struct {
	MaxPages           int
	MaxDepth           int
	MaxPageBytes       int64
	MaxDurationSeconds int
	DelayMillis        int
}

// Validate checks the overrides against the bounds the installation's
// own settings have.
func (l CrawlLimits) Validate() error {
	if l.MaxPages < 0 || l.MaxPages > 100_000 || l.MaxDepth < 0 || l.MaxDepth > 50 || l.MaxPageBytes < 0 || l.MaxPageBytes > 100<<20 ||
		l.MaxDurationSeconds < 0 || l.MaxDurationSeconds > 1500 || l.DelayMillis < 0 || l.DelayMillis > 60_000 {
		return errs.New(errs.Invalid, "settings.crawl: max_pages 0-100000, max_depth 0-50, max_page_bytes 0-104857600, max_duration_seconds 0-1500 and delay_ms 0-60000 (0 keeps the installation's limit)")
	}
	return nil
}

// Languages are the accepted Settings.Language values.
var Languages = []string{"simple", "english", "swedish"}

// Errors of the tenant domain.
var (
	ErrNotFound  = errs.New(errs.NotFound, "tenant not found")
	ErrNameTaken = errs.New(errs.Conflict, "a tenant with this name already exists")
	ErrSlugTaken = errs.New(errs.Conflict, "a tenant with this slug already exists")
	ErrSuspended = errs.New(errs.Forbidden, "your organisation's access to Agora is suspended; contact your administrator")
)

// New validates and returns a new active tenant. The display name defaults
// to the name and the slug is derived from the name when empty.
func New(id tenancy.ID, name, displayName, slug string, now time.Time) (Tenant, error) {
	t := Tenant{ID: id, State: StateActive, Settings: Settings{Language: "simple"}, CreatedAt: now, UpdatedAt: now}
	name = strings.TrimSpace(name)
	if slug = strings.TrimSpace(slug); slug == "" {
		slug = Slugify(name)
	}
	if err := t.Apply(Patch{Name: &name, DisplayName: &displayName, Slug: &slug}, now); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// Patch is a partial update; nil fields stay as they are.
type Patch struct {
	Name        *string
	DisplayName *string
	Slug        *string
	State       *State
	QuotaLimit  *int64
	Settings    *Settings
}

// Apply validates and applies p. On error the tenant is unchanged.
func (t *Tenant) Apply(p Patch, now time.Time) error {
	next := *t
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if err := validateName(name); err != nil {
			return err
		}
		next.Name = name
	}
	if p.DisplayName != nil {
		d := strings.TrimSpace(*p.DisplayName)
		if d == "" {
			d = next.Name
		}
		if utf8.RuneCountInString(d) > MaxDisplayNameLen || hasControl(d) {
			return errs.Newf(errs.Invalid, "display_name must be at most %d characters without control characters", MaxDisplayNameLen)
		}
		next.DisplayName = d
	}
	if p.Slug != nil {
		if !validSlug(*p.Slug) {
			return errs.New(errs.Invalid, "slug must be 2 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit")
		}
		next.Slug = *p.Slug
	}
	if p.State != nil {
		if *p.State != StateActive && *p.State != StateSuspended {
			return errs.New(errs.Invalid, "state must be active or suspended")
		}
		next.State = *p.State
	}
	if p.QuotaLimit != nil {
		if *p.QuotaLimit < 0 {
			return errs.New(errs.Invalid, "quota_limit must be 0 (no limit) or a positive number of bytes")
		}
		next.QuotaLimit = *p.QuotaLimit
	}
	if p.Settings != nil {
		if !slices.Contains(Languages, p.Settings.Language) {
			return errs.Newf(errs.Invalid, "settings.language must be one of %s", strings.Join(Languages, ", "))
		}
		if err := p.Settings.Crawl.Validate(); err != nil {
			return err
		}
		next.Settings = *p.Settings
	}
	next.UpdatedAt = now
	*t = next
	return nil
}

// CheckActive returns ErrSuspended for a suspended tenant.
func (t Tenant) CheckActive() error {
	if t.State == StateSuspended {
		return ErrSuspended
	}
	return nil
}

// Slugify derives a slug from a name: lowercase ASCII letters and digits
// joined by dashes ("Malmö stad" -> "malmo-stad").
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if a, ok := asciiFold[r]; ok {
			r = a
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

var asciiFold = map[rune]rune{'å': 'a', 'ä': 'a', 'á': 'a', 'à': 'a', 'æ': 'a', 'ö': 'o', 'ø': 'o', 'ó': 'o', 'é': 'e', 'è': 'e', 'ë': 'e', 'ü': 'u', 'ú': 'u', 'í': 'i', 'ñ': 'n', 'ç': 'c'}

func validSlug(s string) bool {
	if len(s) < 2 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Provisioned reports whether the worker has prepared the tenant.
func (t Tenant) Provisioned() bool { return !t.ProvisionedAt.IsZero() }

func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < MinNameLen || n > MaxNameLen {
		return errs.Newf(errs.Invalid, "name must be %d to %d characters long", MinNameLen, MaxNameLen)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.&'()", r) {
			return errs.Newf(errs.Invalid, "name may contain letters, digits, spaces and - _ . & ' ( ), not %q", r)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
