package servers

import (
	"fmt"
	"slices"
	"strings"
)

// Not every server can send or replace every status code. A writer names
// only the codes its server accepts; the pages of the others are still
// built, for the targets that can use them.

// Omission is a status code a target leaves out of its configuration.
type Omission struct {
	Code int
	// Why says what the server does with the code.
	Why string
}

// omission says why the named target leaves code out, or "" when it
// handles it.
func omission(name string, code int) string {
	t, err := lookup(name)
	if err != nil {
		return ""
	}
	return t.omits(code)
}

// Omitted lists the codes of s that target leaves out, sorted, with why.
func (s Site) Omitted(target string) []Omission {
	var out []Omission
	for _, c := range s.Codes {
		if why := omission(target, c); why != "" {
			out = append(out, Omission{c, why})
		}
	}
	return out
}

// codesFor lists the codes of s that target handles.
func (s Site) codesFor(target string) []int {
	return slices.DeleteFunc(slices.Clone(s.Codes), func(c int) bool { return omission(target, c) != "" })
}

// omittedLines are the header-comment lines that say which codes target
// leaves out: one line per reason.
func (s Site) omittedLines(target string) []string {
	var whys []string
	byWhy := map[string][]string{}
	for _, o := range s.Omitted(target) {
		if byWhy[o.Why] == nil {
			whys = append(whys, o.Why)
		}
		byWhy[o.Why] = append(byWhy[o.Why], fmt.Sprint(o.Code))
	}
	if len(whys) == 0 {
		return nil
	}
	lines := []string{""}
	for _, why := range whys {
		lines = append(lines, "Left out: "+strings.Join(byWhy[why], ", ")+". "+why+".")
	}
	return lines
}
