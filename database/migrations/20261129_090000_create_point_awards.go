package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePointAwards_20261129_090000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePointAwards_20261129_090000{}
	m.Created = "20261129_090000"
	migration.Register("CreatePointAwards_20261129_090000", m)
}

// Run the migrations
func (m *CreatePointAwards_20261129_090000) Up() {
	schema.BeeUp(&m.Migration, "CreatePointAwards_20261129_090000")
}

// Reverse the migrations
func (m *CreatePointAwards_20261129_090000) Down() {
	schema.BeeDown(&m.Migration, "CreatePointAwards_20261129_090000")
}
