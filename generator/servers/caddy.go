package servers

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// caddyTarget writes Caddy 2 configuration.
type caddyTarget struct{}

func init() { register(50, caddyTarget{}) }

func (caddyTarget) name() string { return "caddy" }

func (caddyTarget) omits(int) string { return "" }

func (caddyTarget) write(s Site) ([]File, error) { return caddy(s), nil }

// caddy writes caddy/errpages.caddy: a handle_errors block to import into a
// Caddy 2 site block. It rewrites each error it handles to the page of the
// status, language and format; file_server inside handle_errors keeps the
// error's status.
func caddy(s Site) []File {
	var b strings.Builder
	b.WriteString(s.header("caddy", "# ",
		"errpages: Caddy 2 error pages. Import this file inside a site block:",
		"",
		"    example.com {",
		"        ...",
		"        import \""+s.Root+"/caddy/errpages.caddy\"",
		"    }",
		"",
		"It handles the errors Caddy raises itself: file_server's 404 and 403, the",
		"`error` directive and basicauth's 401 (WWW-Authenticate is kept).",
		"Responses a backend sends through reverse_proxy pass unchanged. A site",
		"block has one handle_errors: merge this one into yours if it has one.",
	))
	if s.Maintenance != nil {
		b.WriteString(s.caddyMaintenance())
	}
	b.WriteString(s.caddyHandleErrors())
	files := []File{{Path: "caddy/errpages.caddy", Kind: "caddy", Data: []byte(b.String())}}
	if s.Reference {
		files = append(files, s.caddyPages()...)
	}
	return files
}

// caddyMaintenance is the maintenance switch: while the flag file exists,
// requests that no exception lets through end in an error that
// handle_errors answers with the maintenance page. Caddy checks the file on
// every request: no reload.
func (s Site) caddyMaintenance() string {
	m := s.Maintenance
	var b strings.Builder
	b.WriteString("\n# Maintenance: on while the flag file exists (errpages maintenance on/off).\n")
	b.WriteString("@errpages_maintenance {\n")
	fmt.Fprintf(&b, "    file {\n        root %s\n        try_files %s\n    }\n", quote(path.Dir(m.Flag)), quote(path.Base(m.Flag)))
	if len(m.Allow) > 0 {
		fmt.Fprintf(&b, "    not remote_ip %s\n", strings.Join(m.Allow, " "))
	}
	if m.BypassName != "" {
		fmt.Fprintf(&b, "    not header %s %s\n", m.BypassName, m.BypassValue)
	}
	if len(m.Health) > 0 {
		fmt.Fprintf(&b, "    not path %s\n", strings.Join(m.Health, " "))
	}
	b.WriteString("}\n")
	b.WriteString("# vars and rewrite run before basic_auth and the site's handle blocks: the\n")
	b.WriteString("# maintenance page wins over a password prompt.\n")
	b.WriteString("vars @errpages_maintenance errpages_maintenance on\n")
	b.WriteString("rewrite @errpages_maintenance /errpages-maintenance\n")
	b.WriteString("@errpages_maintenance_on vars errpages_maintenance on\n")
	fmt.Fprintf(&b, "handle @errpages_maintenance_on {\n    error %s 503\n}\n", quote(caddyMaintenanceError))
	return b.String()
}

// caddyMaintenanceError is the message of the maintenance switch's error,
// by which handle_errors picks the maintenance page.
const caddyMaintenanceError = "errpages maintenance"

// Caddy fills in the Reference block with its templates, between these
// delimiters, which no page contains otherwise.
const caddyOpen, caddyClose = "[[errpages:", "]]"

// caddyTemplate replaces the Reference block's directives in Caddy's
// copies of the pages with template actions. The request ID is the one
// Caddy's access log shows as the X-Request-ID response header; html
// escapes what the client sent.
var caddyTemplate = strings.NewReplacer(
	ReferenceDirective("id"), caddyOpen+` placeholder "http.request.uuid" `+caddyClose,
	ReferenceDirective("time"), caddyOpen+` now.UTC.Format "2006-01-02 15:04:05 UTC" `+caddyClose,
	ReferenceDirective("host"), caddyOpen+` html .Host `+caddyClose,
	ReferenceDirective("path"), caddyOpen+` html .OriginalReq.URL.Path `+caddyClose,
)

// caddyPages are Caddy's copies of the pages when the Reference block is
// on: the HTML with template actions in place of the server-side include
// directives, and the problem+json documents beside them.
func (s Site) caddyPages() []File {
	var files []File
	fill := func(page []byte) ([]byte, error) { return []byte(caddyTemplate.Replace(string(page))), nil }
	add := func(l, name string, code, sub int) {
		dir := "caddy/pages/" + l + "/" + name
		files = append(files,
			File{Path: dir + ".html", Kind: "caddy", Page: &PageRef{Locale: l, Code: code, Sub: sub, Wrap: fill, Format: "html"}},
			File{Path: dir + ".json", Kind: "caddy", Page: &PageRef{Locale: l, Code: code, Sub: sub, JSON: true}})
	}
	for _, l := range s.Locales {
		for _, c := range s.Codes {
			add(l, strconv.Itoa(c), c, -1)
		}
		if s.Maintenance != nil {
			add(l, "maintenance", 503, MaintenanceSub)
		}
	}
	return files
}

// caddyHandleErrors is the handle_errors block, shared by the Caddy target
// and the Traefik recipe's static server.
func (s Site) caddyHandleErrors() string {
	var b strings.Builder
	codes := make([]string, len(s.Codes))
	for i, c := range s.Codes {
		codes[i] = strconv.Itoa(c)
	}
	b.WriteString("handle_errors {\n")
	b.WriteString("    # Only the generated codes: others keep Caddy's own response.\n")
	if s.Maintenance != nil {
		fmt.Fprintf(&b, "    @errpages expression `{err.status_code} in [%s] || {err.message} == \"%s\"`\n", strings.Join(codes, ", "), caddyMaintenanceError)
	} else {
		fmt.Fprintf(&b, "    @errpages expression `{err.status_code} in [%s]`\n", strings.Join(codes, ", "))
	}
	b.WriteString("    handle @errpages {\n")
	b.WriteString("        # The visitor's language: the first Accept-Language tag that matches a\n")
	b.WriteString("        # generated locale (the browser's first choice wins).\n")
	b.WriteString("        map {header.Accept-Language} {errpages_lang} {\n")
	for _, e := range s.languageKeys() {
		fmt.Fprintf(&b, "            ~(?i)^%s([-,;\\s]|$) %s\n", e.pattern(), e.locale)
	}
	fmt.Fprintf(&b, "            default %s\n        }\n", s.DefaultLocale)
	b.WriteString("        # problem+json for clients that ask for JSON first; browsers get HTML.\n")
	b.WriteString("        map {header.Accept} {errpages_fmt} {\n")
	b.WriteString("            ~(?i)^application/(problem\\+)?json json\n            default html\n        }\n")
	b.WriteString("        map {err.status_code} {errpages_cache} {\n")
	for _, c := range s.Codes {
		if v := s.cacheControl(c); v != "no-store" {
			fmt.Fprintf(&b, "            %d \"%s\"\n", c, v)
		}
	}
	b.WriteString("            default no-store\n        }\n")
	if s.Reference {
		fmt.Fprintf(&b, "        root * \"%s/caddy/pages\"\n", strings.TrimSuffix(s.Root, "/"))
		b.WriteString("        # The Reference block: Caddy's templates fill in the request ID (sent as\n")
		b.WriteString("        # X-Request-ID, so the access log has it), the time, the host and the path.\n")
		fmt.Fprintf(&b, "        templates {\n            between \"%s\" \"%s\"\n        }\n", caddyOpen, caddyClose)
	} else {
		fmt.Fprintf(&b, "        root * \"%s\"\n", s.pagesDir())
	}
	if s.Maintenance != nil {
		fmt.Fprintf(&b, "        map {err.message} {errpages_page} {\n            %s maintenance\n            default {err.status_code}\n        }\n", quote(caddyMaintenanceError))
		b.WriteString("        rewrite * /{errpages_lang}/{errpages_page}.{errpages_fmt}\n")
	} else {
		b.WriteString("        rewrite * /{errpages_lang}/{err.status_code}.{errpages_fmt}\n")
	}
	b.WriteString("        header {\n")
	b.WriteString("            Content-Language {errpages_lang}\n")
	b.WriteString("            Vary \"Accept-Language, Accept\"\n")
	b.WriteString("            Cache-Control {errpages_cache}\n")
	if s.Reference {
		b.WriteString("            X-Request-ID {http.request.uuid}\n")
	}
	for _, h := range s.Headers {
		fmt.Fprintf(&b, "            %s %s\n", h.Name, quote(h.Value))
	}
	b.WriteString("        }\n")
	b.WriteString("        # file_server would send application/json; set the type once it has.\n")
	b.WriteString("        @errpages_json vars {errpages_fmt} json\n")
	b.WriteString("        header @errpages_json {\n            Content-Type application/problem+json\n            defer\n        }\n")
	for _, c := range s.Codes {
		if v, ok := s.RetryAfter[c]; ok {
			fmt.Fprintf(&b, "        @errpages_%d expression `{err.status_code} == %d`\n", c, c)
			fmt.Fprintf(&b, "        header @errpages_%d Retry-After \"%s\"\n", c, v)
		}
	}
	if m := s.Maintenance; m != nil {
		b.WriteString("        @errpages_maintenance_page vars {errpages_page} maintenance\n")
		fmt.Fprintf(&b, "        header @errpages_maintenance_page Retry-After \"%s\"\n", m.RetryAfter)
	}
	b.WriteString("        file_server\n    }\n}\n")
	return b.String()
}
