package schema

import (
	"github.com/beego/beego/v2/client/orm"
	"github.com/beego/beego/v2/client/orm/migration"
)

// BeeUp queues the named migration's Up statements on a bee migration, in
// the dialect of the database bee connected to. Files in
// database/migrations call it so `bee migrate` runs this package's SQL.
func BeeUp(m *migration.Migration, name string) { beeQueue(m, name, true) }

// BeeDown queues the named migration's Down statements, like BeeUp.
func BeeDown(m *migration.Migration, name string) { beeQueue(m, name, false) }

func beeQueue(m *migration.Migration, name string, up bool) {
	mig, err := Lookup(name)
	if err != nil {
		panic(err) // bee reports it and stops before touching the database
	}
	d := SQLite
	if orm.NewOrm().Driver().Type() == orm.DRMySQL {
		d = MySQL
	}
	f := mig.Down
	if up {
		f = mig.Up
	}
	for _, s := range Statements(d, f) {
		m.SQL(s)
	}
}
