package generator

import (
	"errors"
	"io/fs"
	"path"
	"slices"
)

// layers resolves a file in the project folder first and in the built-in
// files second: the project overrides built-in themes, content and locale
// files file by file.
type layers struct {
	project fs.FS  // may be nil
	dir     string // the project folder as the user named it, for messages
	builtin fs.FS
}

// source is a file found in one of the layers.
type source struct {
	name    string // slash path inside the layer, e.g. "content/en/401.md"
	display string // how messages name it
	data    []byte
	builtin bool
}

func (l *layers) projectName(name string) string {
	if l.dir == "" || l.dir == "." {
		return name
	}
	return path.Join(l.dir, name)
}

// read returns the project's file if it has one, else the built-in one.
// ok is false when neither exists.
func (l *layers) read(name string) (src source, ok bool, err error) {
	if l.project != nil {
		data, err := fs.ReadFile(l.project, name)
		if err == nil {
			return source{name, l.projectName(name), data, false}, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return source{}, false, &Error{File: l.projectName(name), Msg: err.Error()}
		}
	}
	data, err := fs.ReadFile(l.builtin, name)
	if err == nil {
		return source{name, "(built-in) " + name, data, true}, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return source{}, false, err
	}
	return source{}, false, nil
}

// readBoth returns the built-in file and then the project's, each if it
// exists, for files merged key by key.
func (l *layers) readBoth(name string) ([]source, error) {
	var out []source
	if data, err := fs.ReadFile(l.builtin, name); err == nil {
		out = append(out, source{name, "(built-in) " + name, data, true})
	}
	if l.project != nil {
		data, err := fs.ReadFile(l.project, name)
		if err == nil {
			out = append(out, source{name, l.projectName(name), data, false})
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: l.projectName(name), Msg: err.Error()}
		}
	}
	return out, nil
}

// list returns the sorted union of the entry names of dir in both layers.
func (l *layers) list(dir string) []string {
	var names []string
	for _, fsys := range []fs.FS{l.builtin, l.project} {
		if fsys == nil {
			continue
		}
		entries, _ := fs.ReadDir(fsys, dir)
		for _, e := range entries {
			if !slices.Contains(names, e.Name()) {
				names = append(names, e.Name())
			}
		}
	}
	slices.Sort(names)
	return names
}
