package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
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

// maxFile bounds every text file errpages reads (configuration, content,
// locale strings, templates, styles): a page must fit in its budget anyway,
// and a huge file must not exhaust memory.
const maxFile = 1 << 20

// sizeLimit bounds the size of an input file; what and why complete the
// message when a file is over it.
type sizeLimit struct {
	max       int64
	what, why string
}

var (
	fileLimit = sizeLimit{maxFile, "file", ""}
	logoLimit = sizeLimit{maxLogo, "logo", ", since it is inlined into every page"}
)

// readProject reads a file of the project folder, refusing files over the
// limit and symbolic links that lead outside the folder. It returns an
// error wrapping fs.ErrNotExist when there is no such file.
func readProject(fsys fs.FS, display, name string, limit sizeLimit) ([]byte, error) {
	resolved, err := resolve(fsys, display, name)
	if err != nil {
		return nil, err
	}
	fi, err := fs.Lstat(fsys, resolved)
	if err != nil {
		return nil, &Error{File: display, Msg: "cannot read: " + errText(err, name)}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{File: display, Msg: "not a regular file"}
	}
	if fi.Size() > limit.max {
		return nil, &Error{File: display, Msg: fmt.Sprintf("%s is %d bytes; the limit is %d%s", limit.what, fi.Size(), limit.max, limit.why)}
	}
	data, err := fs.ReadFile(fsys, resolved)
	if err != nil {
		return nil, &Error{File: display, Msg: "cannot read: " + errText(err, name)}
	}
	return data, nil
}

// maxLinks bounds the symbolic links followed for one file, as the kernel
// does (ELOOP).
const maxLinks = 40

// resolve follows every symbolic link on the way to name, folders and the
// file itself, checking each hop: a link must lead to a relative path that
// stays inside the project folder. It returns the path with no link left,
// so the file read is the file checked. A missing file is fs.ErrNotExist.
// This is the one place that decides what the project may read.
func resolve(fsys fs.FS, display, name string) (string, error) {
	todo := strings.Split(name, "/")
	done := "" // a path inside the project, with no links
	for hops := 0; len(todo) > 0; {
		next := path.Join(done, todo[0])
		todo = todo[1:]
		if next == "." {
			done = ""
			continue
		}
		fi, err := fs.Lstat(fsys, next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
			return "", &Error{File: display, Msg: "cannot read: " + errText(err, name)}
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if hops++; hops > maxLinks {
			return "", &Error{File: display, Msg: fmt.Sprintf("more than %d symbolic links on the way to %s: refused", maxLinks, name)}
		}
		target, err := fs.ReadLink(fsys, next)
		// done holds no links, so joining the target to it lexically is
		// where the link leads.
		joined := path.Join(done, target)
		if err != nil || path.IsAbs(target) || strings.HasPrefix(target, "\\") || !fs.ValidPath(joined) {
			return "", &Error{File: display, Msg: fmt.Sprintf("%s is a symbolic link to %q, outside the project folder: refused", next, target)}
		}
		todo = append(strings.Split(joined, "/"), todo...)
		done = ""
	}
	return done, nil
}

// errText drops the "open NAME: " that fs errors repeat.
func errText(err error, name string) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// read returns the project's file if it has one, else the built-in one.
// ok is false when neither exists.
func (l *layers) read(name string) (src source, ok bool, err error) {
	if l.project != nil {
		data, err := readProject(l.project, l.projectName(name), name, fileLimit)
		if err == nil {
			return source{name, l.projectName(name), data, false}, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return source{}, false, err
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
		data, err := readProject(l.project, l.projectName(name), name, fileLimit)
		if err == nil {
			out = append(out, source{name, l.projectName(name), data, false})
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return out, nil
}

// inProject reports whether the project folder has the file name.
func (l *layers) inProject(name string) bool {
	if l.project == nil {
		return false
	}
	_, err := fs.Lstat(l.project, name)
	return err == nil
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
