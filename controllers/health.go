package controllers

import (
	"context"
	"net/http"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/server"
)

// HealthController answers the probes of load balancers and Kubernetes.
type HealthController struct {
	BaseController
	// DB is pinged by /readyz.
	DB *database.DB
	// Migrations says whether the schema is current.
	Migrations *schema.Runner
	// Lifecycle makes /readyz fail once shutdown begins (nil: never).
	Lifecycle *server.Lifecycle
}

// Healthz says the process is serving.
// @Title Liveness
// @Description 200 while the process serves; no dependency is checked.
// @Success 200 {object} controllers.HealthStatus
// @router /healthz [get]
func (c *HealthController) Healthz() {
	c.RenderJSON(http.StatusOK, HealthStatus{Status: "ok"})
}

// Readyz says the database answers and its schema is current.
// @Title Readiness
// @Description 200 when the database answers and no migration is pending, else 503 (also while shutting down).
// @Success 200 {object} controllers.HealthStatus
// @Failure 503 {object} controllers.ErrorBody
// @router /readyz [get]
func (c *HealthController) Readyz() {
	if c.Lifecycle.Draining() {
		c.RenderError(apperror.Unavailable("shutting down: this replica takes no new traffic", nil))
		return
	}
	ctx, cancel := context.WithTimeout(c.Ctx.Request.Context(), 2*time.Second)
	defer cancel()
	if err := c.DB.SQL.PingContext(ctx); err != nil {
		c.RenderError(apperror.Unavailable("the database does not answer", err))
		return
	}
	pending, err := c.Migrations.Pending(ctx)
	if err != nil {
		c.RenderError(apperror.Unavailable("the migration history cannot be read", err))
		return
	}
	if pending > 0 {
		c.RenderError(apperror.Unavailable("the database schema is not current: migrations pending; run `inkwell migrate up`", nil))
		return
	}
	c.RenderJSON(http.StatusOK, HealthStatus{Status: "ok"})
}

// HealthStatus is the body of a passing probe.
type HealthStatus struct {
	Status string `json:"status"`
}
