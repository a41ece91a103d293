package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateExternalMedia_20261129_151200 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateExternalMedia_20261129_151200{}
	m.Created = "20261129_151200"
	migration.Register("CreateExternalMedia_20261129_151200", m)
}

// Run the migrations
func (m *CreateExternalMedia_20261129_151200) Up() {
	schema.BeeUp(&m.Migration, "CreateExternalMedia_20261129_151200")
}

// Reverse the migrations
func (m *CreateExternalMedia_20261129_151200) Down() {
	schema.BeeDown(&m.Migration, "CreateExternalMedia_20261129_151200")
}
