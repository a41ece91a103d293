// Package controllers is Inkwell's HTTP layer: bind and validate input, call
// one domain function, render the result or the error.
package controllers

import (
	"log/slog"

	"inkwell/auth"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/posts"
	"inkwell/server"
)

// Services are what controllers call into. Beego creates a controller per
// request by reflection, so they reach these through one package variable
// set at start-up by Init.
type Services struct {
	Config     config.Config
	Log        *slog.Logger
	DB         *database.DB
	Migrations *schema.Runner
	// Auth validates bearer tokens for the /api/v1 filter and mints
	// development tokens when AUTH_DEV_LOGIN=true.
	Auth *auth.Authenticator
	// Posts holds the post, like and point rules and the post cache.
	Posts *posts.Service
	// Lifecycle makes /readyz fail once shutdown begins (nil: never).
	Lifecycle *server.Lifecycle
}

var services *Services

// Init hands the controllers their services; call it before serving.
func Init(s *Services) { services = s }
