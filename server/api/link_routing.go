package api

import (
	"strconv"
	"strings"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// customActivityID is the custom parameter deep linking puts on every link.
const customActivityID = "activity_id"

// customGradebook is the custom parameter deep linking puts on a graded link
// the instructor placed without a gradebook column ("Add a gradebook column"
// unticked), with the value gradebookNone. The LMS sends it back with every
// launch of the link, so ltibox keeps that link's scores to itself instead of
// creating a column (unless the LMS binds one anyway: the launch's lineitem).
const (
	customGradebook = "gradebook"
	gradebookNone   = "none"
)

// pathActivity is the SPA view a resource-link launch opens.
const pathActivity = "/app/activity"

// linkOf is the resource link a launch records, with the activity named by
// custom.activity_id when the link was made by deep linking. A link without it
// keeps its stored mapping, or stays unset until an instructor chooses. The
// store checks that this course may use the named activity (its own or the
// library) when it records the launch; a launch naming another course's
// activity is valid, so it is recorded without it rather than refused.
func linkOf(sess *model.LaunchSession) *model.ResourceLink {
	if sess.MessageType != lti.MessageResourceLink || sess.ResourceLinkID == "" {
		return nil
	}
	rl := &model.ResourceLink{RegistrationID: sess.RegistrationID, DeploymentID: sess.DeploymentID,
		ResourceLinkID: sess.ResourceLinkID, Title: sess.LinkTitle}
	if sess.Claims.AGS != nil {
		rl.LineItemURL = sess.Claims.AGS.LineItem
	}
	if raw := strings.TrimSpace(sess.Claims.Custom[customActivityID]); raw != "" {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id > 0 {
			rl.ActivityID = id
		} else {
			rl.ActivityID = -1 // not a number: recorded as refused below
		}
	}
	return rl
}

// landingFor is the SPA path a recorded launch opens: the activity page for a
// link with an activity; landingPath otherwise (an unset link lands on the home
// page, which offers the one-time choice to instructors and says to ask otherwise).
func landingFor(sess *model.LaunchSession, rl *model.ResourceLink) string {
	if rl != nil && rl.ActivityID > 0 {
		return pathActivity
	}
	return landingPath(sess)
}
