package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreateLedger_20261123_120000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreateLedger_20261123_120000{}
	m.Created = "20261123_120000"
	migration.Register("CreateLedger_20261123_120000", m)
}

// Run the migrations
func (m *CreateLedger_20261123_120000) Up() {
	schema.BeeUp(&m.Migration, "CreateLedger_20261123_120000")
}

// Reverse the migrations
func (m *CreateLedger_20261123_120000) Down() {
	schema.BeeDown(&m.Migration, "CreateLedger_20261123_120000")
}
