package api

import (
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
// failed, retrying and pending item): due now, with a fresh backoff.
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
	return c.JSON(fiber.Map{"requeued": n})
}
