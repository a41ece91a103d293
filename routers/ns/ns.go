// Package ns mounts annotated controllers under URL prefixes on one
// *web.HttpServer. Beego's own web.NewNamespace/web.AddNamespace can only
// add to the process-wide web.BeeApp, which would make every app instance
// in a process share one route table; this package does the same job for
// the server it is given.
//
// The names copy Beego's (NewNamespace, NSNamespace, NSInclude) on purpose:
// `bee generate docs` reads routers/router.go as source and recognises a
// namespace tree only by those call names, so the tree written with this
// package is both what is served and what the swagger spec is built from.
package ns

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/beego/beego/v2/server/web"
)

// Namespace is a URL prefix with the controllers and nested namespaces
// under it.
type Namespace struct {
	prefix      string
	controllers []web.ControllerInterface
	children    []*Namespace
}

// Part is what can sit inside a namespace.
type Part func(*Namespace)

// NewNamespace starts a tree at prefix (for example "/api/v1").
func NewNamespace(prefix string, parts ...Part) *Namespace {
	n := &Namespace{prefix: prefix}
	for _, p := range parts {
		p(n)
	}
	return n
}

// NSNamespace nests a namespace under prefix.
func NSNamespace(prefix string, parts ...Part) Part {
	return func(parent *Namespace) {
		parent.children = append(parent.children, NewNamespace(prefix, parts...))
	}
}

// NSInclude serves each controller's @router annotations (compiled by
// `bee generate routers` into web.GlobalControllerRouter) under the
// namespace. The controller value given is the one Beego copies exported
// fields from for every request, so it carries the controller's dependencies.
func NSInclude(cs ...web.ControllerInterface) Part {
	return func(n *Namespace) { n.controllers = append(n.controllers, cs...) }
}

// MountOn registers every route of the tree on app. It panics when an
// included controller has no generated routes or uses a generated feature
// this package does not carry over (annotation filters, method parameters):
// both are start-up programming errors.
func (n *Namespace) MountOn(app *web.HttpServer) {
	n.mount(app, "")
}

func (n *Namespace) mount(app *web.HttpServer, parent string) {
	prefix := parent + n.prefix
	for _, c := range n.controllers {
		t := reflect.Indirect(reflect.ValueOf(c)).Type()
		key := t.PkgPath() + ":" + t.Name()
		routes, ok := web.GlobalControllerRouter[key]
		if !ok {
			panic(fmt.Sprintf("ns: %s has no generated routes: run `make docs`", key))
		}
		for _, r := range routes {
			if len(r.Filters) > 0 || len(r.MethodParams) > 0 {
				panic(fmt.Sprintf("ns: %s.%s uses annotation filters or parameters, which ns does not mount", key, r.Method))
			}
			// As with Beego's namespaces, "/" under "/api/v1/me" is the
			// pattern "/api/v1/me/", which also matches "/api/v1/me".
			app.Router(prefix+r.Router, c, strings.Join(r.AllowHTTPMethods, ",")+":"+r.Method)
		}
	}
	for _, child := range n.children {
		child.mount(app, prefix)
	}
}
