package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePosts_20261123_110000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePosts_20261123_110000{}
	m.Created = "20261123_110000"
	migration.Register("CreatePosts_20261123_110000", m)
}

// Run the migrations
func (m *CreatePosts_20261123_110000) Up() {
	schema.BeeUp(&m.Migration, "CreatePosts_20261123_110000")
}

// Reverse the migrations
func (m *CreatePosts_20261123_110000) Down() {
	schema.BeeDown(&m.Migration, "CreatePosts_20261123_110000")
}
