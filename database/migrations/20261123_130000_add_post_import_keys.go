package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type AddPostImportKeys_20261123_130000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &AddPostImportKeys_20261123_130000{}
	m.Created = "20261123_130000"
	migration.Register("AddPostImportKeys_20261123_130000", m)
}

// Run the migrations
func (m *AddPostImportKeys_20261123_130000) Up() {
	schema.BeeUp(&m.Migration, "AddPostImportKeys_20261123_130000")
}

// Reverse the migrations
func (m *AddPostImportKeys_20261123_130000) Down() {
	schema.BeeDown(&m.Migration, "AddPostImportKeys_20261123_130000")
}
