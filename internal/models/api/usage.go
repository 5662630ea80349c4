package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// UsageRow is token usage for a day, user, assistant, model and
// workflow (an app's, service's or workflow's steps).
type UsageRow struct {
	Day              time.Time `json:"day"`
	UserID           string    `json:"user_id" format:"uuid"`
	AssistantID      *string   `json:"assistant_id"`
	ModelID          *string   `json:"model_id"`
	WorkflowID       *string   `json:"workflow_id"`
	Requests         int       `json:"requests"`
	PromptTokens     int       `json:"prompt_tokens"`
	CompletionTokens int       `json:"completion_tokens"`
} // @name TokenUsageRow

// UsageResponse is the tenant's usage in a date range with totals.
type UsageResponse struct {
	Items            []UsageRow `json:"items"`
	Requests         int        `json:"requests"`
	PromptTokens     int        `json:"prompt_tokens"`
	CompletionTokens int        `json:"completion_tokens"`
} // @name TokenUsage

// usage godoc
//
//	@Summary	Token usage of your organisation per day, user, assistant and model (admin)
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		start	query		string	false	"RFC 3339 or YYYY-MM-DD, inclusive (default: 30 days ago)"
//	@Param		end		query		string	false	"RFC 3339 or YYYY-MM-DD, exclusive (default: now)"
//	@Success	200		{object}	UsageResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	403		{object}	httpx.ErrorBody
//	@Router		/api/v1/token-usage/ [get]
func (h *Handler) usage(c *echo.Context) error {
	now := time.Now().UTC()
	from, err := dateParam(c, "start", now.AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	to, err := dateParam(c, "end", now.Add(time.Minute))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rows, err := h.meter.Usage(ctx, tenancy.MustFrom(ctx), from, to)
	if err != nil {
		return err
	}
	out := UsageResponse{Items: make([]UsageRow, len(rows))}
	for i, r := range rows {
		out.Items[i] = UsageRow{Day: r.Day, UserID: r.User.String(), Requests: r.Requests, PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens}
		if r.Assistant != nil {
			s := r.Assistant.String()
			out.Items[i].AssistantID = &s
		}
		if r.Model != nil {
			s := r.Model.String()
			out.Items[i].ModelID = &s
		}
		if r.Workflow != nil {
			s := r.Workflow.String()
			out.Items[i].WorkflowID = &s
		}
		out.Requests += r.Requests
		out.PromptTokens += r.PromptTokens
		out.CompletionTokens += r.CompletionTokens
	}
	return c.JSON(http.StatusOK, out)
}

func dateParam(c *echo.Context, name string, def time.Time) (time.Time, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errs.Newf(errs.Invalid, "%s must be a date like 2026-11-01 or an RFC 3339 time", name)
}
