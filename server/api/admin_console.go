package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// PlatformSetup is what the console shows an administrator for one LMS: where
// to go in that LMS, what a deployment is there, and the JSON to paste. It is
// the console's own wire type, so the two cannot disagree on a field.
type PlatformSetup = model.PlatformSetup

// SetupFor builds the paste-ready configuration for a preset from the tool's
// URLs (the console's and the CLI's `platform show`).
func SetupFor(tool *lti.Tool, presetKey string) PlatformSetup {
	p := lti.PresetByKey(presetKey)
	u := tool.URLs()
	out := PlatformSetup{Where: p.Where, DeploymentNote: p.DeploymentNote, Hint: p.Hint}
	if p.Key == lti.PresetOther {
		// "Your LMS's LTI 1.3 tool registration page" says no more than the
		// console's opening instruction: the console leaves an empty Where out.
		out.Where = ""
	}
	scopes := []string{lti.ScopeLineItem, lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly, lti.ScopeScore, lti.ScopeNRPS}
	var doc any
	switch p.Key {
	case lti.PresetCanvas:
		out.JSONLabel = "Canvas developer key JSON (Admin → Developer Keys → + LTI Key → Paste JSON)"
		doc = map[string]any{
			"title":               "ltibox",
			"description":         "Activities, grades and rosters for your course.",
			"oidc_initiation_url": u.LoginURL,
			"target_link_uri":     u.TargetLinkURI,
			"public_jwk_url":      u.JWKSURL,
			"scopes":              scopes,
			"extensions": []any{map[string]any{
				"platform":      "canvas.instructure.com",
				"privacy_level": "public",
				"domain":        u.Domain,
				"settings": map[string]any{"placements": []any{
					map[string]any{"placement": "link_selection", "message_type": lti.MessageResourceLink, "target_link_uri": u.TargetLinkURI},
					map[string]any{"placement": "assignment_selection", "message_type": lti.MessageDeepLinking, "target_link_uri": u.DeepLinkingURL},
				}},
			}},
			"custom_fields": map[string]string{},
		}
	default:
		out.JSONLabel = "Tool configuration (the values to enter in your LMS)"
		doc = map[string]any{
			"tool_name":          "ltibox",
			"domain":             u.Domain,
			"login_url":          u.LoginURL,
			"redirect_uris":      []string{u.RedirectURL},
			"target_link_uri":    u.TargetLinkURI,
			"deep_linking_url":   u.DeepLinkingURL,
			"public_keyset_url":  u.JWKSURL,
			"registration_url":   tool.Config().BaseURL + "/lti/register",
			"scopes":             scopes,
			"supports_deep_link": true,
		}
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	out.JSON = string(b)
	return out
}

func (s *Server) registrationURL() string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/lti/register"
}

// listPresets is GET /api/admin/presets.
func (s *Server) listPresets(c *fiber.Ctx) error { return c.JSON(lti.Presets) }

// AdminSettings are the console's tool-wide settings (the wire type, shared through model).
type AdminSettings = model.AdminSettings

func (s *Server) settings(c *fiber.Ctx) (AdminSettings, error) {
	approval, err := s.approvalStatus(c)
	if err != nil {
		return AdminSettings{}, err
	}
	f, err := s.registrationFetch(c)
	if err != nil {
		return AdminSettings{}, err
	}
	return AdminSettings{Approval: approval, AllowPrivate: f.AllowPrivate, RegistrationURL: s.registrationURL(),
		KeyOverlapHours:      int(s.tool.Config().KeyOverlap / time.Hour),
		KeyPrepublishMinutes: int(s.tool.Config().KeyPrepublish / time.Minute)}, nil
}

// getSettings is GET /api/admin/settings.
func (s *Server) getSettings(c *fiber.Ctx) error {
	st, err := s.settings(c)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// putSettings is PUT /api/admin/settings.
func (s *Server) putSettings(c *fiber.Ctx) error {
	var in AdminSettings
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	if in.Approval != lti.StatusActive && in.Approval != lti.StatusPending {
		return model.Errorf(model.EINVALID, "The approval policy must be active or pending.")
	}
	if err := s.db.SetSetting(c.UserContext(), SettingApproval, in.Approval); err != nil {
		return err
	}
	if err := s.db.SetSetting(c.UserContext(), SettingAllowPrivate, strconv.FormatBool(in.AllowPrivate)); err != nil {
		return err
	}
	return s.getSettings(c)
}

// Pending is GET /api/admin/pending: registrations and deployments waiting for approval.
type Pending struct {
	Platforms   []*PlatformView            `json:"platforms"`
	Deployments []*model.PendingDeployment `json:"deployments"`
}

func (s *Server) listPending(c *fiber.Ctx) error {
	regs, err := s.db.Registrations(c.UserContext())
	if err != nil {
		return err
	}
	out := Pending{Platforms: []*PlatformView{}}
	for _, r := range regs {
		if r.Status != lti.StatusPending {
			continue
		}
		v, err := s.platformView(c, r)
		if err != nil {
			return err
		}
		for _, o := range regs {
			if o.ID != r.ID && o.Issuer == r.Issuer {
				v.SameIssuer = append(v.SameIssuer, model.PlatformRef{ID: o.ID, Name: o.Name, ClientID: o.ClientID, Status: o.Status})
			}
		}
		out.Platforms = append(out.Platforms, v)
	}
	if out.Deployments, err = s.db.PendingDeployments(c.UserContext()); err != nil {
		return err
	}
	return c.JSON(out)
}

// setPlatformStatus is POST /api/admin/platforms/:id/status {"status": active|pending|disabled}.
func (s *Server) setPlatformStatus(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	r, err := s.db.Registration(c.UserContext(), id)
	if err != nil {
		return err
	}
	switch in.Status {
	case lti.StatusActive, lti.StatusPending, lti.StatusDisabled:
	default:
		return model.Errorf(model.EINVALID, "Status must be active, pending or disabled.")
	}
	r.Status = in.Status
	if err := s.db.UpdateRegistration(c.UserContext(), r); err != nil {
		return err
	}
	s.csp.invalidate()
	return s.getPlatform(c)
}

// approveDeployment and rejectDeployment answer the approval queue.
func (s *Server) approveDeployment(c *fiber.Ctx) error {
	return s.decideDeployment(c, lti.StatusActive)
}
func (s *Server) rejectDeployment(c *fiber.Ctx) error {
	return s.decideDeployment(c, lti.StatusRejected)
}

func (s *Server) decideDeployment(c *fiber.Ctx, status string) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	dep := deploymentParam(c)
	if err := s.db.SetDeploymentStatus(c.UserContext(), id, dep, status); err != nil {
		return err
	}
	s.log.Info("deployment decided", "registration_id", id, "deployment_id", dep, "status", status)
	return c.JSON(fiber.Map{"registrationId": id, "deploymentId": dep, "status": status})
}

// listLibrary is GET /api/admin/activities: the tool-wide activity library.
func (s *Server) listLibrary(c *fiber.Ctx) error {
	acts, err := s.db.Activities(c.UserContext(), model.ActivityFilter{Library: true, IncludeArchived: true, Query: strings.Clone(c.Query("q"))})
	if err != nil {
		return err
	}
	if acts == nil {
		acts = []*model.Activity{}
	}
	return c.JSON(acts)
}

// createLibraryActivity is POST /api/admin/activities.
func (s *Server) createLibraryActivity(c *fiber.Ctx) error {
	var a model.Activity
	if err := c.BodyParser(&a); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	a.ID, a.ContextID = 0, 0
	if err := s.db.CreateActivity(c.UserContext(), &a); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// updateLibraryActivity is PUT /api/admin/activities/:id (library activities only).
func (s *Server) updateLibraryActivity(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return model.Errorf(model.EINVALID, "The activity id must be a positive number.")
	}
	old, err := s.db.Activity(c.UserContext(), id)
	if err != nil {
		return err
	}
	if old.ContextID != 0 {
		return model.Errorf(model.EFORBIDDEN, "This activity belongs to a course; edit it from the course.")
	}
	var a model.Activity
	if err := c.BodyParser(&a); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	a.ID, a.ContextID = id, 0
	if err := s.db.UpdateActivity(c.UserContext(), &a); err != nil {
		return err
	}
	updated, err := s.db.Activity(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(updated)
}
