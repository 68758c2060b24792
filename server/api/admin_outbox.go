package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// outboxStatus is GET /api/admin/outbox: how many scores are in each delivery
// state, and the ones not delivered yet (failed and retrying first to fix).
func (s *Server) outboxStatus(c *fiber.Ctx) error {
	counts, err := s.db.CountOutbox(c.UserContext())
	if err != nil {
		return err
	}
	items, err := s.db.OutboxItems(c.UserContext(), sqlite.OutboxFilter{
		States: []string{model.DeliveryFailed, model.DeliveryRetrying, model.DeliveryPending}, Limit: 500})
	if err != nil {
		return err
	}
	out := model.OutboxStatus{Counts: counts, Items: []model.OutboxItem{}}
	for _, it := range items {
		out.Items = append(out.Items, *it)
	}
	return c.JSON(out)
}

// outboxRetry is POST /api/admin/outbox/retry {"ids":[…]} (no ids: every
// failed, retrying and pending item): due now, with a fresh backoff. For named
// items it waits (up to Config.OutboxRetryWait) for the worker to send them and
// answers with them as they stand, so the console can say what the LMS said.
func (s *Server) outboxRetry(c *fiber.Ctx) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if len(c.Body()) > 0 {
		if err := c.BodyParser(&in); err != nil {
			return model.Errorf(model.EINVALID, "The request body is not valid JSON.")
		}
	}
	n, err := s.db.RequeueOutbox(c.UserContext(), sqlite.OutboxFilter{IDs: in.IDs})
	if err != nil {
		return err
	}
	s.notifyOutbox()
	out := model.OutboxRetry{Requeued: n}
	if len(in.IDs) > 0 && n > 0 && s.grades.outbox != nil {
		items, err := s.awaitOutbox(c.UserContext(), in.IDs)
		if err != nil {
			return err
		}
		out.Items = items
	}
	return c.JSON(out)
}

// awaitOutbox polls the named items until none is pending (the worker has
// tried each) or the wait is over, and returns them as they stand.
func (s *Server) awaitOutbox(ctx context.Context, ids []int64) ([]model.OutboxItem, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OutboxRetryWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		items, err := s.db.OutboxItems(context.WithoutCancel(ctx), sqlite.OutboxFilter{IDs: ids})
		if err != nil {
			return nil, err
		}
		waiting := false
		out := make([]model.OutboxItem, 0, len(items))
		for _, it := range items {
			waiting = waiting || it.Score.Delivery.State == model.DeliveryPending
			out = append(out, *it)
		}
		if !waiting {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, nil
		case <-tick.C:
		}
	}
}
