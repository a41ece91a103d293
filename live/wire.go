package live

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/redis/go-redis/v9"

	"inkwell/cache"
)

// Options wire live co-editing for one replica.
type Options struct {
	// RedisURL shares the sessions between replicas; "" keeps them in
	// this process (one replica only, like the in-process cache).
	RedisURL string
	// KeyPrefix namespaces the keys and channels in a shared Redis.
	KeyPrefix string
	// DB decides who may edit; Loader starts sessions; Saver writes them
	// into the posts (posts.Service).
	DB     orm.QueryExecutor
	Loader Loader
	Saver  Saver
	// Tickets live in the shared cache, so any replica redeems them.
	Tickets cache.Cache
	// SaveIdle and SaveEveryOps: see NewPersister (zero: the defaults).
	SaveIdle     time.Duration
	SaveEveryOps int
	Limiter      Limiter
	Log          *slog.Logger
}

// Open builds the live service on Redis or in process. close releases the
// backend after Shutdown.
func Open(ctx context.Context, o Options) (s *Service, closeBackend func() error, err error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.SaveIdle <= 0 {
		o.SaveIdle = DefaultSaveIdle
	}
	if o.SaveEveryOps <= 0 {
		o.SaveEveryOps = DefaultSaveEveryOps
	}
	var backend Backend
	var bus presenceBus
	if o.RedisURL == "" {
		backend = NewMemory()
	} else {
		opts, err := redis.ParseURL(o.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("live: REDIS_URL: %w", err)
		}
		opts.DialTimeout = 2 * time.Second
		client := redis.NewClient(opts)
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := client.Ping(pctx).Err(); err != nil {
			_ = client.Close()
			return nil, nil, fmt.Errorf("live: redis does not answer: %w", err)
		}
		r := NewRedis(client, o.KeyPrefix, o.Log)
		backend, bus = r, r
		closeBackend = func() error { err := r.Close(); _ = client.Close(); return err }
	}
	if closeBackend == nil {
		closeBackend = backend.Close
	}
	seq := NewSequencer(backend, o.Loader)
	return &Service{
		bus: bus, replicaID: newReplicaID(),
		DB: o.DB, Seq: seq, Tickets: NewTickets(o.Tickets), Limiter: o.Limiter, Log: o.Log,
		Persister: NewPersister(seq, o.Saver, o.SaveIdle, o.SaveEveryOps, o.Log),
	}, closeBackend, nil
}
