// Package errpages holds the built-in themes, locales and content of the
// errpages generator. The generator itself lives in package generator; the
// command in cmd/errpages.
package errpages

import (
	"embed"
	"io/fs"
)

//go:embed themes locales content
var builtin embed.FS

// Builtin returns the built-in files: themes/, locales/ and content/, laid
// out exactly like a project folder so that a project overlays them file by
// file (and locale strings key by key).
func Builtin() fs.FS { return builtin }
