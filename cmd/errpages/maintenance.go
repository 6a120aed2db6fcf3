package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// untilLayouts are the forms --until accepts: RFC 3339 with or without
// seconds.
var untilLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}

// runMaintenance switches the maintenance mode of a project's brands, on
// the machine where the output is deployed: it writes or removes each
// brand's flag file, which the generated server configuration checks on
// every request.
func runMaintenance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("maintenance", "on|off|status [-c errpages.toml] [--brand ID]... [--until TIME] [--message TEXT]", stdout, stderr)
	config := fs.String("c", "", "configuration `file` (default: errpages.toml if present, else the built-in defaults)")
	var brands listFlag
	fs.Var(&brands, "brand", "switch only this brand `ID` (repeatable)")
	until := fs.String("until", "", "with on: the planned end, e.g. 2026-12-24T06:00Z, kept in the flag file for status")
	message := fs.String("message", "", "with on: a one-line note for the team, kept in the flag file")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if code := parse(fs, args, stdout); code >= 0 {
			return code
		}
		fmt.Fprintln(stderr, "errpages maintenance: say on, off or status")
		fs.Usage()
		return exitUsage
	}
	action := args[0]
	if code := parse(fs, args[1:], stdout); code >= 0 {
		return code
	}
	if action != "on" && action != "off" && action != "status" {
		fmt.Fprintf(stderr, "errpages maintenance: unknown action %q: say on, off or status\n", action)
		return exitUsage
	}
	if action != "on" && (*until != "" || *message != "") {
		fmt.Fprintln(stderr, "errpages maintenance: --until and --message go with on")
		return exitUsage
	}
	p, err := load(*config)
	if err != nil {
		return fail(stderr, err)
	}
	ids := []string(brands)
	if len(ids) == 0 {
		ids = p.Brands()
	}
	var note string
	if action == "on" {
		if note, err = flagContent(time.Now(), *until, *message); err != nil {
			fmt.Fprintf(stderr, "errpages maintenance: %v\n", err)
			return exitUsage
		}
	}
	status := exitOK
	for _, id := range ids {
		flag, err := p.MaintenanceFlag(id)
		if err == nil && flag == "" {
			err = fmt.Errorf("%smaintenance is not enabled: add [maintenance] enabled = true to the configuration, build, and deploy the output", brandPrefix(id))
		}
		if err == nil {
			err = switchMaintenance(action, flag, note, stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "errpages: %v\n", err)
			status = exitFail
		}
	}
	return status
}

// flagContent is what on writes into a flag file: when maintenance began,
// and the planned end and note when given.
func flagContent(now time.Time, until, message string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "since: %s\n", now.UTC().Format(time.RFC3339))
	if until != "" {
		var end time.Time
		var err error
		for _, layout := range untilLayouts {
			if end, err = time.Parse(layout, until); err == nil {
				break
			}
		}
		switch {
		case err != nil:
			return "", fmt.Errorf("--until %q: expected a time such as 2026-12-24T06:00Z or 2026-12-24T07:00:00+01:00", until)
		case !end.After(now):
			return "", fmt.Errorf("--until %s: that time has passed", until)
		}
		fmt.Fprintf(&b, "until: %s\n", end.UTC().Format(time.RFC3339))
	}
	if message != "" {
		if len(message) > 500 || strings.ContainsFunc(message, unicode.IsControl) {
			return "", fmt.Errorf("--message: expected one line of at most 500 bytes")
		}
		fmt.Fprintf(&b, "message: %s\n", message)
	}
	return b.String(), nil
}

// switchMaintenance carries out action on one flag file.
func switchMaintenance(action, flag, note string, stdout io.Writer) error {
	switch action {
	case "on":
		if err := writeFlag(flag, note); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "maintenance on: %s\n", flag)
	case "off":
		err := os.Remove(flag)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("maintenance off: %w", err)
		}
		fmt.Fprintf(stdout, "maintenance off: %s\n", flag)
	case "status":
		data, err := os.ReadFile(flag)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stdout, "maintenance off: %s does not exist\n", flag)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "maintenance on: %s\n", flag)
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			fmt.Fprintf(stdout, "  %s\n", sc.Text())
		}
	}
	return nil
}

// writeFlag writes the flag file atomically: a server sees it absent or
// whole, never half written. The folder must exist: it is where the output
// is deployed.
func writeFlag(flag, note string) error {
	dir := filepath.Dir(flag)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("maintenance flag %s: the folder %s does not exist; run this on the server where the pages are deployed, or fix [maintenance] flag or [server] root", flag, dir)
	}
	tmp, err := os.CreateTemp(dir, ".maintenance-*")
	if err != nil {
		return fmt.Errorf("maintenance flag %s: %w", flag, err)
	}
	_, err = tmp.WriteString(note)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), flag)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("maintenance flag %s: %w", flag, err)
	}
	return nil
}
