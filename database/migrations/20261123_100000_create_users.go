package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateUsers_20261123_100000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateUsers_20261123_100000{}
	m.Created = "20261123_100000"
	migration.Register("CreateUsers_20261123_100000", m)
}

// Run the migrations
func (m *CreateUsers_20261123_100000) Up() {
	schema.BeeUp(&m.Migration, "CreateUsers_20261123_100000")
}

// Reverse the migrations
func (m *CreateUsers_20261123_100000) Down() {
	schema.BeeDown(&m.Migration, "CreateUsers_20261123_100000")
}
