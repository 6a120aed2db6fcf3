package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
	"github.com/errpages/errpages/generator/servers"
)

// Exit statuses: 0 success, 1 bad input or a failed build, 2 a usage error.
const (
	exitOK    = 0
	exitFail  = 1 // wrong input or failed build
	exitUsage = 2
)

const usage = `errpages generates branded, localized HTTP error pages and server configuration.

Usage:
  errpages build [-c errpages.toml] [-o DIR] [--brand ID]... [--shard K/N] [-j N] [--no-wait]   build pages into DIR (default: dist)
  errpages check [-c errpages.toml] [--brand ID]...            validate everything, write nothing
  errpages serve [-c errpages.toml] [--addr 127.0.0.1:8080]   preview every page, live reload
  errpages init [--contact ADDRESS] [DIR]                     start a project in DIR (default: .)
  errpages maintenance on|off|status [-c errpages.toml] [--until TIME]   switch maintenance mode (flag file)
  errpages schema                                             print the JSON Schema of errpages.toml
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
		{"check", "validate without writing", runCheck},
		{"serve", "preview with live reload", runServe},
		{"init", "start a project", runInit},
		{"maintenance", "switch maintenance mode on or off on the server", runMaintenance},
		{"schema", "print the JSON Schema of errpages.toml", runSchema},
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

// parse handles -h/--help (stdout, exit 0), bad flags and extra arguments
// (stderr, exit 2). It returns -1 when the command should go on.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	return parseArgs(fs, args, stdout, 0)
}

// parseArgs is parse for a command that takes up to maxArgs arguments.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer, maxArgs int) int {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if fs.NArg() > maxArgs {
		fmt.Fprintf(fs.Output(), "errpages %s: unexpected argument %q\n", fs.Name(), fs.Arg(maxArgs))
		return exitUsage
	}
	return -1
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// buildFlags are the command-line settings of errpages build.
type buildFlags struct {
	config, out            string
	brands                 listFlag
	strict, quiet, verbose bool
	noWait                 bool
	jobs                   int
	shard                  generator.Shard
}

// parseBuild parses the arguments of errpages build; a status of 0 or
// more ends the command (help, or a usage error).
func parseBuild(args []string, stdout, stderr io.Writer) (f buildFlags, status int) {
	fs := newFlags("build", "[-c errpages.toml] [-o DIR] [--brand ID]...", stdout, stderr)
	fs.StringVar(&f.config, "c", "", "configuration `file` (default: errpages.toml if present, else the built-in defaults)")
	fs.StringVar(&f.out, "o", "", "output `folder` (default: dist beside the configuration file)")
	fs.Var(&f.brands, "brand", "build only this brand `ID` (repeatable)")
	fs.BoolVar(&f.strict, "strict", false, "fail when a locale lacks a translation (see errpages check)")
	fs.BoolVar(&f.quiet, "q", false, "print nothing but errors")
	fs.BoolVar(&f.verbose, "v", false, "also list what was written, brand by brand")
	fs.IntVar(&f.jobs, "j", 0, "render and write `N` pages at once (default: the number of CPUs)")
	fs.BoolVar(&f.noWait, "no-wait", false, "fail at once if another build is writing the output folder, instead of waiting")
	fs.Func("shard", "build only shard `K/N` of the brands (for CI matrices)", func(v string) error {
		k, n, ok := strings.Cut(v, "/")
		var err1, err2 error
		f.shard.K, err1 = strconv.Atoi(k)
		f.shard.N, err2 = strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || f.shard.N < 1 || f.shard.K < 1 || f.shard.K > f.shard.N || f.shard.N > generator.MaxShards {
			return fmt.Errorf("expected K/N with 1 ≤ K ≤ N ≤ %d, e.g. 2/4", generator.MaxShards)
		}
		return nil
	})
	return f, parse(fs, args, stdout)
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseBuild(args, stdout, stderr)
	if code >= 0 {
		return code
	}
	config, brands := f.config, f.brands
	start := time.Now()
	p, err := load(config)
	if err != nil {
		return fail(stderr, err)
	}
	if f.strict {
		missing, err := p.Coverage(brands)
		if err != nil {
			return fail(stderr, err)
		}
		if len(missing) > 0 {
			printCoverage(stderr, missing, false)
			return exitFail
		}
	}
	dir := f.out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(configPath(config)), "dist")
	}
	if err := outsideInputs(dir, filepath.Dir(configPath(config))); err != nil {
		return fail(stderr, err)
	}
	opts := generator.BuildOptions{Brands: brands, Jobs: f.jobs, Shard: f.shard, NoWait: f.noWait,
		Waiting: func() { fmt.Fprintf(stderr, "errpages: waiting for another build of %s to finish\n", dir) }}
	stop := func() {}
	if !f.quiet {
		stop = progressLine(stderr, &opts)
	}
	sum, err := p.Build(ctx, dir, opts)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "errpages: interrupted; the previous output is unchanged")
			return 130
		}
		return fail(stderr, err)
	}
	if f.verbose {
		printWritten(stderr, dir)
	}
	if !f.quiet {
		fmt.Fprintf(stderr, "errpages: built %d pages for %d brand(s) into %s: %d files, %s in %s\n",
			sum.Pages, sum.Brands, dir, sum.Files, humanBytes(sum.Bytes), time.Since(start).Round(time.Millisecond))
	}
	return exitOK
}

// progressLine shows "building… N/M pages" on stderr while a build that
// takes over a second runs, when stderr is a terminal. stop clears it.
func progressLine(stderr io.Writer, opts *generator.BuildOptions) (stop func()) {
	f, ok := stderr.(*os.File)
	if !ok {
		return func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	var done, total atomic.Int64
	opts.Progress = func(d, t int) { done.Store(int64(d)); total.Store(int64(t)) }
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		shown := false
		delay := time.NewTimer(time.Second)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				if shown {
					fmt.Fprint(f, "\r\033[K")
				}
				return
			case <-delay.C:
				shown = true
			case <-tick.C:
				if shown {
					fmt.Fprintf(f, "\rerrpages: building… %d/%d pages", done.Load(), total.Load())
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// printWritten lists, per brand, how many files of each kind the build
// wrote, from the output's manifests.
func printWritten(w io.Writer, dir string) {
	read := func(name string) []generator.ManifestFile {
		var m generator.Manifest
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || json.Unmarshal(data, &m) != nil {
			return nil
		}
		return m.Files
	}
	counts := map[string]map[string]int{}
	var brands []string
	add := func(brand, kind string) {
		if counts[brand] == nil {
			counts[brand] = map[string]int{}
			brands = append(brands, brand)
		}
		counts[brand][kind]++
	}
	for _, f := range read(generator.ManifestName) {
		if f.Kind == "manifest" && f.Brand != "" {
			for _, bf := range read(f.Path) {
				add(f.Brand, bf.Kind)
			}
		}
		add(f.Brand, f.Kind)
	}
	for _, b := range brands {
		name := b
		if name == "" {
			name = "(default)"
		}
		var parts []string
		kinds := append(append([]string{"page", "problem"}, servers.Targets()...), "manifest", "gallery")
		for _, k := range kinds {
			if n := counts[b][k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, k))
			}
		}
		fmt.Fprintf(w, "errpages: brand %s: %s\n", name, strings.Join(parts, ", "))
	}
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "[-c errpages.toml] [--brand ID]...", stdout, stderr)
	config := fs.String("c", "", "configuration `file` (default: errpages.toml if present, else the built-in defaults)")
	var brands listFlag
	fs.Var(&brands, "brand", "check only this brand `ID` (repeatable)")
	verbose := fs.Bool("v", false, "list every missing translation key, and every code a server target leaves out")
	if code := parse(fs, args, stdout); code >= 0 {
		return code
	}
	p, err := load(*config)
	if err != nil {
		return fail(stderr, err)
	}
	report, err := p.Check(ctx, generator.BuildOptions{Brands: brands})
	if err != nil {
		return fail(stderr, err)
	}
	printOmitted(stderr, report.Omitted, *verbose)
	printTitleOnly(stderr, report.TitleOnly, *verbose)
	if len(report.Missing) > 0 {
		printCoverage(stderr, report.Missing, *verbose)
		return exitFail
	}
	fmt.Fprintf(stderr, "errpages: check passed: %d pages for %d brand(s), %d files, %s; every locale is complete\n",
		report.Pages, report.Brands, report.Files, humanBytes(report.Bytes))
	return exitOK
}

// brandPrefix names a brand at the start of a message; the single brand
// of a project without [brands] has no name.
func brandPrefix(id string) string {
	if id == "" {
		return ""
	}
	return "brand " + id + ": "
}

// printTitleOnly says which codes have pages without steps: a count, or
// with all the codes of each brand.
func printTitleOnly(w io.Writer, titleOnly map[string][]generator.StatusCode, all bool) {
	n := 0
	for _, id := range slices.Sorted(maps.Keys(titleOnly)) {
		codes := titleOnly[id]
		n += len(codes)
		if all {
			fmt.Fprintf(w, "errpages: %s%d code(s) show their title and summary only, without steps: %v\n", brandPrefix(id), len(codes), codes)
		}
	}
	if n > 0 && !all {
		fmt.Fprintf(w, "errpages: %d code(s) show their title and summary only, without steps; errpages check -v lists them\n", n)
	}
}

// printOmitted says which codes the server targets leave out: a count per
// target, or with all every code and why.
func printOmitted(w io.Writer, omitted []generator.Omitted, all bool) {
	if len(omitted) == 0 {
		return
	}
	if all {
		for _, o := range omitted {
			fmt.Fprintf(w, "errpages: %s%s leaves out %d: %s\n", brandPrefix(o.Brand), o.Target, o.Code, o.Why)
		}
		return
	}
	var parts []string
	count := map[string]int{}
	for _, o := range omitted {
		if count[o.Target] == 0 {
			parts = append(parts, o.Target)
		}
		count[o.Target]++
	}
	for i, t := range parts {
		parts[i] = fmt.Sprintf("%s %d", t, count[t])
	}
	fmt.Fprintf(w, "errpages: codes that a server cannot send are left out of its configuration (%s); errpages check -v lists them\n", strings.Join(parts, ", "))
}

// printCoverage prints the translation gaps as a table: one row per brand
// and locale, with the keys that fall back to another language (the first
// ten unless all).
func printCoverage(w io.Writer, missing []generator.Missing, all bool) {
	fmt.Fprintf(w, "errpages: %d locale(s) lack translations; their pages fall back to the default locale or English for:\n", len(missing))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "brand\tlocale\tmissing\tkeys")
	for _, m := range missing {
		brand := m.Brand
		if brand == "" {
			brand = "-"
		}
		keys := m.Keys
		more := ""
		if !all && len(keys) > 10 {
			keys, more = keys[:10], fmt.Sprintf(" (+%d more)", len(keys)-10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s%s\n", brand, m.Locale, len(m.Keys), strings.Join(keys, ", "), more)
	}
	tw.Flush()
	if !all {
		fmt.Fprintln(w, "errpages: run errpages check -v to list every key")
	}
}

// outsideInputs refuses an output folder that is the project folder, holds
// it, or lies inside its input folders: a build would replace them.
func outsideInputs(out, project string) error {
	o, err1 := filepath.Abs(out)
	p, err2 := filepath.Abs(project)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	// Compare real paths: a link must not hide the project folder.
	if r, err := filepath.EvalSymlinks(o); err == nil {
		o = r
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if rel, err := filepath.Rel(o, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s: the output folder is the project folder or holds it, and a build replaces its output folder: choose another with -o, e.g. %s", out, filepath.Join(project, "dist"))
	}
	for _, in := range []string{"content", "locales", "themes", "assets"} {
		if rel, err := filepath.Rel(filepath.Join(p, in), o); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s: the output folder is inside the project's %s/ folder, which the build reads: choose another with -o", out, in)
		}
	}
	return nil
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

func runSchema(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("schema", "", stdout, stderr)
	if code := parse(fs, args, stdout); code >= 0 {
		return code
	}
	stdout.Write(generator.Schema())
	return exitOK
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
