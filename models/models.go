// Package models holds the Beego ORM structs and the queries that read and
// write them. Functions take the orm.QueryExecutor (an Ormer or a TxOrmer)
// they run on, so callers decide the transaction and tests pick the database.
package models

import "github.com/beego/beego/v2/client/orm"

func init() {
	orm.RegisterModel(new(User))
}
