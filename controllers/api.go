package controllers

import "inkwell/apperror"

// APIController is embedded by every controller of an authenticated
// /api/v1 resource. The routers' filter admits only signed-in callers;
// Prepare refuses anyone else again so that a route mounted outside the
// filter by mistake fails closed instead of running as user 0.
type APIController struct {
	BaseController
}

// Prepare answers 401 and stops the request when no one is signed in.
func (c *APIController) Prepare() {
	if c.UserID() == 0 {
		c.RenderError(apperror.New(apperror.CodeUnauthorized, "sign in first: send Authorization: Bearer <Google ID token>"))
		c.StopRun()
	}
}
