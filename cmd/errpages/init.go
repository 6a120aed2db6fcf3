package main

import (
	"bufio"
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/errpages/errpages/generator"
)

// skeleton is what init writes: a commented configuration, one content
// override, one locale override and a placeholder logo.
//
//go:embed skeleton
var skeleton embed.FS

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("init", "[--contact ADDRESS] [DIR]", stdout, stderr)
	contact := flags.String("contact", "", "the contact `address` the pages link to: an email address or a URL (asked for when run in a terminal)")
	if code := parseArgs(flags, args, stdout, 1); code >= 0 {
		return code
	}
	asked := false
	flags.Visit(func(f *flag.Flag) { asked = asked || f.Name == "contact" })
	if !asked && isTerminal(os.Stdin) {
		fmt.Fprint(stderr, "Contact address for the pages (an email address or a URL; empty for none): ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		*contact, asked = strings.TrimSpace(line), true
	}
	var link generator.Link
	if asked {
		if strings.Contains(*contact, "@") && !strings.Contains(*contact, ":") {
			*contact = "mailto:" + *contact
		}
		if err := link.UnmarshalText([]byte(*contact)); err != nil {
			fmt.Fprintf(stderr, "errpages init: --contact: %v: expected an email address, an https or http URL, or a path on the site\n", err)
			return exitUsage
		}
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
		if name == "errpages.toml" && asked {
			data = setContact(data, string(link))
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

// setContact writes the contact line of the skeleton's configuration. With
// no contact, pages tell visitors to look for a contact page instead.
func setContact(config []byte, contact string) []byte {
	line := regexp.MustCompile(`(?m)^contact = "[^"]*"`)
	return line.ReplaceAll(config, []byte("contact = "+strconv.Quote(contact)))
}

// isTerminal reports whether f is a terminal, where init may ask questions.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
