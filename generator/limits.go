package generator

import (
	"bytes"
	"fmt"
)

// maxNesting bounds how deeply Markdown containers nest, maxTOMLNesting
// TOML inline tables and arrays. Parsers spend time and memory that grow
// faster than the input with depth (a 48 KB errpages.toml of nested inline
// tables took 44 s and 6 GB to decode), while real files nest a few
// levels. Input is checked in one linear pass before it is parsed.
const (
	maxNesting     = 32
	maxTOMLNesting = 8
)

// checkTOMLNesting refuses TOML whose inline tables and arrays nest deeper
// than maxTOMLNesting, naming the line where they do.
func checkTOMLNesting(file string, src []byte) error {
	depth, line := 0, 1
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case '"', '\'':
			// Skip the string: basic, literal or multi-line.
			delim := []byte{c}
			if bytes.HasPrefix(src[i:], []byte{c, c, c}) {
				delim = []byte{c, c, c}
			}
			i += len(delim)
			for i < len(src) && !bytes.HasPrefix(src[i:], delim) {
				if src[i] == '\\' && c == '"' {
					i++
				}
				if i < len(src) && src[i] == '\n' {
					line++
				}
				i++
			}
			i += len(delim) - 1
		case '{', '[':
			if depth++; depth > maxTOMLNesting {
				return &Error{File: file, Line: line, Msg: fmt.Sprintf("values nest deeper than %d levels of { } and [ ]: refused", maxTOMLNesting)}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// checkMarkdownNesting refuses Markdown whose block quotes and lists nest
// deeper than maxNesting on a line: each '>' or list marker that opens a
// line, and each two columns of indentation, count one level. first is the
// file line of body's first line.
func checkMarkdownNesting(file string, body []byte, first int) error {
	for n, line := range bytes.Split(body, []byte("\n")) {
		depth, cols, indent := 0, 0, true
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == ' ' || c == '\t':
				// Only the line's own indentation counts, not the spaces
				// after a marker.
				if indent {
					if c == '\t' {
						cols += 4
					} else {
						cols++
					}
				}
				i++
			case c == '>':
				depth, indent = depth+1, false
				i++
			case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
				depth, indent = depth+1, false
				i += 2
			case c >= '0' && c <= '9':
				j := i
				for j < len(line) && line[j] >= '0' && line[j] <= '9' {
					j++
				}
				if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
					depth, indent = depth+1, false
					i = j + 2
					continue
				}
				i = len(line)
			default:
				i = len(line)
			}
		}
		if depth+cols/2 > maxNesting {
			return &Error{File: file, Line: first + n, Msg: fmt.Sprintf("block quotes and lists nest deeper than %d levels: refused", maxNesting)}
		}
	}
	return nil
}
