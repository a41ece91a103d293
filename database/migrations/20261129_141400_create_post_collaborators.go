package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePostCollaborators_20261129_141400 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePostCollaborators_20261129_141400{}
	m.Created = "20261129_141400"
	migration.Register("CreatePostCollaborators_20261129_141400", m)
}

// Run the migrations
func (m *CreatePostCollaborators_20261129_141400) Up() {
	schema.BeeUp(&m.Migration, "CreatePostCollaborators_20261129_141400")
}

// Reverse the migrations
func (m *CreatePostCollaborators_20261129_141400) Down() {
	schema.BeeDown(&m.Migration, "CreatePostCollaborators_20261129_141400")
}
