package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// rosterSyncTimeout bounds one refresh: 10,000 members over 100 pages take
// seconds; a platform slower than this is reported, not waited for.
const rosterSyncTimeout = 10 * time.Minute

// rosterFullEvery forces a full listing even when the platform offers
// differences, so a change a platform forgot to report does not live forever.
const rosterFullEvery = 24 * time.Hour

// rosterSyncs runs roster refreshes in the background, at most one per
// course, and remembers each course's last refresh so the UI can poll its
// progress. A request only starts or reads a refresh, so a 10,000-member
// course never holds an HTTP request open.
type rosterSyncs struct {
	db   *sqlite.DB
	tool *lti.Tool
	log  *slog.Logger
	now  func() time.Time

	ctx    context.Context // ends at Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	jobs map[int64]*model.RosterSync // by model.Context.ID
}

func newRosterSyncs(db *sqlite.DB, tool *lti.Tool, log *slog.Logger) *rosterSyncs {
	ctx, cancel := context.WithCancel(context.Background())
	return &rosterSyncs{db: db, tool: tool, log: log, now: tool.Config().Now, ctx: ctx, cancel: cancel, jobs: map[int64]*model.RosterSync{}}
}

// rosterSource is what a refresh needs from the launch that asked for it.
type rosterSource struct {
	ContextID      int64
	RegistrationID int64
	MembershipsURL string // the launch's context_memberships_url
}

// status returns a copy of a course's refresh state (zero if none ran).
func (r *rosterSyncs) status(contextID int64) model.RosterSync {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.jobs[contextID]; ok {
		return cloneSync(j)
	}
	return model.RosterSync{}
}

func cloneSync(j *model.RosterSync) model.RosterSync {
	c := *j
	if j.Error != nil {
		e := *j.Error
		c.Error = &e
	}
	return c
}

// start begins a refresh unless one is running, and returns the state.
// full skips the differences link and lists every member.
func (r *rosterSyncs) start(src rosterSource, full bool) model.RosterSync {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.jobs[src.ContextID]; ok && j.Running {
		return cloneSync(j)
	}
	if r.ctx.Err() != nil {
		return model.RosterSync{Error: model.Errorf(model.EUNAVAILABLE, "ltibox is shutting down.")}
	}
	started := r.now().UTC()
	j := &model.RosterSync{Running: true, StartedAt: &started}
	r.jobs[src.ContextID] = j
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		err := r.run(src, full)
		r.mu.Lock()
		defer r.mu.Unlock()
		finished := r.now().UTC()
		j.Running, j.FinishedAt = false, &finished
		if err != nil {
			j.Error = r.describe(src, err)
		}
	}()
	return cloneSync(j)
}

// update records progress of a running refresh.
func (r *rosterSyncs) update(contextID int64, f func(*model.RosterSync)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.jobs[contextID]; ok {
		f(j)
	}
}

// run does one refresh: the differences listing when the platform offered
// one, full is false and the last full listing is less than a day old (falling back to a full listing if the platform no
// longer honours the link), else a full listing. All pages are read before
// anything is stored, and the store is one transaction, so a failure in the
// middle leaves the previous roster exactly as it was.
func (r *rosterSyncs) run(src rosterSource, full bool) error {
	ctx, cancel := context.WithTimeout(r.ctx, rosterSyncTimeout)
	defer cancel()
	reg, err := r.db.Registration(ctx, src.RegistrationID)
	if err != nil {
		return err
	}
	progress := func(p lti.MembershipProgress) {
		r.update(src.ContextID, func(j *model.RosterSync) { j.Pages, j.Members = p.Pages, p.Members })
	}
	if !full {
		st, err := r.db.RosterState(ctx, src.ContextID)
		if err != nil && model.ErrorCode(err) != model.ENOTFOUND {
			return err
		}
		if err == nil && st.DifferencesURL != "" && r.now().Sub(st.FullSyncedAt) < rosterFullEvery {
			r.update(src.ContextID, func(j *model.RosterSync) { j.Incremental = true })
			m, err := r.tool.Memberships(ctx, reg, st.DifferencesURL, progress)
			if err == nil {
				return r.db.StoreRoster(ctx, src.ContextID, sqlite.RosterUpdate{Members: m.Members, DifferencesURL: m.Differences})
			}
			var se *lti.ServiceError
			if !errors.As(err, &se) || se.Retryable || se.Op == "token" {
				return err
			}
			// An expired or unknown differences link: list everything instead.
			r.log.Info("roster differences refused, listing all members", "context", src.ContextID, "err", err)
			r.update(src.ContextID, func(j *model.RosterSync) { j.Incremental, j.Pages, j.Members = false, 0, 0 })
		}
	}
	u, err := lti.MembershipsURL(src.MembershipsURL, lti.MembershipQuery{})
	if err != nil {
		return &lti.ServiceError{Op: "memberships", Message: "the LMS sent a roster address that is not a URL", Err: err}
	}
	m, err := r.tool.Memberships(ctx, reg, u, progress)
	if err != nil {
		return err
	}
	return r.db.StoreRoster(ctx, src.ContextID, sqlite.RosterUpdate{Members: m.Members, Full: true, DifferencesURL: m.Differences})
}

// describe turns a refresh failure into words for the instructor: what the
// LMS said when it refused, a try-later when it did not answer.
func (r *rosterSyncs) describe(src rosterSource, err error) *model.Error {
	var se *lti.ServiceError
	switch {
	case errors.As(err, &se) && !se.Retryable && se.Op == "token":
		r.log.Warn("roster refresh: token refused", "context", src.ContextID, "err", err)
		return &model.Error{Code: model.CodeLMSRefused, Message: fmt.Sprintf("The LMS refused ltibox an access token for the roster (%s). Ask your LMS administrator to check the ltibox registration and that Names and Role Provisioning is enabled for it.", se.Message)}
	case errors.As(err, &se) && !se.Retryable:
		r.log.Warn("roster refresh: LMS refused", "context", src.ContextID, "err", err)
		msg := fmt.Sprintf("The LMS refused the roster request (%s).", se.Message)
		if se.Status != 0 {
			msg = fmt.Sprintf("The LMS refused the roster request (HTTP %d: %s).", se.Status, se.Message)
		}
		return &model.Error{Code: model.CodeLMSRefused, Message: msg + " The roster shown is unchanged."}
	case errors.As(err, &se):
		r.log.Warn("roster refresh: LMS unavailable", "context", src.ContextID, "err", err)
		return model.Errorf(model.EUNAVAILABLE, "The LMS did not answer (%s). The roster shown is unchanged; try again in a few minutes.", se.Message)
	case errors.Is(err, context.Canceled):
		return model.Errorf(model.EUNAVAILABLE, "The refresh was stopped because ltibox is shutting down.")
	case errors.Is(err, context.DeadlineExceeded):
		return model.Errorf(model.EUNAVAILABLE, "The LMS took too long to send the roster. Try again later.")
	}
	r.log.Error("roster refresh failed", "context", src.ContextID, "err", err)
	return model.Errorf(model.EINTERNAL, "The roster could not be saved. Try again.")
}

// stop cancels running refreshes and waits for them (server shutdown).
func (r *rosterSyncs) stop() {
	r.cancel()
	r.wg.Wait()
}
