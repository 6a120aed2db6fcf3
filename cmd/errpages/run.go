package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// Exit statuses (SPEC §7).
const (
	exitOK    = 0
	exitFail  = 1 // wrong input or failed build
	exitUsage = 2
)

const usage = `errpages generates branded, localized HTTP error pages and server configuration.

Usage:
  errpages build [-c errpages.toml] [-o DIR] [--brand ID]...   build pages into DIR (default: dist)
  errpages version                                            print the version
  errpages help [command]                                     show help

Run "errpages COMMAND --help" for a command's flags.
`

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"build", "build pages into an output folder", runBuild},
		{"version", "print the version", runVersion},
	}
}

// run is the whole command line: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "errpages: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// newFlags returns a flag set whose --help prints to stdout and exits 0,
// and whose usage errors print to stderr.
func newFlags(name, synopsis string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: errpages %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse handles -h/--help (stdout, exit 0) and bad flags (stderr, exit 2).
// It returns -1 when the command should go on.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "errpages %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage
	}
	return -1
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("build", "[-c errpages.toml] [-o DIR] [--brand ID]...", stdout, stderr)
	config := fs.String("c", "", "configuration `file` (default: errpages.toml if present, else the built-in defaults)")
	out := fs.String("o", "", "output `folder` (default: dist beside the configuration file)")
	var brands listFlag
	fs.Var(&brands, "brand", "build only this brand `ID` (repeatable)")
	if code := parse(fs, args, stdout); code >= 0 {
		return code
	}
	start := time.Now()
	p, err := load(*config)
	if err != nil {
		return fail(stderr, err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(configPath(*config)), "dist")
	}
	sum, err := p.Build(ctx, dir, generator.BuildOptions{Brands: brands})
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "errpages: interrupted; the previous output is unchanged")
			return 130
		}
		return fail(stderr, err)
	}
	fmt.Fprintf(stderr, "errpages: built %d pages for %d brand(s) into %s: %d files, %s in %s\n",
		sum.Pages, sum.Brands, dir, sum.Files, humanBytes(sum.Bytes), time.Since(start).Round(time.Millisecond))
	return exitOK
}

func configPath(flagValue string) string {
	if flagValue == "" {
		return generator.ConfigFile
	}
	return flagValue
}

// load reads the project around the configuration file.
func load(config string) (*generator.Project, error) {
	path := configPath(config)
	dir := filepath.Dir(path)
	opts := generator.Options{
		Project: os.DirFS(dir),
		Dir:     dir,
		Config:  config,
		Builtin: errpages.Builtin(),
	}
	if config != "" {
		opts.Config = filepath.Base(path)
	}
	return generator.Load(opts)
}

// fail prints each problem on its own line and returns the failure status.
func fail(stderr io.Writer, err error) int {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stderr, line)
	}
	return exitFail
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version", "", stdout, stderr)
	if code := parse(fs, args, stdout); code >= 0 {
		return code
	}
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	fmt.Fprintf(stdout, "errpages %s\n", v)
	return exitOK
}
