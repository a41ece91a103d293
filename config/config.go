// Package config reads Inkwell's settings. The environment wins over
// conf/app.conf, which wins over the built-in defaults, so the binary runs
// with zero set-up and every deployment overrides only what it must.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"inkwell/ratelimit"
)

// Source answers a conf/app.conf key; web.AppConfig satisfies it in the
// server, a map satisfies it in tests.
type Source interface {
	String(key string) (string, error)
}

// MySQL is the connection the Beego models article builds from MYSQL_*.
type MySQL struct {
	User, Password, Host string
	Port                 int
	Database             string
	// ConnectTimeout, ReadTimeout and WriteTimeout bound each dial and
	// each network read or write (DB_CONNECT_TIMEOUT, DB_READ_TIMEOUT,
	// DB_WRITE_TIMEOUT); zero takes the command's default. They are what
	// bounds a query on a hung server wherever the context is not passed
	// down (Beego's raw queries ignore it).
	ConnectTimeout, ReadTimeout, WriteTimeout time.Duration
}

// Config is every setting of ARCHITECTURE.md's configuration contract.
type Config struct {
	RunMode         string
	HTTPPort        int
	DBDriver        string
	SQLitePath      string
	MySQL           MySQL
	GoogleClientIDs []string
	GoogleCertsURL  string
	AuthDevLogin    bool
	RedisURL        string
	// StorageURL and PublicBaseURL are read (PublicBaseURL validated) for
	// the planned media library and public pages; nothing uses them yet.
	StorageURL    string
	PublicBaseURL string
	// TrustedProxies lists the peer addresses (IPs or CIDRs) whose
	// X-Forwarded-* headers are believed; everyone else's are ignored.
	TrustedProxies []string
	// ShutdownTimeout bounds how long in-flight requests may finish after SIGTERM.
	ShutdownTimeout time.Duration
	// ShutdownDrainDelay is how long /readyz fails after SIGTERM before the
	// listener closes, so load balancers stop routing here first.
	ShutdownDrainDelay time.Duration
	// RequestTimeout is each request's deadline (REQUEST_TIMEOUT; 0: none):
	// past it, work waiting on the database gives up with 503.
	RequestTimeout time.Duration
	// MaxBodyBytes caps request bodies (docs/api.md: 1 MiB for JSON).
	MaxBodyBytes int64
	// MaxUploadBytes caps a media upload, the one route above MaxBodyBytes
	// (API.md: 20 MiB).
	MaxUploadBytes int64
	// MediaPublicBaseURL is where media objects are read publicly (a CDN,
	// or the bucket's address); empty: the app's /media/ route for a local
	// folder, the bucket's own address for S3.
	MediaPublicBaseURL string
	// CacheKeyPrefix namespaces this deployment's keys in a shared Redis.
	CacheKeyPrefix string
	// OutboundAllowCIDRs open otherwise blocked ranges (private, loopback,
	// …) to the outbound client, on any port: private deployments and tests.
	OutboundAllowCIDRs []netip.Prefix
	// MediaBackup is MEDIA_BACKUP: "off" (default) or "auto", which runs
	// the media backup worker in the server (docs/backup.md).
	MediaBackup string
	// MediaBackupInterval is MEDIA_BACKUP_INTERVAL (default 1m): how often
	// the worker looks for new posts and due copies.
	MediaBackupInterval time.Duration
	// MetricsAddr is the listener for Prometheus's /metrics, apart from
	// the public port; "" when METRICS_ADDR=off.
	MetricsAddr string
	// RateLimits are the request budgets (docs/operations.md); each is
	// RATE_LIMIT_<NAME>=RATE/PERIOD[+BURST] or off.
	RateLimits RateLimits
	// LiveSaveIdle and LiveSaveEveryOps say when live edits are written
	// into the post: after this long without ops, and every so many ops.
	LiveSaveIdle     time.Duration
	LiveSaveEveryOps int
}

// RateLimits holds every named limit. A zero Limit limits nothing (what a
// Config built in code without Load gets).
type RateLimits struct {
	// Writes is the default for every non-GET /api/v1 request, per user.
	Writes ratelimit.Limit
	// DevLogin is POST /auth/dev-login, per client address.
	DevLogin ratelimit.Limit
	// AuthFailures counts rejected bearer tokens, per client address.
	AuthFailures ratelimit.Limit
	// Comments, Votes, Uploads, Previews and LiveEdits replace Writes on
	// their routes (Previews also limits its GET), per user.
	Comments, Votes, Uploads, Previews, LiveEdits ratelimit.Limit
}

// DefaultRateLimits are API.md's "Operability" defaults (writes 60 per
// user per minute, development sign-in 10 per address per minute) and the
// per-action limits of the design notes; live edits are looser.
var DefaultRateLimits = map[string]string{
	"RATE_LIMIT_WRITES":        "60/1m",
	"RATE_LIMIT_DEV_LOGIN":     "10/1m",
	"RATE_LIMIT_AUTH_FAILURES": "20/1m",
	"RATE_LIMIT_COMMENTS":      "10/1m+5",
	"RATE_LIMIT_VOTES":         "120/1m",
	"RATE_LIMIT_UPLOADS":       "30/1h",
	"RATE_LIMIT_PREVIEWS":      "30/1m",
	"RATE_LIMIT_LIVE_EDITS":    "50/1s",
}

// ServeDBIOTimeout is the server's default DB_READ_TIMEOUT and
// DB_WRITE_TIMEOUT: no statement of a request should wait longer, and a
// hung database must turn into a 503 quickly.
const ServeDBIOTimeout = 5 * time.Second

// DefaultGoogleCertsURL is where Google publishes its RS256 signing keys.
const DefaultGoogleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// Load reads the configuration from the environment, then conf/app.conf
// (through src, which may be nil), then the defaults, and validates it.
func Load(src Source) (Config, error) {
	r := reader{src: src}
	cfg := Config{
		RunMode:    r.str("RUNMODE", "dev"),
		DBDriver:   r.str("DB_DRIVER", "sqlite"),
		SQLitePath: r.str("SQLITE_PATH", "data/inkwell.db"),
		MySQL: MySQL{
			User:     r.str("MYSQL_USER", ""),
			Password: r.str("MYSQL_PASSWORD", ""),
			Host:     r.str("MYSQL_HOST", ""),
			Database: r.str("MYSQL_DATABASE", ""),
		},
		GoogleClientIDs:    splitList(r.str("GOOGLE_CLIENT_ID", "")),
		GoogleCertsURL:     r.str("GOOGLE_CERTS_URL", DefaultGoogleCertsURL),
		RedisURL:           r.str("REDIS_URL", ""),
		StorageURL:         r.str("STORAGE_URL", "file://data/media"),
		PublicBaseURL:      strings.TrimRight(r.str("PUBLIC_BASE_URL", "http://localhost:8080"), "/"),
		TrustedProxies:     splitList(r.str("TRUSTED_PROXIES", "")),
		CacheKeyPrefix:     r.str("CACHE_KEY_PREFIX", "inkwell:"),
		MediaPublicBaseURL: strings.TrimRight(r.str("MEDIA_PUBLIC_BASE_URL", ""), "/"),
	}
	cfg.HTTPPort = r.integer("HTTP_PORT", 8080)
	cfg.MySQL.Port = r.integer("MYSQL_PORT", 3306)
	cfg.AuthDevLogin = r.boolean("AUTH_DEV_LOGIN", false)
	cfg.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 25*time.Second)
	cfg.ShutdownDrainDelay = r.duration("SHUTDOWN_DRAIN_DELAY", 0)
	cfg.MaxBodyBytes = int64(r.integer("MAX_BODY_BYTES", 1<<20))
	cfg.RequestTimeout = r.duration("REQUEST_TIMEOUT", 10*time.Second)
	cfg.MySQL.ConnectTimeout = r.duration("DB_CONNECT_TIMEOUT", 3*time.Second)
	// Unset (0): each command picks its own (serve: ServeDBIOTimeout;
	// migrate and import, whose statements may run long: MySQLDSN's 30 s).
	cfg.MySQL.ReadTimeout = r.duration("DB_READ_TIMEOUT", 0)
	cfg.MySQL.WriteTimeout = r.duration("DB_WRITE_TIMEOUT", 0)
	cfg.OutboundAllowCIDRs = r.cidrs("OUTBOUND_ALLOW_CIDRS")
	cfg.MaxUploadBytes = int64(r.integer("MAX_UPLOAD_BYTES", 20<<20))
	cfg.MediaBackup = strings.ToLower(r.str("MEDIA_BACKUP", "off"))
	cfg.MediaBackupInterval = r.duration("MEDIA_BACKUP_INTERVAL", time.Minute)
	cfg.LiveSaveIdle = r.duration("LIVE_SAVE_IDLE", 2*time.Second)
	cfg.LiveSaveEveryOps = r.integer("LIVE_SAVE_EVERY_OPS", 100)
	cfg.MetricsAddr = r.str("METRICS_ADDR", "127.0.0.1:9090")
	if cfg.MetricsAddr == "off" {
		cfg.MetricsAddr = ""
	} else if _, _, err := net.SplitHostPort(cfg.MetricsAddr); err != nil && r.err == nil {
		r.err = fmt.Errorf("METRICS_ADDR must be host:port (or off), got %q", cfg.MetricsAddr)
	}
	cfg.RateLimits = RateLimits{
		Writes:       r.limit("RATE_LIMIT_WRITES", "writes"),
		DevLogin:     r.limit("RATE_LIMIT_DEV_LOGIN", "dev_login"),
		AuthFailures: r.limit("RATE_LIMIT_AUTH_FAILURES", "auth_failures"),
		Comments:     r.limit("RATE_LIMIT_COMMENTS", "comments"),
		Votes:        r.limit("RATE_LIMIT_VOTES", "votes"),
		Uploads:      r.limit("RATE_LIMIT_UPLOADS", "uploads"),
		Previews:     r.limit("RATE_LIMIT_PREVIEWS", "previews"),
		LiveEdits:    r.limit("RATE_LIMIT_LIVE_EDITS", "live_edits"),
	}
	if r.err != nil {
		return Config{}, r.err
	}
	return cfg, cfg.Validate()
}

// Validate refuses settings the server must not start with.
func (c Config) Validate() error {
	switch c.RunMode {
	case "dev", "test", "prod":
	default:
		return fmt.Errorf("config: RUNMODE must be dev, test or prod, got %q", c.RunMode)
	}
	if c.HTTPPort < 1 || c.HTTPPort > 65535 {
		return fmt.Errorf("config: HTTP_PORT must be 1-65535, got %d", c.HTTPPort)
	}
	switch c.DBDriver {
	case "sqlite":
		if c.SQLitePath == "" {
			return fmt.Errorf("config: SQLITE_PATH must not be empty")
		}
	case "mysql":
		var missing []string
		for name, v := range map[string]string{"MYSQL_USER": c.MySQL.User, "MYSQL_HOST": c.MySQL.Host, "MYSQL_DATABASE": c.MySQL.Database} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("config: DB_DRIVER=mysql needs %s", strings.Join(slices.Sorted(slices.Values(missing)), ", "))
		}
	default:
		return fmt.Errorf("config: DB_DRIVER must be sqlite or mysql, got %q", c.DBDriver)
	}
	if _, err := url.ParseRequestURI(c.PublicBaseURL); err != nil {
		return fmt.Errorf("config: PUBLIC_BASE_URL is not a URL: %q", c.PublicBaseURL)
	}
	if c.RunMode == "prod" {
		if c.AuthDevLogin {
			return fmt.Errorf("config: AUTH_DEV_LOGIN=true is refused when RUNMODE=prod (it lets anyone sign in as anyone)")
		}
		if len(c.GoogleClientIDs) == 0 {
			return fmt.Errorf("config: GOOGLE_CLIENT_ID is required when RUNMODE=prod (the accepted token audience)")
		}
	}
	if c.ShutdownDrainDelay < 0 {
		return fmt.Errorf("config: SHUTDOWN_DRAIN_DELAY must not be negative, got %s", c.ShutdownDrainDelay)
	}
	if c.RequestTimeout < 0 || c.MySQL.ConnectTimeout < 0 || c.MySQL.ReadTimeout < 0 || c.MySQL.WriteTimeout < 0 {
		return fmt.Errorf("config: REQUEST_TIMEOUT and DB_*_TIMEOUT must not be negative")
	}
	if c.LiveSaveIdle <= 0 || c.LiveSaveEveryOps < 1 {
		return fmt.Errorf("config: LIVE_SAVE_IDLE and LIVE_SAVE_EVERY_OPS must be positive, got %s and %d", c.LiveSaveIdle, c.LiveSaveEveryOps)
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("config: MAX_BODY_BYTES must be at least 1024, got %d", c.MaxBodyBytes)
	}
	if c.MediaBackup != "off" && c.MediaBackup != "auto" {
		return fmt.Errorf("config: MEDIA_BACKUP must be off or auto, got %q", c.MediaBackup)
	}
	if c.MediaBackup == "auto" && c.MediaBackupInterval <= 0 {
		return fmt.Errorf("config: MEDIA_BACKUP_INTERVAL must be positive, got %s", c.MediaBackupInterval)
	}
	if c.MaxUploadBytes < 1024 {
		return fmt.Errorf("config: MAX_UPLOAD_BYTES must be at least 1024, got %d", c.MaxUploadBytes)
	}
	if c.MediaPublicBaseURL != "" {
		if u, err := url.Parse(c.MediaPublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: MEDIA_PUBLIC_BASE_URL must be an http(s) URL, got %q", c.MediaPublicBaseURL)
		}
	}
	return nil
}

// reader looks a name up in the environment, then in conf/app.conf under
// its lower-case form (DB_DRIVER → db_driver), then falls back.
type reader struct {
	src Source
	err error
}

func (r *reader) str(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return strings.TrimSpace(v)
	}
	if r.src != nil {
		if v, err := r.src.String(strings.ToLower(name)); err == nil && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return def
}

func (r *reader) integer(name string, def int) int {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("config: %s must be an integer, got %q", name, s)
	}
	return n
}

func (r *reader) boolean(name string, def bool) bool {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("config: %s must be true or false, got %q", name, s)
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("config: %s must be a duration such as 25s, got %q", name, s)
	}
	return d
}

// limit reads a rate limit named name from env (default DefaultRateLimits[env]).
func (r *reader) limit(env, name string) ratelimit.Limit {
	l, err := ratelimit.ParseLimit(name, r.str(env, DefaultRateLimits[env]))
	if err != nil {
		r.fail(fmt.Errorf("config: %s: %w", env, err))
	}
	return l
}

// cidrs reads comma-separated CIDRs; a bare address means just itself.
func (r *reader) cidrs(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range splitList(r.str(name, "")) {
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				r.fail(fmt.Errorf("config: %s must list CIDRs such as 10.0.0.0/8, got %q", name, part))
				continue
			}
			addr = addr.Unmap()
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil || p.Addr().Is4In6() {
			r.fail(fmt.Errorf("config: %s must list CIDRs such as 10.0.0.0/8, got %q", name, part))
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
