package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type BinaryIdempotencyKeys_20261129_091000 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &BinaryIdempotencyKeys_20261129_091000{}
	m.Created = "20261129_091000"
	migration.Register("BinaryIdempotencyKeys_20261129_091000", m)
}

// Run the migrations
func (m *BinaryIdempotencyKeys_20261129_091000) Up() {
	schema.BeeUp(&m.Migration, "BinaryIdempotencyKeys_20261129_091000")
}

// Reverse the migrations
func (m *BinaryIdempotencyKeys_20261129_091000) Down() {
	schema.BeeDown(&m.Migration, "BinaryIdempotencyKeys_20261129_091000")
}
