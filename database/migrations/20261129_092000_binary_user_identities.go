package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type BinaryUserIdentities_20261129_092000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &BinaryUserIdentities_20261129_092000{}
	m.Created = "20261129_092000"
	migration.Register("BinaryUserIdentities_20261129_092000", m)
}

// Run the migrations
func (m *BinaryUserIdentities_20261129_092000) Up() {
	schema.BeeUp(&m.Migration, "BinaryUserIdentities_20261129_092000")
}

// Reverse the migrations
func (m *BinaryUserIdentities_20261129_092000) Down() {
	schema.BeeDown(&m.Migration, "BinaryUserIdentities_20261129_092000")
}
