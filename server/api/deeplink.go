package api

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// deepLinkTicketTTL is how long a signed selection waits for the browser to
// pick it up; shorter than the JWT's own lifetime.
const deepLinkTicketTTL = 2 * time.Minute

// Paths of the deep-linking return page and its script.
const (
	pathDeepLinkReturn = "/lti/deeplink/return"
	pathDeepLinkScript = "/lti/deeplink/autosubmit.js"
)

// deepLinkSettings returns the deep-linking settings of the session, or the
// refusal for a session that did not start from a deep-linking request.
func deepLinkSettings(sess *model.LaunchSession) (*model.DeepLinkingSettings, error) {
	if sess.MessageType != lti.MessageDeepLinking || sess.Claims.DeepLinking == nil {
		return nil, model.Errorf(model.EINVALID, "This page was not opened to add content to your course. Use \"Add an activity\" (or \"Select content\") in your LMS.")
	}
	return sess.Claims.DeepLinking, nil
}

func settingsClaim(dl *model.DeepLinkingSettings) *lti.DeepLinkingClaim {
	return &lti.DeepLinkingClaim{
		ReturnURL: dl.ReturnURL, AcceptTypes: dl.AcceptTypes, AcceptPresentationDocumentTargets: dl.AcceptPresentationDocumentTargets,
		AcceptMediaTypes: dl.AcceptMediaTypes, AcceptMultiple: dl.AcceptMultiple, AcceptLineItem: dl.AcceptLineItem,
		AutoCreate: dl.AutoCreate, Title: dl.Title, Text: dl.Text, Data: dl.Data,
	}
}

// deepLinkOptions: GET /api/v1/deeplink, what the picker may offer.
func (s *Server) deepLinkOptions(c *fiber.Ctx) error {
	dl, err := deepLinkSettings(currentSession(c))
	if err != nil {
		return err
	}
	targets := dl.AcceptPresentationDocumentTargets
	if targets == nil {
		targets = []string{}
	}
	types := dl.AcceptTypes
	if types == nil {
		types = []string{}
	}
	return c.JSON(model.DeepLinkOptions{AcceptTypes: types, Targets: targets, AcceptMultiple: dl.AcceptMultiple,
		AcceptLineItem: dl.AcceptLineItem, AutoCreate: dl.AutoCreate, Title: dl.Title, Text: dl.Text,
		CanLink: slices.Contains(dl.AcceptTypes, lti.ContentLTIResourceLink)})
}

// contentItem is the ltiResourceLink of one picked activity: the launch URL,
// custom.activity_id (so later launches open it), and a lineItem when the
// instructor asked for a gradebook column. A graded activity placed without
// one, where the LMS offered it (acceptLineItem), also carries
// custom.gradebook=none: the instructor's choice holds at score time.
func (s *Server) contentItem(a *model.Activity, ch model.DeepLinkChoice, acceptLineItem bool) (lti.ContentItem, error) {
	it := lti.ContentItem{Type: lti.ContentLTIResourceLink, URL: s.tool.LaunchURL(), Title: a.Title, Text: plainSummary(a),
		Custom: map[string]string{customActivityID: strconv.FormatInt(a.ID, 10)}}
	if !ch.Gradebook && a.Graded && acceptLineItem {
		it.Custom[customGradebook] = gradebookNone
	}
	if ch.Gradebook {
		if !a.Graded {
			return it, model.Errorf(model.EINVALID, "%q is not graded, so it cannot get a gradebook column. Make it graded first, or add it without grading.", a.Title)
		}
		it.LineItem = &lti.ContentLineItem{Label: a.Title, ScoreMaximum: a.ScoreMaximum, ResourceID: strconv.FormatInt(a.ID, 10), Tag: a.Tag}
	}
	switch ch.Target {
	case "", lti.TargetFrame, lti.TargetIframe, lti.TargetWindow:
	default:
		return it, model.Errorf(model.EINVALID, "%q is not a way to open content (frame, iframe or window).", ch.Target)
	}
	return it.WithTarget(ch.Target), nil
}

// deepLinkResponse: POST /api/v1/deeplink/response. It validates the selection
// against the request's settings, signs the LtiDeepLinkingResponse and stores
// it behind a one-time ticket; the SPA then opens the ticket's return page.
// No items (Cancel) is a valid, empty selection. Refusals sign nothing and
// store nothing.
func (s *Server) deepLinkResponse(c *fiber.Ctx) error {
	sess := currentSession(c)
	dl, err := deepLinkSettings(sess)
	if err != nil {
		return err
	}
	var sel model.DeepLinkSelection
	if err := c.BodyParser(&sel); err != nil {
		return model.Errorf(model.EINVALID, "The selection could not be read.")
	}
	ctx := c.UserContext()
	items := make([]lti.ContentItem, 0, len(sel.Items))
	for _, ch := range sel.Items {
		a, err := s.visibleActivity(ctx, sess, ch.ActivityID)
		if err != nil {
			return err
		}
		if a.Archived {
			return model.Errorf(model.EINVALID, "%q is archived. Restore it before adding it to your course.", a.Title)
		}
		it, err := s.contentItem(a, ch, dl.AcceptLineItem)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	reg, err := s.db.Registration(ctx, sess.RegistrationID)
	if err != nil {
		return err
	}
	resp := lti.DeepLinkResponse{Registration: reg, DeploymentID: sess.DeploymentID, Settings: settingsClaim(dl), Items: items}
	if len(items) > 0 {
		resp.Message = "ltibox added " + model.Plural(len(items), "item") + "."
	}
	signed, err := s.tool.SignDeepLink(ctx, resp)
	if err != nil {
		return err
	}
	ticket, err := lti.NewToken()
	if err != nil {
		return err
	}
	if err := s.db.CreateDeepLinkTicket(ctx, lti.HashToken(ticket), &sqlite.DeepLinkTicket{SessionID: sess.ID, ReturnURL: dl.ReturnURL,
		JWT: signed, Items: len(items), ExpiresAt: s.tool.Config().Now().Add(deepLinkTicketTTL)}); err != nil {
		return err
	}
	return c.JSON(model.DeepLinkTicket{ReturnPath: pathDeepLinkReturn + "?ticket=" + ticket, Items: len(items)})
}

var deepLinkReturnPage = template.Must(template.New("dl-return").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Returning to your course · ltibox</title>
{{if .CSS}}<link rel="stylesheet" href="{{.CSS}}">{{end}}
<script src="` + pathDeepLinkScript + `" defer></script>
</head><body><main>
<h1>Returning to your course…</h1>
<p role="status" aria-live="polite">{{if .Items}}Sending {{.Count}} to your course.{{else}}Returning to your course without adding anything.{{end}}</p>
<form id="dl-return" method="post" action="{{.Action}}">
<input type="hidden" name="JWT" value="{{.JWT}}">
<button type="submit">Continue to your course</button>
</form>
</main></body></html>`))

// deepLinkReturn: GET /lti/deeplink/return?ticket=…, the page that posts the
// signed response to the LMS as the form field JWT. The script is external
// (CSP script-src 'self'); the button covers browsers without scripts. The
// page's CSP form-action names the return URL's origin.
func (s *Server) deepLinkReturn(c *fiber.Ctx) error {
	ticket := c.Query("ticket")
	if ticket == "" {
		return model.Errorf(model.EINVALID, "This address is missing its selection ticket. Open the content picker from your course again.")
	}
	t, err := s.db.ConsumeDeepLinkTicket(c.UserContext(), lti.HashToken(ticket))
	if err != nil {
		return err
	}
	css := ""
	if s.web != nil {
		css = "/web/" + s.web.Version() + "/app.css"
	}
	var buf bytes.Buffer
	if err := deepLinkReturnPage.Execute(&buf, map[string]any{"Action": t.ReturnURL, "JWT": t.JWT, "Items": t.Items, "Count": model.Plural(t.Items, "item"), "CSS": css}); err != nil {
		return fmt.Errorf("deep link return page: %w", err)
	}
	allowFormAction(c, originOf(t.ReturnURL))
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// deepLinkScript submits the return form as soon as the page is parsed.
func (s *Server) deepLinkScript(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.SendString(`"use strict";
(function () {
  var form = document.getElementById("dl-return");
  if (form) { form.submit(); }
})();
`)
}
