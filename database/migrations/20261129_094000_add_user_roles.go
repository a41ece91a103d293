package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type AddUserRoles_20261129_094000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &AddUserRoles_20261129_094000{}
	m.Created = "20261129_094000"
	migration.Register("AddUserRoles_20261129_094000", m)
}

// Run the migrations
func (m *AddUserRoles_20261129_094000) Up() {
	schema.BeeUp(&m.Migration, "AddUserRoles_20261129_094000")
}

// Reverse the migrations
func (m *AddUserRoles_20261129_094000) Down() {
	schema.BeeDown(&m.Migration, "AddUserRoles_20261129_094000")
}
