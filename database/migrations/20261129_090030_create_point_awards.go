package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePointAwards_20261129_090030 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePointAwards_20261129_090030{}
	m.Created = "20261129_090030"
	migration.Register("CreatePointAwards_20261129_090030", m)
}

// Run the migrations
func (m *CreatePointAwards_20261129_090030) Up() {
	schema.BeeUp(&m.Migration, "CreatePointAwards_20261129_090030")
}

// Reverse the migrations
func (m *CreatePointAwards_20261129_090030) Down() {
	schema.BeeDown(&m.Migration, "CreatePointAwards_20261129_090030")
}
