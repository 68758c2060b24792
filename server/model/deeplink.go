package model

// DeepLinkOptions is what the picker may offer, from the deep-linking request:
// GET /api/v1/deeplink.
type DeepLinkOptions struct {
	AcceptTypes    []string `json:"acceptTypes"`
	Targets        []string `json:"targets"` // accept_presentation_document_targets
	AcceptMultiple bool     `json:"acceptMultiple"`
	AcceptLineItem bool     `json:"acceptLineItem"`
	AutoCreate     bool     `json:"autoCreate"`
	Title          string   `json:"title,omitempty"` // the platform's suggested title
	Text           string   `json:"text,omitempty"`
	// CanLink is false when the platform does not accept LTI links at all, the
	// only content ltibox creates.
	CanLink bool `json:"canLink"`
}

// DeepLinkChoice is one picked activity.
type DeepLinkChoice struct {
	ActivityID int64  `json:"activityId"`
	Gradebook  bool   `json:"gradebook"`        // ask the LMS for a gradebook column (lineItem)
	Target     string `json:"target,omitempty"` // frame, iframe or window; "" lets the LMS choose
}

// DeepLinkSelection is what the picker submits: POST /api/v1/deeplink/response.
// No items (Cancel) returns an empty selection to the LMS.
type DeepLinkSelection struct {
	Items []DeepLinkChoice `json:"items"`
}

// DeepLinkTicket answers a submitted selection: the SPA navigates the frame to
// ReturnPath, which posts the signed response to the LMS. It works once and
// for a short time.
type DeepLinkTicket struct {
	ReturnPath string `json:"returnPath"`
	Items      int    `json:"items"`
}

// LinkActivity is the activity a resource-link launch opens:
// GET /api/v1/activity. SetUp is false for a link no activity was chosen for.
type LinkActivity struct {
	Activity  *Activity `json:"activity,omitempty"`
	SetUp     bool      `json:"setUp"`
	LinkTitle string    `json:"linkTitle,omitempty"`
	Message   string    `json:"message,omitempty"`
	// ScoresKept: the link was placed without a gradebook column and none
	// is bound, so its scores stay in ltibox (the instructor's page says so).
	ScoresKept bool `json:"scoresKept,omitempty"`
}

// AssignActivity sets the activity of the launch's link: POST /api/v1/activity/assign.
type AssignActivity struct {
	ActivityID int64 `json:"activityId"`
}

// ArchiveActivity archives or restores: POST /api/v1/activities/:id/archive.
type ArchiveActivity struct {
	Archived bool `json:"archived"`
}

// Messages shared by server and UI.
const (
	MsgActivityNotSetUp = "This activity is not set up yet — ask your instructor."
	// MsgScoresKeptInLTIbox: the link was placed without a gradebook column.
	MsgScoresKeptInLTIbox = "This activity does not send scores to the course gradebook: it was added to the course without a gradebook column, so its scores are kept in ltibox."
)
