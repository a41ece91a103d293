package media

import (
	"context"
	"log/slog"

	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/storage"
)

// Open builds the library on db from the configuration: the bucket STORAGE_URL
// names, public URLs per MEDIA_PUBLIC_BASE_URL, uploads capped at
// MAX_UPLOAD_BYTES. The caller closes the returned bucket.
func Open(ctx context.Context, cfg config.Config, db *database.DB, c cache.Cache, log *slog.Logger) (*Service, *storage.Bucket, error) {
	b, err := storage.Open(ctx, cfg.StorageURL)
	if err != nil {
		return nil, nil, err
	}
	return NewService(db, b, c, Options{
		PublicBase:     PublicBase(b, cfg.MediaPublicBaseURL, cfg.PublicBaseURL),
		MaxUploadBytes: cfg.MaxUploadBytes,
		Log:            log,
	}), b, nil
}
