package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// EntryResponse is an audit entry as tenant owners see it. Users it names
// by id are also named by name and e-mail.
type EntryResponse struct {
	ID          string            `json:"id" format:"uuid"`
	ActorType   string            `json:"actor_type" example:"user"`
	ActorID     string            `json:"actor_id"`
	ActorName   string            `json:"actor_name,omitempty" example:"Anna Svensson"`
	ActorEmail  string            `json:"actor_email,omitempty" example:"anna@sundsvall.se"`
	Action      string            `json:"action" example:"user.created"`
	TargetType  string            `json:"target_type" example:"user"`
	TargetID    string            `json:"target_id"`
	TargetName  string            `json:"target_name,omitempty"`
	TargetEmail string            `json:"target_email,omitempty"`
	Outcome     string            `json:"outcome" enums:"success,failure"`
	IP          string            `json:"ip"`
	UserAgent   string            `json:"user_agent"`
	RequestID   string            `json:"request_id"`
	Details     map[string]string `json:"details"`
	CreatedAt   time.Time         `json:"created_at"`
} // @name AuditEntry

// EntryList is a page of audit entries, newest first.
type EntryList struct {
	Items []EntryResponse `json:"items"`
	Count int             `json:"count"`
} // @name AuditEntryList

// ActionList is the actions that occur in the tenant's log.
type ActionList struct {
	Actions []string `json:"actions" example:"auth.login,user.created"`
} // @name AuditActions

// Person is a user as the log shows them.
type Person struct{ Name, Email string }

// People names users by id (the users module, wired by the app).
type People func(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) (map[uuid.UUID]Person, error)

// Handler serves the audit log.
type Handler struct {
	svc    *Service
	people People
}

// NewHandler returns a Handler.
func NewHandler(svc *Service, people People) *Handler { return &Handler{svc: svc, people: people} }

// Register adds the routes to a group guarded by auth and the admin
// permission.
func (h *Handler) Register(g *echo.Group, guard ...echo.MiddlewareFunc) {
	g.GET("/audit/logs", h.list, guard...)
	g.GET("/audit/logs/export", h.export, guard...)
	g.GET("/audit/actions", h.actions, guard...)
}

// list godoc
//
//	@Summary	The tenant's audit log (admin)
//	@Tags		audit
//	@Produce	json
//	@Security	Bearer
//	@Param		action		query		string	false	"e.g. auth.login"
//	@Param		actor_id	query		string	false	"who acted"
//	@Param		target_type	query		string	false	"e.g. user"
//	@Param		target_id	query		string	false	"what was acted on"
//	@Param		outcome		query		string	false	"success or failure"
//	@Param		since		query		string	false	"RFC 3339 time, inclusive"
//	@Param		until		query		string	false	"RFC 3339 time, exclusive"
//	@Param		limit		query		int		false	"page size (1-500, default 50)"
//	@Param		offset		query		int		false	"items to skip"
//	@Success	200			{object}	EntryList
//	@Failure	400			{object}	httpx.ErrorBody
//	@Failure	403			{object}	httpx.ErrorBody
//	@Router		/api/v1/audit/logs [get]
func (h *Handler) list(c *echo.Context) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tenant := tenancy.MustFrom(ctx)
	rows, n, err := h.svc.List(ctx, tenant, f)
	if err != nil {
		return err
	}
	items, err := h.entries(ctx, tenant, rows)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, EntryList{Items: items, Count: n})
}

// ExportLimit is the most rows one CSV export holds.
const ExportLimit = 10000

// export godoc
//
//	@Summary		The filtered audit log as CSV (admin)
//	@Description	The same filters as the list, newest first, at most 10,000 rows (narrow the time range for more). Columns: time, actor, actor e-mail, action, target type, target, target e-mail, outcome, IP, request id, details (JSON).
//	@Tags			audit
//	@Produce		text/csv
//	@Security		Bearer
//	@Param			action		query	string	false	"e.g. auth.login"
//	@Param			actor_id	query	string	false	"who acted"
//	@Param			target_type	query	string	false	"e.g. user"
//	@Param			target_id	query	string	false	"what was acted on"
//	@Param			outcome		query	string	false	"success or failure"
//	@Param			since		query	string	false	"RFC 3339 time, inclusive"
//	@Param			until		query	string	false	"RFC 3339 time, exclusive"
//	@Success		200			{file}	file
//	@Failure		400			{object}	httpx.ErrorBody
//	@Router			/api/v1/audit/logs/export [get]
func (h *Handler) export(c *echo.Context) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = ExportLimit, 0
	ctx := c.Request().Context()
	tenant := tenancy.MustFrom(ctx)
	rows, _, err := h.svc.list(ctx, tenant, f)
	if err != nil {
		return err
	}
	items, err := h.entries(ctx, tenant, rows)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.csv"`, time.Now().UTC().Format("2006-01-02")))
	w.WriteHeader(http.StatusOK)
	return writeCSV(w, items)
}

// actions godoc
//
//	@Summary	The actions in the tenant's audit log, for filters (admin)
//	@Tags		audit
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	ActionList
//	@Router		/api/v1/audit/actions [get]
func (h *Handler) actions(c *echo.Context) error {
	ctx := c.Request().Context()
	out, err := h.svc.Actions(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	if out == nil {
		out = []string{}
	}
	return c.JSON(http.StatusOK, ActionList{Actions: out})
}

func filter(c *echo.Context) (Filter, error) {
	f := Filter{Action: c.QueryParam("action"), ActorID: c.QueryParam("actor_id"), TargetType: c.QueryParam("target_type"),
		TargetID: c.QueryParam("target_id"), Outcome: c.QueryParam("outcome")}
	var err error
	if f.Since, err = timeParam(c, "since"); err != nil {
		return f, err
	}
	if f.Until, err = timeParam(c, "until"); err != nil {
		return f, err
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if s := c.QueryParam(name); s != "" {
			if *dst, err = strconv.Atoi(s); err != nil {
				return f, errs.Newf(errs.Invalid, "%s must be a whole number", name)
			}
		}
	}
	return f, nil
}

// entries turns rows into responses, naming the users they mention.
func (h *Handler) entries(ctx context.Context, tenant tenancy.ID, rows []Entry) ([]EntryResponse, error) {
	names, err := h.names(ctx, tenant, rows)
	if err != nil {
		return nil, err
	}
	out := make([]EntryResponse, len(rows))
	for i, r := range rows {
		e := EntryResponse{ID: r.ID.String(), ActorType: r.ActorType, ActorID: r.ActorID, Action: r.Action,
			TargetType: r.TargetType, TargetID: r.TargetID, Outcome: r.Outcome, IP: r.IP, UserAgent: r.UserAgent,
			RequestID: r.RequestID, Details: r.Details, CreatedAt: r.CreatedAt}
		if p, ok := lookup(names, r.ActorType, r.ActorID); ok {
			e.ActorName, e.ActorEmail = p.Name, p.Email
		}
		if p, ok := lookup(names, r.TargetType, r.TargetID); ok {
			e.TargetName, e.TargetEmail = p.Name, p.Email
		}
		out[i] = e
	}
	return out, nil
}

func (h *Handler) names(ctx context.Context, tenant tenancy.ID, rows []Entry) (map[uuid.UUID]Person, error) {
	if h.people == nil {
		return nil, nil
	}
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, r := range rows {
		for _, ref := range [][2]string{{r.ActorType, r.ActorID}, {r.TargetType, r.TargetID}} {
			if id, err := uuid.Parse(ref[1]); err == nil && ref[0] == "user" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return h.people(ctx, tenant, ids)
}

func lookup(names map[uuid.UUID]Person, kind, id string) (Person, bool) {
	if kind != "user" {
		return Person{}, false
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return Person{}, false
	}
	p, ok := names[u]
	return p, ok
}

func writeCSV(w http.ResponseWriter, items []EntryResponse) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "actor", "actor_email", "action", "target_type", "target", "target_email", "outcome", "ip", "request_id", "details"})
	for _, e := range items {
		details, _ := jsonString(e.Details)
		actor := firstOf(e.ActorName, e.ActorEmail, e.ActorID)
		target := firstOf(e.TargetName, e.TargetEmail, e.TargetID)
		if err := cw.Write([]string{e.CreatedAt.UTC().Format(time.RFC3339), cell(actor), cell(e.ActorEmail), e.Action, e.TargetType, cell(target),
			cell(e.TargetEmail), e.Outcome, e.IP, e.RequestID, cell(details)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func timeParam(c *echo.Context, name string) (time.Time, error) {
	s := c.QueryParam(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errs.Newf(errs.Invalid, "%s must be an RFC 3339 time like 2026-01-31T00:00:00Z", name)
	}
	return t, nil
}
