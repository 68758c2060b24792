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
	"runtime/pprof"
	"strings"
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
		RosterMaxAge: cfg.RosterMaxAge, OutboxRetryWait: cfg.OutboxRetryWait}
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

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs)
	cfg.serveFlags(fs)
	if err := cfg.parse(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && !cfg.Demo) {
		log.Warn("the base URL is not https: real LMSs will refuse to launch ltibox; put it behind TLS and pass --base-url https://…", "base_url", cfg.BaseURL)
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
	fmt.Fprintf(stdout, "ltibox %s listening on %s\n", version, cfg.BaseURL)
	if cfg.Demo {
		fmt.Fprintf(stdout, "Demo LMS: open %s/demo-lms/ and click \"Launch as instructor\" or \"Launch as student\".\n", cfg.BaseURL)
	}
	fmt.Fprintf(stdout, "Admin token for /api/admin: in %s/admin-token\n", strings.TrimRight(cfg.DataDir, "/"))
	if err := a.serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
