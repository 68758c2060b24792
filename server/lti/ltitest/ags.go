package ltitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LineItem is an AGS line item (a gradebook column). ID is its absolute URL.
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

// Score is one score a tool posted, kept verbatim (Raw) with its parsed fields.
type Score struct {
	UserID           string           `json:"userId"`
	ScoreGiven       *float64         `json:"scoreGiven,omitempty"`
	ScoreMaximum     *float64         `json:"scoreMaximum,omitempty"`
	Comment          string           `json:"comment,omitempty"`
	Timestamp        string           `json:"timestamp"`
	ActivityProgress string           `json:"activityProgress"`
	GradingProgress  string           `json:"gradingProgress"`
	Submission       *ScoreSubmission `json:"submission,omitempty"`
	Raw              json.RawMessage  `json:"-"`
	Received         time.Time        `json:"-"`
}

// ScoreSubmission is the optional submission object of a score.
type ScoreSubmission struct {
	StartedAt   string `json:"startedAt,omitempty"`
	SubmittedAt string `json:"submittedAt,omitempty"`
}

// Result is the gradebook's view of a user's grade on a line item: the latest
// FullyGraded score, rescaled to the line item maximum as Moodle does.
type Result struct {
	ID            string   `json:"id"`
	ScoreOf       string   `json:"scoreOf"`
	UserID        string   `json:"userId"`
	ResultScore   *float64 `json:"resultScore,omitempty"`
	ResultMaximum float64  `json:"resultMaximum"`
	Comment       string   `json:"comment,omitempty"`
}

// lineItem is a LineItem with its owner and gradebook state.
type lineItem struct {
	LineItem
	num     string
	owner   string // client_id that created it; "" = platform-made, visible to all tools
	scores  []Score
	lastTS  map[string]time.Time
	results map[string]*Result
	order   []string // users in first-result order
}

func (li *lineItem) visibleTo(clientID string) bool { return li.owner == "" || li.owner == clientID }

var (
	activityProgress = []string{"Initialized", "Started", "InProgress", "Submitted", "Completed"}
	gradingProgress  = []string{"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
)

// maxServiceBody bounds service request bodies.
const maxServiceBody = 64 << 10

// handleLineItemsGet lists the line items the tool may see, filtered and paged.
func (p *Platform) handleLineItemsGet(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeLineItem, ScopeLineItemReadOnly)
	if !ok || !acceptOK(w, r, MediaLineItemContainer) {
		return
	}
	q := r.URL.Query()
	size, ok1 := p.pageSizeFor(q)
	from, ok2 := offsetParam(q)
	if !ok1 || !ok2 {
		serviceError(w, http.StatusBadRequest, "limit and from must be non-negative integers")
		return
	}
	rlid := q.Get("resource_link_id")
	if rlid == "" {
		rlid = q.Get("lti_link_id")
	}
	ctxID := r.PathValue("context")
	p.mu.Lock()
	c, found := p.courses[ctxID]
	var items []LineItem
	if found {
		for _, li := range c.lineItems {
			if !li.visibleTo(clientID) ||
				(rlid != "" && li.ResourceLinkID != rlid) ||
				(q.Has("resource_id") && li.ResourceID != q.Get("resource_id")) ||
				(q.Has("tag") && li.Tag != q.Get("tag")) {
				continue
			}
			items = append(items, li.LineItem)
		}
	}
	p.mu.Unlock()
	if !found {
		serviceError(w, http.StatusNotFound, "no such context")
		return
	}
	page := pageOf(items, from, size)
	if from+size < len(items) {
		next := cloneValues(q)
		next.Set("from", strconv.Itoa(from+size))
		p.setLinks(w, []string{`<` + p.linkURL(r.URL.EscapedPath(), next) + `>; rel="next"`})
	}
	writeJSON(w, http.StatusOK, MediaLineItemContainer, page)
}

// handleLineItemsPost creates a line item owned by the calling tool.
func (p *Platform) handleLineItemsPost(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeLineItem)
	if !ok || !contentTypeOK(w, r, MediaLineItem) || !acceptOK(w, r, MediaLineItem) {
		return
	}
	in, err := decodeLineItem(r.Body)
	if err != nil {
		serviceError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctxID := r.PathValue("context")
	p.mu.Lock()
	c, found := p.courses[ctxID]
	if !found {
		p.mu.Unlock()
		serviceError(w, http.StatusNotFound, "no such context")
		return
	}
	if in.ResourceLinkID != "" {
		if _, ok := c.links[in.ResourceLinkID]; !ok {
			p.mu.Unlock()
			// Moodle answers 403 for a resource link that is not the tool's.
			serviceError(w, http.StatusForbidden, "unknown resourceLinkId")
			return
		}
	}
	li := p.addLineItemLocked(c, in, clientID)
	out := li.LineItem
	p.mu.Unlock()
	w.Header().Set("Location", out.ID)
	writeJSON(w, http.StatusCreated, MediaLineItem, out)
}

// addLineItemLocked stores a new line item in c.
func (p *Platform) addLineItemLocked(c *course, in LineItem, owner string) *lineItem {
	p.nextLineItem++
	num := strconv.Itoa(p.nextLineItem)
	in.ID = p.lineItemURL(c.ID, num)
	li := &lineItem{LineItem: in, num: num, owner: owner, lastTS: map[string]time.Time{}, results: map[string]*Result{}}
	c.lineItems = append(c.lineItems, li)
	return li
}

// lineItemLocked finds the line item a request addresses, or the status and
// reason to answer with. Another tool's line item gets hiddenStatus: Moodle
// answers 404 on the line item itself and 403 on its scores and results.
func (p *Platform) lineItemLocked(r *http.Request, clientID string, hiddenStatus int) (*course, *lineItem, int, string) {
	c, ok := p.courses[r.PathValue("context")]
	if !ok {
		return nil, nil, http.StatusNotFound, "no such context"
	}
	for _, li := range c.lineItems {
		if li.num == r.PathValue("id") {
			if !li.visibleTo(clientID) {
				return nil, nil, hiddenStatus, "Line item does not exist"
			}
			return c, li, 0, ""
		}
	}
	return nil, nil, http.StatusNotFound, "no such line item"
}

// handleLineItemGet returns one line item.
func (p *Platform) handleLineItemGet(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeLineItem, ScopeLineItemReadOnly)
	if !ok || !acceptOK(w, r, MediaLineItem) {
		return
	}
	p.mu.Lock()
	_, li, status, reason := p.lineItemLocked(r, clientID, http.StatusNotFound)
	var out LineItem
	if li != nil {
		out = li.LineItem
	}
	p.mu.Unlock()
	if li == nil {
		serviceError(w, status, reason)
		return
	}
	writeJSON(w, http.StatusOK, MediaLineItem, out)
}

// handleLineItemPut replaces a line item's fields; its URL and grades stay.
func (p *Platform) handleLineItemPut(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeLineItem)
	if !ok || !contentTypeOK(w, r, MediaLineItem) || !acceptOK(w, r, MediaLineItem) {
		return
	}
	in, err := decodeLineItem(r.Body)
	if err != nil {
		serviceError(w, http.StatusBadRequest, err.Error())
		return
	}
	p.mu.Lock()
	c, li, status, reason := p.lineItemLocked(r, clientID, http.StatusNotFound)
	switch {
	case li == nil:
	case in.ID != "" && in.ID != li.ID:
		status, reason = http.StatusBadRequest, "id does not match the line item URL"
	case in.ResourceLinkID != "" && !hasKey(c.links, in.ResourceLinkID):
		status, reason = http.StatusForbidden, "unknown resourceLinkId"
	}
	var out LineItem
	if status == 0 {
		// A new maximum rescales existing grades, keeping the percentage.
		if in.ScoreMaximum != li.ScoreMaximum {
			for _, res := range li.results {
				if res.ResultScore != nil {
					v := *res.ResultScore * in.ScoreMaximum / li.ScoreMaximum
					res.ResultScore = &v
				}
			}
		}
		in.ID = li.ID
		li.LineItem = in
		out = in
	}
	p.mu.Unlock()
	if status != 0 {
		serviceError(w, status, reason)
		return
	}
	writeJSON(w, http.StatusOK, MediaLineItem, out)
}

// handleLineItemDelete removes a line item and its grades.
func (p *Platform) handleLineItemDelete(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeLineItem)
	if !ok {
		return
	}
	p.mu.Lock()
	c, li, status, reason := p.lineItemLocked(r, clientID, http.StatusNotFound)
	if li != nil && li.owner == "" {
		// Moodle: line items made in the LMS cannot be deleted through AGS.
		li, status, reason = nil, http.StatusForbidden, "line item was not created by the tool"
	}
	if li != nil {
		c.lineItems = slices.DeleteFunc(c.lineItems, func(x *lineItem) bool { return x == li })
	}
	p.mu.Unlock()
	if li == nil {
		serviceError(w, status, reason)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// scoreIn mirrors a posted score with pointers, so missing and zero differ.
type scoreIn struct {
	UserID           *string          `json:"userId"`
	ScoreGiven       *float64         `json:"scoreGiven"`
	ScoreMaximum     *float64         `json:"scoreMaximum"`
	Comment          *string          `json:"comment"`
	Timestamp        *string          `json:"timestamp"`
	ActivityProgress *string          `json:"activityProgress"`
	GradingProgress  *string          `json:"gradingProgress"`
	Submission       *ScoreSubmission `json:"submission"`
}

// handleScores accepts a score. Like Moodle: the user must be a gradable member
// (400 otherwise) and the timestamp strictly newer than the last accepted one
// for that user and line item (409 otherwise, to the sub-second).
func (p *Platform) handleScores(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeScore)
	if !ok || !contentTypeOK(w, r, MediaScore) {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxServiceBody+1))
	if err != nil || len(raw) > maxServiceBody {
		serviceError(w, http.StatusBadRequest, "score body unreadable or too large")
		return
	}
	var in scoreIn
	if err := strictUnmarshal(raw, &in); err != nil {
		serviceError(w, http.StatusBadRequest, "score is not valid JSON: "+err.Error())
		return
	}
	sc, ts, err := validateScore(in)
	if err != nil {
		serviceError(w, http.StatusBadRequest, "Incorrect score received: "+err.Error())
		return
	}
	sc.Raw = raw
	p.mu.Lock()
	defer p.mu.Unlock()
	c, li, status, reason := p.lineItemLocked(r, clientID, http.StatusForbidden)
	if li == nil {
		serviceError(w, status, reason)
		return
	}
	if !c.gradable(sc.UserID) {
		serviceError(w, http.StatusBadRequest, "Incorrect score received: user is not a gradable member of the course")
		return
	}
	if last, seen := li.lastTS[sc.UserID]; seen && !ts.After(last) {
		serviceError(w, http.StatusConflict, "Refusing score with an earlier timestamp for item "+li.num+" and user "+sc.UserID)
		return
	}
	sc.Received = p.now()
	li.lastTS[sc.UserID] = ts
	li.scores = append(li.scores, sc)
	if sc.GradingProgress == "FullyGraded" {
		res, ok := li.results[sc.UserID]
		if !ok {
			res = &Result{UserID: sc.UserID}
			li.results[sc.UserID] = res
			li.order = append(li.order, sc.UserID)
		}
		res.ResultScore = nil
		if sc.ScoreGiven != nil {
			v := *sc.ScoreGiven * li.ScoreMaximum / *sc.ScoreMaximum
			res.ResultScore = &v
		}
		res.Comment = sc.Comment
	}
	w.WriteHeader(http.StatusOK)
}

// validateScore checks a posted score against AGS 2.0 and returns it parsed.
func validateScore(in scoreIn) (Score, time.Time, error) {
	var sc Score
	switch {
	case in.UserID == nil || *in.UserID == "":
		return sc, time.Time{}, errors.New("userId is required")
	case in.Timestamp == nil:
		return sc, time.Time{}, errors.New("timestamp is required")
	case in.ActivityProgress == nil || !slices.Contains(activityProgress, *in.ActivityProgress):
		return sc, time.Time{}, errors.New("activityProgress must be one of " + strings.Join(activityProgress, ", "))
	case in.GradingProgress == nil || !slices.Contains(gradingProgress, *in.GradingProgress):
		return sc, time.Time{}, errors.New("gradingProgress must be one of " + strings.Join(gradingProgress, ", "))
	case in.ScoreGiven != nil && *in.ScoreGiven < 0:
		return sc, time.Time{}, errors.New("scoreGiven must not be negative")
	case in.ScoreGiven != nil && in.ScoreMaximum == nil:
		return sc, time.Time{}, errors.New("scoreMaximum is required with scoreGiven")
	case in.ScoreMaximum != nil && *in.ScoreMaximum <= 0:
		return sc, time.Time{}, errors.New("scoreMaximum must be positive")
	}
	ts, err := time.Parse(time.RFC3339Nano, *in.Timestamp)
	if err != nil {
		return sc, time.Time{}, fmt.Errorf("timestamp is not RFC 3339: %w", err)
	}
	sc = Score{UserID: *in.UserID, ScoreGiven: in.ScoreGiven, ScoreMaximum: in.ScoreMaximum,
		Timestamp: *in.Timestamp, ActivityProgress: *in.ActivityProgress,
		GradingProgress: *in.GradingProgress, Submission: in.Submission}
	if in.Comment != nil {
		sc.Comment = *in.Comment
	}
	return sc, ts, nil
}

// handleResults lists the gradebook results of a line item.
func (p *Platform) handleResults(w http.ResponseWriter, r *http.Request) {
	clientID, ok := p.bearer(w, r, ScopeResultReadOnly)
	if !ok || !acceptOK(w, r, MediaResultContainer) {
		return
	}
	q := r.URL.Query()
	size, ok1 := p.pageSizeFor(q)
	from, ok2 := offsetParam(q)
	if !ok1 || !ok2 {
		serviceError(w, http.StatusBadRequest, "limit and from must be non-negative integers")
		return
	}
	p.mu.Lock()
	_, li, status, reason := p.lineItemLocked(r, clientID, http.StatusForbidden)
	var results []Result
	if li != nil {
		results = li.resultsLocked(q.Get("user_id"))
	}
	p.mu.Unlock()
	if li == nil {
		serviceError(w, status, reason)
		return
	}
	page := pageOf(results, from, size)
	if from+size < len(results) {
		next := cloneValues(q)
		next.Set("from", strconv.Itoa(from+size))
		p.setLinks(w, []string{`<` + p.linkURL(r.URL.EscapedPath(), next) + `>; rel="next"`})
	}
	writeJSON(w, http.StatusOK, MediaResultContainer, page)
}

// resultsLocked copies the results, optionally for one user.
func (li *lineItem) resultsLocked(userID string) []Result {
	var out []Result
	for _, u := range li.order {
		if userID != "" && u != userID {
			continue
		}
		res := *li.results[u]
		res.ID = li.ID + "/results/" + url.PathEscape(u)
		res.ScoreOf = li.ID
		res.ResultMaximum = li.ScoreMaximum
		if res.ResultScore != nil {
			v := *res.ResultScore
			res.ResultScore = &v
		}
		out = append(out, res)
	}
	return out
}

// decodeLineItem reads and validates a line item body: label and a positive
// scoreMaximum are required, dates must be RFC 3339.
func decodeLineItem(body io.Reader) (LineItem, error) {
	raw, err := io.ReadAll(io.LimitReader(body, maxServiceBody+1))
	if err != nil || len(raw) > maxServiceBody {
		return LineItem{}, errors.New("line item body unreadable or too large")
	}
	var in struct {
		ID             *string  `json:"id"`
		ScoreMaximum   *float64 `json:"scoreMaximum"`
		Label          *string  `json:"label"`
		ResourceID     *string  `json:"resourceId"`
		Tag            *string  `json:"tag"`
		ResourceLinkID *string  `json:"resourceLinkId"`
		StartDateTime  *string  `json:"startDateTime"`
		EndDateTime    *string  `json:"endDateTime"`
		GradesReleased *bool    `json:"gradesReleased"`
	}
	if err := strictUnmarshal(raw, &in); err != nil {
		return LineItem{}, fmt.Errorf("line item is not valid JSON: %w", err)
	}
	if in.Label == nil || strings.TrimSpace(*in.Label) == "" {
		return LineItem{}, errors.New("No label or Score Maximum: label is required")
	}
	if in.ScoreMaximum == nil || *in.ScoreMaximum <= 0 {
		return LineItem{}, errors.New("No label or Score Maximum: scoreMaximum must be a positive number")
	}
	li := LineItem{ScoreMaximum: *in.ScoreMaximum, Label: *in.Label, GradesReleased: in.GradesReleased}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&li.ID, in.ID}, {&li.ResourceID, in.ResourceID}, {&li.Tag, in.Tag}, {&li.ResourceLinkID, in.ResourceLinkID},
		{&li.StartDateTime, in.StartDateTime}, {&li.EndDateTime, in.EndDateTime}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	for _, d := range []string{li.StartDateTime, li.EndDateTime} {
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
			return LineItem{}, fmt.Errorf("date %q is not RFC 3339", d)
		}
	}
	return li, nil
}

// strictUnmarshal decodes one JSON object; wrong field types and trailing data
// are errors, unknown fields are allowed (extensions).
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	if t, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON object: %v", t)
	}
	return nil
}

// LineItems returns copies of a course's line items.
func (p *Platform) LineItems(courseID string) []LineItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.courses[courseID]
	if !ok {
		return nil
	}
	out := make([]LineItem, 0, len(c.lineItems))
	for _, li := range c.lineItems {
		out = append(out, li.LineItem)
	}
	return out
}

// AddLineItem creates a platform-made line item (visible to every tool), as an
// instructor does by making an activity that accepts grades. It returns the
// line item URL, or "" if the course does not exist.
func (p *Platform) AddLineItem(courseID string, li LineItem) (url string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.courses[courseID]
	if !ok {
		return ""
	}
	if li.ResourceLinkID != "" && !hasKey(c.links, li.ResourceLinkID) {
		c.links[li.ResourceLinkID] = li.Label
	}
	return p.addLineItemLocked(c, li, "").ID
}

// findLineItemLocked finds a line item by URL in any course.
func (p *Platform) findLineItemLocked(lineItemURL string) *lineItem {
	for _, c := range p.courses {
		for _, li := range c.lineItems {
			if li.ID == lineItemURL {
				return li
			}
		}
	}
	return nil
}

// Scores returns every score accepted for a line item, in arrival order.
func (p *Platform) Scores(lineItemURL string) []Score {
	p.mu.Lock()
	defer p.mu.Unlock()
	li := p.findLineItemLocked(lineItemURL)
	if li == nil {
		return nil
	}
	return slices.Clone(li.scores)
}

// Results returns the gradebook results of a line item.
func (p *Platform) Results(lineItemURL string) []Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	li := p.findLineItemLocked(lineItemURL)
	if li == nil {
		return nil
	}
	return li.resultsLocked("")
}

// pageOf returns items[from:from+size], never nil so JSON shows [].
func pageOf[T any](items []T, from, size int) []T {
	if from >= len(items) {
		return []T{}
	}
	return slices.Clone(items[from:min(from+size, len(items))])
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
