package ops

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	modelsdomain "github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
	workflowsapp "github.com/agora-platform/agora/internal/workflows/application"
	workflowsdomain "github.com/agora-platform/agora/internal/workflows/domain"
)

// The demo data `agora seed` creates.
const (
	DemoTenantName = "Demo"
	DemoTenantSlug = "demo"
	DemoAdminEmail = "admin@demo.example"
)

// Seed creates the demo tenant and its Owner unless they exist, and
// describes what it did, including how to sign in.
func (o *Ops) Seed(ctx context.Context) ([]string, error) {
	var done []string
	t, err := o.Tenants.Create(ctx, tenantsapp.CreateInput{Name: DemoTenantName, DisplayName: "Demo organisation", Slug: DemoTenantSlug})
	switch {
	case errors.Is(err, tenantsdomain.ErrNameTaken) || errors.Is(err, tenantsdomain.ErrSlugTaken):
		if t, err = o.Tenants.GetBySlug(ctx, DemoTenantSlug); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		done = append(done, fmt.Sprintf("tenant %q already exists", DemoTenantName))
	case err != nil:
		return nil, fmt.Errorf("seed: %w", err)
	default:
		done = append(done, fmt.Sprintf("created tenant %q (%s)", t.Name, t.ID))
	}

	password, generated := o.DemoAdminPassword, false
	if password == "" {
		password, generated = randomPassword(), true
	}
	admin, err := o.Users.Create(ctx, t.ID, usersapp.CreateInput{Email: DemoAdminEmail, Username: "Demo admin",
		Password: password, PredefinedRoles: []string{usersdomain.RoleOwner}})
	switch {
	case errors.Is(err, usersdomain.ErrEmailTaken):
		hint := "the password you set"
		if o.DemoAdminPassword != "" {
			hint = "DEMO_ADMIN_PASSWORD in .env"
		}
		done = append(done, fmt.Sprintf("demo admin already exists; sign in as %s with %s", DemoAdminEmail, hint))
	case err != nil:
		return nil, fmt.Errorf("seed demo admin: %w", err)
	case generated:
		done = append(done, fmt.Sprintf("created demo admin; sign in as %s with password %s (shown once)", DemoAdminEmail, password))
	default:
		done = append(done, fmt.Sprintf("created demo admin; sign in as %s with DEMO_ADMIN_PASSWORD from .env", DemoAdminEmail))
	}
	if errors.Is(err, usersdomain.ErrEmailTaken) {
		if admin, err = o.Users.ByEmail(ctx, t.ID, DemoAdminEmail); err != nil {
			return nil, fmt.Errorf("seed: find demo admin: %w", err)
		}
	}
	more, err := o.seedModelsAndAssistant(ctx, t.ID, admin.ID)
	return append(done, more...), err
}

// The built-in offline models (ARCHITECTURE.md "AI providers").
var localModels = []modelsdomain.Spec{
	{Kind: modelsdomain.Completion, Name: "Local extractive answerer", ProviderType: "local", ProviderModel: "extractive", TokenLimit: 8192,
		Description: "Offline: composes answers from the best retrieved passages with citations. Not a language model."},
	{Kind: modelsdomain.Embedding, Name: "Local hashed n-grams (384)", ProviderType: "local", ProviderModel: "hash-ngram-384", Dimensions: 384,
		Description: "Offline: hashed word and character n-grams, L2-normalised. Not a neural embedding model."},
}

// DemoAssistantName is the assistant seed puts in the demo admin's space.
const DemoAssistantName = "Demo assistant"

// seedModelsAndAssistant registers the local models, makes them the demo
// tenant's defaults, and gives the demo admin an assistant; each step only
// when it is missing, so a second run changes nothing.
func (o *Ops) seedModelsAndAssistant(ctx context.Context, tenant tenancy.ID, admin uuid.UUID) ([]string, error) {
	var done []string
	for _, spec := range localModels {
		m, created, err := o.Models.EnsureGlobal(ctx, spec)
		if err != nil {
			return done, fmt.Errorf("seed model %q: %w", spec.Name, err)
		}
		if created {
			done = append(done, fmt.Sprintf("registered model %q", spec.Name))
		}
		changed, err := o.Models.EnsureSetting(ctx, tenant, m.ID, modelsdomain.Setting{Enabled: true, Default: true})
		if err != nil {
			return done, fmt.Errorf("enable model %q: %w", spec.Name, err)
		}
		if changed {
			done = append(done, fmt.Sprintf("enabled %q as the demo tenant's default %s model", spec.Name, spec.Kind))
		}
	}
	caller := actor.Caller{UserID: admin, TenantAdmin: true, Permissions: []string{string(usersdomain.PermAssistants)}}
	personal, err := o.Spaces.Personal(ctx, tenant, actor.Caller{UserID: admin, TenantAdmin: true})
	if err != nil {
		return done, fmt.Errorf("seed: personal space: %w", err)
	}
	existing, err := o.Assistants.InSpace(ctx, tenant, caller, personal.ID)
	if err != nil {
		return done, fmt.Errorf("seed: list assistants: %w", err)
	}
	if !slices.ContainsFunc(existing, func(v assistantsapp.View) bool { return v.Name == DemoAssistantName }) {
		_, err = o.Assistants.Create(ctx, tenant, caller, assistantsapp.CreateInput{Space: personal.ID, Name: DemoAssistantName,
			Description: "Answers from the documents you give it, with citations.",
			Prompt:      "Answer the question using only the knowledge provided. Cite your sources. If the knowledge does not contain the answer, say so."})
		if err != nil {
			return done, fmt.Errorf("seed demo assistant: %w", err)
		}
		done = append(done, fmt.Sprintf("created %q in the demo admin's personal space", DemoAssistantName))
	}
	more, err := o.seedWorkflows(ctx, tenant, admin, personal.ID)
	return append(done, more...), err
}

// The demo app and service seed puts beside the demo assistant; with the
// offline model the app quotes the document and the service fills its
// fields from the best-matching sentences.
var demoWorkflows = []workflowsapp.CreateInput{
	{Kind: workflowsdomain.KindApp, Name: "Summarise a document", Published: true,
		Description: "Upload a document and get a short summary.",
		Definition: workflowsdomain.Definition{
			Fields: []workflowsdomain.Field{{Name: "document", Label: "Document", Type: workflowsdomain.FileField, Required: true}},
			Steps: []workflowsdomain.Step{{ID: "summary", Kind: workflowsdomain.Prompt,
				Template: "Summarise this document in a few sentences for a busy colleague:\n\n{{ input.document }}"}}}},
	{Kind: workflowsdomain.KindService, Name: "Classify a message", Published: true,
		Description: "Sorts a citizen's message into a case type, with a one-sentence summary.",
		Definition: workflowsdomain.Definition{
			Fields: []workflowsdomain.Field{{Name: "message", Label: "Message", Type: workflowsdomain.TextField, Required: true}},
			Steps: []workflowsdomain.Step{{ID: "classify", Kind: workflowsdomain.Extract,
				Template: "Classify this message from a citizen:\n\n{{ input.message }}",
				Schema: json.RawMessage(`{"type":"object","required":["case","summary"],"properties":{` +
					`"case":{"enum":["parking","school","waste","other"]},"summary":{"type":"string","description":"what the citizen asks for"}}}`)}}}},
}

// seedWorkflows adds the demo app and service unless they exist.
func (o *Ops) seedWorkflows(ctx context.Context, tenant tenancy.ID, admin, space uuid.UUID) ([]string, error) {
	caller := actor.Caller{UserID: admin, TenantAdmin: true, Permissions: []string{string(usersdomain.PermApps)}}
	existing, err := o.Workflows.List(ctx, tenant, caller, space, "")
	if err != nil {
		return nil, fmt.Errorf("seed: list apps: %w", err)
	}
	var done []string
	for _, in := range demoWorkflows {
		if slices.ContainsFunc(existing, func(v workflowsapp.View) bool { return v.Name == in.Name }) {
			continue
		}
		in.Space = space
		if _, err := o.Workflows.Create(ctx, tenant, caller, in); err != nil {
			return done, fmt.Errorf("seed %s %q: %w", in.Kind, in.Name, err)
		}
		done = append(done, fmt.Sprintf("created the %s %q in the demo admin's personal space", in.Kind, in.Name))
	}
	return done, nil
}

// CreateUser adds a user to the tenant named by slug or id; without a
// password the user is invited.
func (o *Ops) CreateUser(ctx context.Context, tenant, email, role, password string) (string, error) {
	t, err := o.Tenants.GetBySlug(ctx, tenant)
	if errors.Is(err, tenantsdomain.ErrNotFound) {
		if id, perr := tenancy.Parse(tenant); perr == nil {
			t, err = o.Tenants.Get(ctx, id)
		}
	}
	if err != nil {
		return "", fmt.Errorf("tenant %q: %w", tenant, err)
	}
	u, err := o.Users.Create(ctx, t.ID, usersapp.CreateInput{Email: email, Password: password, PredefinedRoles: []string{role}})
	if err != nil {
		return "", err
	}
	return u.ID.String(), nil
}

func randomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RotateKeys re-encrypts every stored secret under the first ENCRYPTION_KEY
// and returns how many changed.
func (o *Ops) RotateKeys(ctx context.Context) (int, error) {
	n, err := o.Tenants.RotateSecrets(ctx)
	if err != nil {
		return n, err
	}
	m, err := o.Models.RotateSecrets(ctx)
	return n + m, err
}

// CreateTenant creates a tenant and returns its id.
func (o *Ops) CreateTenant(ctx context.Context, name, displayName, slug string) (string, error) {
	t, err := o.Tenants.Create(ctx, tenantsapp.CreateInput{Name: name, DisplayName: displayName, Slug: slug})
	if err != nil {
		return "", err
	}
	return t.ID.String(), nil
}
