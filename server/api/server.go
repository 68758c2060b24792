// Package api is the HTTP edge of ltibox and the only package that imports
// Fiber. server.go holds the one route table; errors.go the one error handler;
// each resource has its own file and mirrored _test.go.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// Config configures the HTTP server.
type Config struct {
	BaseURL     string        // public base URL, as the tool's
	AdminToken  string        // bearer token for /api/admin (scripts); empty disables token access
	SessionTTL  time.Duration // launch session lifetime (default 8 h)
	Assets      fs.FS         // embedded assets rooted at "assets" (nil in tests that need no UI)
	Demo        http.Handler  // the demo LMS, mounted at /demo-lms when set
	TrustProxy  bool          // honour X-Forwarded-* headers
	Logger      *slog.Logger
	Insecure    bool // demo/test: allow http on loopback (cookies stay Secure; browsers treat loopback as secure)
	MaxBodySize int  // whole-request cap (default 1 MiB)
	// RosterMaxAge is how old a course roster may be before opening the
	// roster refreshes it from the LMS (default 1 h). Issue 5.
	RosterMaxAge time.Duration
	// RegisterPerMinute is how many dynamic registration requests one address
	// may send per minute (default 20; an attempt takes two). Issue 6.
	RegisterPerMinute int
	// OutboxRetryWait is how long a retry of named outbox items waits for
	// the LMS's answer before answering "queued" (default 10 s).
	OutboxRetryWait time.Duration
	// PendingRefresh is how often the open admin console asks again how many
	// platforms and deployments wait for approval (default 1 min): a
	// registration or launch from an LMS is noticed without a reload.
	PendingRefresh time.Duration
}

// Server wires the store and the LTI tool to Fiber.
type Server struct {
	cfg  Config
	db   *sqlite.DB
	tool *lti.Tool
	log  *slog.Logger
	app  *fiber.App
	web  *Web
	csp  *cspCache

	grades  gradeState   // issue 4: grading
	rosters *rosterSyncs // background NRPS refreshes (issue 5)
	logins  loginLimiter // console sign-in rate limit (issue 6)
}

// New builds the server and its route table.
func New(cfg Config, db *sqlite.DB, tool *lti.Tool) (*Server, error) {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodySize == 0 {
		cfg.MaxBodySize = 1 << 20
	}
	if cfg.OutboxRetryWait == 0 {
		cfg.OutboxRetryWait = 10 * time.Second
	}
	if cfg.PendingRefresh == 0 {
		cfg.PendingRefresh = model.PendingRefreshDefault
	}
	if cfg.RosterMaxAge == 0 {
		cfg.RosterMaxAge = defaultRosterMaxAge
	}
	s := &Server{cfg: cfg, db: db, tool: tool, log: cfg.Logger}
	s.rosters = newRosterSyncs(db, tool, cfg.Logger)
	s.csp = newCSPCache(db, cfg.BaseURL)
	s.app = fiber.New(fiber.Config{
		AppName:                 "ltibox",
		ErrorHandler:            s.errorHandler,
		BodyLimit:               cfg.MaxBodySize,
		DisableStartupMessage:   true,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		EnableTrustedProxyCheck: !cfg.TrustProxy,
		ProxyHeader:             proxyHeader(cfg.TrustProxy),
	})
	if cfg.Assets != nil {
		web, err := NewWeb(WebOptions{Assets: cfg.Assets, Title: "ltibox"})
		if err != nil {
			return nil, err
		}
		s.web = web
	}
	s.routes()
	return s, nil
}

func proxyHeader(trust bool) string {
	if trust {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// routes is the one route table of ltibox.
func (s *Server) routes() {
	app := s.app
	app.Use(s.securityHeaders)

	app.Get("/healthz", s.health)
	app.Get("/.well-known/jwks.json", s.jwks)
	app.Get("/lti/jwks", s.jwks)

	// LTI browser flows (HTML errors).
	app.Get("/lti/login", s.login)
	app.Post("/lti/login", s.login)
	app.Post("/lti/launch", s.launch)

	// Issue 7: browser binding without cookies (platform storage, new window).
	app.Get("/lti/bridge.js", bridgeScript)
	app.Post("/lti/bind/cookie", s.stateCookieCheck)
	app.Post("/lti/launch/storage", s.completeStorageLaunch)
	app.Post("/lti/handoff", s.createHandoff)
	app.Get("/lti/handoff/:id", s.handoffPage)
	app.Post("/lti/handoff/:id", s.useHandoff)
	// Dynamic registration (issue 6). Each request makes ltibox fetch from
	// the URL it names, so one address gets a few per minute.
	registerLimit := s.registerLimiter()
	app.Get("/lti/register", registerLimit, s.registerStart)
	app.Post("/lti/register", registerLimit, s.registerFinish)
	app.Get("/lti/register/close.js", s.registerCloseJS)

	// The SPA's session-scoped API (bearer token from the launch).
	v1 := app.Group("/api/v1", s.requireSession)
	v1.Get("/session", s.getSession)

	// Issue 3: activities, deep linking, link → activity routing.
	app.Get(pathDeepLinkReturn, s.deepLinkReturn)
	app.Get(pathDeepLinkScript, s.deepLinkScript)
	v1.Get("/activity", s.getLinkActivity)
	v1.Post("/activity/assign", s.requireInstructor, s.assignLinkActivity)
	v1.Get("/activities", s.requireInstructor, s.listActivities)
	v1.Post("/activities", s.requireInstructor, s.createActivity)
	v1.Put("/activities/:id", s.requireInstructor, s.updateActivity)
	v1.Post("/activities/:id/duplicate", s.requireInstructor, s.duplicateActivity)
	v1.Post("/activities/:id/archive", s.requireInstructor, s.archiveActivity)
	v1.Get("/deeplink", s.requireInstructor, s.deepLinkOptions)
	v1.Post("/deeplink/response", s.requireInstructor, s.deepLinkResponse)
	// Issue 4: grades. Learners score their own launch's activity; instructors
	// see and correct everyone's, push pending scores and read the gradebook back.
	v1.Get("/grade", s.getGrade)
	v1.Post("/grade/score", s.postGrade)
	v1.Get("/grading", s.getGrading)
	v1.Post("/grading/scores", s.postGradingScore)
	v1.Post("/grading/send", s.postGradingSend)
	v1.Post("/grading/readback", s.postGradingReadBack)
	v1.Get("/grading/export", s.getGradingExport)

	// Issue 5: the course roster from NRPS (instructors only).
	v1.Get("/roster", s.getRoster)
	v1.Post("/roster/refresh", s.refreshRoster)
	v1.Get("/roster/sync", s.getRosterSync)
	v1.Get("/roster.csv", s.exportRoster)

	// Console sign-in (issue 6): public, so registered before the guarded group.
	app.Get("/api/admin/status", s.adminStatus)
	app.Post("/api/admin/setup", s.adminSetup)
	app.Post("/api/admin/login", s.adminLogin)
	app.Get("/api/admin/session", s.adminSession)
	app.Post("/api/admin/logout", s.adminLogout)

	// Admin JSON API for scripts and the console (admin token, or console session + CSRF).
	admin := app.Group("/api/admin", s.requireAdmin)
	admin.Get("/platforms", s.listPlatforms)
	admin.Post("/platforms", s.createPlatform)
	admin.Get("/platforms/:id", s.getPlatform)
	admin.Put("/platforms/:id", s.updatePlatform)
	admin.Delete("/platforms/:id", s.deletePlatform)
	admin.Post("/platforms/:id/deployments", s.addDeployment)
	admin.Delete("/platforms/:id/deployments/:deployment", s.removeDeployment)
	admin.Get("/keys", s.listKeys)
	admin.Post("/keys/rotate", s.rotateKey)
	admin.Post("/keys/replace", s.replaceKeys)
	admin.Get("/platforms/:id/bindings", s.launchBindingCounts) // issue 7
	// Console (issue 6).
	admin.Get("/presets", s.listPresets)
	admin.Get("/settings", s.getSettings)
	admin.Put("/settings", s.putSettings)
	admin.Get("/pending", s.listPending)
	admin.Post("/platforms/:id/status", s.setPlatformStatus)
	admin.Post("/platforms/:id/deployments/:deployment/approve", s.approveDeployment)
	admin.Post("/platforms/:id/deployments/:deployment/reject", s.rejectDeployment)
	admin.Get("/launches", s.listLaunches)
	admin.Get("/launches/:id", s.getLaunch)
	admin.Get("/activities", s.listLibrary)
	admin.Post("/activities", s.createLibraryActivity)
	admin.Put("/activities/:id", s.updateLibraryActivity)
	admin.Get("/outbox", s.outboxStatus)
	admin.Post("/outbox/retry", s.outboxRetry)

	if s.cfg.Demo != nil {
		demo := adaptor.HTTPHandler(http.StripPrefix("/demo-lms", s.cfg.Demo))
		app.All("/demo-lms", demo)
		app.All("/demo-lms/*", demo)
		app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/demo-lms/", fiber.StatusFound) })
	} else {
		app.Get("/", s.home)
	}
	app.Post("/", s.launchAtHome)
	app.Get("/lti/launch", s.launchGet)
	app.All("/api/*", func(c *fiber.Ctx) error {
		return model.Errorf(model.ENOTFOUND, "No such API endpoint: %s %s.", c.Method(), c.Path())
	})
	if s.web != nil {
		s.web.Mount(app) // last: go-app answers every remaining GET
	}
}

// App exposes the Fiber app (tests use app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting requests and waits for running ones.
// Running roster refreshes are cancelled and waited for, so the store can close.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.rosters.stop()
	return err
}

func (s *Server) health(c *fiber.Ctx) error {
	if err := s.db.Ping(c.UserContext()); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "ok"})
}
