package servers

import (
	"fmt"
	"slices"
	"strings"
)

// Not every server can send or replace every status code. A writer names
// only the codes its server accepts; the pages of the others are still
// built, for the targets that can use them.

// apacheCodes are the 4xx and 5xx codes Apache httpd 2.4 has a status line
// for (status_lines in modules/http/http_protocol.c). "ErrorDocument 425"
// fails the config test with "Unsupported HTTP response code 425", and in an
// .htaccess file turns every request of the site into a 500. Checked with
// apache2 -t on httpd 2.4 for every code from 400 to 599.
var apacheCodes = []int{
	400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
	421, 422, 423, 424, 426, 428, 429, 431, 451,
	500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
}

// haproxyCodes are the status codes HAProxy 2.6 lets an errorfile replace
// (HAProxy docs, "errorfile"), without 200.
var haproxyCodes = []int{400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504}

// Omission is a status code a target leaves out of its configuration.
type Omission struct {
	Code int
	// Why says what the server does with the code.
	Why string
}

// omission says why target leaves code out, or "" when it handles it.
func omission(target string, code int) string {
	switch target {
	case "apache":
		if !slices.Contains(apacheCodes, code) {
			return "Apache httpd 2.4 has no status line for it: ErrorDocument fails the config test (\"Unsupported HTTP response code\")"
		}
	case "nginx":
		switch code {
		case 408:
			return "nginx closes a timed-out connection without a response, so error_page never applies"
		case 499:
			return "nginx's own code for a client that closed the connection: error_page refuses it"
		}
	case "haproxy":
		if !slices.Contains(haproxyCodes, code) {
			return "HAProxy 2.6 has no errorfile for it"
		}
	}
	return ""
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
