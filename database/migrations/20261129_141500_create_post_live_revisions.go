package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePostLiveRevisions_20261129_141500 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePostLiveRevisions_20261129_141500{}
	m.Created = "20261129_141500"
	migration.Register("CreatePostLiveRevisions_20261129_141500", m)
}

// Run the migrations
func (m *CreatePostLiveRevisions_20261129_141500) Up() {
	schema.BeeUp(&m.Migration, "CreatePostLiveRevisions_20261129_141500")
}

// Reverse the migrations
func (m *CreatePostLiveRevisions_20261129_141500) Down() {
	schema.BeeDown(&m.Migration, "CreatePostLiveRevisions_20261129_141500")
}
