package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateImportRejections_20261129_093000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateImportRejections_20261129_093000{}
	m.Created = "20261129_093000"
	migration.Register("CreateImportRejections_20261129_093000", m)
}

// Run the migrations
func (m *CreateImportRejections_20261129_093000) Up() {
	schema.BeeUp(&m.Migration, "CreateImportRejections_20261129_093000")
}

// Reverse the migrations
func (m *CreateImportRejections_20261129_093000) Down() {
	schema.BeeDown(&m.Migration, "CreateImportRejections_20261129_093000")
}
