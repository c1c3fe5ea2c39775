// Package mobileweb holds the installable phone app, embedded in the server binary.
package mobileweb

import (
	"embed"
	"io/fs"
)

// Static is the app as it is embedded, with every file under the static/ folder.
//
//go:embed static
var Static embed.FS

// FS returns the app's files rooted at static/, so that index.html is at the top
// and the server can serve the tree as it is.
func FS() fs.FS {
	sub, err := fs.Sub(Static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "static" is a constant valid one.
		panic("mobileweb: " + err.Error())
	}
	return sub
}
