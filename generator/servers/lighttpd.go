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
	b.WriteString(s.header("lighttpd", "# ", append([]string{
		"errpages: lighttpd 1.4.46+ error pages. Include this file at the top level of",
		"lighttpd.conf, after any server.errorfile-prefix of your own:",
		"",
		"    include \"" + dir + "errpages.conf\"",
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
		"    include \"" + dir + "magnet.conf\"",
	}, s.lighttpdReferenceHelp(dir)...)...))
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
	if s.Reference {
		files = append(files, s.lighttpdReference(dir)...)
	}
	if s.Maintenance != nil {
		files = append(files, s.lighttpdMaintenance(dir)...)
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
	return s.lighttpdTables(dir, "errpages: run by mod_magnet as each response starts (see magnet.conf).") + `}

local r = lighty.r
local status = r.req_item.http_status
if status < 400 then return 0 end
` + luaLanguage + `
-- Only lighttpd's own errors carry the error file: compare the body.
local file = io.open(dir .. lang .. "/status-" .. status .. ".html", "rb")
if not file then return 0 end
local page = file:read("*a")
file:close()
if r.resp_body.len ~= #page or r.resp_body.get ~= page then return 0 end
` + luaHeaders + `return 0
`
}

// luaLanguage sets lang to the locale of the first Accept-Language tag, as
// errpages.conf picks it.
const luaLanguage = `
local lang = default
local al = string.lower(r.req_header["Accept-Language"] or "")
for _, k in ipairs(langs) do
  local after = al:sub(#k[1] + 1, #k[1] + 1)
  if al:sub(1, #k[1]) == k[1] and (after == "" or after:find("^[%-,; ]")) then
    lang = k[2]
    break
  end
end
`

// luaHeaders adds the page's headers to the response.
const luaHeaders = `
local h = r.resp_header
h["Content-Language"] = lang
h["Vary"] = "Accept-Language"
h["Cache-Control"] = cache[status] or "no-store"
if retry[status] then h["Retry-After"] = retry[status] end
for _, kv in ipairs(headers) do h[kv[1]] = kv[2] end
`

// lighttpdTables starts a mod_magnet script: its header comment and the
// tables of languages, Cache-Control, Retry-After and headers, up to the
// closing brace of the last.
func (s Site) lighttpdTables(dir, about string) string {
	var b strings.Builder
	b.WriteString(s.header("lighttpd", "-- ", about))
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
	return b.String()
}

// lighttpdReferenceHelp points to reference.conf, when the Reference block
// is on.
func (s Site) lighttpdReferenceHelp(dir string) []string {
	if !s.Reference {
		return nil
	}
	return []string{
		"",
		"The Reference block: reference.conf (lighttpd 1.4.56+ with mod_magnet) sends",
		"the pages through a script that fills in the request ID, time and host:",
		"",
		"    include \"" + dir + "reference.conf\"",
	}
}

// lighttpdHandler is the URL of the error handler that fills in the
// Reference block.
func (s Site) lighttpdHandler() string {
	if s.Brand == "" {
		return "/errpages-reference"
	}
	return "/errpages-reference-" + s.Brand
}

// lighttpdReference writes reference.conf and its two mod_magnet scripts:
// request-id.lua gives every request an ID in the environment variable
// UNIQUE_ID, and reference.lua, lighttpd's error handler, answers an error
// with its page, the Reference block filled in and HTML-escaped.
func (s Site) lighttpdReference(dir string) []File {
	var c strings.Builder
	c.WriteString(s.header("lighttpd", "# ",
		"errpages: fills in the Reference block of the lighttpd error pages. Include",
		"it after errpages.conf:",
		"",
		"    include \""+dir+"reference.conf\"",
		"",
		"Needs lighttpd 1.4.56+ (server.error-handler) and mod_magnet. Every request",
		"gets an ID in the environment variable UNIQUE_ID (CGI and FastCGI",
		"backends see it too); log it so that the IDs match:",
		"",
		"    accesslog.format = \"%{UNIQUE_ID}e %h %t \\\"%r\\\" %>s %b\"",
		"",
		"lighttpd's errors go to the error handler "+s.lighttpdHandler()+", where",
		"reference.lua sends the page of the status and language with its headers;",
		"errpages.conf's files remain for the errors lighttpd answers before any",
		"handler (a bad request line).",
	))
	fmt.Fprintf(&c, "\nserver.modules += ( \"mod_magnet\" )\nmagnet.attract-raw-url-to += ( \"%srequest-id.lua\" )\n", dir)
	fmt.Fprintf(&c, "server.error-handler = \"%s\"\n", s.lighttpdHandler())
	fmt.Fprintf(&c, "$HTTP[\"url\"] == \"%s\" {\n    magnet.attract-physical-path-to = ( \"%sreference.lua\" )\n}\n", s.lighttpdHandler(), dir)

	var id strings.Builder
	id.WriteString(s.header("lighttpd", "-- ", "errpages: run by mod_magnet for every request (see reference.conf)."))
	id.WriteString("\nlocal r = lighty.r\n")
	if s.TrustRequestID {
		id.WriteString(`-- trust_request_id: an incoming X-Request-ID of 1 to 128 ID characters.
local id = r.req_header["X-Request-ID"]
if id and #id <= 128 and id:find("^[A-Za-z0-9._:%-]+$") then
  r.req_env["UNIQUE_ID"] = id
  return 0
end
`)
	}
	id.WriteString(`-- 96 random bits, in hex.
local c = lighty.c
r.req_env["UNIQUE_ID"] = string.format("%08x%08x%08x", c.rand() & 0xffffffff, c.rand() & 0xffffffff, c.rand() & 0xffffffff)
return 0
`)

	ref := s.lighttpdTables(dir, "errpages: lighttpd's error handler (see reference.conf).") + `}

local r = lighty.r
-- Only as the error handler, which knows the original status.
local status = tonumber(r.req_env["REDIRECT_STATUS"] or "")
if not status then return 404 end
` + luaLanguage + `
local file = io.open(dir .. lang .. "/status-" .. status .. ".html", "rb")
if not file then return status end
local page = file:read("*a")
file:close()

local entities = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
-- fill replaces a directive of the Reference block with value, HTML-escaped.
local function fill(directive, value)
  local i, j = page:find(directive, 1, true)
  if i then
    page = page:sub(1, i - 1) .. string.gsub(value, "[&<>\"']", entities) .. page:sub(j + 1)
  end
end
fill(` + luaString(ReferenceDirective("id")) + `, r.req_env["UNIQUE_ID"] or "")
fill(` + luaString(ReferenceDirective("time")) + `, os.date("!%Y-%m-%d %H:%M:%S UTC"))
fill(` + luaString(ReferenceDirective("host")) + `, r.req_header["Host"] or "")
fill(` + luaString(ReferenceDirective("path")) + `, ((r.req_attr["request.orig-uri"] or ""):gsub("%?.*", "")))
r.resp_body.set({ page })
` + luaHeaders + `h["Content-Type"] = "text/html; charset=utf-8"
return status
`
	return []File{
		{Path: "lighttpd/reference.conf", Kind: "lighttpd", Data: []byte(c.String())},
		{Path: "lighttpd/request-id.lua", Kind: "lighttpd", Data: []byte(id.String())},
		{Path: "lighttpd/reference.lua", Kind: "lighttpd", Data: []byte(ref)},
	}
}

// lighttpdMaintenance writes maintenance.conf and maintenance.lua, the
// maintenance switch: a mod_magnet script that runs for every request and,
// while the flag file exists, answers the ones no exception lets through
// with the maintenance page and status 503. It reads the file on every
// request: no reload.
func (s Site) lighttpdMaintenance(dir string) []File {
	m := s.Maintenance
	var c strings.Builder
	c.WriteString(s.header("lighttpd", "# ",
		"errpages: the maintenance switch. Include it after errpages.conf:",
		"",
		"    include \""+dir+"maintenance.conf\"",
		"",
		"Needs mod_magnet, listed in server.modules before mod_auth (lighttpd runs",
		"modules in that order: after it, a protected path asks for a password",
		"first). Maintenance is on while "+m.Flag,
		"exists (errpages maintenance on/off); lighttpd reads it on every request.",
	))
	fmt.Fprintf(&c, "\nserver.modules += ( \"mod_magnet\" )\nmagnet.attract-raw-url-to += ( \"%smaintenance.lua\" )\n", dir)

	var b strings.Builder
	b.WriteString(s.lighttpdTables(dir, "errpages: the maintenance switch, run by mod_magnet for every request (see maintenance.conf)."))
	fmt.Fprintf(&b, "}\n\nlocal flag = %s\nlocal pages = %s\nlocal retry_after = %s\nlocal health = {", luaString(m.Flag), luaString(s.pagesDir()+"/"), luaString(m.RetryAfter))
	for _, h := range m.Health {
		fmt.Fprintf(&b, " [%s] = true,", luaString(h))
	}
	b.WriteString(" }\nlocal allow = {")
	for _, a := range m.Allow {
		addr, bits, ok := strings.Cut(a, "/")
		if !ok {
			bits = "32"
			if strings.Contains(addr, ":") {
				bits = "128"
			}
		}
		fmt.Fprintf(&b, " { %s, %s },", luaString(addr), bits)
	}
	b.WriteString(" }\n")
	if m.BypassName != "" {
		fmt.Fprintf(&b, "local bypass_name, bypass_value = %s, %s\n", luaString(m.BypassName), luaString(m.BypassValue))
	} else {
		b.WriteString("local bypass_name, bypass_value\n")
	}
	b.WriteString(luaMaintenance)
	b.WriteString(luaLanguage)
	b.WriteString(`
local format, ctype = "html", "text/html; charset=utf-8"
local accept = string.lower(r.req_header["Accept"] or "")
if accept:find("^application/problem%+json") or accept:find("^application/json") then
  format, ctype = "json", "application/problem+json"
end
local file = io.open(pages .. lang .. "/maintenance." .. format, "rb")
if not file then return 503 end
local page = file:read("*a")
file:close()
r.resp_body.set({ page })
local status = 503
` + luaHeaders + `h["Content-Type"] = ctype
h["Vary"] = "Accept-Language, Accept"
h["Cache-Control"] = "no-store"
h["Retry-After"] = retry_after
return 503
`)
	return []File{
		{Path: "lighttpd/maintenance.conf", Kind: "lighttpd", Data: []byte(c.String())},
		{Path: "lighttpd/maintenance.lua", Kind: "lighttpd", Data: []byte(b.String())},
	}
}

// luaMaintenance lets the exceptions of the maintenance switch through:
// no flag file, a health path, the bypass header, an allowed address.
const luaMaintenance = `
-- bytes returns an IPv4 or IPv6 address as a list of its bytes.
local function bytes(ip)
  local out = {}
  if not ip:find(":") then
    for n in ip:gmatch("%d+") do out[#out + 1] = tonumber(n) end
    return out
  end
  local groups, head, tail = {}, ip:match("^(.-)::(.*)$")
  local function add(part, into)
    for g in part:gmatch("[^:]+") do into[#into + 1] = tonumber(g, 16) or 0 end
  end
  if head then
    local h, t = {}, {}
    add(head, h)
    add(tail, t)
    for _, g in ipairs(h) do groups[#groups + 1] = g end
    for _ = 1, 8 - #h - #t do groups[#groups + 1] = 0 end
    for _, g in ipairs(t) do groups[#groups + 1] = g end
  else
    add(ip, groups)
  end
  for _, g in ipairs(groups) do
    out[#out + 1] = g >> 8
    out[#out + 1] = g & 255
  end
  return out
end

-- within reports whether the address addr is in the range net/bits.
local function within(addr, net, bits)
  local a, n = bytes(addr), bytes(net)
  if #a ~= #n then return false end
  for i = 1, #a do
    local take = math.min(8, bits - (i - 1) * 8)
    if take <= 0 then return true end
    local mask = (0xff << (8 - take)) & 0xff
    if (a[i] & mask) ~= (n[i] & mask) then return false end
  end
  return true
end

local r = lighty.r
local f = io.open(flag, "rb")
if not f then return 0 end
f:close()
if health[r.req_attr["uri.path"]] then return 0 end
if bypass_name and r.req_header[bypass_name] == bypass_value then return 0 end
local addr = r.req_attr["request.remote-addr"] or ""
for _, a in ipairs(allow) do
  if within(addr, a[1], a[2]) then return 0 end
end
`
