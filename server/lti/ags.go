package lti

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AGS 2.0 media types. Each request sends exactly one of them in Accept and,
// with a body, exactly the resource's type as Content-Type: Moodle answers 400
// to a list of types and to application/json.
const (
	MediaLineItem          = "application/vnd.ims.lis.v2.lineitem+json"
	MediaLineItemContainer = "application/vnd.ims.lis.v2.lineitemcontainer+json"
	MediaScore             = "application/vnd.ims.lis.v1.score+json"
	MediaResultContainer   = "application/vnd.ims.lis.v2.resultcontainer+json"
)

// Activity progress values (AGS 2.0 score, closed vocabulary).
const (
	ProgressInitialized = "Initialized"
	ProgressStarted     = "Started"
	ProgressInProgress  = "InProgress"
	ProgressSubmitted   = "Submitted"
	ProgressCompleted   = "Completed"
)

// Grading progress values (AGS 2.0 score, closed vocabulary). Moodle and Canvas
// only store scoreGiven with FullyGraded (Canvas also with PendingManual).
const (
	GradingFullyGraded   = "FullyGraded"
	GradingPending       = "Pending"
	GradingPendingManual = "PendingManual"
	GradingFailed        = "Failed"
	GradingNotReady      = "NotReady"
)

// ActivityProgressValues and GradingProgressValues are the closed vocabularies.
var (
	ActivityProgressValues = []string{ProgressInitialized, ProgressStarted, ProgressInProgress, ProgressSubmitted, ProgressCompleted}
	GradingProgressValues  = []string{GradingFullyGraded, GradingPending, GradingPendingManual, GradingFailed, GradingNotReady}
)

// agsScopes are the AGS scopes a token may carry.
var agsScopes = []string{ScopeLineItem, ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeScore}

// maxPages bounds pagination so a platform with a broken next link cannot loop forever.
const maxPages = 1000

// LineItem is an AGS line item (a gradebook column); ID is its URL.
type LineItem struct {
	ID             string  `json:"id,omitempty"`
	ScoreMaximum   float64 `json:"scoreMaximum"`
	Label          string  `json:"label"`
	ResourceID     string  `json:"resourceId,omitempty"`
	Tag            string  `json:"tag,omitempty"`
	ResourceLinkID string  `json:"resourceLinkId,omitempty"`
	StartDateTime  string  `json:"startDateTime,omitempty"`
	EndDateTime    string  `json:"endDateTime,omitempty"`
	GradesReleased *bool   `json:"gradesReleased,omitempty"`
}

// Score is one score publication. Timestamp must be strictly newer than the
// last one posted for the same user and line item (Moodle answers 409
// otherwise, to the sub-second), so it is sent with microseconds.
type Score struct {
	UserID           string
	ScoreGiven       *float64
	ScoreMaximum     *float64
	Comment          string
	Timestamp        time.Time
	ActivityProgress string
	GradingProgress  string
}

// FormatTimestamp renders an AGS timestamp: ISO 8601 in UTC with a fixed six
// digits of sub-second precision, e.g. 2026-12-03T08:30:00.123456Z.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// MarshalJSON writes the score in AGS wire form.
func (s Score) MarshalJSON() ([]byte, error) {
	type wire struct {
		UserID           string   `json:"userId"`
		ScoreGiven       *float64 `json:"scoreGiven,omitempty"`
		ScoreMaximum     *float64 `json:"scoreMaximum,omitempty"`
		Comment          string   `json:"comment,omitempty"`
		Timestamp        string   `json:"timestamp"`
		ActivityProgress string   `json:"activityProgress"`
		GradingProgress  string   `json:"gradingProgress"`
	}
	return json.Marshal(wire{s.UserID, s.ScoreGiven, s.ScoreMaximum, s.Comment, FormatTimestamp(s.Timestamp), s.ActivityProgress, s.GradingProgress})
}

// Validate checks a score against AGS 2.0 before it is queued or sent.
func (s Score) Validate() error {
	switch {
	case s.UserID == "":
		return fmt.Errorf("score: userId is required")
	case s.Timestamp.IsZero():
		return fmt.Errorf("score: timestamp is required")
	case !slices.Contains(ActivityProgressValues, s.ActivityProgress):
		return fmt.Errorf("score: activityProgress %q is not one of %s", s.ActivityProgress, strings.Join(ActivityProgressValues, ", "))
	case !slices.Contains(GradingProgressValues, s.GradingProgress):
		return fmt.Errorf("score: gradingProgress %q is not one of %s", s.GradingProgress, strings.Join(GradingProgressValues, ", "))
	case s.ScoreGiven != nil && (s.ScoreMaximum == nil || *s.ScoreMaximum <= 0):
		return fmt.Errorf("score: scoreGiven needs a positive scoreMaximum")
	case s.ScoreGiven != nil && *s.ScoreGiven < 0:
		return fmt.Errorf("score: scoreGiven must not be negative")
	}
	return nil
}

// Result is the platform's record of a user's grade on a line item.
type Result struct {
	ID            string   `json:"id"`
	ScoreOf       string   `json:"scoreOf"`
	UserID        string   `json:"userId"`
	ResultScore   *float64 `json:"resultScore,omitempty"`
	ResultMaximum float64  `json:"resultMaximum,omitempty"`
	Comment       string   `json:"comment,omitempty"`
}

// AGS is an Assignment and Grade Services client for one registration. Scopes
// are the AGS scopes the launch advertised: every token asks for those and no
// others (checklist 36), so one cached token serves every call.
type AGS struct {
	Tool         *Tool
	Registration *Registration
	Scopes       []string
}

// NewAGS keeps only the AGS scopes of granted.
func NewAGS(t *Tool, reg *Registration, granted []string) AGS {
	var scopes []string
	for _, s := range agsScopes {
		if HasScope(granted, s) {
			scopes = append(scopes, s)
		}
	}
	return AGS{Tool: t, Registration: reg, Scopes: scopes}
}

// Can reports whether the launch granted scope.
func (a AGS) Can(scope string) bool { return HasScope(a.Scopes, scope) }

// need fails without a network call when none of scopes was granted.
func (a AGS) need(op string, scopes ...string) error {
	for _, s := range scopes {
		if a.Can(s) {
			return nil
		}
	}
	return &ServiceError{Op: op, Message: "the LMS did not grant this tool the permission (" + strings.Join(scopes, " or ") + ")"}
}

func (a AGS) do(ctx context.Context, r ServiceRequest) (*ServiceResponse, error) {
	r.Scopes = a.Scopes
	return a.Tool.Do(ctx, a.Registration, r)
}

// LineItemQuery filters a line item container (AGS 2.0 §3.2.4).
type LineItemQuery struct {
	ResourceLinkID, ResourceID, Tag string
	Limit                           int
}

// LineItems lists a line item container, following rel="next" links.
func (a AGS) LineItems(ctx context.Context, containerURL string, q LineItemQuery) ([]LineItem, error) {
	if err := a.need("lineitems", ScopeLineItem, ScopeLineItemReadOnly); err != nil {
		return nil, err
	}
	params := url.Values{}
	if q.ResourceLinkID != "" {
		params.Set("resource_link_id", q.ResourceLinkID)
	}
	if q.ResourceID != "" {
		params.Set("resource_id", q.ResourceID)
	}
	if q.Tag != "" {
		params.Set("tag", q.Tag)
	}
	if q.Limit > 0 {
		params.Set("limit", strconv.Itoa(q.Limit))
	}
	next, err := withQuery(containerURL, params)
	if err != nil {
		return nil, &ServiceError{Op: "lineitems", Message: "the line items URL is not valid", Err: err}
	}
	out := []LineItem{}
	for page := 0; next != "" && page < maxPages; page++ {
		resp, err := a.do(ctx, ServiceRequest{Op: "lineitems", URL: next, Accept: MediaLineItemContainer})
		if err != nil {
			return nil, err
		}
		var items []LineItem
		if err := json.Unmarshal(resp.Body, &items); err != nil {
			return nil, &ServiceError{Op: "lineitems", Status: resp.Status, Message: "the LMS sent a line item list ltibox cannot read", Err: err}
		}
		out = append(out, items...)
		next = resp.Links["next"]
	}
	return out, nil
}

// LineItem reads one line item.
func (a AGS) LineItem(ctx context.Context, lineItemURL string) (*LineItem, error) {
	if err := a.need("lineitem", ScopeLineItem, ScopeLineItemReadOnly); err != nil {
		return nil, err
	}
	resp, err := a.do(ctx, ServiceRequest{Op: "lineitem", URL: lineItemURL, Accept: MediaLineItem})
	if err != nil {
		return nil, err
	}
	return decodeLineItem("lineitem", resp)
}

// CreateLineItem adds a line item to a container and returns it with its URL.
func (a AGS) CreateLineItem(ctx context.Context, containerURL string, li LineItem) (*LineItem, error) {
	if err := a.need("create lineitem", ScopeLineItem); err != nil {
		return nil, err
	}
	li.ID = ""
	resp, err := a.do(ctx, ServiceRequest{Op: "create lineitem", Method: http.MethodPost, URL: containerURL,
		Accept: MediaLineItem, ContentType: MediaLineItem, Body: li})
	if err != nil {
		return nil, err
	}
	out, err := decodeLineItem("create lineitem", resp)
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		out.ID = resp.Header.Get("Location")
	}
	if out.ID == "" {
		return nil, &ServiceError{Op: "create lineitem", Status: resp.Status, Message: "the LMS created a line item without telling its URL"}
	}
	return out, nil
}

// UpdateLineItem replaces a line item (PUT to li.ID).
func (a AGS) UpdateLineItem(ctx context.Context, li LineItem) (*LineItem, error) {
	if err := a.need("update lineitem", ScopeLineItem); err != nil {
		return nil, err
	}
	resp, err := a.do(ctx, ServiceRequest{Op: "update lineitem", Method: http.MethodPut, URL: li.ID,
		Accept: MediaLineItem, ContentType: MediaLineItem, Body: li})
	if err != nil {
		return nil, err
	}
	return decodeLineItem("update lineitem", resp)
}

// DeleteLineItem removes a line item the tool created.
func (a AGS) DeleteLineItem(ctx context.Context, lineItemURL string) error {
	if err := a.need("delete lineitem", ScopeLineItem); err != nil {
		return err
	}
	_, err := a.do(ctx, ServiceRequest{Op: "delete lineitem", Method: http.MethodDelete, URL: lineItemURL})
	return err
}

// PostScore publishes a score to a line item's scores endpoint.
func (a AGS) PostScore(ctx context.Context, lineItemURL string, s Score) error {
	if err := a.need("score", ScopeScore); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return &ServiceError{Op: "score", Message: err.Error(), Err: err}
	}
	u, err := subURL(lineItemURL, "scores")
	if err != nil {
		return &ServiceError{Op: "score", Message: "the line item URL is not valid", Err: err}
	}
	_, err = a.do(ctx, ServiceRequest{Op: "score", Method: http.MethodPost, URL: u, ContentType: MediaScore, Body: s})
	return err
}

// Results lists a line item's results (optionally one user's), following
// rel="next" links.
func (a AGS) Results(ctx context.Context, lineItemURL, userID string) ([]Result, error) {
	if err := a.need("results", ScopeResultReadOnly); err != nil {
		return nil, err
	}
	u, err := subURL(lineItemURL, "results")
	if err == nil && userID != "" {
		u, err = withQuery(u, url.Values{"user_id": {userID}})
	}
	if err != nil {
		return nil, &ServiceError{Op: "results", Message: "the line item URL is not valid", Err: err}
	}
	out := []Result{}
	for page := 0; u != "" && page < maxPages; page++ {
		resp, err := a.do(ctx, ServiceRequest{Op: "results", URL: u, Accept: MediaResultContainer})
		if err != nil {
			return nil, err
		}
		var rs []Result
		if err := json.Unmarshal(resp.Body, &rs); err != nil {
			return nil, &ServiceError{Op: "results", Status: resp.Status, Message: "the LMS sent results ltibox cannot read", Err: err}
		}
		out = append(out, rs...)
		u = resp.Links["next"]
	}
	return out, nil
}

// LineItemTarget says which line item a link's scores go to.
type LineItemTarget struct {
	LineItem  string   // the launch's lineitem claim, used as is when present
	LineItems string   // the container, to find or create one
	Want      LineItem // label, maximum, resourceId, tag, resourceLinkId of the one to find or create
}

// ResolveLineItem returns the URL scores go to: the launch's line item; else
// (with the lineitem scope) the first line item of the container matching
// resourceId and tag for the resource link, created when there is none.
func (a AGS) ResolveLineItem(ctx context.Context, t LineItemTarget) (string, error) {
	if t.LineItem != "" {
		return t.LineItem, nil
	}
	if t.LineItems == "" || !a.Can(ScopeLineItem) {
		return "", &ServiceError{Op: "lineitem", Message: "the LMS gave this link no gradebook column and does not let ltibox create one"}
	}
	items, err := a.LineItems(ctx, t.LineItems, LineItemQuery{ResourceLinkID: t.Want.ResourceLinkID, ResourceID: t.Want.ResourceID, Tag: t.Want.Tag})
	if err != nil {
		return "", err
	}
	for _, li := range items {
		// Platforms may ignore filters: check them again.
		if li.ID != "" && li.ResourceID == t.Want.ResourceID && (t.Want.Tag == "" || li.Tag == t.Want.Tag) &&
			(t.Want.ResourceLinkID == "" || li.ResourceLinkID == "" || li.ResourceLinkID == t.Want.ResourceLinkID) {
			return li.ID, nil
		}
	}
	li, err := a.CreateLineItem(ctx, t.LineItems, t.Want)
	if err != nil {
		return "", err
	}
	return li.ID, nil
}

func decodeLineItem(op string, resp *ServiceResponse) (*LineItem, error) {
	var li LineItem
	if err := json.Unmarshal(resp.Body, &li); err != nil {
		return nil, &ServiceError{Op: op, Status: resp.Status, Message: "the LMS sent a line item ltibox cannot read", Err: err}
	}
	return &li, nil
}

// subURL appends a path segment to a line item URL, keeping its query
// (AGS 2.0 §3.2.5: "…/lineitem/1?type=x" → "…/lineitem/1/scores?type=x").
func subURL(lineItemURL, segment string) (string, error) {
	u, err := url.Parse(lineItemURL)
	if err != nil {
		return "", err
	}
	if !u.IsAbs() {
		return "", fmt.Errorf("%q is not absolute", lineItemURL)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/" + segment
	u.RawPath = ""
	return u.String(), nil
}

// withQuery adds params to a URL that may already have a query.
func withQuery(raw string, params url.Values) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if !u.IsAbs() {
		return "", fmt.Errorf("%q is not absolute", raw)
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
