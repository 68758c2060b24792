package ui

import (
	"context"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Roster returns the course roster: GET /api/v1/roster.
func (c *client) Roster(ctx context.Context) (model.Roster, error) {
	var r model.Roster
	err := c.do(ctx, "GET", "/roster", nil, &r)
	return r, err
}

// RefreshRoster starts a refresh from the LMS: POST /api/v1/roster/refresh.
func (c *client) RefreshRoster(ctx context.Context) (model.RosterSync, error) {
	var s model.RosterSync
	err := c.do(ctx, "POST", "/roster/refresh", nil, &s)
	return s, err
}

// RosterSync reports a refresh's progress: GET /api/v1/roster/sync.
func (c *client) RosterSync(ctx context.Context) (model.RosterSync, error) {
	var s model.RosterSync
	err := c.do(ctx, "GET", "/roster/sync", nil, &s)
	return s, err
}

// RosterCSV downloads every member as CSV: GET /api/v1/roster.csv.
func (c *client) RosterCSV(ctx context.Context) (string, error) {
	if app.IsServer {
		return "", errServerSide
	}
	status, text, err := fetchText(ctx, "GET", apiBase+"/roster.csv", map[string]any{"Accept": "text/csv", "Authorization": "Bearer " + c.token}, "")
	if err != nil {
		return "", err
	}
	if status != 200 {
		return "", replyError(status, text)
	}
	return text, nil
}
