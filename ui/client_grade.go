package ui

import (
	"context"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Grade returns the learner's grading state: GET /api/v1/grade.
func (c *client) Grade(ctx context.Context) (model.GradeView, error) {
	var v model.GradeView
	err := c.do(ctx, "GET", "/grade", nil, &v)
	return v, err
}

// SubmitScore saves the learner's score (or an InProgress report): POST /api/v1/grade/score.
func (c *client) SubmitScore(ctx context.Context, in model.ScoreSubmission) (model.Score, error) {
	var s model.Score
	err := c.do(ctx, "POST", "/grade/score", in, &s)
	return s, err
}

// Grading returns the instructor's grading view: GET /api/v1/grading.
func (c *client) Grading(ctx context.Context) (model.GradingView, error) {
	var v model.GradingView
	err := c.do(ctx, "GET", "/grading", nil, &v)
	return v, err
}

// EditScore saves an instructor's correction: POST /api/v1/grading/scores.
func (c *client) EditScore(ctx context.Context, in model.ScoreEdit) (model.Score, error) {
	var s model.Score
	err := c.do(ctx, "POST", "/grading/scores", in, &s)
	return s, err
}

// SendPending queues every undelivered score again: POST /api/v1/grading/send.
func (c *client) SendPending(ctx context.Context) (model.Requeued, error) {
	var r model.Requeued
	err := c.do(ctx, "POST", "/grading/send", nil, &r)
	return r, err
}

// ReadBack compares ltibox with the LMS gradebook: POST /api/v1/grading/readback.
func (c *client) ReadBack(ctx context.Context) (model.ReadBack, error) {
	var r model.ReadBack
	err := c.do(ctx, "POST", "/grading/readback", nil, &r)
	return r, err
}

// ExportCSV returns the grading view as CSV text: GET /api/v1/grading/export.
func (c *client) ExportCSV(ctx context.Context) (string, error) {
	if app.IsServer {
		return "", errServerSide
	}
	headers := map[string]any{"Accept": "text/csv", "Authorization": "Bearer " + c.token}
	status, text, err := fetchText(ctx, "GET", apiBase+"/grading/export", headers, "")
	if err != nil {
		return "", err
	}
	if status < 200 || status > 299 {
		return "", replyError(status, text)
	}
	return text, nil
}
