package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// registerLimitMax is the default of Config.RegisterPerMinute: an LMS admin
// needs two requests (start, finish) per attempt.
const registerLimitMax = 20

// registerLimiter rate-limits /lti/register per client address. Every start
// makes ltibox fetch the openid-configuration URL it is given, so without a
// limit anyone could make ltibox send requests on their behalf at will.
func (s *Server) registerLimiter() fiber.Handler {
	limit := s.cfg.RegisterPerMinute
	if limit <= 0 {
		limit = registerLimitMax
	}
	return limiter.New(limiter.Config{
		Max:        limit,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			s.log.Warn("dynamic registration rate limit", "ip", c.IP())
			return s.renderError(c, fiber.StatusTooManyRequests, errorPage{Title: "Too many registration attempts",
				Message: "ltibox received too many registration requests from your network in the last minute.",
				Hint:    "Wait a minute, then start the registration again from your LMS.", Code: "register.rate_limited"})
		},
	})
}
