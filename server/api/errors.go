package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// statusOf is the one table from application error codes to HTTP statuses.
var statusOf = map[string]int{
	model.EINVALID:      fiber.StatusBadRequest,
	model.EUNAUTHORIZED: fiber.StatusUnauthorized,
	model.EFORBIDDEN:    fiber.StatusForbidden,
	model.ENOTFOUND:     fiber.StatusNotFound,
	model.ECONFLICT:     fiber.StatusConflict,
	model.ETOOLARGE:     fiber.StatusRequestEntityTooLarge,
	model.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
	model.EINTERNAL:     fiber.StatusInternalServerError,
}

// errorHandler renders every error: an HTML page people can act on for browser
// flows, JSON {"error":{code,message}} for /api. Internal details are logged, never shown.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	path := c.Path()
	if ce, ok := lti.AsCheckError(err); ok {
		s.log.Warn("lti check failed", "check", ce.Check, "status", ce.Status, "issuer", ce.Issuer, "client_id", ce.ClientID, "path", path, "reason", errString(ce.Err))
		if strings.HasPrefix(path, "/api/") {
			return c.Status(ce.Status).JSON(fiber.Map{"error": fiber.Map{"code": ce.Check, "message": ce.Message}})
		}
		return s.renderError(c, ce.Status, errorPage{Title: ce.Title, Message: ce.Message, Hint: ce.Hint, Code: ce.Check})
	}
	status, code, msg := fiber.StatusInternalServerError, model.EINTERNAL, "Internal error."
	var fe *fiber.Error
	var me *model.Error
	switch {
	case errors.As(err, &me):
		code, msg = me.Code, me.Message
		status = statusOf[code]
		if status == 0 {
			status = fiber.StatusInternalServerError
		}
	case errors.As(err, &fe):
		status, msg = fe.Code, fe.Message
		code = codeOfStatus(status)
	}
	if status >= 500 {
		s.log.Error("request failed", "path", path, "method", c.Method(), "err", err)
		if code == model.EINTERNAL {
			msg = "Internal error."
		}
	}
	if strings.HasPrefix(path, "/api/") {
		return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": msg}})
	}
	page := errorPage{Title: "Something went wrong", Message: msg, Hint: "Go back to your course and open the activity again.", Code: code}
	switch status {
	case fiber.StatusNotFound:
		page.Title, page.Hint = "Page not found", "Check the address, or open ltibox from your course."
		if me == nil {
			// Fiber's own message is "Not Found": the heading again.
			page.Message = "ltibox has no page at this address."
		}
	case fiber.StatusRequestEntityTooLarge:
		page.Title = "Request too large"
	}
	return s.renderError(c, status, page)
}

func codeOfStatus(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	if status >= 500 {
		return model.EINTERNAL
	}
	return model.EINVALID
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
