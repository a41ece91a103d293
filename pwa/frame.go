package pwa

import (
	"bytes"
	"fmt"
	"html/template"
)

// Frame is the app shell cut open where a server-rendered page puts its own
// head (title, description, link-preview tags) and its own main content.
// Pages built in it carry the whole app — the same stylesheet, import map,
// modules, banners and navigation — so a signed-in visitor gets the app
// around the very URL a signed-out visitor reads as a plain page.
type Frame struct {
	// Top runs from <!doctype html> to where the page's head goes.
	Top template.HTML
	// Middle runs from the end of the page's head to the inside of <main>.
	Middle template.HTML
	// Bottom closes <main> and the document.
	Bottom template.HTML
}

// Markers in index.html around the parts a page replaces.
const (
	headStart = "<!--page-head-->"
	headEnd   = "<!--/page-head-->"
	mainStart = "<!--page-main-->"
	mainEnd   = "<!--/page-main-->"
)

// cutFrame splits the rendered shell at its markers; each must appear
// exactly once, in order.
func cutFrame(shell []byte) (Frame, error) {
	idx := make([]int, 4)
	for i, m := range []string{headStart, headEnd, mainStart, mainEnd} {
		if bytes.Count(shell, []byte(m)) != 1 {
			return Frame{}, fmt.Errorf("pwa: index.html must hold %s exactly once", m)
		}
		idx[i] = bytes.Index(shell, []byte(m))
		if i > 0 && idx[i] < idx[i-1] {
			return Frame{}, fmt.Errorf("pwa: index.html has %s out of order", m)
		}
	}
	return Frame{
		Top:    template.HTML(shell[:idx[0]]),
		Middle: template.HTML(shell[idx[1]+len(headEnd) : idx[2]]),
		Bottom: template.HTML(shell[idx[3]+len(mainEnd):]),
	}, nil
}

// Frame is the shell cut for server-rendered pages.
func (a *App) Frame() Frame { return a.frame }

// ContentSecurityPolicy is the shell's policy; pages built in the Frame
// send it too (they carry the same import map, so the same hash allows it).
func (a *App) ContentSecurityPolicy() string { return a.csp }
