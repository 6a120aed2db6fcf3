package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestBadInput runs every script of testdata/bad: a project errpages must
// refuse with one exact line on stderr, exit status 1, no panic, no output
// folder and no temporary folder left behind.
func TestBadInput(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.txtar")
	if len(files) < 40 {
		t.Fatalf("only %d bad-input cases", len(files))
	}
	testscript.Run(t, testscript.Params{Dir: "testdata/bad", Cmds: scriptCmds})
}

// scriptCmds are the commands the scripts of testdata/ add to testscript's.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// fails STATUS COMMAND [ARGS...] runs a command that must exit with
	// STATUS, print no panic and leave no temporary folder.
	"fails": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: fails STATUS COMMAND [ARGS...]")
		}
		want, err := strconv.Atoi(args[0])
		ts.Check(err)
		err = ts.Exec(args[1], args[2:]...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != want {
			ts.Fatalf("%s: %v, want exit status %d", args[1], err, want)
		}
		if stderr := ts.ReadFile("stderr"); strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
			ts.Fatalf("stderr shows a panic")
		}
		filepath.WalkDir(ts.MkAbs("."), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".errpages-") && !strings.HasSuffix(d.Name(), ".lock") {
				ts.Fatalf("temporary folder left: %s", p)
			}
			return err
		})
	},
	// expand FILE replaces $WORK in FILE by the script's folder, for
	// settings that need an absolute path.
	"expand": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: expand FILE")
		}
		p := ts.MkAbs(args[0])
		data, err := os.ReadFile(p)
		ts.Check(err)
		ts.Check(os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "$WORK", ts.Getenv("WORK"))), 0o644))
	},
	// generate PATH SIZE writes a file too large to commit.
	"generate": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: generate PATH SIZE")
		}
		size, err := strconv.Atoi(args[1])
		ts.Check(err)
		p := ts.MkAbs(args[0])
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		ts.Check(os.WriteFile(p, []byte(strings.Repeat("a", size)), 0o644))
	},
	// tree PATH... prints every file under the paths with a hash of its
	// bytes, to compare before and after a command.
	"tree": func(ts *testscript.TestScript, neg bool, args []string) {
		for _, a := range args {
			ts.Check(filepath.WalkDir(ts.MkAbs(a), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(ts.MkAbs("."), p)
				fmt.Fprintf(ts.Stdout(), "%s %x\n", rel, sha256.Sum256(data))
				return nil
			}))
		}
	},
}
