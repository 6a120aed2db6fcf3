package generator

import (
	"errors"
	"fmt"
)

// Error is a problem found in the input, with the position where it was
// found when one is known. Its text has the form editors make clickable:
// "file:line:col: message".
type Error struct {
	File string // path as the user named it, e.g. "errpages.toml"
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// errorList collects independent problems so that one run reports all of
// them, one per line.
type errorList []error

func (l *errorList) add(err error) {
	if err != nil {
		*l = append(*l, err)
	}
}

func (l *errorList) addf(file string, line, col int, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (l errorList) err() error { return errors.Join(l...) }

// diagnostics flattens errors joined with errors.Join into the problems
// they hold; an error that is not an *Error becomes one without a file.
func diagnostics(errs ...error) []*Error {
	var out []*Error
	for _, err := range errs {
		switch e := err.(type) {
		case nil:
		case *Error:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			out = append(out, diagnostics(e.Unwrap()...)...)
		default:
			out = append(out, &Error{Msg: err.Error()})
		}
	}
	return out
}
