package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateComments_20261129_094100 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateComments_20261129_094100{}
	m.Created = "20261129_094100"
	migration.Register("CreateComments_20261129_094100", m)
}

// Run the migrations
func (m *CreateComments_20261129_094100) Up() {
	schema.BeeUp(&m.Migration, "CreateComments_20261129_094100")
}

// Reverse the migrations
func (m *CreateComments_20261129_094100) Down() {
	schema.BeeDown(&m.Migration, "CreateComments_20261129_094100")
}
