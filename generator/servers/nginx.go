package servers

import (
	"fmt"
	"strings"
)

// nginxTarget writes nginx configuration.
type nginxTarget struct{}

func init() { register(10, nginxTarget{}) }

func (nginxTarget) name() string { return "nginx" }

func (nginxTarget) omits(code int) string {
	switch code {
	case 408:
		return "nginx closes a timed-out connection without a response, so error_page never applies"
	case 499:
		return "nginx's own code for a client that closed the connection: error_page refuses it"
	}
	return ""
}

// write writes nginx/http.conf (maps for the http {} level) and
// nginx/server.conf (error_page directives and the error location for a
// server {} block).
func (nginxTarget) write(s Site) ([]File, error) {
	return []File{
		{Path: "nginx/http.conf", Kind: "nginx", Data: []byte(nginxHTTP(s))},
		{Path: "nginx/server.conf", Kind: "nginx", Data: []byte(nginxServer(s))},
	}, nil
}

// nginxVars returns the names of the brand's four variables: the
// language, the format, and the Cache-Control and Retry-After values.
func (s Site) nginxVars() (lang, format, cache, retry string) {
	return s.nginxVar("lang"), s.nginxVar("fmt"), s.nginxVar("cache"), s.nginxVar("retry")
}

// nginxVar names this brand's nginx variables, so that the maps of several
// brands can live in one http {} block.
func (s Site) nginxVar(name string) string {
	if s.Brand == "" {
		return "$errpages_" + name
	}
	return "$errpages_" + strings.NewReplacer("-", "_").Replace(s.Brand) + "_" + name
}

// nginxHTTP returns the maps that pick the language, the format and the
// headers per status.
func nginxHTTP(s Site) string {
	var h strings.Builder
	h.WriteString(s.header("nginx", "# ",
		"errpages: nginx maps. Include this file once at the http {} level, before the",
		"server {} blocks that include server.conf:",
		"",
		"    http {",
		"        include \""+s.Root+"/nginx/http.conf\";",
		"        server { ... include \""+s.Root+"/nginx/server.conf\"; }",
		"    }",
	))
	h.WriteString(s.nginxMaps("$http_accept", "$request_uri"))
	return h.String()
}

// nginxMaps returns the maps of the language (from Accept-Language), the
// format (from the variable accept), the Cache-Control and Retry-After
// values, and those of the Reference block (the path from uri).
func (s Site) nginxMaps(accept, uri string) string {
	lang, fmtVar, cache, retry := s.nginxVars()
	var b strings.Builder
	b.WriteString("\n# The visitor's language: the first Accept-Language tag that matches a generated\n")
	b.WriteString("# locale (nginx maps ignore q-values, so the browser's first choice wins).\n")
	fmt.Fprintf(&b, "map $http_accept_language %s {\n    default %s;\n", lang, s.DefaultLocale)
	for _, e := range s.languageKeys() {
		fmt.Fprintf(&b, "    \"~*^%s([-,;\\s]|$)\" %s;\n", e.pattern(), e.locale)
	}
	b.WriteString("}\n\n# problem+json for clients that ask for JSON first; browsers get HTML.\n")
	fmt.Fprintf(&b, "map %s %s {\n    default html;\n    \"~*^application/(problem\\+)?json\" json;\n}\n", accept, fmtVar)
	b.WriteString("\n# Cache-Control per status: error responses must not be cached by guesswork.\n")
	fmt.Fprintf(&b, "map $status %s {\n    default \"no-store\";\n", cache)
	for _, c := range s.Codes {
		if v := s.cacheControl(c); v != "no-store" {
			fmt.Fprintf(&b, "    %d \"%s\";\n", c, v)
		}
	}
	b.WriteString("}\n\n# Retry-After per status; an empty value sends no header.\n")
	b.WriteString(s.nginxRetryMap(retry))
	if s.Maintenance != nil {
		b.WriteString(s.nginxMaintenanceMaps())
	}
	if s.Reference {
		b.WriteString(s.nginxReferenceMaps(uri))
	}
	return b.String()
}

// nginxRetryMap maps the status to its Retry-After value; with the
// maintenance switch, the maintenance page's status 503 gets its own.
func (s Site) nginxRetryMap(retry string) string {
	var b strings.Builder
	if m := s.Maintenance; m != nil {
		fmt.Fprintf(&b, "map \"$status:$uri\" %s {\n    default \"\";\n", retry)
		fmt.Fprintf(&b, "    \"~^503:%s[^/]+/maintenance\\.\" \"%s\";\n", s.URLPrefix, m.RetryAfter)
		for _, c := range s.Codes {
			if v, ok := s.RetryAfter[c]; ok {
				fmt.Fprintf(&b, "    \"~^%d:\" \"%s\";\n", c, v)
			}
		}
		b.WriteString("}\n")
		return b.String()
	}
	fmt.Fprintf(&b, "map $status %s {\n    default \"\";\n", retry)
	for _, c := range s.Codes {
		if v, ok := s.RetryAfter[c]; ok {
			fmt.Fprintf(&b, "    %d \"%s\";\n", c, v)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// nginxMaintenanceMaps decide which requests the maintenance switch lets
// through: the allowed addresses, the bypass header and the health paths.
func (s Site) nginxMaintenanceMaps() string {
	m := s.Maintenance
	var b strings.Builder
	b.WriteString("\n# Maintenance: the requests that get the real site while the flag file exists.\n")
	fmt.Fprintf(&b, "geo %s {\n    default 0;\n", s.nginxVar("maint_addr"))
	for _, a := range m.Allow {
		fmt.Fprintf(&b, "    %s 1;\n", a)
	}
	b.WriteString("}\n")
	fmt.Fprintf(&b, "map $uri %s {\n    default 0;\n", s.nginxVar("maint_path"))
	for _, h := range m.Health {
		fmt.Fprintf(&b, "    %s 1;\n", h)
	}
	b.WriteString("}\n")
	key := ""
	if m.BypassName != "" {
		fmt.Fprintf(&b, "map $http_%s %s {\n    default 0;\n    \"%s\" 1;\n}\n",
			strings.ToLower(strings.ReplaceAll(m.BypassName, "-", "_")), s.nginxVar("maint_key"), m.BypassValue)
		key = s.nginxVar("maint_key")
	}
	fmt.Fprintf(&b, "map \"%s%s%s\" %s {\n    default 0;\n    \"~1\" 1;\n}\n", s.nginxVar("maint_addr"), s.nginxVar("maint_path"), key, s.nginxVar("maint_exempt"))
	return b.String()
}

// nginxReferenceMaps returns the maps the Reference block reads: the request
// ID (an incoming X-Request-ID only when trusted, and only when it is made
// of ID characters) and the path without its query string.
func (s Site) nginxReferenceMaps(uri string) string {
	var b strings.Builder
	b.WriteString("\n# The request ID the Reference block shows; log it with $request_id (or this\n")
	b.WriteString("# variable) in your log_format so that the two match.\n")
	if s.TrustRequestID {
		fmt.Fprintf(&b, "map $http_x_request_id %s {\n    \"~^[A-Za-z0-9._:-]{1,128}$\" $http_x_request_id;\n    default $request_id;\n}\n", s.nginxVar("rid"))
	} else {
		fmt.Fprintf(&b, "map $request_id %s {\n    default $request_id;\n}\n", s.nginxVar("rid"))
	}
	if s.ReferencePath {
		fmt.Fprintf(&b, "map %s %s {\n    \"~^(?<errpages_path_only>[^?]*)\" $errpages_path_only;\n}\n", uri, s.nginxVar("path"))
	}
	return b.String()
}

// nginxServer returns the error_page lines and the error location.
//
// error_page without "=" and with a local URI keeps the original status (a
// 401 stays a 401 and keeps WWW-Authenticate) and turns any method into
// GET, so a POST gets the page too. The location is internal: a direct
// request gets a 404. try_files falls back to the default locale when a
// language file is missing.
func nginxServer(s Site) string {
	var b strings.Builder
	b.WriteString(s.header("nginx", "# ",
		"errpages: error pages for one nginx server {} block. Include it at server level,",
		"after including http.conf at the http {} level:",
		"",
		"    server {",
		"        include \""+s.Root+"/nginx/server.conf\";",
		"    }",
		"",
		"Keep these error_page lines at server level: an error_page inside a location",
		"drops all the inherited ones, and `return 404 \"text\";` bypasses error_page.",
		"The add_header lines below replace every server-level add_header line for",
		"error responses (nginx does not merge add_header across levels): repeat those",
		"in errpages.toml as [server] headers, e.g. Strict-Transport-Security.",
	))
	b.WriteString("\n")
	b.WriteString(s.nginxErrorPages("nginx"))
	if s.Maintenance != nil {
		b.WriteString(s.nginxMaintenance())
	}
	return b.String()
}

// nginxMaintenance is the maintenance switch of a server block: while the
// flag file exists, requests that http.conf's maps do not let through are
// answered with the maintenance page and status 503. nginx checks the file
// on every request, so no reload is needed.
func (s Site) nginxMaintenance() string {
	lang, fmtVar, _, _ := s.nginxVars()
	maint := s.nginxVar("maint")
	var b strings.Builder
	b.WriteString("\n# Maintenance: on while this file exists (errpages maintenance on/off).\n")
	fmt.Fprintf(&b, "set %s 0;\nif (-f \"%s\") {\n    set %s 1;\n}\n", maint, s.Maintenance.Flag, maint)
	fmt.Fprintf(&b, "if (%s) {\n    set %s 0;\n}\n", s.nginxVar("maint_exempt"), maint)
	b.WriteString("# The error pages themselves (nginx caches map values across the internal\n# redirects, so this test reads $uri afresh).\n")
	fmt.Fprintf(&b, "if ($uri ~ \"^(%s|/errpages-maintenance$)\") {\n    set %s 0;\n}\n", s.URLPrefix, maint)
	fmt.Fprintf(&b, "if (%s) {\n    rewrite ^ /errpages-maintenance last;\n}\n", maint)
	b.WriteString("location = /errpages-maintenance {\n    internal;\n")
	fmt.Fprintf(&b, "    error_page 503 %s%s/maintenance.%s;\n    return 503;\n}\n", s.URLPrefix, lang, fmtVar)
	return b.String()
}

// nginxErrorPages returns the error_page lines of target's codes and the
// error location.
func (s Site) nginxErrorPages(target string) string {
	lang, fmtVar, cache, retry := s.nginxVars()
	var b strings.Builder
	for _, c := range s.codesFor(target) {
		fmt.Fprintf(&b, "error_page %d %s%s/%d.%s;\n", c, s.URLPrefix, lang, c, fmtVar)
	}
	fmt.Fprintf(&b, "\nlocation ^~ %s {\n", s.URLPrefix)
	b.WriteString("    internal;\n")
	b.WriteString("    # Outside any auth or access rule, or a 401/403 page could not be served.\n")
	b.WriteString("    auth_basic off;\n    allow all;\n")
	fmt.Fprintf(&b, "    alias \"%s/\";\n", s.pagesDir())
	b.WriteString("    charset utf-8;\n")
	b.WriteString("    types { text/html html; application/problem+json json; }\n")
	fmt.Fprintf(&b, "    add_header Content-Language %s always;\n", lang)
	b.WriteString("    add_header Vary \"Accept-Language, Accept\" always;\n")
	fmt.Fprintf(&b, "    add_header Cache-Control %s always;\n", cache)
	fmt.Fprintf(&b, "    add_header Retry-After %s always;\n", retry)
	for _, h := range s.Headers {
		fmt.Fprintf(&b, "    add_header %s %s always;\n", h.Name, quote(h.Value))
	}
	if s.Reference {
		b.WriteString("    # The Reference block: SSI fills in the request ID, the time (UTC) and the\n")
		b.WriteString("    # host, entity-encoded. The page names them as Apache's mod_include does;\n")
		b.WriteString("    # nginx reads SSI variable names in lower case.\n")
		b.WriteString("    ssi on;\n")
		fmt.Fprintf(&b, "    set $unique_id %s;\n", s.nginxVar("rid"))
		if s.ReferencePath {
			fmt.Fprintf(&b, "    set $redirect_redirect_errpages_path %s;\n", s.nginxVar("path"))
		}
	}
	b.WriteString("    # The visitor's language, else the default locale's page of the same status.\n")
	fmt.Fprintf(&b, "    try_files $uri %s%s/$status.%s =404;\n", s.URLPrefix, s.DefaultLocale, fmtVar)
	b.WriteString("}\n")
	return b.String()
}
