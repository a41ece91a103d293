// What writers that store posts in bulk (the importer) use from the post
// rules instead of Create: the same validation, and cache retirement.

package posts

import "context"

// CheckCreate validates in by the rules of Create without storing anything,
// for writers that store posts in bulk (the importer): it returns the
// trimmed title, the tags without repeats and the status (draft when empty),
// or the same validation error Create would.
func CheckCreate(in CreateInput) (title string, tags []string, status string, err error) {
	v, err := in.validate()
	if err != nil {
		return "", nil, "", err
	}
	return v.title, v.tags, v.status, nil
}

// InvalidatePosts retires the cached copies of posts changed outside the
// Service (the importer's bulk upserts), after their transaction committed.
func (s *Service) InvalidatePosts(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if err := s.cache.invalidate(ctx, id); err != nil {
			return err
		}
		// A bulk upsert may have changed the post's status.
		if err := s.visibilityChanged(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
