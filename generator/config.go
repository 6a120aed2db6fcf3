package generator

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/errpages/errpages/generator/servers"
)

// Brand is the configuration of one brand: what its pages say, how they look
// and where the server configuration puts them. The top level of
// errpages.toml is a Brand; each [brands.<id>] table overrides it.
//
// The doc tags describe each key for the JSON Schema (errpages schema).
type Brand struct {
	ID            string       `toml:"-"`
	Name          string       `toml:"name" doc:"Brand name, shown on every page and in its <title>."`
	URL           Link         `toml:"url" doc:"The home link (\"Go to the home page\"): an https, http or mailto URL or a path on the same site such as /; \"\" hides it."`
	Contact       Link         `toml:"contact" doc:"The contact link, e.g. mailto:webmaster@acme.example; \"\" hides it."`
	Logo          string       `toml:"logo" type:"path" doc:"An .svg or .png file in the project, at most 64 KiB, inlined into every page as a data: image; an SVG with scripts, event handlers, external links or DTDs is refused."`
	Theme         string       `toml:"theme" doc:"Theme name: a built-in theme (classic, minimal, terminal) or a folder under themes/."`
	Font          string       `toml:"font" default:"the theme's" doc:"A CSS font-family list of fonts installed on visitors' systems, e.g. \"Georgia, serif\" (pages load no fonts)."`
	Footer        string       `toml:"footer" type:"Markdown" doc:"One line shown under every page, e.g. \"© Acme · [Status](https://status.acme.example/)\"."`
	Links         []ExtraLink  `toml:"links" default:"none" doc:"Extra links beside home and contact: [[links]] with text and url."`
	Locales       []LocaleTag  `toml:"locales" default:"all built-in" doc:"BCP 47 tags of the languages to build, e.g. [\"en\", \"de\", \"de-AT\"]."`
	DefaultLocale LocaleTag    `toml:"default_locale" default:"\"en\" if listed, else the first" doc:"The language used when a string is missing and when the visitor's language is not built."`
	Codes         []StatusCode `toml:"codes" default:"all 39 built-in" doc:"Status codes to build (400-599); a code without built-in text needs a content file."`
	Colors        Colors       `toml:"colors" default:"see below" doc:"[colors.light] and [colors.dark] palettes; every text colour must reach the contrast level of contrast."`
	Contrast      string       `toml:"contrast" enum:"AA,AAA" doc:"WCAG contrast level every text colour must reach on both backgrounds: AA (4.5:1) or AAA (7:1). The built-in palettes reach AAA."`
	PageBudget    ByteSize     `toml:"page_budget" doc:"Largest allowed page (integer bytes or a size such as \"16KiB\", \"20KB\"); a bigger page is an error. With [page] reference, a page counts as filled in at its widest (request ID 128 bytes, host 259, path 2,048)."`
	UnsafeHTML    bool         `toml:"unsafe_html" doc:"Keep raw HTML in Markdown content instead of showing it escaped."`
	Server        Server       `toml:"server" default:"see below" doc:"Where the pages will live on the web server, for the generated configuration."`
	Security      Security     `toml:"security" default:"all on" doc:"Security headers sent with the error pages."`
	Page          PageSettings `toml:"page" default:"see below" doc:"Optional parts of the pages."`
	Maintenance   Maintenance  `toml:"maintenance" default:"off" doc:"The maintenance page and the servers' maintenance switch."`
}

// Maintenance turns on a maintenance page per language and the server
// configuration that answers every request with it, status 503, while a
// flag file exists on the server.
type Maintenance struct {
	Enabled      bool        `toml:"enabled" doc:"Build pages/<locale>/maintenance.html (and .json) and each target's maintenance configuration."`
	Flag         string      `toml:"flag" default:"<root>/maintenance.on" doc:"Absolute path of the flag file on the server: maintenance is on while it exists. errpages maintenance on and off write and remove it; builds keep it."`
	RetryAfter   HeaderValue `toml:"retry_after" default:"3600" doc:"Retry-After of the maintenance page, in seconds or as an HTTP-date (the planned end); the page says it in words."`
	Allow        []string    `toml:"allow" default:"none" doc:"Client addresses and CIDR ranges that get the real site during maintenance, e.g. [\"192.0.2.10\", \"10.0.0.0/8\", \"2001:db8::/32\"]."`
	BypassHeader string      `toml:"bypass_header" doc:"A request header, \"Name: value\", that gets the real site during maintenance, for the team; the value is 16 to 128 letters, digits, '.', '_', '~', '+', '/', '=' or '-' (keep it secret)."`
	Health       []string    `toml:"health" default:"none" doc:"Paths that stay up during maintenance, e.g. [\"/healthz\"] for the load balancer's checks."`
	StatusURL    Link        `toml:"status_url" doc:"A status page the maintenance page links to."`

	// Filled in by validate.
	allow                   []string
	bypassName, bypassValue string
}

var (
	bypassNameRe  = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	bypassValueRe = regexp.MustCompile(`^[A-Za-z0-9._~+/=-]{16,128}$`)
	healthPathRe  = regexp.MustCompile(`^/[A-Za-z0-9_.~/-]*$`)
)

// validate checks the [maintenance] table.
func (m *Maintenance) validate(file string, at func(key ...string) (int, int)) error {
	if !m.Enabled {
		return nil
	}
	var errs errorList
	if m.Flag != "" && (!strings.HasPrefix(m.Flag, "/") || !rootRe.MatchString(m.Flag) || strings.Contains(m.Flag, "/../") || strings.ContainsAny(m.Flag, "[]*?")) {
		line, col := at("flag")
		errs.addf(file, line, col, "maintenance.flag %q: expected an absolute path on the server, such as \"/var/www/maintenance.on\" (no double quotes, $, \\, braces, ;, #, wildcards or control characters)", m.Flag)
	}
	if m.RetryAfter == "" {
		m.RetryAfter = "3600"
	}
	if v := string(m.RetryAfter); !retryAfterRe.MatchString(v) {
		if _, err := http.ParseTime(v); err != nil {
			line, col := at("retry_after")
			errs.addf(file, line, col, "maintenance.retry_after %q: expected a number of seconds or an HTTP-date such as \"Thu, 24 Dec 2026 06:00:00 GMT\"", v)
		}
	}
	m.allow = nil
	for i, a := range m.Allow {
		if p, err := netip.ParsePrefix(a); err == nil {
			m.allow = append(m.allow, p.Masked().String())
		} else if ip, err := netip.ParseAddr(a); err == nil && ip.Zone() == "" {
			m.allow = append(m.allow, ip.String())
		} else {
			line, col := at("allow")
			errs.addf(file, line, col, "maintenance.allow[%d] %q: expected an IP address or a CIDR range such as \"10.0.0.0/8\"", i, a)
		}
	}
	m.bypassName, m.bypassValue = "", ""
	if m.BypassHeader != "" {
		name, value, ok := strings.Cut(m.BypassHeader, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !bypassNameRe.MatchString(name) || !bypassValueRe.MatchString(value) {
			line, col := at("bypass_header")
			errs.addf(file, line, col, "maintenance.bypass_header: expected \"Name: value\" with a header name of letters, digits and '-' and a value of 16 to 128 letters, digits, '.', '_', '~', '+', '/', '=' or '-'")
		} else {
			m.bypassName, m.bypassValue = name, value
		}
	}
	for i, h := range m.Health {
		if !healthPathRe.MatchString(h) || strings.Contains(h, "..") {
			line, col := at("health")
			errs.addf(file, line, col, "maintenance.health[%d] %q: expected a URL path such as \"/healthz\" (letters, digits, '/', '_', '-', '.' and '~')", i, h)
		}
	}
	return errs.err()
}

// Security says which headers the server configuration sends with the
// error pages. The Content-Security-Policy allows exactly what the pages
// use: their inline style block, by hash, and an inline logo.
type Security struct {
	CSP            bool   `toml:"csp" doc:"Send a Content-Security-Policy that allows only the pages' own inline style (by hash) and inline logo, and set it as a meta tag in each page."`
	Nosniff        bool   `toml:"nosniff" doc:"Send X-Content-Type-Options: nosniff."`
	ReferrerPolicy string `toml:"referrer_policy" doc:"Referrer-Policy value; \"\" sends none."`
	Noindex        bool   `toml:"noindex" doc:"Send X-Robots-Tag: noindex (the pages also carry a robots meta tag)."`
}

// PageSettings turn on optional parts of the pages.
type PageSettings struct {
	Reference     bool `toml:"reference" doc:"Add a Reference block that the web server fills in when it sends the page: the request ID it logs, the time (UTC) and the host, for visitors to quote when they report the error. nginx (SSI), Apache (mod_include, mod_unique_id), Caddy (templates), HAProxy (log-format) and lighttpd (mod_magnet) fill it in; on IIS and Traefik it stays hidden. Off by default."`
	ReferencePath bool `toml:"reference_path" doc:"Also show the requested path, without its query string, in the Reference block. Off by default for privacy."`
	OwnerHints    bool `toml:"owner_hints" doc:"Add a \"For the site owner\" section to every page: the usual server-side causes of its status and where to look (logs, upstream health, timeouts, permissions). For intranets and staging sites; off by default."`
}

// ExtraLink is a link a brand adds to its pages, e.g. a status page.
type ExtraLink struct {
	Text string `toml:"text" doc:"Link text."`
	URL  Link   `toml:"url" doc:"Link target: an https, http or mailto URL or a site path."`
}

// Colors holds the light and dark palettes; pages switch with
// prefers-color-scheme.
type Colors struct {
	Light Palette `toml:"light" doc:"Palette for prefers-color-scheme: light (and browsers without a preference)."`
	Dark  Palette `toml:"dark" doc:"Palette for prefers-color-scheme: dark."`
}

// Palette is one colour scheme. Text, muted text and links (accent) must each
// reach WCAG AA contrast (4.5:1) on both the page background and the surface
// of the card that holds the text.
type Palette struct {
	Background Color `toml:"background" doc:"Page background."`
	Surface    Color `toml:"surface" doc:"The card or window that holds the text."`
	Text       Color `toml:"text" doc:"Body text and headings."`
	Muted      Color `toml:"muted" doc:"Secondary text."`
	Accent     Color `toml:"accent" doc:"Links and the status code."`
	Border     Color `toml:"border" doc:"Decorative lines."`
}

// Server holds what the generated server configuration needs to know.
type Server struct {
	URLPrefix      string                 `toml:"url_prefix" doc:"URL path the servers map to the pages: letters, digits, /, _, -, . and ~."`
	Root           string                 `toml:"root" doc:"Absolute path where the output folder will live on the server. Spaces, apostrophes, % and non-ASCII letters are fine; double quotes, $, \\, braces, ;, # and control characters are refused, and so are [, ], * and ?, which Apache, nginx and Caddy read as wildcards. In a multi-brand project each brand defaults to <root>/<id>."`
	Targets        []string               `toml:"targets" default:"all" doc:"Server configurations to write." enum:"targets"`
	RetryAfter     map[string]HeaderValue `toml:"retry_after" default:"none" doc:"Retry-After per status code, in seconds or as an HTTP-date, e.g. { 503 = 120, 429 = 60 }."`
	CacheControl   map[string]HeaderValue `toml:"cache_control" default:"no-store for all" doc:"Cache-Control per status code, e.g. { 404 = \"max-age=60\" }."`
	Headers        map[string]HeaderValue `toml:"headers" default:"none" doc:"Headers every target adds to every error response, e.g. { \"Strict-Transport-Security\" = \"max-age=63072000; includeSubDomains\" }. nginx drops a server's own add_header lines from error responses: repeat them here."`
	TrustRequestID bool                   `toml:"trust_request_id" doc:"Show an incoming X-Request-ID in the Reference block instead of the server's own request ID, when it is 1 to 128 letters, digits, '.', '_', ':' or '-'. Only behind a proxy that sets it: a client can send any value."`
	servers.Settings

	// Filled in by validate: the per-code tables by code, and the headers
	// sorted by name.
	retryAfter, cacheControl map[StatusCode]string
	headers                  []servers.Header
}

// defaultBrand is what a project without errpages.toml gets.
func defaultBrand() Brand {
	return Brand{
		URL:        "/",
		Theme:      "classic",
		PageBudget: 16 * 1024,
		Colors: Colors{
			Light: Palette{
				Background: Color{0xf3, 0xf4, 0xf6}, Surface: Color{0xff, 0xff, 0xff},
				Text: Color{0x1f, 0x29, 0x37}, Muted: Color{0x47, 0x51, 0x61},
				Accent: Color{0x1b, 0x45, 0xc0}, Border: Color{0xd1, 0xd5, 0xdb},
			},
			Dark: Palette{
				Background: Color{0x11, 0x18, 0x27}, Surface: Color{0x1f, 0x29, 0x37},
				Text: Color{0xf9, 0xfa, 0xfb}, Muted: Color{0xd1, 0xd5, 0xdb},
				Accent: Color{0x93, 0xc5, 0xfd}, Border: Color{0x37, 0x41, 0x51},
			},
		},
		Contrast: "AA",
		Security: Security{CSP: true, Nosniff: true, ReferrerPolicy: "no-referrer", Noindex: true},
		Server: Server{
			URLPrefix: "/_errors/",
			Root:      "/var/www/errpages",
			Targets:   slices.Clone(servers.Targets()),
			Settings:  servers.DefaultSettings(),
		},
	}
}

// builtCodes are the codes the brand builds: its codes, or every built-in
// one when it lists none.
func (b Brand) builtCodes() []StatusCode {
	if len(b.Codes) == 0 {
		return builtinCodes
	}
	return b.Codes
}

// clone returns a deep copy, so that decoding a brand table over it never
// writes into the slices and maps of the brand it was copied from.
func (b Brand) clone() Brand {
	b.Locales = slices.Clone(b.Locales)
	b.Codes = slices.Clone(b.Codes)
	b.Links = slices.Clone(b.Links)
	b.Server.Targets = slices.Clone(b.Server.Targets)
	b.Server.RetryAfter = maps.Clone(b.Server.RetryAfter)
	b.Server.CacheControl = maps.Clone(b.Server.CacheControl)
	b.Server.Headers = maps.Clone(b.Server.Headers)
	return b
}

// fileConfig is the shape of errpages.toml.
type fileConfig struct {
	Brand
	Gallery bool                      `toml:"gallery" doc:"Top level only: also write index.html, every brand, code and language on one page, for review."`
	Brands  map[string]toml.Primitive `toml:"brands" default:"none" doc:"[brands.<id>]: one brand each, overriding any key above, built into its own folder."`
}

var brandID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// decodeConfig reads errpages.toml (named file in messages) over the
// defaults. It returns one Brand per brand: the top level alone, or one per
// [brands.<id>] table, each over the top level, sorted by ID.
func decodeConfig(file string, src []byte) ([]Brand, bool, error) {
	var fc fileConfig
	fc.Brand = defaultBrand()
	if err := checkTOMLNesting(file, src); err != nil {
		return nil, false, err
	}
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&fc)
	if err != nil {
		return nil, false, tomlError(file, src, err)
	}
	var errs errorList
	var brands []Brand
	if len(fc.Brands) == 0 {
		brands = append(brands, fc.Brand)
	}
	ids := slices.Sorted(maps.Keys(fc.Brands))
	var badIDs []string
	for _, id := range ids {
		if !brandID.MatchString(id) {
			line, col := keyPosition(src, toml.Key{"brands", id})
			errs.addf(file, line, col, "brand id %q: use lower-case letters, digits, '-' and '_' (it names the brand's output folder)", id)
			badIDs = append(badIDs, id)
			continue
		}
		b := fc.Brand.clone()
		if err := md.PrimitiveDecode(fc.Brands[id], &b); err != nil {
			errs.add(tomlError(file, src, err))
			continue
		}
		b.ID = id
		if !md.IsDefined("brands", id, "server", "root") {
			// Each brand is its own folder of the output: <root>/<id>.
			b.Server.Root = strings.TrimSuffix(b.Server.Root, "/") + "/" + id
		}
		brands = append(brands, b)
	}
	for _, k := range topKeys(md.Undecoded()) {
		if len(k) > 1 && k[0] == "brands" && slices.Contains(badIDs, k[1]) {
			continue // already reported: the brand's ID
		}
		line, col := keyPosition(src, k)
		errs.addf(file, line, col, "unknown key %q%s", k.String(), suggest(k))
	}
	if err := errs.err(); err != nil {
		return nil, false, err
	}
	for i := range brands {
		b := &brands[i]
		own := func(key ...string) bool {
			if b.ID == "" {
				return true
			}
			return md.IsDefined(append([]string{"brands", b.ID}, key...)...)
		}
		errs.add(b.validate(file, src, own))
	}
	errs.add(topLevelCodeKeys(file, src, fc.Brand, brands))
	errs.add(brandCollisions(file, src, brands))
	return brands, fc.Gallery, errs.err()
}

// topKeys drops keys below another key of the list: an unknown table is one
// problem, not one per key inside it.
func topKeys(keys []toml.Key) []toml.Key {
	var out []toml.Key
	for _, k := range keys {
		if len(out) > 0 && strings.HasPrefix(k.String(), out[len(out)-1].String()+".") {
			continue
		}
		out = append(out, k)
	}
	return out
}

// validate checks what TOML types cannot express. own reports whether a key
// is set in the brand's own table rather than inherited from the top level.
func (b *Brand) validate(file string, src []byte, own func(key ...string) bool) error {
	var errs errorList
	at := func(key ...string) (int, int) { return brandKeyPosition(src, b.ID, key...) }
	if b.Theme == "" || !safeName.MatchString(b.Theme) {
		line, col := at("theme")
		errs.addf(file, line, col, "theme %q: expected a theme name such as \"classic\" (letters, digits, '-' and '_')", b.Theme)
	}
	if b.Logo != "" && (strings.Contains(b.Logo, "..") || strings.HasPrefix(b.Logo, "/") || strings.Contains(b.Logo, "\\")) {
		line, col := at("logo")
		errs.addf(file, line, col, "logo %q: expected a path inside the project folder, such as \"assets/logo.svg\"", b.Logo)
	}
	if dup := firstDuplicate(b.Codes); dup != 0 {
		line, col := at("codes")
		errs.addf(file, line, col, "codes: %d is listed twice", dup)
	}
	if dup := firstDuplicate(b.Locales); dup != "" {
		line, col := at("locales")
		errs.addf(file, line, col, "locales: %q is listed twice", dup)
	}
	if b.DefaultLocale != "" && len(b.Locales) > 0 && !slices.Contains(b.Locales, b.DefaultLocale) {
		line, col := at("default_locale")
		errs.addf(file, line, col, "default_locale %q is not in locales %q", b.DefaultLocale, b.Locales)
	}
	if b.Font != "" && !fontRe.MatchString(b.Font) {
		line, col := at("font")
		errs.addf(file, line, col, "font %q: expected a CSS font-family list of installed fonts, e.g. \"Georgia, serif\" (pages load no fonts)", b.Font)
	}
	for i, l := range b.Links {
		if strings.TrimSpace(l.Text) == "" || l.URL == "" {
			line, col := at("links")
			errs.addf(file, line, col, "links[%d]: each link needs text and url", i)
		}
	}
	if b.PageBudget < 1024 {
		line, col := at("page_budget")
		errs.addf(file, line, col, "page_budget %d bytes is too small: pages need at least 1KiB", b.PageBudget)
	}
	minRatio := map[string]float64{"AA": 4.5, "AAA": 7}[b.Contrast]
	if minRatio == 0 {
		line, col := at("contrast")
		errs.addf(file, line, col, "contrast %q: expected \"AA\" (4.5:1) or \"AAA\" (7:1)", b.Contrast)
	}
	for _, scheme := range []struct {
		name string
		p    Palette
	}{{"light", b.Colors.Light}, {"dark", b.Colors.Dark}} {
		for _, pr := range scheme.p.contrastPairs() {
			if r := Contrast(pr.fg, pr.bg); r < minRatio {
				line, col := at("colors", scheme.name, pr.fgKey)
				errs.addf(file, line, col, "colors.%s: %s %s on %s %s has contrast %.2f:1, below WCAG %s %g:1 for text",
					scheme.name, pr.fgKey, pr.fg, pr.bgKey, pr.bg, math2(r), b.Contrast, minRatio)
			}
		}
	}
	errs.add(b.Server.validate(file, b.builtCodes(), b.Security,
		func(key ...string) (int, int) { return at(append([]string{"server"}, key...)...) },
		func(key ...string) bool { return own(append([]string{"server"}, key...)...) }))
	errs.add(b.Maintenance.validate(file, func(key ...string) (int, int) { return at(append([]string{"maintenance"}, key...)...) }))
	if rp := b.Security.ReferrerPolicy; rp != "" && !slices.Contains(referrerPolicies, rp) {
		line, col := at("security", "referrer_policy")
		errs.addf(file, line, col, "security.referrer_policy %q: expected one of %s, or \"\" for none", rp, strings.Join(referrerPolicies, ", "))
	}
	return errs.err()
}

// math2 truncates to two decimals so a ratio just under 4.5 never prints as
// "4.50".
func math2(r float64) float64 { return float64(int(r*100)) / 100 }

type colorPair struct {
	fgKey, bgKey string
	fg, bg       Color
}

// contrastPairs lists every text/background pair the themes draw.
func (p Palette) contrastPairs() []colorPair {
	var pairs []colorPair
	for _, fg := range []struct {
		k string
		c Color
	}{{"text", p.Text}, {"muted", p.Muted}, {"accent", p.Accent}} {
		pairs = append(pairs,
			colorPair{fg.k, "surface", fg.c, p.Surface},
			colorPair{fg.k, "background", fg.c, p.Background})
	}
	return pairs
}

// brandKeyPosition returns the position in src of a key of brand id's
// settings: in its [brands.<id>] table, else at the top level it inherits
// from, else 0, 0.
func brandKeyPosition(src []byte, id string, key ...string) (line, col int) {
	if id != "" {
		if line, col := keyPosition(src, append(toml.Key{"brands", id}, key...)); line > 0 {
			return line, col
		}
	}
	return keyPosition(src, toml.Key(key))
}

// validate checks the server settings of a brand that builds codes with
// the security headers sec.
func (s *Server) validate(file string, codes []StatusCode, sec Security, at func(key ...string) (int, int), own func(key ...string) bool) error {
	var errs errorList
	if !urlPrefixRe.MatchString(s.URLPrefix) || strings.Contains(s.URLPrefix, "..") || strings.Contains(s.URLPrefix, "//") {
		line, col := at("url_prefix")
		errs.addf(file, line, col, "server.url_prefix %q: expected a local URL path such as \"/_errors/\" (letters, digits, '/', '_', '-', '.' and '~')", s.URLPrefix)
	} else if !strings.HasSuffix(s.URLPrefix, "/") {
		s.URLPrefix += "/"
	}
	if !strings.HasPrefix(s.Root, "/") || !rootRe.MatchString(s.Root) || strings.Contains(s.Root, "/../") || strings.HasSuffix(s.Root, "/..") {
		line, col := at("root")
		errs.addf(file, line, col, "server.root %q: expected the absolute path where the output will live on the server (no double quotes, $, \\, braces, ;, # or control characters)", s.Root)
	} else if strings.ContainsAny(s.Root, "[]*?") {
		// Apache's Include and <Directory>, nginx's include and Caddy's
		// import read these as wildcards.
		line, col := at("root")
		errs.addf(file, line, col, "server.root %q: [, ], * and ? are wildcards in Apache, nginx and Caddy paths: choose a folder name without them", s.Root)
	}
	for _, t := range s.Targets {
		if !slices.Contains(servers.Targets(), t) {
			line, col := at("targets")
			errs.addf(file, line, col, "server.targets: unknown target %q (known: %s)", t, strings.Join(servers.Targets(), ", "))
		}
	}
	if dup := firstDuplicate(s.Targets); dup != "" {
		line, col := at("targets")
		errs.addf(file, line, col, "server.targets: %q is listed twice", dup)
	}
	for _, p := range s.Problems() {
		line, col := at(p.Key...)
		errs.addf(file, line, col, "%s", p.Msg)
	}
	s.retryAfter, s.cacheControl = map[StatusCode]string{}, map[StatusCode]string{}
	for _, m := range []struct {
		key    string
		m      map[string]HeaderValue
		parsed map[StatusCode]string
	}{{"retry_after", s.RetryAfter, s.retryAfter}, {"cache_control", s.CacheControl, s.cacheControl}} {
		for _, k := range slices.Sorted(maps.Keys(m.m)) {
			line, col := at(m.key, k)
			c, err := codeKey(k)
			if err != nil {
				errs.addf(file, line, col, "server.%s.%s: %v", m.key, tomlKey(k), err)
				continue
			}
			if !slices.Contains(codes, c) {
				// A code inherited from the top level that this brand
				// does not build is left out.
				if own(m.key, k) {
					errs.addf(file, line, col, "server.%s.%s: %d is not one of the codes built (see codes)", m.key, k, c)
				}
				continue
			}
			v := string(m.m[k])
			m.parsed[c] = v
			switch {
			case m.key == "retry_after" && !retryAfterRe.MatchString(v):
				if _, err := http.ParseTime(v); err != nil {
					errs.addf(file, line, col, "server.retry_after.%s: %q is neither a number of seconds nor an HTTP-date such as \"Wed, 21 Oct 2026 07:28:00 GMT\"", k, v)
				}
			case m.key == "cache_control" && !cacheControlRe.MatchString(v):
				errs.addf(file, line, col, "server.cache_control.%s: %q is not a Cache-Control value such as \"no-store\" or \"max-age=60\"", k, v)
			}
		}
	}
	errs.add(s.validateHeaders(file, sec, at))
	return errs.err()
}

// validateHeaders checks [server] headers and keeps them, sorted by name,
// in s.headers.
func (s *Server) validateHeaders(file string, sec Security, at func(key ...string) (int, int)) error {
	var errs errorList
	s.headers = nil
	seen := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		line, col := at("headers", k)
		v := string(s.Headers[k])
		lower := strings.ToLower(k)
		switch {
		case !headerNameRe.MatchString(k):
			errs.addf(file, line, col, "server.headers.%s: expected a header name: letters, digits and !#$%%&'*+-.^_`|~ (RFC 9110 §5.1)", tomlKey(k))
		case seen[lower] != "":
			errs.addf(file, line, col, "server.headers.%s: %q is set twice (header names ignore case)", tomlKey(k), seen[lower])
		case reservedHeaders[lower] != "":
			errs.addf(file, line, col, "server.headers.%s: %s", k, reservedHeaders[lower])
		case securityHeader(lower, sec) != "":
			errs.addf(file, line, col, "server.headers.%s: already sent by [security] %s: set it there, or turn that off to send your own", k, securityHeader(lower, sec))
		case v == "" || !headerValueRe.MatchString(v) || strings.ContainsAny(v, `\${}`):
			errs.addf(file, line, col, "server.headers.%s: value %q: expected printable ASCII without \\, $, { or } (servers read those as escapes or variables)", k, v)
		}
		seen[lower] = k
		s.headers = append(s.headers, servers.Header{Name: k, Value: v})
	}
	return errs.err()
}

// reservedHeaders are the headers errpages or the server sets on error
// responses, lower case, with why [server] headers may not set them.
var reservedHeaders = map[string]string{
	"content-type":       "errpages sets Content-Type itself",
	"content-length":     "the server sets Content-Length itself",
	"content-language":   "errpages sets Content-Language to the page's language",
	"vary":               "errpages sets Vary itself",
	"cache-control":      "errpages sets Cache-Control itself: use [server] cache_control",
	"retry-after":        "errpages sets Retry-After itself: use [server] retry_after",
	"connection":         "the server sets Connection itself",
	"transfer-encoding":  "the server sets Transfer-Encoding itself",
	"www-authenticate":   "the server sends WWW-Authenticate with a 401; a fixed one would break sign-in",
	"proxy-authenticate": "the proxy sends Proxy-Authenticate with a 407",
	"allow":              "the server sends Allow with a 405",
}

// securityHeader returns the [security] key that already sends the header
// named lower, or "".
func securityHeader(lower string, sec Security) string {
	switch {
	case lower == "content-security-policy" && sec.CSP:
		return "csp"
	case lower == "x-content-type-options" && sec.Nosniff:
		return "nosniff"
	case lower == "referrer-policy" && sec.ReferrerPolicy != "":
		return "referrer_policy"
	case lower == "x-robots-tag" && sec.Noindex:
		return "noindex"
	}
	return ""
}

// codeKey parses a key of a per-code table such as retry_after: a status
// code written plainly, so that "503" and "0503" cannot both be set.
func codeKey(k string) (StatusCode, error) {
	var c StatusCode
	if !codeKeyRe.MatchString(k) {
		return 0, fmt.Errorf("expected a status code such as 503 (digits only: no sign, spaces or leading zeros)")
	}
	if err := c.UnmarshalText([]byte(k)); err != nil {
		return 0, err
	}
	return c, nil
}

// tomlKey writes k as it would appear in TOML: bare if it can be.
func tomlKey(k string) string {
	if bareKeyRe.MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

// topLevelCodeKeys refuses a top-level per-code setting for a code that no
// brand builds; each brand checks its own settings.
func topLevelCodeKeys(file string, src []byte, top Brand, brands []Brand) error {
	if len(brands) == 0 || brands[0].ID == "" {
		return nil
	}
	var errs errorList
	for _, m := range []struct {
		key string
		m   map[string]HeaderValue
	}{{"retry_after", top.Server.RetryAfter}, {"cache_control", top.Server.CacheControl}} {
		for _, k := range slices.Sorted(maps.Keys(m.m)) {
			c, err := codeKey(k)
			if err != nil {
				continue // reported by the brands that inherit it
			}
			built := slices.ContainsFunc(brands, func(b Brand) bool { return slices.Contains(b.builtCodes(), c) })
			if !built {
				line, col := keyPosition(src, toml.Key{"server", m.key, k})
				errs.addf(file, line, col, "server.%s.%s: %d is not one of the codes any brand builds (see codes)", m.key, k, c)
			}
		}
	}
	return errs.err()
}

// brandCollisions refuses two brands whose names in the server
// configuration would be the same: nginx variable names turn '-' into '_'.
func brandCollisions(file string, src []byte, brands []Brand) error {
	var errs errorList
	seen := map[string]string{}
	for _, b := range brands {
		key := strings.ReplaceAll(b.ID, "-", "_")
		if other, ok := seen[key]; ok && b.ID != "" {
			line, col := keyPosition(src, toml.Key{"brands", b.ID})
			errs.addf(file, line, col, "brands.%s: brands %q and %q would share the nginx variables $errpages_%s_*: rename one", b.ID, other, b.ID, key)
			continue
		}
		seen[key] = b.ID
	}
	return errs.err()
}

var referrerPolicies = []string{"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}

var (
	fontRe         = regexp.MustCompile(`^[A-Za-z0-9 ,'"-]{1,200}$`)
	headerNameRe   = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	headerValueRe  = regexp.MustCompile(`^[\x20-\x7e]+$`)
	codeKeyRe      = regexp.MustCompile(`^[1-9][0-9]{2}$`)
	bareKeyRe      = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	retryAfterRe   = regexp.MustCompile(`^[0-9]{1,9}$`)
	cacheControlRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9=, _-]*$`)
	safeName       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	urlPrefixRe    = regexp.MustCompile(`^/([A-Za-z0-9_.~-]+/?)+$`)
	rootRe         = regexp.MustCompile(`^/[^"$\\{};#\x00-\x1f\x7f]*$`)
)

func firstDuplicate[T comparable](s []T) T {
	seen := map[T]bool{}
	for _, v := range s {
		if seen[v] {
			return v
		}
		seen[v] = true
	}
	var zero T
	return zero
}

// tomlError turns a BurntSushi/toml error into an *Error with file:line:col.
func tomlError(file string, src []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" && !strings.Contains(msg, pe.LastKey) {
			msg = pe.LastKey + ": " + msg
		}
		line, col := pe.Position.Line, pe.Position.Col
		if i := bytes.Index(src, []byte("\ufeff")); i >= 0 && strings.Contains(msg, `'\ufeff'`) {
			// A byte order mark pasted into the middle of the file.
			line = 1 + bytes.Count(src[:i], []byte("\n"))
			col = 1 + i - (bytes.LastIndexByte(src[:i], '\n') + 1)
			return &Error{File: file, Line: line, Col: col, Msg: "unexpected byte order mark (U+FEFF): remove it, or save the file as UTF-8 without BOM"}
		}
		// An error found at a line's end is reported past it, on the next
		// (often empty) line: point at the end of the line instead.
		lines := strings.Split(string(src), "\n")
		if line > 1 && line <= len(lines) && lines[line-1] == "" && col > 1 {
			line, col = line-1, len(lines[line-2])+1
		} else if line >= 1 && line <= len(lines) && col > len(lines[line-1])+1 {
			col = len(lines[line-1]) + 1
		}
		return &Error{File: file, Line: line, Col: col, Msg: msg}
	}
	// Type mismatches read: toml: line 3 (last key "name"): incompatible types: ...
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	if m := lastKeyRe.FindStringSubmatch(msg); m != nil {
		key := toml.Key(strings.Split(m[2], "."))
		line, col := keyPosition(src, key)
		rest := msg[len(m[0]):]
		if t := typeRe.FindStringSubmatch(rest); t != nil {
			rest = fmt.Sprintf("expected %s, found %s", tomlTypeName(t[2]), tomlTypeName(t[1]))
		} else if t := mismatchRe.FindStringSubmatch(rest); t != nil {
			rest = fmt.Sprintf("expected %s, found %s", tomlTypeName(t[1]), tomlTypeName(t[2]))
		}
		return &Error{File: file, Line: line, Col: col, Msg: m[2] + ": " + rest}
	}
	return &Error{File: file, Msg: msg}
}

var (
	lastKeyRe  = regexp.MustCompile(`^(line \d+ )?\(last key "([^"]*)"\): `)
	typeRe     = regexp.MustCompile(`TOML value has type (\S+); destination has type (\S+)`)
	mismatchRe = regexp.MustCompile(`type mismatch for \S+: expected (\S+) but found (\S+)`)
)

func tomlTypeName(t string) string {
	switch {
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool", t == "boolean":
		return "true or false"
	case t == "slice", strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map"), t == "struct", t == "table":
		return "a table"
	}
	return t
}

// knownKeys lists the keys errpages.toml accepts, for "did you mean".
func knownKeys() []string {
	return tomlFields(reflect.TypeFor[fileConfig]())
}

// suggest returns ` (did you mean "x"?)` for a close known key, or "".
func suggest(k toml.Key) string {
	var cands []string
	for _, cand := range knownKeys() {
		parts := strings.Split(cand, ".")
		cands = append(cands, parts[len(parts)-1])
	}
	return suggestFrom(k[len(k)-1], cands)
}

// suggestFrom returns ` (did you mean "x"?)` for the candidate closest to
// word, if one is close enough to be a likely typo.
func suggestFrom(word string, cands []string) string {
	best, bestDist := "", max(1, len(word)/3)+1
	for _, c := range cands {
		if d := editDistance(strings.ToLower(word), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || best == word {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("nmae") each cost one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// keyPosition finds where key is defined in TOML source: the line and column
// of its table header or assignment. BurntSushi/toml keeps key positions
// private, so this small scanner recovers them for messages; it returns 0, 0
// when it cannot tell.
func keyPosition(src []byte, key toml.Key) (int, int) {
	want := strings.Join(key, ".")
	var table string
	lines := strings.Split(string(src), "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		col := len(raw) - len(strings.TrimLeft(raw, " \t")) + 1
		if strings.HasPrefix(line, "[") {
			h := strings.Trim(strings.SplitN(line, "#", 2)[0], " \t")
			h = strings.TrimSpace(strings.Trim(h, "[]"))
			table = normalizeKey(h)
			if table == want {
				return i + 1, col
			}
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 || strings.HasPrefix(line, "#") {
			continue
		}
		k := normalizeKey(strings.TrimSpace(line[:eq]))
		full := k
		if table != "" {
			full = table + "." + k
		}
		if full == want {
			return i + 1, col
		}
		// Inline tables: key = { a = 1, b = 2 }.
		if strings.HasPrefix(want, full+".") {
			rest := strings.TrimPrefix(want, full+".")
			sub := strings.Split(rest, ".")
			last := sub[len(sub)-1]
			for _, form := range []string{last, `"` + last + `"`} {
				if j := strings.Index(line[eq:], form+" "); j >= 0 {
					return i + 1, col + (len(line[:eq]) + j)
				}
				if j := strings.Index(line[eq:], form+"="); j >= 0 {
					return i + 1, col + (len(line[:eq]) + j)
				}
			}
			return i + 1, col
		}
	}
	return 0, 0
}

func normalizeKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// tomlFields lists the dotted TOML keys of a struct type, for suggestions
// and the configuration reference test.
func tomlFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if f.Anonymous {
			out = append(out, tomlFields(f.Type)...)
			continue
		}
		name := f.Tag.Get("toml")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, name)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Color]() {
			for _, sub := range tomlFields(ft) {
				out = append(out, name+"."+sub)
			}
		}
	}
	sort.Strings(out)
	return out
}
