package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type CreatePostLikes_20261123_110100 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &CreatePostLikes_20261123_110100{}
	m.Created = "20261123_110100"
	migration.Register("CreatePostLikes_20261123_110100", m)
}

// Run the migrations
func (m *CreatePostLikes_20261123_110100) Up() {
	schema.BeeUp(&m.Migration, "CreatePostLikes_20261123_110100")
}

// Reverse the migrations
func (m *CreatePostLikes_20261123_110100) Down() {
	schema.BeeDown(&m.Migration, "CreatePostLikes_20261123_110100")
}
