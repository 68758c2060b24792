// Package outbox delivers queued scores to LMS gradebooks. Scores are committed
// to SQLite before any network call (sqlite.CreateScore); the worker here sends
// them with AGS, in order per learner and line item, retrying transient
// failures (429, 5xx, network) with exponential backoff and jitter, honouring
// Retry-After, and stopping on configuration problems (400/401/403/404/422),
// which it records with the LMS's own words for a person to fix and retry.
// Pending work survives restarts because the queue is the database.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// Config tunes the worker; zero values get production defaults.
type Config struct {
	Concurrency int           // deliveries in flight at once (default 8)
	BaseDelay   time.Duration // first retry delay (default 2 s), doubled per attempt
	MaxDelay    time.Duration // longest retry delay (default 10 min)
	Poll        time.Duration // longest idle sleep; catches work queued by other processes (default 5 s)
	Timeout     time.Duration // per delivery (default 30 s)
	Logger      *slog.Logger
}

// Worker sends queued scores. Start it once; Stop waits for it.
type Worker struct {
	cfg  Config
	db   *sqlite.DB
	tool *lti.Tool
	log  *slog.Logger
	wake chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a stopped worker.
func New(db *sqlite.DB, tool *lti.Tool, cfg Config) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 2 * time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 10 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, db: db, tool: tool, log: cfg.Logger, wake: make(chan struct{}, 1)}
}

// Notify tells the worker new work is queued (the API calls it after saving a score).
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start runs the worker in the background until ctx ends or Stop is called.
func (w *Worker) Start(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != nil {
		return
	}
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		w.run(ctx)
	}()
}

// Stop ends the worker and waits for deliveries in flight to finish or be
// cancelled; a cancelled item stays queued and goes out after the next start.
func (w *Worker) Stop() {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (w *Worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("outbox", "err", err)
		}
		if n > 0 {
			continue
		}
		sleep := w.cfg.Poll
		if next, ok, err := w.db.NextOutboxDue(ctx); err == nil && ok {
			if d := next.Sub(w.db.Now()); d < sleep {
				sleep = max(d, 5*time.Millisecond)
			}
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// RunOnce delivers every item due now (at most one per learner and line item)
// and returns how many it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	items, err := w.db.DueOutbox(ctx, w.cfg.Concurrency*4)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.deliver(ctx, it)
		}()
	}
	wg.Wait()
	return len(items), nil
}

// deliver makes one attempt and records its outcome.
func (w *Worker) deliver(ctx context.Context, it *model.OutboxItem) {
	dctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	lineItem, err := w.send(dctx, it)
	if ctx.Err() != nil {
		return // stopping: the item stays queued as it was
	}
	res := sqlite.OutboxResult{State: model.DeliveryDelivered, LineItemURL: lineItem}
	var se *lti.ServiceError
	switch {
	case err == nil:
	case errors.As(err, &se) && se.Op == "score" && se.Status == http.StatusConflict:
		// Moodle refuses a timestamp that is not newer than the stored one: this
		// is a replay of a score it already has (our ack was lost), or one a newer
		// score already superseded. Either way the gradebook is up to date.
		res.Status, res.Message = se.Status, "The LMS already had this score ("+se.Message+")."
	case errors.As(err, &se) && se.Retryable:
		res.State, res.Status, res.Message = model.DeliveryRetrying, se.Status, se.Message
		res.NextAttempt = w.nextAttempt(it.Score.Delivery.Attempts+1, se.RetryAt)
	case errors.As(err, &se):
		res.State, res.Status, res.Message = model.DeliveryFailed, se.Status, describe(se)
	default:
		res.State, res.Status, res.Message = model.DeliveryRetrying, 0, "ltibox could not send the score: "+err.Error()
		res.NextAttempt = w.nextAttempt(it.Score.Delivery.Attempts+1, time.Time{})
	}
	if err := w.db.FinishOutboxAttempt(context.WithoutCancel(ctx), it.ID, res); err != nil {
		w.log.Warn("outbox: record attempt", "item", it.ID, "err", err)
		return
	}
	if res.State != model.DeliveryDelivered {
		w.log.Warn("outbox: score not delivered", "item", it.ID, "state", res.State, "status", res.Status, "reason", res.Message)
	}
	if res.State == model.DeliveryFailed && se != nil && se.Op == "token" {
		// Every other score of this platform would be refused the same way.
		n, err := w.db.FailRegistrationOutbox(context.WithoutCancel(ctx), it.RegistrationID, res.Status, res.Message)
		if err != nil {
			w.log.Warn("outbox: fail registration", "registration", it.RegistrationID, "err", err)
		} else if n > 0 {
			w.log.Warn("outbox: token refused, holding the platform's scores until an administrator retries", "registration", it.RegistrationID, "held", n)
		}
	}
}

// send resolves the line item if needed and posts the score.
func (w *Worker) send(ctx context.Context, it *model.OutboxItem) (string, error) {
	reg, err := w.db.Registration(ctx, it.RegistrationID)
	if err != nil {
		return "", &lti.ServiceError{Op: "registration", Message: "the LMS registration of this score was removed", Err: err}
	}
	ags := lti.NewAGS(w.tool, reg, it.Target.Scopes)
	lineItem := it.LineItemURL
	if lineItem == "" {
		lineItem = it.Target.LineItem
	}
	if lineItem == "" {
		if lineItem, err = w.db.LinkLineItem(ctx, it.Score.LinkID); err != nil {
			return "", &lti.ServiceError{Op: "lineitem", Message: "the resource link of this score was removed", Err: err}
		}
	}
	if lineItem == "" {
		t := it.Target
		lineItem, err = ags.ResolveLineItem(ctx, lti.LineItemTarget{LineItems: t.LineItems, Want: lti.LineItem{
			Label: t.Label, ScoreMaximum: t.ScoreMaximum, ResourceID: t.ResourceID, Tag: t.Tag, ResourceLinkID: t.ResourceLinkID}})
		if err != nil {
			return "", err
		}
		if err := w.db.SetLinkLineItem(ctx, it.Score.LinkID, lineItem); err != nil {
			return "", err
		}
	}
	sc := it.Score
	maxScore := sc.ScoreMaximum
	score := lti.Score{UserID: it.Subject, Comment: sc.Comment, Timestamp: sc.Timestamp,
		ActivityProgress: sc.ActivityProgress, GradingProgress: sc.GradingProgress}
	if sc.ScoreGiven != nil {
		given := *sc.ScoreGiven
		score.ScoreGiven, score.ScoreMaximum = &given, &maxScore
	}
	return lineItem, ags.PostScore(ctx, lineItem, score)
}

// nextAttempt is exponential backoff with jitter (half fixed, half random),
// never earlier than the LMS's Retry-After.
func (w *Worker) nextAttempt(attempt int, retryAt time.Time) time.Time {
	d := w.cfg.BaseDelay
	for i := 1; i < attempt && d < w.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxDelay)
	d = d/2 + rand.N(d/2+1)
	next := w.db.Now().Add(d)
	if retryAt.After(next) {
		next = retryAt
	}
	return next
}

// describe says what a configuration failure means, keeping the LMS's words.
func describe(se *lti.ServiceError) string {
	msg := se.Message
	prefix := "The LMS refused the score"
	switch {
	case se.Op == "token":
		prefix = "The LMS refused ltibox an access token: check the client ID, the tool's public key (JWKS URL) and the token URL of this platform"
	case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
		prefix = "The LMS refused ltibox access to the gradebook: check that grades (AGS) are enabled for this tool"
	case se.Status == http.StatusNotFound:
		prefix = "The LMS gradebook column no longer exists"
	case se.Op == "lineitem" || se.Op == "lineitems" || se.Op == "create lineitem":
		prefix = "ltibox could not find or create the gradebook column"
	}
	if se.Status != 0 {
		return prefix + " (HTTP " + strconv.Itoa(se.Status) + "): " + msg
	}
	return prefix + ": " + msg
}
