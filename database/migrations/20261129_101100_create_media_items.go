package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateMediaItems_20261129_101100 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateMediaItems_20261129_101100{}
	m.Created = "20261129_101100"
	migration.Register("CreateMediaItems_20261129_101100", m)
}

// Run the migrations
func (m *CreateMediaItems_20261129_101100) Up() {
	schema.BeeUp(&m.Migration, "CreateMediaItems_20261129_101100")
}

// Reverse the migrations
func (m *CreateMediaItems_20261129_101100) Down() {
	schema.BeeDown(&m.Migration, "CreateMediaItems_20261129_101100")
}
