// Package generator turns an errpages project (TOML configuration, Markdown
// content, locale strings, themes and a logo) into branded, localized,
// self-contained HTML error pages, problem+json documents and a manifest.
//
// Load a project with [Load], then write it with [Project.Build] or render a
// single page with [Project.RenderPage]. A Project is immutable after Load
// and safe for concurrent use.
package generator

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html/template"
	"image/png"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/html"
	"github.com/tdewolff/minify/v2/svg"
)

// ConfigFile is the name of the configuration file in a project folder.
const ConfigFile = "errpages.toml"

// Options says where a project's files are.
type Options struct {
	// Project holds the project folder: errpages.toml, content/, locales/,
	// themes/ and assets/. Nil means no project files: the built-in defaults.
	Project fs.FS
	// Dir is how messages name the project folder, e.g. "site"; "" for none.
	Dir string
	// Config is the configuration file's name inside Project. Empty means
	// ConfigFile if it exists; a named file must exist.
	Config string
	// Builtin holds the built-in themes/, locales/ and content/, normally
	// errpages.Builtin().
	Builtin fs.FS
}

// Project is a loaded, validated errpages project.
type Project struct {
	layers  *layers
	brands  []*brand
	locales map[LocaleTag]localeStrings
	uiKeys  []string
	content map[contentKey]*content
	md      *markdown
	min     *minify.M // CSS and SVG
	pageMin *minify.M // HTML only: each brand's CSS is minified once, not per page

	configName  string // as messages name it
	configSrc   []byte
	withGallery bool

	mu       sync.Mutex
	rendered map[renderKey]template.HTML
}

type contentKey struct {
	locale LocaleTag
	code   StatusCode
}

type renderKey struct {
	name              string
	unsafe, stepsOnly bool
}

// brand is a Brand with everything its pages need resolved.
type brand struct {
	Brand
	locales []LocaleTag
	codes   []StatusCode
	logo    template.URL
	footer  template.HTML
	theme   *theme
	css     template.CSS
	csp     string // the Content-Security-Policy of its pages, "" if off
}

type theme struct {
	page    *template.Template
	css     string
	cssFile string   // as messages name it
	file    string   // page.html, as messages name it
	uiKeys  []string // the .T strings page.html uses
}

// Load reads, decodes and validates a project. Every problem found is
// reported, one per line of the returned error.
func Load(opts Options) (*Project, error) {
	if opts.Builtin == nil {
		return nil, fmt.Errorf("generator.Load: Options.Builtin is nil")
	}
	l := &layers{project: opts.Project, dir: opts.Dir, builtin: opts.Builtin}
	p := &Project{
		layers:   l,
		content:  map[contentKey]*content{},
		md:       newMarkdown(),
		min:      newMinifier(),
		pageMin:  newPageMinifier(),
		rendered: map[renderKey]template.HTML{},
	}
	// Problems in the configuration, the locale files and the content are
	// independent: report them all at once.
	var errs errorList
	brands, err := p.readConfig(opts)
	errs.add(err)
	needed := neededLocales(brands)
	p.locales, err = loadLocales(l, needed)
	errs.add(err)
	errs.add(p.loadContent(needed))
	keys := map[string]bool{}
	for _, strs := range p.locales {
		for k := range strs {
			if strings.HasPrefix(k, "ui.") {
				keys[strings.TrimPrefix(k, "ui.")] = true
			}
		}
	}
	p.uiKeys = slices.Sorted(maps.Keys(keys))
	if err := errs.err(); err != nil {
		return nil, err
	}
	themes := map[string]*theme{}
	for _, b := range brands {
		bd, err := p.resolveBrand(b, themes)
		if err != nil {
			errs.add(err)
			continue
		}
		p.brands = append(p.brands, bd)
	}
	return p, errs.err()
}

// neededLocales says which locales the brands can use: their own and every
// locale on their fallback chains. Nil means all: a brand that lists no
// locales gets every one.
func neededLocales(brands []Brand) func(LocaleTag) bool {
	need := map[LocaleTag]bool{"en": true}
	for _, b := range brands {
		if len(b.Locales) == 0 {
			return nil
		}
		for _, tag := range append(slices.Clone(b.Locales), b.DefaultLocale) {
			for _, t := range fallbackChain(tag, b.DefaultLocale) {
				need[t] = true
			}
		}
	}
	if len(brands) == 0 {
		return nil
	}
	return func(t LocaleTag) bool { return need[t] }
}

func (p *Project) readConfig(opts Options) ([]Brand, error) {
	name, required := opts.Config, true
	if name == "" {
		name, required = ConfigFile, false
	}
	display := p.layers.projectName(name)
	p.configName = display
	if opts.Project == nil {
		if required {
			return nil, &Error{File: display, Msg: "configuration file not found"}
		}
		return []Brand{defaultBrand()}, nil
	}
	data, err := readProject(opts.Project, display, name, fileLimit)
	if err != nil {
		if !required && isNotExist(err) {
			return []Brand{defaultBrand()}, nil
		}
		if isNotExist(err) {
			return nil, &Error{File: display, Msg: "configuration file not found"}
		}
		return nil, err
	}
	data, err = textFile(source{display: display, data: data})
	if err != nil {
		return nil, err
	}
	p.configSrc = data
	brands, gallery, err := decodeConfig(display, data)
	p.withGallery = gallery
	return brands, err
}

// loadContent parses every content/<locale>/<code>.md of the project, and
// the built-in ones of the locales the brands need (nil: all); a project
// file hides the built-in file of the same name.
func (p *Project) loadContent(needed func(LocaleTag) bool) error {
	var errs errorList
	for _, dir := range p.layers.list("content") {
		tag, err := ParseLocale(dir)
		if err == nil && string(tag) != dir {
			err = fmt.Errorf("use the canonical tag %q", tag)
		}
		if err != nil {
			errs.add(&Error{File: p.layers.projectName("content/" + dir), Msg: "content folder must be named by a locale tag: " + err.Error()})
			continue
		}
		for _, name := range p.layers.list("content/" + dir) {
			file := "content/" + dir + "/" + name
			if needed != nil && !needed(tag) && !p.layers.inProject(file) {
				continue
			}
			num, ok := strings.CutSuffix(name, ".md")
			var code StatusCode
			if num == "maintenance" {
				code = maintenanceContent
			} else if !ok || code.UnmarshalText([]byte(num)) != nil || strconv.Itoa(int(code)) != num {
				errs.add(&Error{File: p.layers.projectName(file), Msg: "content file must be named <code>.md with a code from 400 to 599, e.g. 404.md, or maintenance.md"})
				continue
			}
			src, _, err := p.layers.read(file)
			if err != nil {
				errs.add(err)
				continue
			}
			c, err := parseContent(src)
			if err != nil {
				errs.add(err)
				continue
			}
			p.content[contentKey{tag, code}] = c
		}
	}
	return errs.err()
}

func (p *Project) resolveBrand(b Brand, themes map[string]*theme) (*brand, error) {
	bd := &brand{Brand: b}
	var errs errorList
	at := func(key string) (int, int) { return brandKeyPosition(p.configSrc, b.ID, key) }
	bd.locales = b.Locales
	if len(bd.locales) == 0 {
		bd.locales = slices.Sorted(maps.Keys(p.locales))
	}
	for _, tag := range bd.locales {
		if !p.hasOwnStrings(tag) {
			line, col := at("locales")
			errs.addf(p.configName, line, col, "locale %q has no strings: add locales/%s.toml to the project (built-in locales: %s)",
				tag, tag, strings.Join(p.builtinLocales(), ", "))
		}
	}
	if bd.DefaultLocale == "" {
		bd.DefaultLocale = bd.locales[0]
		if slices.Contains(bd.locales, "en") {
			bd.DefaultLocale = "en"
		}
	}
	bd.codes = slices.Clone(b.builtCodes())
	slices.Sort(bd.codes)
	if err := p.style(bd, themes, at); err != nil {
		return nil, err
	}
	if b.Footer != "" {
		line, _ := at("footer")
		footer, err := p.md.render(&content{src: source{display: p.configName}, body: []byte(b.Footer), bodyLine: line}, false)
		errs.add(err)
		bd.footer = footer
	}
	if b.Logo != "" {
		logo, err := p.loadLogo(b.Logo, at)
		errs.add(err)
		bd.logo = logo
	}
	return bd, errs.err()
}

// style sets the brand's theme, its minified CSS (palette, theme and font)
// and the Content-Security-Policy that allows exactly that CSS. Themes are
// loaded once per project.
func (p *Project) style(bd *brand, themes map[string]*theme, at func(string) (int, int)) error {
	t, ok := themes[bd.Theme]
	if !ok {
		var err error
		t, err = p.loadTheme(bd.Theme)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				line, col := at("theme")
				err = &Error{File: p.configName, Line: line, Col: col, Msg: err.Error()}
			}
			return err
		}
		themes[bd.Theme] = t
	}
	bd.theme = t
	css := paletteCSS(bd.Colors) + t.css
	if bd.Font != "" {
		// Validated: family names, quotes and commas only.
		css += "body{font-family:" + bd.Font + "}"
	}
	if bd.Page.Reference {
		css += referenceCSS
	}
	minCSS, err := p.min.String("text/css", css)
	if err != nil {
		return &Error{File: t.cssFile, Msg: "cannot minify: " + err.Error()}
	}
	bd.css = template.CSS(minCSS)
	if bd.Security.CSP {
		bd.csp = policy(minCSS, bd.Logo != "")
	}
	return nil
}

// hasOwnStrings reports whether tag or a locale of its own language (de
// for de-AT, en for en-GB) has locale strings.
func (p *Project) hasOwnStrings(tag LocaleTag) bool {
	for _, t := range ownChain(tag) {
		if _, ok := p.locales[t]; ok {
			return true
		}
	}
	return false
}

func (p *Project) builtinLocales() []string {
	var out []string
	entries, _ := fs.ReadDir(p.layers.builtin, "locales")
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			out = append(out, n)
		}
	}
	return out
}

// loadTheme reads themes/<name>/page.html and style.css, each from the
// project if it has the file and from the built-in theme otherwise.
func (p *Project) loadTheme(name string) (*theme, error) {
	page, ok, err := p.layers.read("themes/" + name + "/page.html")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("theme %q not found: no themes/%s/page.html in the project or built in (built-in themes: %s)",
			name, name, strings.Join(p.layers.list("themes"), ", "))
	}
	style, ok, err := p.layers.read("themes/" + name + "/style.css")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{File: p.layers.projectName("themes/" + name + "/style.css"), Msg: "theme has page.html but no style.css"}
	}
	text, err := textFile(page)
	if err != nil {
		return nil, err
	}
	// The shared parts first: a theme's own definitions replace them.
	tmpl := template.New(page.display).Option("missingkey=error")
	if _, err := tmpl.New("partials.html").Parse(partialsHTML); err != nil {
		return nil, templateError(err)
	}
	if _, err := tmpl.Parse(string(text)); err != nil {
		return nil, templateError(err)
	}
	cssText, err := textFile(style)
	if err != nil {
		return nil, err
	}
	var trees []*parse.Tree
	for _, t := range tmpl.Templates() {
		trees = append(trees, t.Tree)
	}
	return &theme{page: tmpl, file: page.display, css: string(cssText), cssFile: style.display, uiKeys: templateUIKeys(trees)}, nil
}

// configError is a problem with brand b's setting key, at its position in
// the configuration.
func (p *Project) configError(b Brand, msg string, key ...string) *Error {
	line, col := brandKeyPosition(p.configSrc, b.ID, key...)
	if b.ID != "" {
		msg = fmt.Sprintf("brand %q: %s", b.ID, msg)
	}
	return &Error{File: p.configName, Line: line, Col: col, Msg: msg}
}

// partialsHTML defines the parts of a page every built-in theme shows the
// same way (the Reference block, the owner's section); themes call them by
// name and may define their own.
//
//go:embed partials.html
var partialsHTML string

// templateError turns "template: NAME:LINE:COL: msg" into an *Error.
func templateError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	// NAME may contain ": " ("(built-in) themes/..."); the position follows
	// the file name, which ends in .html.
	if i := strings.Index(msg, ".html:"); i >= 0 {
		file, rest := msg[:i+5], msg[i+6:]
		var line, col int
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) >= 2 {
			line, _ = strconv.Atoi(parts[0])
			if c, err := strconv.Atoi(parts[1]); err == nil && len(parts) == 3 {
				col, rest = c, strings.TrimSpace(parts[2])
			} else {
				rest = strings.TrimSpace(strings.Join(parts[1:], ":"))
			}
		}
		return &Error{File: file, Line: line, Col: col, Msg: rest}
	}
	return err
}

// maxLogo bounds the logo file: it is inlined into every page.
const maxLogo = 64 * 1024

// loadLogo inlines an SVG (minified) or PNG logo as a data: URL. An image
// loaded through <img> can run no script and fetch nothing, whatever the
// SVG contains.
func (p *Project) loadLogo(name string, at func(string) (int, int)) (template.URL, error) {
	display := p.layers.projectName(name)
	var data []byte
	err := fs.ErrNotExist
	if p.layers.project != nil {
		data, err = readProject(p.layers.project, display, name, logoLimit)
	}
	if isNotExist(err) {
		line, col := at("logo")
		return "", &Error{File: p.configName, Line: line, Col: col, Msg: fmt.Sprintf("logo %q: logo not found", name)}
	}
	if err != nil {
		return "", err
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".svg":
		if err := checkSVG(display, data); err != nil {
			return "", err
		}
		out, err := p.min.Bytes("image/svg+xml", data)
		if err != nil {
			return "", &Error{File: display, Msg: "logo is not valid SVG: " + err.Error()}
		}
		return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(out)), nil
	case ".png":
		if err := checkPNG(data); err != nil {
			return "", &Error{File: display, Msg: err.Error()}
		}
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(data)), nil
	}
	return "", &Error{File: display, Msg: "logo must be an .svg or .png file"}
}

// maxLogoSide bounds a PNG logo's width and height in pixels: a small file
// can claim a huge image that every visitor's browser would allocate.
const maxLogoSide = 4096

// checkPNG accepts a PNG image whose header decodes, whose size is at most
// maxLogoSide on each side, and that ends with its IEND chunk: nothing may
// ride along after the image.
func checkPNG(data []byte) error {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("logo is not a PNG image: %v", err)
	}
	if cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
		return fmt.Errorf("logo is %d×%d pixels; the limit is %d×%[3]d", cfg.Width, cfg.Height, maxLogoSide)
	}
	// Walk the chunks (length, type, data, CRC; PNG spec §5.3) to the IEND
	// chunk, which must end the file.
	for at := 8; at+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[at:]))
		end := at + 12 + n
		if n > len(data) || end > len(data) {
			break
		}
		if string(data[at+4:at+8]) == "IEND" {
			if end != len(data) {
				return fmt.Errorf("logo has %d bytes after the end of its PNG image: save it again with an image editor", len(data)-end)
			}
			return nil
		}
		at = end
	}
	return fmt.Errorf("logo is not a PNG image: it has no end (IEND) chunk")
}

// policy is the Content-Security-Policy of a brand's pages: nothing may
// load or run but the page's own style block (by hash) and, with a logo, an
// inline image.
func policy(css string, logo bool) string {
	sum := sha256.Sum256([]byte(css))
	p := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if logo {
		p += "; img-src data:"
	}
	return p + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// metaPolicy is the policy without frame-ancestors, which a meta tag
// cannot set.
func metaPolicy(p string) string { return strings.Replace(p, "; frame-ancestors 'none'", "", 1) }

// paletteCSS writes the custom properties the themes draw with.
func paletteCSS(c Colors) string {
	vars := func(p Palette) string {
		return fmt.Sprintf("--bg:%s;--surface:%s;--text:%s;--muted:%s;--accent:%s;--border:%s",
			p.Background, p.Surface, p.Text, p.Muted, p.Accent, p.Border)
	}
	return ":root{color-scheme:light dark;" + vars(c.Light) + "}" +
		"@media (prefers-color-scheme:dark){:root{" + vars(c.Dark) + "}}"
}

func newMinifier() *minify.M {
	m := minify.New()
	m.Add("text/css", &css.Minifier{})
	m.Add("image/svg+xml", &svg.Minifier{})
	m.Add("text/html", &html.Minifier{KeepDocumentTags: true, KeepEndTags: true})
	return m
}

// newPageMinifier minifies pages whose <style> is already minified: with
// no CSS minifier registered, the HTML minifier copies style blocks as they
// are.
func newPageMinifier() *minify.M {
	m := minify.New()
	m.Add("text/html", &html.Minifier{KeepDocumentTags: true, KeepEndTags: true})
	return m
}
