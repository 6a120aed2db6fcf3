package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// skeleton is what init writes: a commented configuration, one content
// override, one locale override and a placeholder logo.
//
//go:embed skeleton
var skeleton embed.FS

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("init", "[DIR]", stdout, stderr)
	if code := parseArgs(flags, args, stdout, 1); code >= 0 {
		return code
	}
	dir := "."
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		fmt.Fprintf(stderr, "%s: folder is not empty: errpages init writes only into an empty or new folder\n", dir)
		return exitFail
	} else if err != nil && !os.IsNotExist(err) {
		return fail(stderr, err)
	}
	sub, _ := fs.Sub(skeleton, "skeleton")
	err := fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", target)
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "errpages: project ready in %s; next: errpages check -c %s, then errpages build -c %[2]s\n",
		dir, filepath.Join(dir, "errpages.toml"))
	return exitOK
}
