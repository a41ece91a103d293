package main

import (
	"github.com/beego/beego/v2/client/orm/migration"

	"inkwell/database/schema"
)

// DO NOT MODIFY
type MintOpeningBalances_20261123_120100 struct {
	migration.Migration
}

// DO NOT MODIFY
func init() {
	m := &MintOpeningBalances_20261123_120100{}
	m.Created = "20261123_120100"
	migration.Register("MintOpeningBalances_20261123_120100", m)
}

// Run the migrations
func (m *MintOpeningBalances_20261123_120100) Up() {
	schema.BeeUp(&m.Migration, "MintOpeningBalances_20261123_120100")
}

// Reverse the migrations
func (m *MintOpeningBalances_20261123_120100) Down() {
	schema.BeeDown(&m.Migration, "MintOpeningBalances_20261123_120100")
}
