package config_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/config"
	"inkwell/ratelimit"
)

type appConf map[string]string

func (a appConf) String(key string) (string, error) {
	if v, ok := a[key]; ok {
		return v, nil
	}
	return "", errors.New("no key")
}

// Every variable of ARCHITECTURE.md, so a test can clear them all.
var allVars = []string{"RUNMODE", "HTTP_PORT", "DB_DRIVER", "SQLITE_PATH", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_HOST",
	"MYSQL_PORT", "MYSQL_DATABASE", "GOOGLE_CLIENT_ID", "GOOGLE_CERTS_URL", "AUTH_DEV_LOGIN", "REDIS_URL", "STORAGE_URL",
	"PUBLIC_BASE_URL", "TRUSTED_PROXIES", "SHUTDOWN_TIMEOUT", "MAX_BODY_BYTES", "OUTBOUND_ALLOW_CIDRS",
	"MAX_UPLOAD_BYTES", "MEDIA_PUBLIC_BASE_URL", "METRICS_ADDR",
	"RATE_LIMIT_WRITES", "RATE_LIMIT_DEV_LOGIN", "RATE_LIMIT_AUTH_FAILURES", "RATE_LIMIT_COMMENTS", "RATE_LIMIT_VOTES",
	"RATE_LIMIT_UPLOADS", "RATE_LIMIT_PREVIEWS", "RATE_LIMIT_LIVE_EDITS",
	"REQUEST_TIMEOUT", "DB_CONNECT_TIMEOUT", "DB_READ_TIMEOUT", "DB_WRITE_TIMEOUT"}

func clearEnv(t *testing.T) {
	for _, v := range allVars {
		t.Setenv(v, "")
	}
	// t.Setenv("", …) would still count as set; unset for real.
	for _, v := range allVars {
		unsetenv(t, v)
	}
}

func TestLoad_DefaultsMatchTheArchitecture(t *testing.T) {
	clearEnv(t)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, "dev", cfg.RunMode)
	assert.Equal(t, 8080, cfg.HTTPPort)
	assert.Equal(t, "sqlite", cfg.DBDriver)
	assert.Equal(t, "data/inkwell.db", cfg.SQLitePath)
	assert.Equal(t, 3306, cfg.MySQL.Port)
	assert.Equal(t, "https://www.googleapis.com/oauth2/v3/certs", cfg.GoogleCertsURL)
	assert.False(t, cfg.AuthDevLogin)
	assert.Empty(t, cfg.RedisURL)
	assert.Equal(t, "file://data/media", cfg.StorageURL)
	assert.Equal(t, "http://localhost:8080", cfg.PublicBaseURL)
	assert.Equal(t, 25*time.Second, cfg.ShutdownTimeout)
	assert.Equal(t, int64(1<<20), cfg.MaxBodyBytes)
	assert.Equal(t, int64(20<<20), cfg.MaxUploadBytes)
	assert.Empty(t, cfg.MediaPublicBaseURL)
}

func TestLoad_EnvironmentWinsOverAppConf(t *testing.T) {
	clearEnv(t)
	conf := appConf{"http_port": "9000", "db_driver": "mysql", "mysql_host": "db", "mysql_user": "u", "mysql_database": "d", "sqlite_path": "x.db"}
	cfg, err := config.Load(conf)
	require.NoError(t, err)
	assert.Equal(t, 9000, cfg.HTTPPort, "app.conf beats the default")
	assert.Equal(t, "mysql", cfg.DBDriver)

	t.Setenv("HTTP_PORT", "9100")
	t.Setenv("DB_DRIVER", "sqlite")
	t.Setenv("GOOGLE_CLIENT_ID", " a.apps , b.apps ,")
	cfg, err = config.Load(conf)
	require.NoError(t, err)
	assert.Equal(t, 9100, cfg.HTTPPort, "the environment beats app.conf")
	assert.Equal(t, "sqlite", cfg.DBDriver)
	assert.Equal(t, "x.db", cfg.SQLitePath)
	assert.Equal(t, []string{"a.apps", "b.apps"}, cfg.GoogleClientIDs)
}

func TestLoad_RefusesBadSettingsWithOneClearMessage(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown driver", map[string]string{"DB_DRIVER": "postgres"}, `DB_DRIVER must be sqlite or mysql, got "postgres"`},
		{"mysql without host", map[string]string{"DB_DRIVER": "mysql", "MYSQL_USER": "u", "MYSQL_DATABASE": "d"}, "DB_DRIVER=mysql needs MYSQL_HOST"},
		{"port not a number", map[string]string{"HTTP_PORT": "eighty"}, `HTTP_PORT must be an integer, got "eighty"`},
		{"port out of range", map[string]string{"HTTP_PORT": "70000"}, "HTTP_PORT must be 1-65535"},
		{"bad run mode", map[string]string{"RUNMODE": "staging"}, `RUNMODE must be dev, test or prod, got "staging"`},
		{"bad bool", map[string]string{"AUTH_DEV_LOGIN": "yes please"}, "AUTH_DEV_LOGIN must be true or false"},
		{"bad duration", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT must be a duration"},
		{"prod with dev login", map[string]string{"RUNMODE": "prod", "GOOGLE_CLIENT_ID": "x", "AUTH_DEV_LOGIN": "true"}, "AUTH_DEV_LOGIN=true is refused when RUNMODE=prod"},
		{"prod without client id", map[string]string{"RUNMODE": "prod"}, "GOOGLE_CLIENT_ID is required when RUNMODE=prod"},
		{"allow list not a CIDR", map[string]string{"OUTBOUND_ALLOW_CIDRS": "10.0.0.0/8, intranet"}, `OUTBOUND_ALLOW_CIDRS must list CIDRs such as 10.0.0.0/8, got "intranet"`},
		{"allow list bad mask", map[string]string{"OUTBOUND_ALLOW_CIDRS": "10.0.0.0/33"}, `got "10.0.0.0/33"`},
		{"metrics address without a port", map[string]string{"METRICS_ADDR": "127.0.0.1"}, `METRICS_ADDR must be host:port (or off), got "127.0.0.1"`},
		{"allow list mapped v4", map[string]string{"OUTBOUND_ALLOW_CIDRS": "::ffff:10.0.0.0/104"}, `got "::ffff:10.0.0.0/104"`},
		{"tiny upload limit", map[string]string{"MAX_UPLOAD_BYTES": "10"}, "MAX_UPLOAD_BYTES must be at least 1024"},
		{"media base not a URL", map[string]string{"MEDIA_PUBLIC_BASE_URL": "cdn.example.com"}, "MEDIA_PUBLIC_BASE_URL must be an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := config.Load(nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoad_ProdStartsWithAClientIDAndNoDevLogin(t *testing.T) {
	clearEnv(t)
	t.Setenv("RUNMODE", "prod")
	t.Setenv("GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, "prod", cfg.RunMode)
}

func TestLoad_OutboundAllowCIDRs_EmptyByDefaultAndParsedWhenSet(t *testing.T) {
	clearEnv(t)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	assert.Empty(t, cfg.OutboundAllowCIDRs, "nothing private is reachable unless listed")

	t.Setenv("OUTBOUND_ALLOW_CIDRS", " 127.0.0.2 , 10.1.2.3/8,fd00::/8 ,")
	cfg, err = config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("127.0.0.2/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}, cfg.OutboundAllowCIDRs)
}

func TestLoad_RateLimitsDefaultToAPIOperabilityAndAreConfigurable(t *testing.T) {
	clearEnv(t)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	l := cfg.RateLimits
	assert.Equal(t, ratelimit.Limit{Name: "writes", Rate: 60, Period: time.Minute}, l.Writes, "API.md: writes 60 per user per minute")
	assert.Equal(t, ratelimit.Limit{Name: "dev_login", Rate: 10, Period: time.Minute}, l.DevLogin, "API.md: dev sign-in 10 per IP per minute")
	assert.Equal(t, "20/1m", l.AuthFailures.String())
	assert.Equal(t, "10/1m+5", l.Comments.String())
	assert.Equal(t, "120/1m", l.Votes.String())
	assert.Equal(t, "30/1h", l.Uploads.String())
	assert.Equal(t, "30/1m", l.Previews.String())
	assert.Greater(t, float64(l.LiveEdits.Rate)/l.LiveEdits.Period.Seconds(), float64(l.Writes.Rate)/l.Writes.Period.Seconds(),
		"API.md: live-editing ops are limited more loosely")

	t.Setenv("RATE_LIMIT_WRITES", "5/10s+2")
	t.Setenv("RATE_LIMIT_DEV_LOGIN", "off")
	cfg, err = config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, ratelimit.Limit{Name: "writes", Rate: 5, Period: 10 * time.Second, Burst: 2}, cfg.RateLimits.Writes)
	assert.True(t, cfg.RateLimits.DevLogin.Off())

	t.Setenv("RATE_LIMIT_WRITES", "lots")
	_, err = config.Load(nil)
	assert.ErrorContains(t, err, "RATE_LIMIT_WRITES")
}

func TestLoad_RequestAndDatabaseTimeouts(t *testing.T) {
	clearEnv(t)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, cfg.RequestTimeout)
	assert.Equal(t, 3*time.Second, cfg.MySQL.ConnectTimeout)
	assert.Zero(t, cfg.MySQL.ReadTimeout, "each command picks its own unless set")
	t.Setenv("DB_READ_TIMEOUT", "7s")
	t.Setenv("REQUEST_TIMEOUT", "0")
	cfg, err = config.Load(nil)
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, cfg.MySQL.ReadTimeout)
	assert.Zero(t, cfg.RequestTimeout)
}
