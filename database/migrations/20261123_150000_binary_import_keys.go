package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type BinaryImportKeys_20261123_150000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &BinaryImportKeys_20261123_150000{}
	m.Created = "20261123_150000"
	migration.Register("BinaryImportKeys_20261123_150000", m)
}

// Run the migrations
func (m *BinaryImportKeys_20261123_150000) Up() {
	schema.BeeUp(&m.Migration, "BinaryImportKeys_20261123_150000")
}

// Reverse the migrations
func (m *BinaryImportKeys_20261123_150000) Down() {
	schema.BeeDown(&m.Migration, "BinaryImportKeys_20261123_150000")
}
