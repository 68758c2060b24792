package api

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// PlatformInput is the body of create/update platform requests (the wire type
// the console sends, shared through model).
type PlatformInput = model.PlatformInput

// PlatformView is a registration with its deployments and the tool URLs to paste into the LMS.
type PlatformView struct {
	*lti.Registration
	Deployments []*lti.Deployment `json:"deployments"`
	ToolURLs    lti.ToolURLs      `json:"toolUrls"`
	Setup       PlatformSetup     `json:"setup"` // where to paste what in this LMS (issue 6)
	// Bindings: how launches bound the login to the browser (cookie, platform
	// storage, new window), shown in the console per platform.
	Bindings []model.LaunchBinding `json:"bindings"`
	// SameIssuer lists the other registrations of the same LMS (pending list only).
	SameIssuer []model.PlatformRef `json:"sameIssuer,omitempty"`
}

// ValidateRegistration checks a registration before it is stored: every field
// present, every platform URL https (loopback http only in demo/test).
func ValidateRegistration(tool *lti.Tool, r *lti.Registration) error {
	r.Name, r.Issuer, r.ClientID = strings.TrimSpace(r.Name), strings.TrimSpace(r.Issuer), strings.TrimSpace(r.ClientID)
	if r.Name == "" {
		r.Name = r.Issuer
	}
	missing := []string{}
	for name, v := range map[string]string{"issuer": r.Issuer, "client ID": r.ClientID, "OIDC auth URL": r.AuthURL, "token URL": r.TokenURL, "JWKS URL": r.JWKSURL} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return model.Errorf(model.EINVALID, "Missing: %s.", strings.Join(sortedStrings(missing), ", "))
	}
	for name, v := range map[string]string{"issuer": r.Issuer, "OIDC auth URL": r.AuthURL, "token URL": r.TokenURL, "JWKS URL": r.JWKSURL} {
		if !tool.SecureURL(v) {
			return model.Errorf(model.EINVALID, "The %s must be an https URL (got %q).", name, v)
		}
	}
	if r.TokenAudience != "" && !strings.HasPrefix(r.TokenAudience, "https://") && !tool.SecureURL(r.TokenAudience) {
		return model.Errorf(model.EINVALID, "The token audience must be an https URL (got %q).", r.TokenAudience)
	}
	switch r.Status {
	case "":
		r.Status = lti.StatusActive
	case lti.StatusActive, lti.StatusPending, lti.StatusDisabled:
	default:
		return model.Errorf(model.EINVALID, "Status must be active, pending or disabled.")
	}
	return nil
}

// RegistrationOf converts the input to a registration (not yet validated).
func RegistrationOf(in PlatformInput) *lti.Registration {
	return &lti.Registration{Name: in.Name, Issuer: in.Issuer, ClientID: in.ClientID, AuthURL: in.AuthURL, TokenURL: in.TokenURL,
		TokenAudience: in.TokenAudience, JWKSURL: in.JWKSURL, Preset: in.Preset, Status: in.Status, AllowAnonymous: in.AllowAnonymous}
}

func (s *Server) platformView(c *fiber.Ctx, r *lti.Registration) (*PlatformView, error) {
	return NewPlatformView(c.UserContext(), s.db, s.tool, r)
}

// NewPlatformView is r as the console and `ltibox platform show` present it.
func NewPlatformView(ctx context.Context, db *sqlite.DB, tool *lti.Tool, r *lti.Registration) (*PlatformView, error) {
	deps, err := db.Deployments(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if deps == nil {
		deps = []*lti.Deployment{}
	}
	bindings, err := db.LaunchBindingCounts(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return &PlatformView{Registration: r, Deployments: deps, ToolURLs: tool.URLs(), Setup: SetupFor(tool, r.Preset), Bindings: bindings}, nil
}

func (s *Server) listPlatforms(c *fiber.Ctx) error {
	regs, err := s.db.Registrations(c.UserContext())
	if err != nil {
		return err
	}
	out := []*PlatformView{}
	for _, r := range regs {
		v, err := s.platformView(c, r)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(out)
}

func (s *Server) createPlatform(c *fiber.Ctx) error {
	var in PlatformInput
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	r := RegistrationOf(in)
	if err := ValidateRegistration(s.tool, r); err != nil {
		return err
	}
	if err := s.db.CreateRegistration(c.UserContext(), r); err != nil {
		return err
	}
	for _, d := range in.Deployments {
		if d = strings.TrimSpace(d); d != "" {
			if _, err := s.db.AddDeployment(c.UserContext(), r.ID, d, lti.StatusActive); err != nil {
				return err
			}
		}
	}
	s.csp.invalidate()
	v, err := s.platformView(c, r)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) platformID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.EINVALID, "The platform id must be a positive number.")
	}
	return id, nil
}

func (s *Server) getPlatform(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	r, err := s.db.Registration(c.UserContext(), id)
	if err != nil {
		return err
	}
	v, err := s.platformView(c, r)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) updatePlatform(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	old, err := s.db.Registration(c.UserContext(), id)
	if err != nil {
		return err
	}
	var in PlatformInput
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	r := RegistrationOf(in)
	r.ID = id
	if err := ValidateRegistration(s.tool, r); err != nil {
		return err
	}
	if err := s.db.UpdateRegistration(c.UserContext(), r); err != nil {
		return err
	}
	s.tool.ForgetPlatformKeys(old.JWKSURL)
	s.csp.invalidate()
	return s.getPlatform(c)
}

func (s *Server) deletePlatform(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteRegistration(c.UserContext(), id); err != nil {
		return err
	}
	s.csp.invalidate()
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) addDeployment(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	var in struct {
		DeploymentID string `json:"deploymentId"`
		Status       string `json:"status"`
	}
	if err := c.BodyParser(&in); err != nil {
		return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
	}
	in.DeploymentID = strings.TrimSpace(in.DeploymentID)
	if in.DeploymentID == "" || len(in.DeploymentID) > 255 {
		return model.Errorf(model.EINVALID, "The deployment ID must be 1 to 255 characters.")
	}
	d, err := s.db.AddDeployment(c.UserContext(), id, in.DeploymentID, in.Status)
	if model.ErrorCode(err) == model.ECONFLICT {
		return s.deploymentExists(c, id, in.DeploymentID, err)
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// deploymentExists says what to do about a deployment added twice: one that
// was rejected or waits for approval is approved, not added again.
func (s *Server) deploymentExists(c *fiber.Ctx, id int64, dep string, err error) error {
	status, serr := s.db.DeploymentStatus(c.UserContext(), id, dep)
	switch {
	case serr != nil:
		return err
	case status == lti.StatusRejected:
		return model.Errorf(model.ECONFLICT, "Deployment %q of this platform already exists and was rejected, so its launches are refused. To allow them, press Approve on its row in the Deployments table.", dep)
	case status == lti.StatusPending:
		return model.Errorf(model.ECONFLICT, "Deployment %q of this platform already exists and waits for approval. To allow its launches, press Approve on its row in the Deployments table or under Pending approvals.", dep)
	}
	return model.Errorf(model.ECONFLICT, "Deployment %q of this platform already exists (%s).", dep, status)
}

func (s *Server) removeDeployment(c *fiber.Ctx) error {
	id, err := s.platformID(c)
	if err != nil {
		return err
	}
	if err := s.db.RemoveDeployment(c.UserContext(), id, deploymentParam(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deploymentParam is the :deployment of the URL, decoded. Clients escape the
// ID (the console with url.PathEscape): LTI deployment IDs may hold any ASCII,
// spaces and slashes included, and fiber leaves route parameters as sent. A
// parameter that is not valid escaping ("50%") is taken as it is.
func deploymentParam(c *fiber.Ctx) string {
	raw := c.Params("deployment")
	if dep, err := url.PathUnescape(raw); err == nil {
		raw = dep
	}
	return strings.Clone(raw) // fiber reuses the request buffer
}

func (s *Server) listKeys(c *fiber.Ctx) error {
	if _, err := s.tool.SigningKey(c.UserContext()); err != nil {
		return err
	}
	keys, err := s.db.Keys(c.UserContext())
	if err != nil {
		return err
	}
	now := s.tool.Config().Now()
	out := []model.KeyInfo{}
	for _, k := range keys {
		out = append(out, keyInfo(k, now, s.tool.Config().KeyOverlap))
	}
	return c.JSON(out)
}

// keyInfo is the console's view of k at now.
func keyInfo(k *lti.Key, now time.Time, overlap time.Duration) model.KeyInfo {
	state := k.State(now)
	v := model.KeyInfo{KID: k.KID, CreatedAt: k.CreatedAt.UTC(), ActiveFrom: k.ActiveFrom.UTC(), State: string(state), Current: state == lti.KeyCurrent}
	if k.RetiredAt != nil {
		r, until := k.RetiredAt.UTC(), k.RetiredAt.Add(overlap).UTC()
		v.RetiredAt, v.PublishedUntil = &r, &until
	}
	return v
}

// rotateKey publishes a new key that signs after the pre-publication window;
// a rotation already waiting is a conflict the console shows as it is.
func (s *Server) rotateKey(c *fiber.Ctx) error {
	k, err := s.tool.RotateKey(c.UserContext())
	var pending *lti.RotationPendingError
	if errors.As(err, &pending) {
		return model.Errorf(model.ECONFLICT, "A new key is already published and starts signing at %s UTC. Rotate again after that.",
			pending.Next.ActiveFrom.UTC().Format("2006-01-02 15:04"))
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(keyInfo(k, s.tool.Config().Now(), s.tool.Config().KeyOverlap))
}

// replaceKeys is POST /api/admin/keys/replace, for a leaked key: a new key
// signs at once and every other key leaves the JWKS (lti.Tool.RotateKeyNow),
// so the console can do what `ltibox keys rotate --now` does.
func (s *Server) replaceKeys(c *fiber.Ctx) error {
	k, err := s.tool.RotateKeyNow(c.UserContext())
	if err != nil {
		return err
	}
	s.log.Warn("every tool key replaced at once (leaked key)", "kid", k.KID, "by", adminWho(c))
	return c.Status(fiber.StatusCreated).JSON(keyInfo(k, s.tool.Config().Now(), s.tool.Config().KeyOverlap))
}
