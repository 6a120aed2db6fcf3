package servers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// haproxyCodes are the status codes HAProxy 2.6 lets an errorfile replace
// (HAProxy docs, "errorfile"), without 200.
var haproxyCodes = []int{400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504}

// haproxyTarget writes HAProxy error files and their http-errors sections.
type haproxyTarget struct{}

func init() { register(40, haproxyTarget{}) }

func (haproxyTarget) name() string { return "haproxy" }

func (haproxyTarget) omits(code int) string {
	if !slices.Contains(haproxyCodes, code) {
		return "HAProxy 2.6 has no errorfile for it"
	}
	return ""
}

func (haproxyTarget) write(s Site) ([]File, error) { return haproxy(s), nil }

// HAProxyOptions are the HAProxy-specific settings: HAProxy's
// tune.bufsize and tune.maxrewrite. An error file must fit in BufSize −
// MaxRewrite bytes, so that HAProxy can still add headers to it. A zero
// BufSize means HAProxy's defaults for both, 16384 and 1024; MaxRewrite
// may be 0.
type HAProxyOptions struct {
	BufSize    int `toml:"bufsize" doc:"HAProxy's tune.bufsize: each HAProxy error file (headers and page) must fit in bufsize minus maxrewrite bytes, 15,360 by default; a bigger one is a build error."`
	MaxRewrite int `toml:"maxrewrite" doc:"HAProxy's tune.maxrewrite."`
}

var haproxyDefaults = HAProxyOptions{BufSize: 16384, MaxRewrite: 1024}

func (o HAProxyOptions) problems() []*Problem {
	switch {
	case o.BufSize < 4096 || o.BufSize > 1<<20:
		return []*Problem{{[]string{"haproxy", "bufsize"},
			fmt.Sprintf("server.haproxy.bufsize %d: expected HAProxy's tune.bufsize, from 4096 to 1048576 (default 16384)", o.BufSize)}}
	case o.MaxRewrite < 0 || o.MaxRewrite > o.BufSize/2:
		return []*Problem{{[]string{"haproxy", "maxrewrite"},
			fmt.Sprintf("server.haproxy.maxrewrite %d: expected HAProxy's tune.maxrewrite, from 0 to half of bufsize (default 1024)", o.MaxRewrite)}}
	}
	return nil
}

// limit is the largest error file HAProxy takes with these settings.
func (o HAProxyOptions) limit() (limit, bufsize, maxrewrite int) {
	bufsize, maxrewrite = o.BufSize, o.MaxRewrite
	if bufsize == 0 {
		bufsize, maxrewrite = 16384, 1024
	}
	return bufsize - maxrewrite, bufsize, maxrewrite
}

// haproxySection names the http-errors section of a locale.
func (s Site) haproxySection(locale string) string {
	if s.Brand == "" {
		return "errpages-" + locale
	}
	return "errpages-" + s.Brand + "-" + locale
}

// haproxy writes haproxy/errpages.cfg, two http-errors sections per locale
// (pages, and problem+json documents), and the files they name,
// haproxy/errors/<locale>/<code>.http and <code>.json.http: each the
// complete raw HTTP response HAProxy sends byte for byte.
func haproxy(s Site) []File {
	codes := s.codesFor("haproxy")
	limit, _, _ := s.HAProxy.limit()
	locales := s.orderedLocales()
	other := locales[len(locales)-1]
	var b strings.Builder
	b.WriteString(s.header("haproxy", "# ", append([]string{
		"errpages: HAProxy 2.2+ error pages, one http-errors section per language, and",
		"one per language with problem+json documents for APIs (errpages-<locale>-json).",
		"Load this file with your configuration (HAProxy has no include directive):",
		"",
		"    haproxy -f /etc/haproxy/haproxy.cfg -f " + s.Root + "/haproxy/errpages.cfg",
		"",
		"(on Debian, append \"-f " + s.Root + "/haproxy/errpages.cfg\" to EXTRAOPTS in",
		"/etc/default/haproxy), then pick a section in a defaults, frontend or",
		"backend section that uses mode http:",
		"",
		"    defaults",
		"        mode http",
		"        errorfiles " + s.haproxySection(s.DefaultLocale),
		"",
		"HAProxy uses these pages only for the errors it produces itself: a deny rule",
		"(403, or deny_status), `http-request auth` (401, to which HAProxy adds",
		"WWW-Authenticate), no server available (503), a server that fails (502) or",
		"times out (504), a bad request (400), a late request body (408; headers",
		"that never finish get HAProxy's built-in 408), a body over the limit (413).",
		"A backend's own error responses pass through unchanged.",
		"HAProxy cannot pick its own errors' language from Accept-Language: the",
		"section decides. A deny rule can pick one per request, by language or format:",
		"",
		"    http-request deny deny_status 403 errorfiles " + s.haproxySection(other) + " if { req.hdr(accept-language) -m reg -i ^" + other + " } { path_beg /admin }",
		"    http-request deny deny_status 403 errorfiles " + s.haproxySection(s.DefaultLocale) + "-json if { req.hdr(accept) -m reg -i ^application/(problem\\+)?json } { path_beg /api/admin }",
		"",
		"Each file is a complete HTTP response of at most " + strconv.Itoa(limit) + " bytes (tune.bufsize",
		"minus tune.maxrewrite); errpages refuses to build a larger one.",
	}, s.haproxyReferenceHelp(other)...)...))
	var files []File
	for _, json := range []bool{false, true} {
		for _, l := range locales {
			section, ext := s.haproxySection(l), "http"
			if json {
				section, ext = section+"-json", "json.http"
			}
			fmt.Fprintf(&b, "\nhttp-errors %s\n", section)
			for _, c := range codes {
				p := fmt.Sprintf("haproxy/errors/%s/%d.%s", l, c, ext)
				fmt.Fprintf(&b, "    errorfile %d \"%s/%s\"\n", c, strings.TrimSuffix(s.Root, "/"), p)
				files = append(files, File{Path: p, Kind: "haproxy", Page: &PageRef{Locale: l, Code: c, Sub: -1, JSON: json, Wrap: s.haproxyResponse(p, l, c, json), Format: "http"}})
			}
		}
	}
	if s.Reference {
		files = append(files, s.haproxyReference(&b, codes)...)
	}
	if s.Maintenance != nil {
		files = append(files, s.haproxyMaintenance(&b)...)
	}
	return append([]File{{Path: "haproxy/errpages.cfg", Kind: "haproxy", Data: []byte(b.String())}}, files...)
}

// haproxyMaintenance writes the maintenance switch: errpages.cfg loads
// maintenance.lua, whose sample fetch says whether the flag file exists
// (read on every request: no reload), and maintenance-rules.cfg holds the
// rules a frontend needs, since HAProxy cannot include a file into a
// section.
func (s Site) haproxyMaintenance(b *strings.Builder) []File {
	m := s.Maintenance
	name := "errpages_maintenance"
	if s.Brand != "" {
		name = "errpages_" + strings.ReplaceAll(s.Brand, "-", "_") + "_maintenance"
	}
	root := strings.TrimSuffix(s.Root, "/")
	fmt.Fprintf(b, "\n# The maintenance switch's sample fetch, lua.%s (see maintenance-rules.cfg).\nglobal\n    lua-load %s\n", name, haproxyArg(root+"/haproxy/maintenance.lua"))

	lua := s.header("haproxy", "-- ", "errpages: the maintenance switch's sample fetch, loaded by errpages.cfg: 1 while",
		"the flag file exists, else 0. It opens the file on every request, so",
		"errpages maintenance on and off need no reload.") +
		fmt.Sprintf("\nlocal flag = %s\n\ncore.register_fetches(%s, function(txn)\n  local f = io.open(flag, \"rb\")\n  if f == nil then return 0 end\n  f:close()\n  return 1\nend)\n", luaString(m.Flag), luaString(name))

	acl := func(what string) string { return name + "_" + what }
	var r strings.Builder
	r.WriteString(s.header("haproxy", "# ",
		"errpages: the maintenance switch for a HAProxy frontend (mode http). HAProxy has",
		"no include: copy these lines into the frontend, before its other http-request",
		"rules, and load errpages.cfg before the file with the frontend (it loads",
		"maintenance.lua, whose fetch the rules use):",
		"",
		"    haproxy -f "+s.Root+"/haproxy/errpages.cfg -f /etc/haproxy/haproxy.cfg",
		"",
		"While "+m.Flag+" exists, every request but the",
		"exceptions gets the maintenance page, 503; the Lua fetch opens the file on",
		"every request (under HAProxy's Lua lock), so switching needs no reload.",
	))
	fmt.Fprintf(&r, "\nacl %s lua.%s -m int 1\n", acl("on"), name)
	fmt.Fprintf(&r, "acl %s always_false\n", acl("exempt"))
	if len(m.Allow) > 0 {
		fmt.Fprintf(&r, "acl %s src %s\n", acl("exempt"), strings.Join(m.Allow, " "))
	}
	if m.BypassName != "" {
		fmt.Fprintf(&r, "acl %s req.hdr(%s) -m str %s\n", acl("exempt"), m.BypassName, m.BypassValue)
	}
	if len(m.Health) > 0 {
		fmt.Fprintf(&r, "acl %s path %s\n", acl("exempt"), strings.Join(m.Health, " "))
	}
	fmt.Fprintf(&r, "acl %s req.hdr(accept) -m reg -i '^application/(problem\\+)?json'\n", acl("json"))
	rule := func(locale, cond string) {
		for _, json := range []bool{true, false} {
			ext, ctype, format := "html", "text/html; charset=utf-8", "!"+acl("json")
			if json {
				ext, ctype, format = "json", "application/problem+json", acl("json")
			}
			fmt.Fprintf(&r, "http-request return status 503 content-type %s file %s", haproxyArg(ctype), haproxyArg(s.pagesDir()+"/"+locale+"/maintenance."+ext))
			for _, h := range s.haproxyHeaders(locale, 503) {
				switch h.Name {
				case "Cache-Control":
					h.Value = "no-store"
				case "Retry-After":
					continue
				}
				r.WriteString(haproxyHdr(h))
			}
			fmt.Fprintf(&r, " hdr Retry-After %s if %s !%s %s%s\n", haproxyArg(m.RetryAfter), acl("on"), acl("exempt"), format, cond)
		}
	}
	for _, e := range s.languageKeys() {
		fmt.Fprintf(&r, "acl %s req.hdr(accept-language) -m reg -i '^%s([-,; ]|$)'\n", acl("lang_"+strings.ReplaceAll(e.tag, "-", "_")), e.pattern())
		rule(e.locale, " "+acl("lang_"+strings.ReplaceAll(e.tag, "-", "_")))
	}
	rule(s.DefaultLocale, "")
	return []File{
		{Path: "haproxy/maintenance.lua", Kind: "haproxy", Data: []byte(lua)},
		{Path: "haproxy/maintenance-rules.cfg", Kind: "haproxy", Data: []byte(r.String())},
	}
}

// haproxyReferenceHelp explains the defaults sections that fill in the
// Reference block, when it is on.
func (s Site) haproxyReferenceHelp(other string) []string {
	if !s.Reference {
		return nil
	}
	return []string{
		"",
		"The Reference block: a defaults section per language, " + s.haproxySection(s.DefaultLocale) + "-reference",
		"and so on, answers HAProxy's own errors with pages whose request ID, time and",
		"host (and path) HAProxy fills in as log-format expressions (http-error",
		"lf-file). Load this file first and inherit from one in your defaults section:",
		"",
		"    haproxy -f " + s.Root + "/haproxy/errpages.cfg -f /etc/haproxy/haproxy.cfg",
		"",
		"    defaults from " + s.haproxySection(s.DefaultLocale) + "-reference",
		"        log-format \"%ID %ci:%cp [%tr] %ft %b/%s %ST %B %{+Q}r\"",
		"",
		"It sets unique-id-format; log %ID so that the IDs match. A deny rule can",
		"send one of these pages in another language, with its headers:",
		"",
		"    http-request deny deny_status 404 content-type \"text/html; charset=utf-8\" lf-file " + s.Root + "/haproxy/reference/" + other + "/404.html hdr Content-Language " + other + " if { ... }",
		"",
		"HAProxy shows its own unique-id even with trust_request_id. It cuts the",
		"host and path at the first <, > or &, as a log-format expression cannot",
		"escape them.",
	}
}

// haproxyUniqueID is the unique-id-format of the Reference block's
// defaults sections, HAProxy's documented example: client and frontend
// address and port, accept date, request counter and process, in hex.
const haproxyUniqueID = `%{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid`

// haproxyFill turns a page into an lf-file: the Reference block's
// directives become log-format expressions and every other '%' is
// doubled. The host and path are cut at the first character that could
// start markup (no HAProxy 2.6 converter escapes HTML, and regsub crashes
// it in a defaults section), and to a length the page budget counts.
var haproxyFill = strings.NewReplacer(
	ReferenceDirective("id"), "%[unique-id]",
	ReferenceDirective("time"), `%[date,utime("%Y-%m-%d %H:%M:%S UTC")]`,
	ReferenceDirective("host"), "%[req.hdr(host),field(1,<>&),bytes(0,255)]",
	ReferenceDirective("path"), "%[path,field(1,<>&),bytes(0,1024)]",
	"%", "%%",
)

// haproxyWidest fills the Reference block with the longest values
// haproxyFill can produce, for the size limit.
var haproxyWidest = strings.NewReplacer(
	ReferenceDirective("id"), strings.Repeat("X", 64),
	ReferenceDirective("time"), "2006-01-02 15:04:05 UTC",
	ReferenceDirective("host"), strings.Repeat("h", 255),
	ReferenceDirective("path"), strings.Repeat("p", 1024),
)

// haproxyReference writes the Reference block's defaults sections into b
// and returns their lf-files, haproxy/reference/<locale>/<code>.html.
func (s Site) haproxyReference(b *strings.Builder, codes []int) []File {
	var files []File
	for _, l := range s.orderedLocales() {
		fmt.Fprintf(b, "\ndefaults %s-reference\n    mode http\n    unique-id-format %s\n", s.haproxySection(l), haproxyUniqueID)
		for _, c := range codes {
			p := fmt.Sprintf("haproxy/reference/%s/%d.html", l, c)
			fmt.Fprintf(b, "    http-error status %d content-type \"text/html; charset=utf-8\" lf-file %s", c, haproxyArg(strings.TrimSuffix(s.Root, "/")+"/"+p))
			for _, h := range s.haproxyHeaders(l, c) {
				b.WriteString(haproxyHdr(h))
			}
			b.WriteString("\n")
			limit := s.haproxyResponse(p, l, c, false)
			files = append(files, File{Path: p, Kind: "haproxy", Page: &PageRef{Locale: l, Code: c, Sub: -1, Format: "lf", Wrap: func(page []byte) ([]byte, error) {
				if _, err := limit([]byte(haproxyWidest.Replace(string(page)))); err != nil {
					return nil, err
				}
				return []byte(haproxyFill.Replace(string(page))), nil
			}}})
		}
	}
	return files
}

// haproxyHdr is an hdr argument of http-error and http-request return,
// whose value is a log-format string.
func haproxyHdr(h Header) string {
	return " hdr " + h.Name + " " + haproxyArg(strings.ReplaceAll(h.Value, "%", "%%"))
}

// haproxyArg quotes a word of HAProxy's configuration: inside double
// quotes a backslash escapes '"', '\\' and '$' (which would expand an
// environment variable).
func haproxyArg(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(v) + `"`
}

// haproxyHeaders are the headers of a page HAProxy sends, after its
// Content-Type.
func (s Site) haproxyHeaders(locale string, code int) []Header {
	h := []Header{{"Content-Language", locale}, {"Vary", "Accept-Language, Accept"}, {"Cache-Control", s.cacheControl(code)}}
	if v, ok := s.RetryAfter[code]; ok {
		h = append(h, Header{"Retry-After", v})
	}
	return append(h, s.Headers...)
}

// haproxyResponse returns the function that wraps a page (or, with json, a
// problem document) into the raw response HAProxy sends for code: status
// line, CRLF headers, blank line.
func (s Site) haproxyResponse(name, locale string, code int, json bool) func([]byte) ([]byte, error) {
	contentType := "text/html; charset=utf-8"
	if json {
		contentType = "application/problem+json"
	}
	return func(page []byte) ([]byte, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
		fmt.Fprintf(&b, "Content-Type: %s\r\n", contentType)
		for _, h := range s.haproxyHeaders(locale, code) {
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(page))
		b.WriteString("Connection: close\r\n\r\n")
		out := append([]byte(b.String()), page...)
		if limit, bufsize, maxrewrite := s.HAProxy.limit(); len(out) > limit {
			return nil, &Problem{[]string{"haproxy", "bufsize"}, fmt.Sprintf("%s is %d bytes, over HAProxy's limit of %d (tune.bufsize %d minus tune.maxrewrite %d): make the page smaller (logo, footer, steps), or raise tune.bufsize in HAProxy and set the same [server.haproxy] bufsize", name, len(out), limit, bufsize, maxrewrite)}
		}
		return out, nil
	}
}
