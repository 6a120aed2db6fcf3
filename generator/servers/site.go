// Package servers writes the web server configuration that serves errpages
// output: nginx, Apache httpd (server config and .htaccess), IIS, HAProxy,
// Caddy, lighttpd and Traefik. Every choice here follows a behaviour tested
// on the real servers (the e2e tests keep a probe for each trap); the writers need
// neither Markdown nor templates.
package servers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Site describes one brand's output as a server will see it.
type Site struct {
	// Brand is the brand ID ("" for a single-brand project). It keeps the
	// nginx variables of several brands apart.
	Brand string
	// URLPrefix is the URL path the pages are served under, "/_errors/".
	URLPrefix string
	// Root is the absolute path of the brand's output folder on the server.
	Root string
	// Locales are the generated locale tags; DefaultLocale is one of them.
	Locales       []string
	DefaultLocale string
	// Codes are the generated status codes, sorted.
	Codes []int
	// RetryAfter and CacheControl give per-code header values. A code
	// missing from CacheControl gets "no-store".
	RetryAfter   map[int]string
	CacheControl map[int]string
	Settings
	// Reference turns on the server-side fill-in of the pages' Reference
	// block (request ID, time, host, and the path with ReferencePath);
	// TrustRequestID shows an incoming X-Request-ID instead of the
	// server's own ID.
	Reference, ReferencePath, TrustRequestID bool
	// Headers are sent with every error page, in order: the security
	// headers, e.g. Content-Security-Policy.
	Headers []Header
	// Maintenance, when set, is the maintenance switch the targets write.
	Maintenance *Maintenance
}

// Maintenance is a site's maintenance switch: while the file Flag exists,
// every request gets the maintenance page (pages/<locale>/maintenance.html
// or .json) with status 503 and Retry-After, but those from an address or
// range in Allow, those with the header BypassName: BypassValue, and those
// for a path in Health.
type Maintenance struct {
	Flag, RetryAfter        string
	Allow                   []string
	BypassName, BypassValue string
	Health                  []string
}

// MaintenanceSub is the Sub of the maintenance page in PageRef: a page of
// status 503 named maintenance.
const MaintenanceSub = -2

// Header is one response header.
type Header struct{ Name, Value string }

// Settings are the target-specific settings, the [server.<target>] tables
// of errpages.toml. Each target declares its own type in its file, with
// the doc tags of the configuration reference.
type Settings struct {
	IIS     IISOptions     `toml:"iis" doc:"IIS settings."`
	HAProxy HAProxyOptions `toml:"haproxy" doc:"HAProxy settings."`
	Traefik TraefikOptions `toml:"traefik" doc:"Traefik settings."`
}

// DefaultSettings returns the settings of a project that sets none.
func DefaultSettings() Settings {
	return Settings{IIS: iisDefaults, HAProxy: haproxyDefaults, Traefik: traefikDefaults}
}

// Problems lists the settings the targets cannot use.
func (s Settings) Problems() []*Problem {
	return slices.Concat(s.IIS.problems(), s.HAProxy.problems(), s.Traefik.problems())
}

// Problem is a setting a target cannot use, or a file it cannot write
// with it. Key is the setting's path under [server], e.g. haproxy.bufsize.
type Problem struct {
	Key []string
	Msg string
}

func (p *Problem) Error() string { return p.Msg }

// File is one generated file, with its slash path inside the brand folder:
// either Data, or a copy of a rendered page described by Page.
type File struct {
	Path string
	Kind string // the target, e.g. "nginx"
	Data []byte
	Page *PageRef
}

// PageRef names the rendered page a File holds; the generator fills it in.
type PageRef struct {
	Locale string
	Code   int
	// Sub is the IIS sub-status of the page, or -1.
	Sub int
	// JSON selects the page's problem+json document instead of its HTML.
	JSON bool
	// Wrap, when set, turns the page into the file's bytes (HAProxy's raw
	// HTTP response); it fails when the result does not fit the server.
	// Format is then the file's format in the manifest, e.g. "http".
	Wrap   func(page []byte) ([]byte, error)
	Format string
}

// A target is one server's configuration writer. Each lives in its own
// file, which adds it to the registry: adding a target is adding a file.
type target interface {
	// name is the target's name in errpages.toml and in the manifest.
	name() string
	// omits says why the server cannot send or replace code, or "".
	omits(code int) string
	// write returns the target's files for s.
	write(s Site) ([]File, error)
}

// registry holds the targets in the order of the default configuration,
// the order of their ranks.
var registry []ranked

type ranked struct {
	rank int
	target
}

// register adds a target from its file's init function. rank places it in
// the default order of targets, and so in the order of the manifest.
func register(rank int, t target) {
	i, _ := slices.BinarySearchFunc(registry, rank, func(e ranked, r int) int { return e.rank - r })
	registry = slices.Insert(registry, i, ranked{rank, t})
}

// Targets returns the names of the servers this package writes
// configuration for.
func Targets() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.name()
	}
	return names
}

func lookup(name string) (target, error) {
	for _, e := range registry {
		if e.name() == name {
			return e.target, nil
		}
	}
	return nil, fmt.Errorf("unknown server target %q (known: %s)", name, strings.Join(Targets(), ", "))
}

// Write returns the files of one target.
func Write(name string, s Site) ([]File, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return t.write(s)
}

// Pages lists the pages that the targets' files copy beyond the page of
// every locale and code: IIS's sub-status pages, for one locale.
func (s Site) Pages(targets []string) []PageRef {
	var out []PageRef
	for _, name := range targets {
		if t, err := lookup(name); err == nil {
			if p, ok := t.(interface{ pages(Site) []PageRef }); ok {
				out = append(out, p.pages(s)...)
			}
		}
	}
	return out
}

// cacheControl returns the Cache-Control value for code.
func (s Site) cacheControl(code int) string {
	if v, ok := s.CacheControl[code]; ok {
		return v
	}
	return "no-store"
}

// orderedLocales lists the default locale first, then the others sorted:
// the order of Apache's LanguagePriority.
func (s Site) orderedLocales() []string {
	out := []string{s.DefaultLocale}
	for _, l := range s.Locales {
		if l != s.DefaultLocale {
			out = append(out, l)
		}
	}
	return out
}

// pagesDir is the absolute folder of the pages on the server.
func (s Site) pagesDir() string { return strings.TrimSuffix(s.Root, "/") + "/pages" }

// header is the comment every generated file of target starts with: lines,
// then the codes target leaves out and why, then where the file comes from.
func (s Site) header(target, comment string, lines ...string) string {
	lines = append(lines, s.omittedLines(target)...)
	lines = append(lines, "", "Generated by errpages from errpages.toml; edit that instead.")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			b.WriteString(strings.TrimRight(comment, " ") + "\n")
			continue
		}
		b.WriteString(comment + l + "\n")
	}
	return b.String()
}

// Aliases lists the language tags browsers send that a generated locale
// serves, most specific first: the locale itself and its common regional
// forms ("de" → "de-DE", "de-AT", "de-CH"…). IIS needs one folder per
// exact tag, and nginx maps match them.
func Aliases(locale string) []string {
	out := []string{locale}
	for _, r := range regions[locale] {
		if t := locale + "-" + r; !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	out = append(out, scriptAliases[locale]...)
	return out
}

// regions are the regions where each language is commonly requested.
var regions = map[string][]string{
	"en": {"US", "GB", "AU", "CA", "IN"},
	"de": {"DE", "AT", "CH"},
	"fr": {"FR", "BE", "CA", "CH", "LU"},
	"es": {"ES", "MX", "AR", "CO", "CL", "US", "419"},
	"it": {"IT", "CH"},
	"pt": {"PT", "AO", "MZ"},
	"nl": {"NL", "BE"},
	"pl": {"PL"}, "cs": {"CZ"}, "sk": {"SK"}, "sv": {"SE", "FI"}, "da": {"DK"}, "nb": {"NO"}, "fi": {"FI"},
	"el": {"GR", "CY"}, "hu": {"HU"}, "ro": {"RO", "MD"}, "bg": {"BG"}, "uk": {"UA"}, "ru": {"RU", "BY", "KZ"},
	"tr": {"TR"}, "ar": {"SA", "EG", "AE", "MA", "DZ", "JO"}, "he": {"IL"}, "fa": {"IR"}, "hi": {"IN"},
	"ja": {"JP"}, "ko": {"KR"}, "id": {"ID"}, "vi": {"VN"}, "th": {"TH"}, "ur": {"PK", "IN"},
}

// scriptAliases are region tags that stand for a script locale.
var scriptAliases = map[string][]string{
	"zh-Hans": {"zh-CN", "zh-SG", "zh"},
	"zh-Hant": {"zh-TW", "zh-HK", "zh-MO"},
	"nb":      {"no", "no-NO", "nn", "nn-NO"},
}

// langKey maps an Accept-Language tag (lower case) to a generated locale.
type langKey struct{ tag, locale string }

// pattern is the tag as a regular expression.
func (k langKey) pattern() string { return regexp.QuoteMeta(k.tag) }

// languageKeys maps the tags a browser may send for a generated locale to
// it, most specific first, since the servers take the first match. Each key
// matches its tag as a prefix ("de" matches "de-CH"), so a regional alias
// whose parent tag names the same locale is left out.
func (s Site) languageKeys() []langKey {
	locale := map[string]string{}
	var tags []string
	add := func(tag, l string) {
		if t := strings.ToLower(tag); locale[t] == "" {
			locale[t] = l
			tags = append(tags, t)
		}
	}
	// A generated locale's own tag beats another locale's alias for it
	// ("en-GB" generated next to "en").
	for _, l := range s.Locales {
		add(l, l)
	}
	for _, l := range s.Locales {
		for _, a := range Aliases(l) {
			add(a, l)
		}
	}
	var keys []langKey
	for _, t := range tags {
		if i := strings.LastIndexByte(t, '-'); i > 0 && locale[t[:i]] == locale[t] {
			continue
		}
		keys = append(keys, langKey{t, locale[t]})
	}
	slices.SortStableFunc(keys, func(a, b langKey) int {
		if d := len(b.tag) - len(a.tag); d != 0 {
			return d
		}
		return strings.Compare(a.tag, b.tag)
	})
	return keys
}

// quote writes v as a double-quoted string of nginx, Apache httpd and Caddy
// configuration. The configuration validates v: no backslash, no control
// characters, nothing a server reads as a variable.
func quote(v string) string { return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"` }

// luaString writes s as a Lua string literal: printable ASCII as it is,
// every other byte as a three-digit decimal escape, which every Lua
// version reads (Lua 5.4 manual, §3.1).
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// referenceDirectives are the server-side include directives of a page's
// Reference block, by field. They use the names of Apache's mod_include;
// nginx reads the same directives (it lowers variable names), and its
// configuration defines unique_id and the path. In Apache the path is the
// one SetEnvIf saved on the original request, two redirects back (the
// error document, then its language variant). echo entity-encodes by
// default in both servers. Caddy's copies replace them (caddyTemplate).
var referenceDirectives = map[string]string{
	"id":   `<!--#echo var="UNIQUE_ID" -->`,
	"time": `<!--#config timefmt="%Y-%m-%d %H:%M:%S UTC" --><!--#echo var="DATE_GMT" -->`,
	"host": `<!--#echo var="HTTP_HOST" -->`,
	"path": `<!--#echo var="REDIRECT_REDIRECT_ERRPAGES_PATH" -->`,
}

// ReferenceDirective returns the directive a page's Reference block holds
// for field: "id", "time", "host" or "path".
func ReferenceDirective(field string) string { return referenceDirectives[field] }
