package app

import "github.com/agora-platform/agora/internal/ops"

// Ops returns the operator commands (seeding, administration, evaluation
// and benchmarks) on the wired modules' application services.
func (a *App) Ops() *ops.Ops {
	return &ops.Ops{Tenants: a.Tenants.Service, Users: a.Users.Service, Models: a.Models.Service, Spaces: a.Spaces.Service,
		Assistants: a.Assistants.Service, Knowledge: a.Knowledge.Knowledge, Workflows: a.Workflows.Service,
		DemoAdminPassword: a.Config.DemoAdminPassword, ChunkTokens: a.Config.ChunkTokens}
}
