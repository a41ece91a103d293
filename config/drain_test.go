package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_ShutdownDrainDelay(t *testing.T) {
	tests := []struct {
		env     string
		set     bool
		want    time.Duration
		wantErr string
	}{
		{set: false, want: 0},
		{env: "5s", set: true, want: 5 * time.Second},
		{env: "soon", set: true, wantErr: "SHUTDOWN_DRAIN_DELAY must be a duration"},
		{env: "-1s", set: true, wantErr: "SHUTDOWN_DRAIN_DELAY must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			if tt.set {
				t.Setenv("SHUTDOWN_DRAIN_DELAY", tt.env)
			}
			cfg, err := Load(nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.ShutdownDrainDelay)
		})
	}
}
