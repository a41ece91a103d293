package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateImportCheckpoints_20261123_130100 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateImportCheckpoints_20261123_130100{}
	m.Created = "20261123_130100"
	migration.Register("CreateImportCheckpoints_20261123_130100", m)
}

// Run the migrations
func (m *CreateImportCheckpoints_20261123_130100) Up() {
	schema.BeeUp(&m.Migration, "CreateImportCheckpoints_20261123_130100")
}

// Reverse the migrations
func (m *CreateImportCheckpoints_20261123_130100) Down() {
	schema.BeeDown(&m.Migration, "CreateImportCheckpoints_20261123_130100")
}
