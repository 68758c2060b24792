package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ltibox/ltibox/server/model"
)

// DuplicateActivity copies activity id into the course contextID (0: the
// tool-wide library) as a new, unarchived activity titled "Copy of …". It is
// how an instructor adapts a library activity without changing it for every
// course.
func (db *DB) DuplicateActivity(ctx context.Context, id, contextID int64) (*model.Activity, error) {
	src, err := db.Activity(ctx, id)
	if err != nil {
		return nil, err
	}
	cp := *src
	cp.ID, cp.ContextID, cp.Archived = 0, contextID, false
	cp.Title = "Copy of " + src.Title
	if len(cp.Title) > 200 {
		cp.Title = cp.Title[:200]
	}
	if err := db.CreateActivity(ctx, &cp); err != nil {
		return nil, fmt.Errorf("duplicate activity: %w", err)
	}
	return &cp, nil
}

// SetActivityArchived archives (hides from pickers) or restores an activity.
// Links already placed in courses keep opening it: archiving is not deleting.
func (db *DB) SetActivityArchived(ctx context.Context, id int64, archived bool) (*model.Activity, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE activities SET archived = ?, updated_at = ? WHERE id = ?`, archived, db.now().Unix(), id)
		if err != nil {
			return fmt.Errorf("archive activity: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Activity")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Activity(ctx, id)
}

// ActivityOfLink returns the activity a resource link opens; ENOTFOUND when
// the link is unknown or not set up yet.
func (db *DB) ActivityOfLink(ctx context.Context, registrationID int64, deploymentID, resourceLinkID string) (*model.Activity, *model.ResourceLink, error) {
	rl, err := db.ResourceLinkOf(ctx, registrationID, deploymentID, resourceLinkID)
	if err != nil {
		return nil, nil, err
	}
	if rl.ActivityID == 0 {
		return nil, rl, notFound("Activity of this link")
	}
	a, err := db.Activity(ctx, rl.ActivityID)
	if err != nil {
		return nil, rl, err
	}
	return a, rl, nil
}
