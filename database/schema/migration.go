package schema

import (
	"fmt"
	"sort"
	"time"
)

// Migration is one schema change. Name follows bee's convention
// (CamelName_YYYYMMDD_HHMMSS) so `bee migrate` and `inkwell migrate` record it
// identically in the migrations table.
type Migration struct {
	Name string
	// Data marks a migration that moves rows and leaves the schema as it
	// was (the "migrate" step between an expand and a contract).
	Data bool
	Up   func(d Dialect) []string
	Down func(d Dialect) []string
}

// Created is the migration's timestamp, the order migrations apply in.
func (m Migration) Created() time.Time {
	if len(m.Name) < 15 {
		return time.Time{}
	}
	t, _ := time.Parse("20060102_150405", m.Name[len(m.Name)-15:])
	return t
}

var registry = map[string]Migration{}

// register adds a migration; each file in this package calls it from init.
func register(m Migration) {
	if _, dup := registry[m.Name]; dup {
		panic("schema: duplicate migration " + m.Name)
	}
	if m.Created().IsZero() {
		panic("schema: migration name must end in _YYYYMMDD_HHMMSS: " + m.Name)
	}
	registry[m.Name] = m
}

// All returns every migration, oldest first.
func All() []Migration {
	out := make([]Migration, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created().Before(out[j].Created()) })
	return out
}

// Lookup finds a migration by its bee name.
func Lookup(name string) (Migration, error) {
	m, ok := registry[name]
	if !ok {
		return Migration{}, fmt.Errorf("schema: no migration named %s in database/schema", name)
	}
	return m, nil
}

// Statements expands a migration direction's SQL for the dialect.
func Statements(d Dialect, f func(Dialect) []string) []string {
	raw := f(d)
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		out = append(out, d.Expand(s))
	}
	return out
}
