package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ltibox/ltibox/server/model"
)

const activityColumns = `id, title, instructions, graded, score_maximum, tag, start_at, end_at, COALESCE(context_id, 0), archived, created_at, updated_at`

func scanActivity(row interface{ Scan(...any) error }) (*model.Activity, error) {
	var (
		a                model.Activity
		start, end       sql.NullInt64
		created, updated int64
	)
	if err := row.Scan(&a.ID, &a.Title, &a.Instructions, &a.Graded, &a.ScoreMaximum, &a.Tag, &start, &end, &a.ContextID, &a.Archived, &created, &updated); err != nil {
		return nil, err
	}
	a.StartAt, a.EndAt = unixPtr(start), unixPtr(end)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &a, nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func nullUnix(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// validateActivity is the one place activity rules live.
func validateActivity(a *model.Activity) error {
	a.Title = strings.TrimSpace(a.Title)
	switch {
	case a.Title == "":
		return model.Errorf(model.EINVALID, "An activity needs a title.")
	case len(a.Title) > 200:
		return model.Errorf(model.EINVALID, "The title is longer than 200 characters.")
	case len(a.Instructions) > 100_000:
		return model.Errorf(model.EINVALID, "The instructions are longer than 100,000 characters.")
	case a.Graded && !(a.ScoreMaximum > 0 && a.ScoreMaximum <= model.ScoreMaximumLimit):
		return model.Errorf(model.EINVALID, "A graded activity needs a maximum score above 0 and at most %s.", model.GroupDigits(model.ScoreMaximumLimit))
	case a.StartAt != nil && a.EndAt != nil && a.EndAt.Before(*a.StartAt):
		return model.Errorf(model.EINVALID, "The end date is before the start date.")
	}
	if !a.Graded {
		a.ScoreMaximum = 0
	}
	return nil
}

// CreateActivity stores a new activity.
func (db *DB) CreateActivity(ctx context.Context, a *model.Activity) error {
	if err := validateActivity(a); err != nil {
		return err
	}
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO activities (title, instructions, graded, score_maximum, tag, start_at, end_at, context_id, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Title, a.Instructions, a.Graded, a.ScoreMaximum, a.Tag, nullUnix(a.StartAt), nullUnix(a.EndAt), nullID(a.ContextID), a.Archived, now.Unix(), now.Unix())
		if err != nil {
			return err
		}
		a.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("create activity: %w", err)
	}
	a.CreatedAt, a.UpdatedAt = now.Truncate(time.Second), now.Truncate(time.Second)
	return nil
}

// UpdateActivity replaces an activity's editable fields (owner excluded).
func (db *DB) UpdateActivity(ctx context.Context, a *model.Activity) error {
	if err := validateActivity(a); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE activities SET title = ?, instructions = ?, graded = ?, score_maximum = ?, tag = ?, start_at = ?, end_at = ?, archived = ?, updated_at = ? WHERE id = ?`,
			a.Title, a.Instructions, a.Graded, a.ScoreMaximum, a.Tag, nullUnix(a.StartAt), nullUnix(a.EndAt), a.Archived, db.now().Unix(), a.ID)
		if err != nil {
			return fmt.Errorf("update activity: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Activity")
		}
		return nil
	})
}

// Activity returns one activity.
func (db *DB) Activity(ctx context.Context, id int64) (*model.Activity, error) {
	a, err := scanActivity(db.db.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Activity")
	} else if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	return a, nil
}

// Activities lists activities matching f, library first, then by title.
func (db *DB) Activities(ctx context.Context, f model.ActivityFilter) ([]*model.Activity, error) {
	where := []string{}
	args := []any{}
	owners := []string{}
	if f.ContextID != 0 {
		owners = append(owners, "context_id = ?")
		args = append(args, f.ContextID)
	}
	if f.Library {
		owners = append(owners, "context_id IS NULL")
	}
	if len(owners) == 0 {
		return []*model.Activity{}, nil
	}
	where = append(where, "("+strings.Join(owners, " OR ")+")")
	if !f.IncludeArchived {
		where = append(where, "archived = 0")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
		where = append(where, `(lower(title) LIKE ? ESCAPE '\' OR lower(instructions) LIKE ? ESCAPE '\' OR lower(tag) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if f.Graded != nil {
		where = append(where, "graded = ?")
		args = append(args, *f.Graded)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE `+strings.Join(where, " AND ")+` ORDER BY context_id IS NOT NULL, lower(title), id`, args...)
	if err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	defer rows.Close()
	out := []*model.Activity{}
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SeedActivities adds the two example activities to an empty library on first
// start: an ungraded reading that shows the course roster ("Resource 1") and a
// graded self-assessment with a score slider ("Resource 2"). It does nothing
// once any activity exists, so deleting them is final.
func (db *DB) SeedActivities(ctx context.Context) error {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM activities`).Scan(&n); err != nil {
		return fmt.Errorf("seed activities: %w", err)
	}
	if n > 0 {
		return nil
	}
	for _, a := range []*model.Activity{
		{Title: "Welcome reading: meet your class", Tag: "example",
			Instructions: "# Welcome\n\nRead this short introduction, then look at **who is in your class**.\n\nInstructors see the course roster here, straight from the LMS."},
		{Title: "Self-assessment: how confident are you?", Tag: "example", Graded: true, ScoreMaximum: 10,
			Instructions: "# Self-assessment\n\nMove the slider to show how confident you feel about this week's topic, from 0 to 10, then press **Submit score**.\n\nYour score is saved when you press **Submit score**; the line under the slider says whether it goes to the course gradebook."},
	} {
		if err := db.CreateActivity(ctx, a); err != nil {
			return fmt.Errorf("seed activities: %w", err)
		}
	}
	return nil
}

// UpsertResourceLink records a resource link; a non-zero ActivityID or LineItemURL
// replaces the stored one, zero values keep what is stored.
func (db *DB) UpsertResourceLink(ctx context.Context, rl *model.ResourceLink) error {
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.upsertResourceLinkTx(ctx, tx, rl) })
	if err != nil {
		return fmt.Errorf("upsert resource link: %w", err)
	}
	return nil
}

// linkRefresh is how old a resource link's updated_at may grow before an
// unchanged relaunch rewrites it (nobody reads it to the minute).
const linkRefresh = 3600

// upsertResourceLinkTx reads the link first and writes only when it is new,
// when something changes, or when updated_at is an hour old: most launches
// open a link they opened before and write nothing for it. A non-zero
// ContextID or ActivityID and a non-empty Title or LineItemURL replace the
// stored ones; zero values keep them. rl gets the stored result.
func (db *DB) upsertResourceLinkTx(ctx context.Context, tx txn, rl *model.ResourceLink) error {
	now := db.now()
	var (
		id, contextID, activityID, updated int64
		title, lineItem                    string
	)
	err := db.txQueryRow(ctx, tx, `SELECT id, COALESCE(context_id, 0), title, COALESCE(activity_id, 0), line_item_url, updated_at
		FROM resource_links WHERE registration_id = ? AND deployment_id = ? AND resource_link_id = ?`,
		rl.RegistrationID, rl.DeploymentID, rl.ResourceLinkID).Scan(&id, &contextID, &title, &activityID, &lineItem, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.txQueryRow(ctx, tx, `INSERT INTO resource_links (registration_id, deployment_id, context_id, resource_link_id, title, activity_id, line_item_url, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			rl.RegistrationID, rl.DeploymentID, nullID(rl.ContextID), rl.ResourceLinkID, rl.Title, nullID(rl.ActivityID), rl.LineItemURL, now.Unix()).Scan(&rl.ID)
		if err != nil {
			return err
		}
		rl.UpdatedAt = now.Truncate(time.Second)
		return nil
	} else if err != nil {
		return err
	}
	merged := func(incoming, stored int64) int64 {
		if incoming != 0 {
			return incoming
		}
		return stored
	}
	mergedText := func(incoming, stored string) string {
		if incoming != "" {
			return incoming
		}
		return stored
	}
	newContext, newActivity := merged(rl.ContextID, contextID), merged(rl.ActivityID, activityID)
	newTitle, newLineItem := mergedText(rl.Title, title), mergedText(rl.LineItemURL, lineItem)
	rl.ID, rl.ActivityID, rl.Title, rl.LineItemURL = id, newActivity, newTitle, newLineItem
	if newContext == contextID && newActivity == activityID && newTitle == title && newLineItem == lineItem && updated >= now.Unix()-linkRefresh {
		rl.UpdatedAt = time.Unix(updated, 0).UTC()
		return nil
	}
	st, err := db.txStmt(ctx, tx, `UPDATE resource_links SET context_id = ?, title = ?, activity_id = ?, line_item_url = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, nullID(newContext), newTitle, nullID(newActivity), newLineItem, now.Unix(), id); err != nil {
		return err
	}
	rl.UpdatedAt = now.Truncate(time.Second)
	return nil
}

// ResourceLinkOf returns the stored resource link of a launch.
func (db *DB) ResourceLinkOf(ctx context.Context, registrationID int64, deploymentID, resourceLinkID string) (*model.ResourceLink, error) {
	var rl model.ResourceLink
	var updated int64
	err := db.db.QueryRowContext(ctx, `SELECT id, registration_id, deployment_id, COALESCE(context_id, 0), resource_link_id, title, COALESCE(activity_id, 0), line_item_url, updated_at
		FROM resource_links WHERE registration_id = ? AND deployment_id = ? AND resource_link_id = ?`, registrationID, deploymentID, resourceLinkID).
		Scan(&rl.ID, &rl.RegistrationID, &rl.DeploymentID, &rl.ContextID, &rl.ResourceLinkID, &rl.Title, &rl.ActivityID, &rl.LineItemURL, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Resource link")
	} else if err != nil {
		return nil, fmt.Errorf("resource link: %w", err)
	}
	rl.UpdatedAt = time.Unix(updated, 0).UTC()
	return &rl, nil
}
