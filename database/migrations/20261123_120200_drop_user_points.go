package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type DropUserPoints_20261123_120200 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &DropUserPoints_20261123_120200{}
	m.Created = "20261123_120200"
	migration.Register("DropUserPoints_20261123_120200", m)
}

// Run the migrations
func (m *DropUserPoints_20261123_120200) Up() {
	schema.BeeUp(&m.Migration, "DropUserPoints_20261123_120200")
}

// Reverse the migrations
func (m *DropUserPoints_20261123_120200) Down() {
	schema.BeeDown(&m.Migration, "DropUserPoints_20261123_120200")
}
