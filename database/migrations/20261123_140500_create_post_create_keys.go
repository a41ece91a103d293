package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePostCreateKeys_20261123_140500 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePostCreateKeys_20261123_140500{}
	m.Created = "20261123_140500"
	migration.Register("CreatePostCreateKeys_20261123_140500", m)
}

// Run the migrations
func (m *CreatePostCreateKeys_20261123_140500) Up() {
	schema.BeeUp(&m.Migration, "CreatePostCreateKeys_20261123_140500")
}

// Reverse the migrations
func (m *CreatePostCreateKeys_20261123_140500) Down() {
	schema.BeeDown(&m.Migration, "CreatePostCreateKeys_20261123_140500")
}
