// Package controllers is Inkwell's HTTP layer: bind and validate input, call
// one domain function, render the result or the error.
package controllers

import (
	"log/slog"

	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
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
	// Lifecycle makes /readyz fail once shutdown begins (nil: never).
	Lifecycle *server.Lifecycle
}

var services *Services

// Init hands the controllers their services; call it before serving.
func Init(s *Services) { services = s }
