package audit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// EntryResponse is an audit entry as tenant owners see it.
type EntryResponse struct {
	ID         string            `json:"id" format:"uuid"`
	ActorType  string            `json:"actor_type" example:"user"`
	ActorID    string            `json:"actor_id"`
	Action     string            `json:"action" example:"user.created"`
	TargetType string            `json:"target_type" example:"user"`
	TargetID   string            `json:"target_id"`
	Outcome    string            `json:"outcome" enums:"success,failure"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	RequestID  string            `json:"request_id"`
	Details    map[string]string `json:"details"`
	CreatedAt  time.Time         `json:"created_at"`
} // @name AuditEntry

// EntryList is a page of audit entries, newest first.
type EntryList struct {
	Items []EntryResponse `json:"items"`
	Count int             `json:"count"`
} // @name AuditEntryList

// Handler serves the audit log.
type Handler struct{ svc *Service }

// NewHandler returns a Handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to a group guarded by auth and the admin
// permission.
func (h *Handler) Register(g *echo.Group, guard ...echo.MiddlewareFunc) {
	g.GET("/audit/logs", h.list, guard...)
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
	f := Filter{Action: c.QueryParam("action"), ActorID: c.QueryParam("actor_id"), TargetType: c.QueryParam("target_type"),
		TargetID: c.QueryParam("target_id"), Outcome: c.QueryParam("outcome")}
	var err error
	if f.Since, err = timeParam(c, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(c, "until"); err != nil {
		return err
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if s := c.QueryParam(name); s != "" {
			if *dst, err = strconv.Atoi(s); err != nil {
				return errs.Newf(errs.Invalid, "%s must be a whole number", name)
			}
		}
	}
	ctx := c.Request().Context()
	rows, n, err := h.svc.List(ctx, tenancy.MustFrom(ctx), f)
	if err != nil {
		return err
	}
	out := EntryList{Items: make([]EntryResponse, len(rows)), Count: n}
	for i, r := range rows {
		out.Items[i] = EntryResponse{ID: r.ID.String(), ActorType: r.ActorType, ActorID: r.ActorID, Action: r.Action,
			TargetType: r.TargetType, TargetID: r.TargetID, Outcome: r.Outcome, IP: r.IP, UserAgent: r.UserAgent,
			RequestID: r.RequestID, Details: r.Details, CreatedAt: r.CreatedAt}
	}
	return c.JSON(http.StatusOK, out)
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
