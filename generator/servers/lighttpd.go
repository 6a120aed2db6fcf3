package servers

import (
	"fmt"
	"strings"
)

// lighttpdTarget writes lighttpd configuration and its mod_magnet script.
type lighttpdTarget struct{}

func init() { register(60, lighttpdTarget{}) }

func (lighttpdTarget) name() string { return "lighttpd" }

func (lighttpdTarget) omits(int) string { return "" }

func (lighttpdTarget) write(s Site) ([]File, error) { return lighttpd(s), nil }

// lighttpd writes lighttpd/errpages.conf and the pages it names,
// lighttpd/<locale>/status-<code>.html: server.errorfile-prefix serves them
// for lighttpd's own errors with the original status, and conditionals on
// Accept-Language pick the folder. The optional lighttpd/magnet.conf runs
// lighttpd/errpages.lua (mod_magnet), which adds the headers lighttpd
// cannot otherwise send with an error file. There is no problem+json
// variant: a body replaced as the response starts is never finished
// (tested with lighttpd 1.4.69).
func lighttpd(s Site) []File {
	dir := strings.TrimSuffix(s.Root, "/") + "/lighttpd/"
	var b strings.Builder
	b.WriteString(s.header("lighttpd", "# ",
		"errpages: lighttpd 1.4.46+ error pages. Include this file at the top level of",
		"lighttpd.conf, after any server.errorfile-prefix of your own:",
		"",
		"    include \""+dir+"errpages.conf\"",
		"",
		"lighttpd uses these pages for the errors it produces itself (a missing file,",
		"url.access-deny, mod_auth's 401, a proxied backend that is down → 503) and",
		"keeps the status; a backend's own error responses pass unchanged. The",
		"visitor's language is the first Accept-Language tag that matches a",
		"generated locale.",
		"lighttpd sends an error file with only Content-Type, and JSON clients get",
		"the HTML page too. For Content-Language, Vary, Cache-Control, Retry-After",
		"and the security headers, also include magnet.conf (needs mod_magnet; on",
		"Debian the package lighttpd-modules-lua):",
		"",
		"    include \""+dir+"magnet.conf\"",
	))
	fmt.Fprintf(&b, "\nserver.errorfile-prefix = \"%s%s/status-\"\n", dir, s.DefaultLocale)
	for i, e := range s.languageKeys() {
		if i > 0 {
			b.WriteString("else ")
		}
		fmt.Fprintf(&b, "$REQUEST_HEADER[\"Accept-Language\"] =~ \"(?i)^%s([-,; ]|$)\" {\n", e.pattern())
		fmt.Fprintf(&b, "    server.errorfile-prefix = \"%s%s/status-\"\n}\n", dir, e.locale)
	}

	var m strings.Builder
	m.WriteString(s.header("lighttpd", "# ",
		"errpages: headers for the lighttpd error pages of errpages.conf. Include it",
		"after errpages.conf:",
		"",
		"    include \""+dir+"magnet.conf\"",
		"",
		"Needs mod_magnet with magnet.attract-response-start-to (tested with",
		"lighttpd 1.4.69; on Debian: apt install lighttpd-modules-lua).",
	))
	fmt.Fprintf(&m, "\nserver.modules += ( \"mod_magnet\" )\nmagnet.attract-response-start-to += ( \"%serrpages.lua\" )\n", dir)

	files := []File{
		{Path: "lighttpd/errpages.conf", Kind: "lighttpd", Data: []byte(b.String())},
		{Path: "lighttpd/magnet.conf", Kind: "lighttpd", Data: []byte(m.String())},
		{Path: "lighttpd/errpages.lua", Kind: "lighttpd", Data: []byte(s.lighttpdLua(dir))},
	}
	for _, l := range s.orderedLocales() {
		for _, c := range s.Codes {
			files = append(files, File{Path: fmt.Sprintf("lighttpd/%s/status-%d.html", l, c), Kind: "lighttpd", Page: &PageRef{Locale: l, Code: c, Sub: -1}})
		}
	}
	return files
}

// lighttpdLua is the mod_magnet script run as each response starts. It
// acts only when the body is the error file errpages.conf chose, so a
// backend's own error responses pass unchanged.
func (s Site) lighttpdLua(dir string) string {
	var b strings.Builder
	b.WriteString(s.header("lighttpd", "-- ",
		"errpages: run by mod_magnet as each response starts (see magnet.conf).",
	))
	fmt.Fprintf(&b, "\nlocal dir = %s\nlocal default = %s\n", luaString(dir), luaString(s.DefaultLocale))
	b.WriteString("-- Language tags, most specific first; each matches as a prefix of the\n")
	b.WriteString("-- first Accept-Language tag, as in errpages.conf.\nlocal langs = {\n")
	for _, e := range s.languageKeys() {
		fmt.Fprintf(&b, "  { %s, %s },\n", luaString(e.tag), luaString(e.locale))
	}
	b.WriteString("}\nlocal cache = {")
	for _, c := range s.Codes {
		if v := s.cacheControl(c); v != "no-store" {
			fmt.Fprintf(&b, " [%d] = %s,", c, luaString(v))
		}
	}
	b.WriteString(" }\nlocal retry = {")
	for _, c := range s.Codes {
		if v, ok := s.RetryAfter[c]; ok {
			fmt.Fprintf(&b, " [%d] = %s,", c, luaString(v))
		}
	}
	b.WriteString(" }\nlocal headers = {\n")
	for _, h := range s.Headers {
		fmt.Fprintf(&b, "  { %s, %s },\n", luaString(h.Name), luaString(h.Value))
	}
	b.WriteString(`}

local r = lighty.r
local status = r.req_item.http_status
if status < 400 then return 0 end

local lang = default
local al = string.lower(r.req_header["Accept-Language"] or "")
for _, k in ipairs(langs) do
  local after = al:sub(#k[1] + 1, #k[1] + 1)
  if al:sub(1, #k[1]) == k[1] and (after == "" or after:find("^[%-,; ]")) then
    lang = k[2]
    break
  end
end

-- Only lighttpd's own errors carry the error file: compare the body.
local file = io.open(dir .. lang .. "/status-" .. status .. ".html", "rb")
if not file then return 0 end
local page = file:read("*a")
file:close()
if r.resp_body.len ~= #page or r.resp_body.get ~= page then return 0 end

local h = r.resp_header
h["Content-Language"] = lang
h["Vary"] = "Accept-Language"
h["Cache-Control"] = cache[status] or "no-store"
if retry[status] then h["Retry-After"] = retry[status] end
for _, kv in ipairs(headers) do h[kv[1]] = kv[2] end
return 0
`)
	return b.String()
}
