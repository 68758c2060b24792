package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ltibox/ltibox/server/model"
)

// defaultRosterMaxAge is how old a stored roster may get before opening the
// roster page refreshes it in the background.
const defaultRosterMaxAge = time.Hour

// rosterSession returns the launch if it may see the roster: instructors
// only, whatever the UI shows. ok is false when the launch carries no NRPS
// claim (the LMS has not enabled the roster for ltibox).
func rosterSession(c *fiber.Ctx) (sess *model.LaunchSession, src rosterSource, ok bool, err error) {
	sess = currentSession(c)
	if sess.Role != model.RoleInstructor {
		return nil, src, false, model.Errorf(model.EFORBIDDEN, "Only instructors can see the course roster.")
	}
	if sess.Context == nil {
		return nil, src, false, model.Errorf(model.EINVALID, "This launch did not come from a course, so there is no roster to show.")
	}
	if sess.Claims.NRPS == nil || sess.Claims.NRPS.ContextMembershipsURL == "" {
		return sess, src, false, nil
	}
	return sess, rosterSource{ContextID: sess.Context.ID, RegistrationID: sess.RegistrationID, MembershipsURL: sess.Claims.NRPS.ContextMembershipsURL}, true, nil
}

// errRosterNotEnabled is the refresh answer for a launch without NRPS.
var errRosterNotEnabled = model.Errorf(model.ECONFLICT, "The roster is not enabled for ltibox in your LMS. Ask your LMS administrator to turn on Names and Role Provisioning for this tool, then relaunch.")

// getRoster returns the stored roster of the launch's course. It starts a
// background refresh when the roster was never loaded or is older than the
// configured age, unless the last refresh failed (then the instructor sees
// why and refreshes by hand, instead of every poll hitting the LMS again).
func (s *Server) getRoster(c *fiber.Ctx) error {
	sess, src, enabled, err := rosterSession(c)
	if err != nil {
		return err
	}
	out := model.Roster{Enabled: enabled, Context: *sess.Context, Members: []model.RosterMember{}}
	if !enabled {
		return c.JSON(out)
	}
	ctx := c.UserContext()
	state, err := s.db.RosterState(ctx, src.ContextID)
	switch {
	case err == nil:
		synced := state.SyncedAt
		out.SyncedAt = &synced
	case model.ErrorCode(err) != model.ENOTFOUND:
		return err
	}
	out.Sync = s.rosters.status(src.ContextID)
	stale := out.SyncedAt == nil || s.tool.Config().Now().Sub(*out.SyncedAt) > s.cfg.RosterMaxAge
	if stale && !out.Sync.Running && out.Sync.Error == nil {
		out.Sync = s.rosters.start(src, false)
	}
	if out.SyncedAt != nil {
		if out.Members, err = s.db.RosterMembers(ctx, src.ContextID); err != nil {
			return err
		}
	}
	scores, err := s.db.RosterScores(ctx, src.ContextID)
	if err != nil {
		return err
	}
	out.GradedActivities = scores.Activities
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// refreshRoster starts a refresh (differences when offered; ?full=1 lists
// everyone) and answers 202 with its progress, which GET /roster/sync reports.
func (s *Server) refreshRoster(c *fiber.Ctx) error {
	_, src, enabled, err := rosterSession(c)
	if err != nil {
		return err
	}
	if !enabled {
		return errRosterNotEnabled
	}
	st := s.rosters.start(src, c.Query("full") == "1")
	return c.Status(fiber.StatusAccepted).JSON(st)
}

// getRosterSync reports the progress of the course's refresh, for polling.
func (s *Server) getRosterSync(c *fiber.Ctx) error {
	_, src, enabled, err := rosterSession(c)
	if err != nil {
		return err
	}
	if !enabled {
		return errRosterNotEnabled
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(s.rosters.status(src.ContextID))
}

// exportRoster sends every stored member as CSV (not just what the page
// shows), as a download.
func (s *Server) exportRoster(c *fiber.Ctx) error {
	sess, src, enabled, err := rosterSession(c)
	if err != nil {
		return err
	}
	if !enabled {
		return errRosterNotEnabled
	}
	members, err := s.db.RosterMembers(c.UserContext(), src.ContextID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeRosterCSV(&buf, members); err != nil {
		return fmt.Errorf("export roster: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+sess.Context.RosterFileName()+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// writeRosterCSV writes one header line and one line per member.
func writeRosterCSV(buf *bytes.Buffer, members []model.RosterMember) error {
	w := csv.NewWriter(buf)
	_ = w.Write([]string{"Name", "Given name", "Family name", "Email", "User ID", "Roles", "Status", "Left course", "Last launch", "Score", "Maximum", "Graded activities scored"})
	for _, m := range members {
		left, last := "", ""
		if m.LeftAt != nil {
			left = m.LeftAt.UTC().Format(time.RFC3339)
		}
		if m.LastLaunch != nil {
			last = m.LastLaunch.UTC().Format(time.RFC3339)
		}
		score, maximum := "", ""
		if m.Scores.Scored > 0 {
			score, maximum = strconv.FormatFloat(m.Scores.Points, 'f', -1, 64), strconv.FormatFloat(m.Scores.Maximum, 'f', -1, 64)
		}
		row := []string{m.Name, m.GivenName, m.FamilyName, m.Email, m.Subject, strings.Join(m.Roles, "; "), m.Status, left, last,
			score, maximum, fmt.Sprintf("%d of %d", m.Scores.Scored, m.Scores.Activities)}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = w.Write(row)
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula: names come
// from the LMS, so "=HYPERLINK(...)" must stay text (OWASP CSV injection).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
