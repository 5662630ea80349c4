// Package ops is the operator's work that is not serving requests: demo
// seeding, tenant and user administration and secret rotation from the
// command line, the retrieval evaluation and the retrieval and ingestion
// benchmarks (cmd/agora). It drives the modules through their application
// services only, as a transport would, so what it measures is the real
// path; internal/app builds it from the wired modules.
package ops

import (
	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	modelsapp "github.com/agora-platform/agora/internal/models/application"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	workflowsapp "github.com/agora-platform/agora/internal/workflows/application"
)

// Ops runs the operator commands on the modules' application services.
type Ops struct {
	Tenants    *tenantsapp.Service
	Users      *usersapp.Service
	Models     *modelsapp.Service
	Spaces     *spacesapp.Service
	Assistants *assistantsapp.Service
	Knowledge  *knowledgeapp.Knowledge
	Workflows  *workflowsapp.Service
	// DemoAdminPassword is the password Seed gives the demo admin
	// (DEMO_ADMIN_PASSWORD); empty, Seed makes one up and shows it once.
	DemoAdminPassword string
	// ChunkTokens is the chunk size ingestion splits at (CHUNK_TOKENS),
	// which BenchIngest sizes its documents by.
	ChunkTokens int
}
