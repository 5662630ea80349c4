package domain

// Role is what a person is in a space. Personal spaces have their owner;
// shared and organisation spaces have admins, editors and viewers.
type Role string

// The space roles, weakest first.
const (
	RoleNone   Role = ""
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
	RoleOwner  Role = "owner"
)

// Resource is a kind of thing in a space.
type Resource string

// The resources.
const (
	ResSpace      Resource = "space"
	ResMember     Resource = "member"
	ResAssistant  Resource = "assistant"
	ResCollection Resource = "collection"
	ResWebsite    Resource = "website"
	ResInfoBlob   Resource = "info_blob"
	ResSession    Resource = "session"
	// Apps, services and workflows (the workflows module).
	ResApp      Resource = "app"
	ResService  Resource = "service"
	ResWorkflow Resource = "workflow"
)

// Action is what someone does to a resource.
type Action string

// The actions.
const (
	Read    Action = "read"
	Create  Action = "create"
	Edit    Action = "edit"
	Delete  Action = "delete"
	Publish Action = "publish"
)

// Roles, Resources and Actions list the matrix's axes in a stable order.
var (
	Roles     = []Role{RoleOwner, RoleAdmin, RoleEditor, RoleViewer}
	Resources = []Resource{ResSpace, ResMember, ResAssistant, ResCollection, ResWebsite, ResInfoBlob, ResSession, ResApp, ResService, ResWorkflow}
	Actions   = []Action{Read, Create, Edit, Delete, Publish}
)

var (
	all     = []Action{Read, Create, Edit, Delete, Publish}
	content = []Action{Read, Create, Edit, Delete}
	chat    = []Action{Read, Create, Delete}
)

// Matrix is who may do what in a space: role -> resource -> actions. It is
// the one place space permissions are decided; every route that touches
// something in a space asks Can.
//
//   - owner (personal space): everything on content, edit the space, no
//     members (personal spaces have none);
//   - admin: everything, including members and deleting the space;
//   - editor: build content (no publishing), read members;
//   - viewer: read, and chat (own sessions).
var Matrix = map[Role]map[Resource][]Action{
	RoleOwner: {
		ResSpace: {Read, Edit}, ResAssistant: all, ResCollection: all, ResWebsite: all, ResInfoBlob: all, ResSession: chat,
		ResApp: all, ResService: all, ResWorkflow: all,
	},
	RoleAdmin: {
		ResSpace: {Read, Edit, Delete}, ResMember: {Read, Create, Edit, Delete},
		ResAssistant: all, ResCollection: all, ResWebsite: all, ResInfoBlob: all, ResSession: chat,
		ResApp: all, ResService: all, ResWorkflow: all,
	},
	RoleEditor: {
		ResSpace: {Read}, ResMember: {Read},
		ResAssistant: content, ResCollection: content, ResWebsite: content, ResInfoBlob: content, ResSession: chat,
		ResApp: content, ResService: content, ResWorkflow: content,
	},
	RoleViewer: {
		ResSpace: {Read}, ResMember: {Read},
		ResAssistant: {Read}, ResCollection: {Read}, ResWebsite: {Read}, ResInfoBlob: {Read}, ResSession: chat,
		ResApp: {Read}, ResService: {Read}, ResWorkflow: {Read},
	},
}

// Can reports whether role may do action on resource.
func Can(role Role, res Resource, act Action) bool {
	for _, a := range Matrix[role][res] {
		if a == act {
			return true
		}
	}
	return false
}

// Permissions lists what role may do, per resource, for clients that show
// or hide controls.
func Permissions(role Role) map[Resource][]Action {
	out := map[Resource][]Action{}
	for _, r := range Resources {
		if acts := Matrix[role][r]; len(acts) > 0 {
			out[r] = acts
		}
	}
	return out
}

var rank = map[Role]int{RoleNone: 0, RoleViewer: 1, RoleEditor: 2, RoleAdmin: 3, RoleOwner: 4}

// Highest returns the strongest of roles (direct and through groups).
func Highest(roles ...Role) Role {
	best := RoleNone
	for _, r := range roles {
		if rank[r] > rank[best] {
			best = r
		}
	}
	return best
}

// ParseMemberRole validates a role given to a member.
func ParseMemberRole(s string) (Role, bool) {
	r := Role(s)
	return r, r == RoleAdmin || r == RoleEditor || r == RoleViewer
}
