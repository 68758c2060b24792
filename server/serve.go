package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/ltibox/ltibox"
	"github.com/ltibox/ltibox/server/api"
	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"github.com/ltibox/ltibox/server/outbox"
	"github.com/ltibox/ltibox/sqlite"
)

// demoClientID is the client ID of ltibox inside the built-in demo LMS; fixed so
// the registration survives restarts.
const demoClientID = "ltibox-demo"

// app is a running ltibox: store, tool and HTTP server (tests start it in-process).
type app struct {
	cfg    config
	db     *sqlite.DB
	tool   *lti.Tool
	server *api.Server
	demo   *ltitest.Platform
	outbox *outbox.Worker
	log    *slog.Logger
}

// newApp opens the store and builds the tool and the server.
func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	db, err := sqlite.Open(cfg.dbPath())
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, db: db, log: log}
	if err := db.SeedActivities(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// CLI commands (platform show, admin create) print the URLs this server answers on.
	if err := db.SetSetting(ctx, settingBaseURL, cfg.BaseURL); err != nil {
		db.Close()
		return nil, err
	}
	a.tool, err = lti.New(lti.Config{
		BaseURL:       cfg.BaseURL,
		AllowInsecure: cfg.Demo,
		Leeway:        cfg.Leeway,
		MaxTokenAge:   cfg.MaxTokenAge,
		KeyPrepublish: cfg.KeyPrepublish,
		UserAgent:     "ltibox/" + version,
	}, db, db, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	if _, err := a.tool.SigningKey(ctx); err != nil {
		a.close()
		return nil, err
	}
	token, err := cfg.adminToken(lti.NewToken)
	if err != nil {
		a.close()
		return nil, err
	}
	assets, err := fs.Sub(ltibox.Assets, "assets")
	if err != nil {
		a.close()
		return nil, err
	}
	apiCfg := api.Config{BaseURL: cfg.BaseURL, AdminToken: token, SessionTTL: cfg.SessionTTL, Assets: assets, TrustProxy: cfg.TrustProxy, Logger: log, Insecure: cfg.Demo,
		RosterMaxAge: cfg.RosterMaxAge, OutboxRetryWait: cfg.OutboxRetryWait, PendingRefresh: cfg.PendingRefresh}
	if cfg.Demo {
		if a.demo, err = a.setupDemo(ctx); err != nil {
			a.close()
			return nil, err
		}
		apiCfg.Demo = a.demo.Handler()
	}
	if a.server, err = api.New(apiCfg, db, a.tool); err != nil {
		a.close()
		return nil, err
	}
	a.outbox = outbox.New(db, a.tool, outbox.Config{Logger: log})
	a.server.SetOutbox(a.outbox)
	return a, nil
}

// setupDemo builds the demo LMS and makes sure ltibox has it registered.
func (a *app) setupDemo(ctx context.Context) (*ltitest.Platform, error) {
	demo, err := ltitest.New(ltitest.Options{BaseURL: a.cfg.BaseURL + "/demo-lms", Name: "Demo LMS"})
	if err != nil {
		return nil, fmt.Errorf("demo lms: %w", err)
	}
	urls := a.tool.URLs()
	demo.RegisterTool(ltitest.ToolConfig{
		ClientID:      demoClientID,
		DeploymentIDs: []string{"1"},
		LoginURL:      urls.LoginURL,
		RedirectURIs:  []string{urls.RedirectURL},
		TargetLinkURI: urls.TargetLinkURI,
		JWKSURL:       urls.JWKSURL,
	})
	regs, err := a.db.RegistrationsByIssuer(ctx, demo.Issuer())
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		if r.ClientID == demoClientID {
			return demo, nil
		}
	}
	reg := &lti.Registration{Name: "Demo LMS", Issuer: demo.Issuer(), ClientID: demoClientID, AuthURL: demo.AuthURL(),
		TokenURL: demo.TokenURL(), JWKSURL: demo.JWKSURL(), Preset: "other", Status: lti.StatusActive}
	if err := a.db.CreateRegistration(ctx, reg); err != nil {
		return nil, fmt.Errorf("register demo lms: %w", err)
	}
	if _, err := a.db.AddDeployment(ctx, reg.ID, "1", lti.StatusActive); err != nil {
		return nil, fmt.Errorf("register demo lms: %w", err)
	}
	return demo, nil
}

func (a *app) close() {
	if a.tool != nil {
		a.tool.Close()
	}
	a.db.Close()
}

// sweep deletes expired login states and sessions every hour.
func (a *app) sweep(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cutoff := time.Now().Add(-time.Hour)
			if _, err := a.db.SweepLogins(ctx, cutoff); err != nil {
				a.log.Warn("sweep logins", "err", err)
			}
			if _, err := a.db.SweepSessions(ctx, cutoff); err != nil {
				a.log.Warn("sweep sessions", "err", err)
			}
			if _, err := a.db.SweepAdminSessions(ctx, time.Now()); err != nil {
				a.log.Warn("sweep admin sessions", "err", err)
			}
			if _, err := a.db.SweepRegistrationSessions(ctx, time.Now()); err != nil {
				a.log.Warn("sweep registration sessions", "err", err)
			}
		}
	}
}

// serve runs the HTTP server on ln until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	go a.sweep(ctx)
	a.outbox.Start(ctx)
	defer a.outbox.Stop()
	errc := make(chan error, 1)
	go func() { errc <- a.server.App().Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop score deliveries first: in-flight ones end, queued ones wait for the
	// next start (with --demo they would call this very server while it stops).
	a.outbox.Stop()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.server.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Browsers keep spare preconnected sockets that never send a request;
		// fasthttp waits for them. Requests in flight had 10 s to finish.
		a.log.Warn("stopped without waiting for idle browser connections")
		return nil
	}
	return err
}

// newServeFlags is serve's flag set, writing into cfg.
func newServeFlags(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs)
	cfg.serveFlags(fs)
	return fs
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	rest, err := cfg.parse(newServeFlags(&cfg), args, stderr)
	if err != nil {
		return err
	}
	if err := noArgs("serve", rest); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && !cfg.Demo) {
		log.Warn("the base URL is not https: real LMSs will refuse to launch ltibox; put it behind TLS and pass --base-url https://…", "base_url", cfg.BaseURL)
	}
	if w, broken := demoReachWarning(cfg); broken {
		log.Warn(w)
	} else if w != "" {
		log.Info(w) // make run on a laptop: advice for the day it runs elsewhere, not an alarm
	}
	if path := os.Getenv("LTIBOX_CPUPROFILE"); path != "" { // for performance work: a CPU profile of the whole run
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for _, line := range startupLines(cfg) {
		fmt.Fprintln(stdout, line)
	}
	if err := a.serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// startupLines is what serve prints once it listens: where it answers, the
// demo LMS, the admin console, and where the admin token comes from (never
// the token itself).
func startupLines(cfg config) []string {
	lines := []string{fmt.Sprintf("ltibox %s listening on %s", version, cfg.BaseURL)}
	if cfg.Demo {
		lines = append(lines, fmt.Sprintf("Demo LMS: open %s/demo-lms/ and click \"Launch as instructor\" or \"Launch as student\".", cfg.BaseURL))
	}
	lines = append(lines, fmt.Sprintf("Admin console: %s/admin/", cfg.BaseURL))
	if cfg.AdminTokenFrom != "" {
		lines = append(lines, fmt.Sprintf("Admin token for /api/admin and the console's first-run setup: the value of %s.", cfg.AdminTokenFrom))
	} else {
		lines = append(lines, fmt.Sprintf("Admin token for /api/admin and the console's first-run setup: in %s", filepath.Join(cfg.DataDir, "admin-token")))
	}
	return lines
}

// demoReachWarning says, for serve --demo, when the demo cannot work from the
// browsers that will try it: the demo LMS's own URLs are refused unless they
// are https or loopback http, and with the default base URL its pages send
// the browser to localhost, the visitor's own machine. "" when all is well.
func demoReachWarning(cfg config) (msg string, broken bool) {
	if !cfg.Demo {
		return "", false
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "https" {
		return "", false
	}
	// The port serve listens on: the demo's localhost URLs use it once --base-url is left out.
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || port == "" || port == "0" {
		port = "8080"
	}
	how := fmt.Sprintf("The demo works in a browser at http://localhost:%[1]s/demo-lms/ on this machine, from another machine through an SSH tunnel "+
		"(`ssh -L %[1]s:localhost:%[1]s this-server`, then open http://localhost:%[1]s/demo-lms/ there), or over https (--base-url https://…).", port)
	if !loopbackHost(u.Hostname()) {
		return fmt.Sprintf("--demo with the http base URL %s will not launch: the demo LMS's URLs must be https or http://localhost, "+
			"so its registration is refused as not safe. Leave --base-url out. %s", cfg.BaseURL, how), true
	}
	if cfg.BaseURLFrom == baseURLDefault && !loopbackListen(cfg.Addr) {
		return fmt.Sprintf("--demo listens on %s, but the demo's pages send the browser to %s, the visitor's own machine. %s", cfg.Addr, cfg.BaseURL, how), false
	}
	return "", false
}

// loopbackHost reports whether a URL host name is this machine only.
func loopbackHost(h string) bool {
	return lti.IsLoopbackHost(h) // the rule the tool applies to the demo's URLs
}

// loopbackListen reports whether a listen address accepts loopback connections only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && loopbackHost(host)
}
