package generator

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/errpages/errpages/generator/servers"
)

// Page is one rendered error page in both formats.
type Page struct {
	Locale LocaleTag
	Code   StatusCode
	HTML   []byte // minified, self-contained HTML
	JSON   []byte // RFC 9457 problem details

	// Their SHA-256, computed once: the same page is written many times
	// (IIS language folders, lighttpd's copies).
	htmlSum, jsonSum [32]byte
}

// pageData is what a theme's page.html sees.
type pageData struct {
	Lang    LocaleTag
	Dir     string
	Code    StatusCode
	Title   string
	Summary string
	Help    template.HTML // rendered Markdown steps and FAQ; empty if none
	Related []relatedCode
	// IISCode ("404.8"), Cause (for the visitor) and Admin (for the site
	// administrator) are set on IIS sub-status pages only.
	IISCode, Cause, Admin string
	// Retry says when to try again, when the brand sets Retry-After for
	// the code; Owner holds the server-side causes when the brand turns
	// on [page] owner_hints.
	Retry, Owner string
	// Reference holds the placeholders of the block the web server fills
	// in, when the brand turns on [page] reference.
	Reference *referenceData
	T         map[string]string // UI strings, resolved along the fallback chain
	// CSP is the Content-Security-Policy for a meta tag ("" if off).
	CSP   string
	Brand brandData
	CSS   template.CSS
}

// referenceData are the placeholders of the Reference block: text that
// survives escaping and minifying, replaced by server-side include
// directives afterwards (html/template and the minifier drop comments).
type referenceData struct{ ID, Time, Host, Path string }

// placeholder is the text a Reference field stands as until the page is
// minified: it survives escaping and minifying, and no page holds it.
func placeholder(field string) string { return "\ue000" + field + "\ue000" }

// referenceSSI replaces the placeholders by the directives the servers
// fill in.
var referenceSSI = func() *strings.Replacer {
	var pairs []string
	for _, f := range []string{"id", "time", "host", "path"} {
		pairs = append(pairs, placeholder(f), servers.ReferenceDirective(f))
	}
	return strings.NewReplacer(pairs...)
}()

// referenceWidest is the most a server fills in for each Reference field,
// in bytes: a trusted X-Request-ID, the time, a DNS name with a port, and
// the path of a long URL.
var referenceWidest = map[string]int{"id": 128, "time": 23, "host": 259, "path": 2048}

// growth is how much the Reference block's directives grow, at most, when
// a server fills them in.
func (r *referenceData) growth() int {
	n := 0
	for f, v := range map[string]string{"id": r.ID, "time": r.Time, "host": r.Host, "path": r.Path} {
		if v != "" {
			n += referenceWidest[f] - len(servers.ReferenceDirective(f))
		}
	}
	return n
}

func newReferenceData(path bool) *referenceData {
	r := &referenceData{ID: placeholder("id"), Time: placeholder("time"), Host: placeholder("host")}
	if path {
		r.Path = placeholder("path")
	}
	return r
}

// referenceCSS hides the Reference block where no server filled it in (an
// empty element ignores comments), and lays out its list.
const referenceCSS = ".reference:has(.rid:empty){display:none}.reference dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0 0 .75rem}.reference dt{font-weight:600}.reference dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}"

type relatedCode struct {
	Code           StatusCode
	Title, Summary string
}

type brandData struct {
	Name          string
	Home, Contact Link
	Logo          template.URL
	Footer        template.HTML // rendered Markdown
	Links         []ExtraLink
}

// minPageBytes: older browsers replace error bodies of 512 bytes or fewer
// with their own "friendly" page (IEInternals blog, "Friendly HTTP Error
// Pages"; httpd docs, ErrorDocument).
const minPageBytes = 513

// Brands returns the IDs of the project's brands, sorted; a single-brand
// project has one brand with the empty ID.
func (p *Project) Brands() []string {
	ids := make([]string, len(p.brands))
	for i, b := range p.brands {
		ids[i] = b.ID
	}
	return ids
}

func (p *Project) brand(id string) (*brand, error) {
	for _, b := range p.brands {
		if b.ID == id {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no brand %q (brands: %q)", id, p.Brands())
}

// RenderPage renders the page of one code in one locale for the brand with
// the given ID ("" in a single-brand project).
func (p *Project) RenderPage(brandID string, locale LocaleTag, code StatusCode) (*Page, error) {
	b, err := p.brand(brandID)
	if err != nil {
		return nil, err
	}
	return p.render(b, locale, code, -1)
}

// render renders one page; sub is an IIS sub-status, or -1.
func (p *Project) render(b *brand, locale LocaleTag, code StatusCode, sub int) (*Page, error) {
	chain := fallbackChain(locale, b.DefaultLocale)
	d, err := p.pageData(b, chain, locale, code, sub)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := b.theme.page.Execute(&buf, d); err != nil {
		return nil, templateError(err)
	}
	name := cmp.Or(d.IISCode, strconv.Itoa(int(code)))
	if sub == servers.MaintenanceSub {
		name = "maintenance"
	}
	html, err := p.pageMin.Bytes("text/html", buf.Bytes())
	if err != nil {
		return nil, &Error{File: b.theme.file, Msg: fmt.Sprintf("minifying the %s page of %s: %v", locale, name, err)}
	}
	size, filled := len(html), ""
	if d.Reference != nil {
		html = []byte(referenceSSI.Replace(string(html)))
		size, filled = len(html)+d.Reference.growth(), " with the Reference block filled in at its widest"
	}
	if len(html) < minPageBytes {
		return nil, &Error{File: b.theme.file, Msg: fmt.Sprintf("the %s page of %s is %d bytes; pages must be at least %d bytes, or older browsers show their own page instead",
			locale, name, len(html), minPageBytes)}
	}
	if int64(size) > int64(b.PageBudget) {
		return nil, p.configError(b.Brand, fmt.Sprintf("the %s page of %s is %d bytes%s, over the page_budget of %d bytes: shorten the content, shrink the logo or raise page_budget",
			locale, name, size, filled, b.PageBudget), "page_budget")
	}
	js, err := json.Marshal(struct {
		Type   string     `json:"type"`
		Title  string     `json:"title"`
		Status StatusCode `json:"status"`
		Detail string     `json:"detail"`
	}{"about:blank", d.Title, code, d.Summary})
	if err != nil {
		return nil, err
	}
	js = append(js, '\n')
	return &Page{Locale: locale, Code: code, HTML: html, JSON: js, htmlSum: sha256.Sum256(html), jsonSum: sha256.Sum256(js)}, nil
}

// pageData collects what the theme's page.html shows: the code's text in
// the first language of chain that has it, the brand, the content file's
// help and related codes, and an IIS sub-status's cause and advice.
func (p *Project) pageData(b *brand, chain []LocaleTag, locale LocaleTag, code StatusCode, sub int) (pageData, error) {
	if sub == servers.MaintenanceSub {
		return p.maintenanceData(b, chain, locale)
	}
	title, summary, err := p.codeText(b, chain, code)
	if err != nil {
		return pageData{}, err
	}
	d := p.baseData(b, chain, locale, code, title, summary)
	if sub >= 0 {
		d.IISCode = fmt.Sprintf("%d.%d", code, sub)
		d.Cause, _ = p.lookup(chain, "substatus."+d.IISCode+".cause")
		d.Admin, _ = p.lookup(chain, "substatus."+d.IISCode+".admin")
		if d.Cause == "" || d.Admin == "" {
			return pageData{}, &Error{File: p.layers.projectName("locales/" + string(b.DefaultLocale) + ".toml"),
				Msg: fmt.Sprintf("IIS sub-status %s has no cause or admin text in %q: add [substatus.%q]", d.IISCode, chain, d.IISCode)}
		}
	}
	if v, ok := b.Server.retryAfter[code]; ok {
		d.Retry = p.retryText(chain, v)
	}
	if b.Page.OwnerHints {
		d.Owner = p.ownerHint(chain, code)
	}
	if b.Page.Reference {
		d.Reference = newReferenceData(b.Page.ReferencePath)
	}
	help := code
	if sub >= 0 {
		// The page opens with its own cause, and its steps are those of
		// the status whose advice fits the cause, without that status's
		// questions.
		d.Summary = d.Cause
		help = StatusCode(servers.HelpFor(int(code), sub))
	}
	if c := p.findContent(chain, help); c != nil {
		if sub >= 0 {
			c = c.stepsOnly()
		}
		if d.Help, err = p.markdown(c, b.UnsafeHTML); err != nil {
			return pageData{}, err
		}
		for _, rc := range c.front.Related {
			t, s, err := p.codeText(b, chain, rc)
			if err != nil {
				return pageData{}, &Error{File: c.src.display, Msg: fmt.Sprintf("related code %d: %v", rc, err)}
			}
			d.Related = append(d.Related, relatedCode{rc, t, s})
		}
	}
	return d, nil
}

// baseData is what every page shows: its status, title and summary, the
// brand, the styles and the UI strings along chain.
func (p *Project) baseData(b *brand, chain []LocaleTag, locale LocaleTag, code StatusCode, title, summary string) pageData {
	d := pageData{
		Lang: locale, Dir: direction(locale), Code: code, Title: title, Summary: summary,
		T:     map[string]string{},
		Brand: brandData{Name: b.Name, Home: b.URL, Contact: b.Contact, Logo: b.logo, Footer: b.footer, Links: b.Links},
		CSS:   b.css,
		CSP:   metaPolicy(b.csp),
	}
	for _, k := range p.uiKeys {
		if v, ok := p.lookup(chain, "ui."+k); ok {
			d.T[k] = v
		}
	}
	return d
}

// maintenanceContent is the content key of content/<locale>/maintenance.md.
const maintenanceContent StatusCode = 0

// maintenanceData is what the maintenance page shows: a 503 with the
// [maintenance] strings, the help of maintenance.md, when to try again,
// and a link to the status page.
func (p *Project) maintenanceData(b *brand, chain []LocaleTag, locale LocaleTag) (pageData, error) {
	title, _ := p.lookup(chain, "maintenance.title")
	summary, _ := p.lookup(chain, "maintenance.summary")
	if title == "" || summary == "" {
		return pageData{}, p.configError(b.Brand, fmt.Sprintf("the maintenance page has no title or summary in %q: add them to [maintenance] in locales/%s.toml", chain, b.DefaultLocale), "maintenance")
	}
	d := p.baseData(b, chain, locale, 503, title, summary)
	d.Retry = p.retryText(chain, string(b.Maintenance.RetryAfter))
	if b.Maintenance.StatusURL != "" {
		text, _ := p.lookup(chain, "maintenance.status")
		d.Brand.Links = append(slices.Clip(d.Brand.Links), ExtraLink{Text: text, URL: b.Maintenance.StatusURL})
	}
	if c := p.findContent(chain, maintenanceContent); c != nil {
		var err error
		if d.Help, err = p.markdown(c, b.UnsafeHTML); err != nil {
			return pageData{}, err
		}
	}
	return d, nil
}

// codeText finds the title and summary of code along chain: at each locale,
// the content file's front matter first, then the locale strings.
func (p *Project) codeText(b *brand, chain []LocaleTag, code StatusCode) (title, summary string, err error) {
	get := func(field string, front func(*FrontMatter) string) string {
		for _, t := range chain {
			if c := p.content[contentKey{t, code}]; c != nil && front(&c.front) != "" {
				return front(&c.front)
			}
			if v, ok := p.locales[t][fmt.Sprintf("codes.%d.%s", code, field)]; ok {
				return v
			}
		}
		return ""
	}
	title = get("title", func(f *FrontMatter) string { return f.Title })
	summary = get("summary", func(f *FrontMatter) string { return f.Summary })
	if title == "" || summary == "" {
		return "", "", p.configError(b.Brand, fmt.Sprintf("code %d has no title or summary in %q: add them to content/%s/%d.md front matter or to [codes.%d] in locales/%s.toml",
			code, chain, b.DefaultLocale, code, code, b.DefaultLocale), "codes")
	}
	return title, summary, nil
}

func (p *Project) lookup(chain []LocaleTag, key string) (string, bool) {
	for _, t := range chain {
		if v, ok := p.locales[t][key]; ok {
			return v, true
		}
	}
	return "", false
}

func (p *Project) findContent(chain []LocaleTag, code StatusCode) *content {
	for _, t := range chain {
		if c := p.content[contentKey{t, code}]; c != nil && len(bytes.TrimSpace(c.body)) > 0 {
			return c
		}
	}
	return nil
}

// markdown renders a content body once per build and flavour.
func (p *Project) markdown(c *content, unsafe bool) (template.HTML, error) {
	k := renderKey{c.src.display, unsafe, c.short}
	p.mu.Lock()
	h, ok := p.rendered[k]
	p.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := p.md.render(c, unsafe)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.rendered[k] = h
	p.mu.Unlock()
	return h, nil
}

// DefaultLocale returns the default locale of the brand with the given ID.
func (p *Project) DefaultLocale(brandID string) LocaleTag {
	if b, err := p.brand(brandID); err == nil {
		return b.DefaultLocale
	}
	return ""
}

// Locales returns the locales the brand with the given ID is built in,
// its default locale first.
func (p *Project) Locales(brandID string) []LocaleTag {
	b, err := p.brand(brandID)
	if err != nil {
		return nil
	}
	out := []LocaleTag{b.DefaultLocale}
	for _, l := range b.locales {
		if l != b.DefaultLocale {
			out = append(out, l)
		}
	}
	return out
}

// Negotiate returns the locale and format (JSON or HTML) that the brand's
// generated nginx, Caddy and lighttpd configurations choose for a request
// with these Accept-Language and Accept headers.
func (p *Project) Negotiate(brandID, acceptLanguage, accept string) (locale LocaleTag, json bool, err error) {
	b, err := p.brand(brandID)
	if err != nil {
		return "", false, err
	}
	l, json := b.site().Negotiate(acceptLanguage, accept)
	return LocaleTag(l), json, nil
}

// Theme returns the theme name of the brand with the given ID.
func (p *Project) Theme(brandID string) string {
	if b, err := p.brand(brandID); err == nil {
		return b.Theme
	}
	return ""
}

// retryText says when to try again in the visitor's language, from a
// Retry-After value (RFC 9110, section 10.2.3): a number of seconds,
// rounded to seconds, minutes or hours, or an HTTP-date, in UTC.
func (p *Project) retryText(chain []LocaleTag, v string) string {
	say := func(key, time string) string {
		s, _ := p.lookup(chain, key)
		return fill(s, "{time}", time)
	}
	if secs, err := strconv.Atoi(v); err == nil {
		unit, n := "ui.unit_seconds", secs
		switch {
		case secs >= 90*60:
			unit, n = "ui.unit_hours", (secs+1800)/3600
		case secs >= 90:
			unit, n = "ui.unit_minutes", (secs+30)/60
		}
		u, _ := p.lookup(chain, unit)
		return say("ui.retry_in", fill(u, "{n}", strconv.Itoa(n)))
	}
	if t, err := http.ParseTime(v); err == nil {
		return say("ui.retry_at", t.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return ""
}

// ownerHint returns the server-side causes of code for the site owner:
// the code's own text, else the one of its class (4xx or 5xx).
func (p *Project) ownerHint(chain []LocaleTag, code StatusCode) string {
	if s, ok := p.lookup(chain, "owner."+strconv.Itoa(int(code))); ok {
		return s
	}
	s, _ := p.lookup(chain, "owner."+strconv.Itoa(int(code)/100)+"xx")
	return s
}

// fill puts value in place of placeholder in s. An abbreviation's full
// stop also ends the sentence: "2 godz." is not followed by another ".".
func fill(s, placeholder, value string) string {
	before, after, ok := strings.Cut(s, placeholder)
	if !ok {
		return s
	}
	if strings.HasSuffix(value, ".") && strings.HasPrefix(after, ".") {
		after = after[1:]
	}
	return before + value + after
}
