package lti

import (
	"errors"
	"fmt"
	"strings"
)

// CheckError is a rejected login or launch. Check names the failed rule of the
// security checklist (for logs and the launch debugger); Title, Message and Hint
// are plain words for the person in the LMS iframe; Status is the HTTP status.
type CheckError struct {
	Check    string
	Status   int
	Title    string
	Message  string
	Hint     string
	Issuer   string
	ClientID string
	Err      error
}

func (e *CheckError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("lti check %s failed: %s: %v", e.Check, e.Message, e.Err)
	}
	return fmt.Sprintf("lti check %s failed: %s", e.Check, e.Message)
}

func (e *CheckError) Unwrap() error { return e.Err }

// AsCheckError returns the *CheckError in err's chain, if any.
func AsCheckError(err error) (*CheckError, bool) {
	var ce *CheckError
	ok := errors.As(err, &ce)
	return ce, ok
}

const relaunch = "Go back to your course and open the activity again."

// TellSupport starts a hint on a page a student or teacher sees in the LMS:
// they cannot reach the ltibox administrator themselves, their school can.
const TellSupport = "Tell your teacher or your school's LMS support (they can reach the ltibox administrator)"

// tellSupport is TellSupport inside a sentence.
var tellSupport = strings.ToLower(TellSupport[:1]) + TellSupport[1:]

// ApprovalsPage names the console page where registrations and deployments
// wait for approval, with its address under the tool's base URL.
func ApprovalsPage(baseURL string) string {
	return "Pending approvals (" + strings.TrimRight(baseURL, "/") + "/admin/approvals)"
}

// PlatformsPage names the console page that lists the platforms, with its address.
func PlatformsPage(baseURL string) string {
	return "Platforms (" + strings.TrimRight(baseURL, "/") + "/admin/)"
}

// Rejection builders keep status codes and wording consistent.
func badRequest(check, msg string) *CheckError {
	return &CheckError{Check: check, Status: 400, Title: "This launch request is incomplete", Message: msg, Hint: "If this keeps happening, ask your LMS administrator to check the ltibox registration."}
}

func unauthorized(check, msg string) *CheckError {
	return &CheckError{Check: check, Status: 401, Title: "This launch could not be verified", Message: msg, Hint: relaunch}
}

func (e *CheckError) with(reg *Registration, err error) *CheckError {
	if reg != nil {
		e.Issuer, e.ClientID = reg.Issuer, reg.ClientID
	}
	e.Err = err
	return e
}

func (e *CheckError) hint(h string) *CheckError {
	e.Hint = h
	return e
}
