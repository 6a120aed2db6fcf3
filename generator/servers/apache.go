package servers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

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

// apacheTarget writes Apache httpd 2.4 configuration.
type apacheTarget struct{}

func init() { register(20, apacheTarget{}) }

func (apacheTarget) name() string { return "apache" }

func (apacheTarget) omits(code int) string {
	if !slices.Contains(apacheCodes, code) {
		return "Apache httpd 2.4 has no status line for it: ErrorDocument fails the config test (\"Unsupported HTTP response code\")"
	}
	return ""
}

func (apacheTarget) write(s Site) ([]File, error) { return apache(s), nil }

// apache writes apache/errpages.conf (server or virtual host config), one
// type map per code (pages/<code>.var) that negotiates language and format,
// and the .htaccess variant: pages/.htaccess, pages/<locale>/.htaccess and
// apache/htaccess.conf with the ErrorDocument lines for the DocumentRoot.
func apache(s Site) []File {
	var files []File
	var c strings.Builder
	c.WriteString(s.header("apache", "# ",
		"errpages: Apache httpd 2.4 configuration. Include it in the server config or",
		"inside a <VirtualHost>:",
		"",
		"    Include "+s.Root+"/apache/errpages.conf",
		"",
		"Needs mod_alias, mod_mime, mod_negotiation, mod_headers and mod_authz_core",
		"(on Debian: a2enmod headers; the others are enabled by default).",
		"Proxied responses need `ProxyErrorOverride On` to get these pages, and a",
		"`SetHandler` in <Location /> needs `SetHandler none` for "+s.URLPrefix+".",
	))
	fmt.Fprintf(&c, "\nAlias \"%s\" \"%s/\"\n", s.URLPrefix, s.pagesDir())
	fmt.Fprintf(&c, "<Directory \"%s\">\n", s.pagesDir())
	c.WriteString("    # The .htaccess files in this folder are for the .htaccess variant only.\n")
	c.WriteString("    AllowOverride None\n")
	c.WriteString("    Require all granted\n")
	c.WriteString("    # Only error documents may use these files: a direct request gets 403.\n")
	c.WriteString("    <If \"-z %{ENV:REDIRECT_STATUS}\">\n        Require all denied\n    </If>\n")
	c.WriteString(indent(s.apacheDirectives(), "    "))
	c.WriteString("</Directory>\n")
	for _, l := range s.Locales {
		fmt.Fprintf(&c, "<Directory \"%s/%s\">\n    DefaultLanguage %s\n</Directory>\n", s.pagesDir(), l, l)
	}
	c.WriteString("\n" + s.errorDocuments())
	files = append(files, File{Path: "apache/errpages.conf", Kind: "apache", Data: []byte(c.String())})

	var h strings.Builder
	h.WriteString(s.header("apache", "# ",
		"errpages: the .htaccess variant, for shared hosting without access to the",
		"server config. Copy the pages/ folder to <DocumentRoot>"+strings.TrimSuffix(s.URLPrefix, "/")+"/ (its",
		".htaccess files come along) and add the lines below to <DocumentRoot>/.htaccess.",
		"The server must allow `AllowOverride FileInfo` and load mod_headers.",
		".htaccess files apply only once Apache has mapped a request to a folder: a",
		"408 (request timeout) or a 400 from the request parser keeps Apache's own page.",
	))
	h.WriteString("\n" + s.errorDocuments())
	files = append(files, File{Path: "apache/htaccess.conf", Kind: "apache", Data: []byte(h.String())})
	files = append(files, File{Path: "pages/.htaccess", Kind: "apache", Data: []byte(
		s.header("apache", "# ", "errpages: settings for the error pages folder (see apache/htaccess.conf).") + s.apacheDirectives())})
	for _, l := range s.Locales {
		files = append(files, File{Path: "pages/" + l + "/.htaccess", Kind: "apache", Data: []byte("DefaultLanguage " + l + "\n")})
	}
	for _, code := range s.codesFor("apache") {
		files = append(files, File{Path: fmt.Sprintf("pages/%d.var", code), Kind: "apache", Data: []byte(s.typeMap(strconv.Itoa(code)))})
	}
	if s.Maintenance != nil {
		files = append(files, File{Path: "pages/maintenance.var", Kind: "apache", Data: []byte(s.typeMap("maintenance"))})
	}
	return files
}

// apacheDirectives are the settings of the pages folder, shared by the
// server config and the .htaccess variant.
func (s Site) apacheDirectives() string {
	var b strings.Builder
	b.WriteString("AddHandler type-map .var\n")
	b.WriteString("AddType text/html .html\n")
	b.WriteString("AddType application/problem+json .json\n")
	b.WriteString("# Without ForceLanguagePriority an unsupported language gets 406 or 300.\n")
	b.WriteString("LanguagePriority " + strings.Join(s.orderedLocales(), " ") + "\n")
	b.WriteString("ForceLanguagePriority Prefer Fallback\n")
	b.WriteString("# The served type comes from mod_mime, so the type map's charset is not sent.\n")
	b.WriteString("AddDefaultCharset UTF-8\n")
	b.WriteString("# Negotiated responses get a malformed ETag: send none.\n")
	b.WriteString("FileETag None\n")
	b.WriteString("Header always set Cache-Control \"no-store\"\n")
	for _, h := range s.Headers {
		// Set here, these replace any value the server sets for other pages.
		// mod_headers reads % as a format specifier.
		fmt.Fprintf(&b, "Header always set %s %s\n", h.Name, quote(strings.ReplaceAll(h.Value, "%", "%%")))
	}
	for _, c := range s.Codes {
		if v := s.cacheControl(c); v != "no-store" {
			fmt.Fprintf(&b, "Header always set Cache-Control \"%s\" \"expr=%%{REQUEST_STATUS} == %d\"\n", v, c)
		}
	}
	for _, c := range s.Codes {
		if v, ok := s.RetryAfter[c]; ok {
			fmt.Fprintf(&b, "Header always set Retry-After \"%s\" \"expr=%%{REQUEST_STATUS} == %d\"\n", v, c)
		}
	}
	if m := s.Maintenance; m != nil {
		fmt.Fprintf(&b, "Header always set Retry-After \"%s\" \"expr=%%{REQUEST_STATUS} == 503 && %%{REQUEST_URI} =~ m#/maintenance\\.#\"\n", m.RetryAfter)
	}
	if s.Reference {
		b.WriteString("# The Reference block: mod_include fills in UNIQUE_ID (mod_unique_id; log it\n")
		b.WriteString("# with %{UNIQUE_ID}e), DATE_GMT, HTTP_HOST and REDIRECT_URL, entity-encoded.\n")
		b.WriteString("# Needs a2enmod include unique_id (and setenvif, on by default, for the path);\n")
		b.WriteString("# in .htaccess, AllowOverride Options=IncludesNOEXEC.\n")
		b.WriteString("Options +IncludesNOEXEC\n")
		b.WriteString("AddOutputFilter INCLUDES .html\n")
	}
	return b.String()
}

// errorDocuments are local paths only: a full URL makes Apache redirect
// (and refuse to start for 401).
func (s Site) errorDocuments() string {
	var b strings.Builder
	if s.Reference && s.TrustRequestID {
		b.WriteString("# trust_request_id: an incoming X-Request-ID made of ID characters replaces\n")
		b.WriteString("# mod_unique_id's UNIQUE_ID, in the Reference block and in %{UNIQUE_ID}e.\n")
		b.WriteString("<IfModule setenvif_module>\n    SetEnvIf X-Request-ID \"^([A-Za-z0-9._:-]{1,128})$\" UNIQUE_ID=$1\n</IfModule>\n")
	}
	if s.ReferencePath {
		b.WriteString("# The path the Reference block shows: saved on every request (mod_setenvif),\n")
		b.WriteString("# read on the error page two redirects later.\n")
		b.WriteString("<IfModule setenvif_module>\n    SetEnvIf Request_URI \"^(.*)$\" ERRPAGES_PATH=$1\n</IfModule>\n")
	}
	for _, c := range s.codesFor("apache") {
		fmt.Fprintf(&b, "ErrorDocument %d %s%d.var\n", c, s.URLPrefix, c)
	}
	if s.Maintenance != nil {
		b.WriteString(s.apacheMaintenance())
	}
	return b.String()
}

// apacheMaintenance is the maintenance switch: while the flag file exists,
// every request but the error pages', the allowed addresses', those with
// the bypass header and those for a health path gets status 503 and the
// maintenance page. Apache checks the file on every request: no reload.
func (s Site) apacheMaintenance() string {
	m := s.Maintenance
	// The flag's path goes in double quotes (escaped in the directive's
	// argument): a root may hold an apostrophe, never a double quote.
	cond := []string{fmt.Sprintf(`-f \"%s\"`, m.Flag), fmt.Sprintf("%%{REQUEST_URI} !~ m#^%s#", s.URLPrefix)}
	for _, a := range m.Allow {
		cond = append(cond, fmt.Sprintf("! -R '%s'", a))
	}
	if m.BypassName != "" {
		cond = append(cond, fmt.Sprintf("req('%s') != '%s'", m.BypassName, m.BypassValue))
	}
	if len(m.Health) > 0 {
		cond = append(cond, "! %{REQUEST_URI} in { '"+strings.Join(m.Health, "', '")+"' }")
	}
	var b strings.Builder
	b.WriteString("\n# Maintenance: on while the flag file exists (errpages maintenance on/off).\n")
	fmt.Fprintf(&b, "<If \"%s\">\n", strings.Join(cond, " && "))
	fmt.Fprintf(&b, "    ErrorDocument 503 %smaintenance.var\n", s.URLPrefix)
	b.WriteString("    Redirect 503\n</If>\n")
	return b.String()
}

// typeMap lists, for every locale, the HTML page and the problem+json
// document twice: Apache matches media types literally, so JSON clients
// asking for application/json need their own record.
func (s Site) typeMap(name string) string {
	var b strings.Builder
	for i, l := range s.orderedLocales() {
		if i > 0 {
			b.WriteString("\n")
		}
		// Apache matches a language by prefix (de-CH gets de), but zh-TW
		// must be told it means zh-Hant.
		langs := strings.Join(append([]string{l}, scriptAliases[l]...), ", ")
		fmt.Fprintf(&b, "URI: %s/%s.html\nContent-Type: text/html; charset=utf-8\nContent-Language: %s\n\n", l, name, langs)
		fmt.Fprintf(&b, "URI: %s/%s.json\nContent-Type: application/problem+json; qs=0.5\nContent-Language: %s\n\n", l, name, langs)
		fmt.Fprintf(&b, "URI: %s/%s.json\nContent-Type: application/json; qs=0.4\nContent-Language: %s\n", l, name, langs)
	}
	return b.String()
}

// indent prefixes every line of s but the empty ones.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" && l != "\n" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}
