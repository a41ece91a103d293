package models

import (
	"context"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// InsertPointAward records that actor did reason to subject for userID's
// benefit and reports whether this is the first time ever; a second time
// is left alone (the primary key decides, so concurrent repeats cannot both
// count).
func InsertPointAward(ctx context.Context, q orm.QueryExecutor, reason string, subjectID, actorID, userID int64, at time.Time) (bool, error) {
	query := "INSERT INTO point_awards (reason, subject_id, actor_id, user_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (reason, subject_id, actor_id) DO NOTHING"
	if isMySQL(q) {
		// Affected rows is 0 when the duplicate row is left unchanged.
		query = "INSERT INTO point_awards (reason, subject_id, actor_id, user_id, created_at) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE actor_id = actor_id"
	}
	res, err := q.RawWithCtx(ctx, query, reason, subjectID, actorID, userID, dbTime(at)).Exec()
	if err != nil {
		return false, fmt.Errorf("points: record %s of %d by %d: %w", reason, subjectID, actorID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("points: record %s of %d by %d: rows affected: %w", reason, subjectID, actorID, err)
	}
	return n == 1, nil
}

// AddPointsOfDay adds amount to what userID was minted in category on day
// ("YYYY-MM-DD", UTC) if the total stays at most limit, and reports whether
// it did. One statement: the row is created or moved under its own lock, so
// concurrent callers can never together pass the limit.
func AddPointsOfDay(ctx context.Context, q orm.QueryExecutor, userID int64, day, category string, amount, limit int64) (bool, error) {
	if amount > limit {
		return false, nil
	}
	query := `INSERT INTO point_days (user_id, day, category, minted) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, day, category) DO UPDATE SET minted = minted + excluded.minted
		WHERE minted + excluded.minted <= ?`
	if isMySQL(q) {
		// Affected rows: 1 inserted, 2 updated, 0 left as it was (past the limit).
		query = `INSERT INTO point_days (user_id, day, category, minted) VALUES (?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE minted = IF(minted + VALUES(minted) <= ?, minted + VALUES(minted), minted)`
	}
	res, err := q.RawWithCtx(ctx, query, userID, day, category, amount, limit).Exec()
	if err != nil {
		return false, fmt.Errorf("points: add %d %s points of %s to user %d: %w", amount, category, day, userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("points: add %d %s points of %s to user %d: rows affected: %w", amount, category, day, userID, err)
	}
	return n > 0, nil
}

// PointsOfDay is what userID was minted in category on day.
func PointsOfDay(ctx context.Context, q orm.QueryExecutor, userID int64, day, category string) (int64, error) {
	var n int64
	err := q.RawWithCtx(ctx, "SELECT COALESCE(SUM(minted), 0) FROM point_days WHERE user_id = ? AND day = ? AND category = ?",
		userID, day, category).QueryRow(&n)
	if err != nil {
		return 0, fmt.Errorf("points: %s points of user %d on %s: %w", category, userID, day, err)
	}
	return n, nil
}
