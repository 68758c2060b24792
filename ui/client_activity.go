package ui

import (
	"context"
	"fmt"
	"net/url"

	"github.com/ltibox/ltibox/server/model"
)

// Activities lists the course's and the library's activities:
// GET /api/v1/activities?q=&graded=.
func (c *client) Activities(ctx context.Context, query, graded string) ([]model.Activity, error) {
	q := url.Values{}
	if query != "" {
		q.Set("q", query)
	}
	if graded != "" {
		q.Set("graded", graded)
	}
	path := "/activities"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out []model.Activity
	err := c.do(ctx, "GET", path, nil, &out)
	return out, err
}

// CreateActivity adds an activity to the course: POST /api/v1/activities.
func (c *client) CreateActivity(ctx context.Context, a model.Activity) (model.Activity, error) {
	var out model.Activity
	err := c.do(ctx, "POST", "/activities", a, &out)
	return out, err
}

// DeepLinkOptions returns what the LMS accepts: GET /api/v1/deeplink.
func (c *client) DeepLinkOptions(ctx context.Context) (model.DeepLinkOptions, error) {
	var out model.DeepLinkOptions
	err := c.do(ctx, "GET", "/deeplink", nil, &out)
	return out, err
}

// SubmitDeepLink signs the selection: POST /api/v1/deeplink/response.
func (c *client) SubmitDeepLink(ctx context.Context, sel model.DeepLinkSelection) (model.DeepLinkTicket, error) {
	var out model.DeepLinkTicket
	err := c.do(ctx, "POST", "/deeplink/response", sel, &out)
	return out, err
}

// LinkActivity returns the activity of the launched link: GET /api/v1/activity.
func (c *client) LinkActivity(ctx context.Context) (model.LinkActivity, error) {
	var out model.LinkActivity
	err := c.do(ctx, "GET", "/activity", nil, &out)
	return out, err
}

// AssignActivity sets the launched link's activity: POST /api/v1/activity/assign.
func (c *client) AssignActivity(ctx context.Context, id int64) (model.LinkActivity, error) {
	var out model.LinkActivity
	err := c.do(ctx, "POST", "/activity/assign", model.AssignActivity{ActivityID: id}, &out)
	return out, err
}

// activityLabel is how lists name an activity.
func activityLabel(a model.Activity) string {
	if a.Graded {
		return fmt.Sprintf("%s (graded, out of %g)", a.Title, a.ScoreMaximum)
	}
	return a.Title
}

// DuplicateActivity copies an activity into the course:
// POST /api/v1/activities/:id/duplicate.
func (c *client) DuplicateActivity(ctx context.Context, id int64) (model.Activity, error) {
	var out model.Activity
	err := c.do(ctx, "POST", fmt.Sprintf("/activities/%d/duplicate", id), nil, &out)
	return out, err
}

// ArchiveActivity archives or restores a course activity:
// POST /api/v1/activities/:id/archive.
func (c *client) ArchiveActivity(ctx context.Context, id int64, archived bool) (model.Activity, error) {
	var out model.Activity
	err := c.do(ctx, "POST", fmt.Sprintf("/activities/%d/archive", id), model.ArchiveActivity{Archived: archived}, &out)
	return out, err
}

// UpdateActivity edits a course activity: PUT /api/v1/activities/:id.
func (c *client) UpdateActivity(ctx context.Context, a model.Activity) (model.Activity, error) {
	var out model.Activity
	err := c.do(ctx, "PUT", fmt.Sprintf("/activities/%d", a.ID), a, &out)
	return out, err
}
