package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/errpages/errpages/generator"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "[-c errpages.toml] [--addr 127.0.0.1:8080]", stdout, stderr)
	config := fs.String("c", "", "configuration `file` (default: errpages.toml if present, else the built-in defaults)")
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on (loopback by default)")
	if code := parse(fs, args, stdout); code >= 0 {
		return code
	}
	s := &previewServer{config: *config, stderr: stderr, clients: map[chan string]bool{}}
	s.rebuild()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, err)
	}
	dir := filepath.Dir(configPath(*config))
	w, err := newWatcher(dir, filepath.Join(dir, "dist"))
	if err != nil {
		return fail(stderr, err)
	}
	defer w.Close()
	go s.watch(ctx, w)
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.closeClients()
		srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stderr, "errpages: serving a preview on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, err)
	}
	return exitOK
}

// previewServer serves the last good in-memory build, rebuilt on every
// change to the project.
type previewServer struct {
	config string
	stderr io.Writer

	mu      sync.Mutex
	project *generator.Project
	files   map[string]*generator.File
	problem string // the last build's error, "" when it succeeded
	clients map[chan string]bool
}

// rebuild loads and renders the project; on failure it keeps serving the
// last good build and reports the error on stderr and in the browser.
func (s *previewServer) rebuild() {
	p, err := load(s.config)
	var files map[string]*generator.File
	if err == nil {
		files, err = p.Render(context.Background(), generator.BuildOptions{})
	}
	s.mu.Lock()
	event := "reload"
	if err != nil {
		s.problem = err.Error()
		event = "error"
		fmt.Fprintf(s.stderr, "errpages: build failed; still serving the last good build:\n%s\n", err)
	} else {
		s.project, s.files, s.problem = p, files, ""
		fmt.Fprintf(s.stderr, "errpages: rebuilt: %d files\n", len(files))
	}
	for c := range s.clients {
		select {
		case c <- event:
		default:
		}
	}
	s.mu.Unlock()
}

func (s *previewServer) closeClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		close(c)
		delete(s.clients, c)
	}
}

// newWatcher watches dir and every folder below it but skip and hidden ones.
func newWatcher(dir, skip string) (*fsnotify.Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p == skip || p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// watch rebuilds after changes settle for 100 ms.
func (s *previewServer) watch(ctx context.Context, w *fsnotify.Watcher) {
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() && !strings.HasPrefix(fi.Name(), ".") {
					w.Add(ev.Name)
				}
			}
			if strings.HasPrefix(filepath.Base(ev.Name), ".") || strings.HasSuffix(ev.Name, "~") {
				continue
			}
			timer = time.After(100 * time.Millisecond)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			fmt.Fprintf(s.stderr, "errpages: watching: %v\n", err)
		case <-timer:
			timer = nil
			s.rebuild()
		}
	}
}

func (s *previewServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	files, project, problem := s.files, s.project, s.problem
	s.mu.Unlock()
	switch p := strings.TrimPrefix(r.URL.Path, "/"); {
	case p == "" || p == "index.html":
		s.gallery(w, r, files, project, problem)
	case p == "_errpages/events":
		s.events(w, r)
	case strings.HasPrefix(p, "_negotiate/"):
		s.negotiate(w, r, files, project, strings.TrimPrefix(p, "_negotiate/"))
	default:
		f := files[p]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		s.serveFile(w, r, f)
	}
}

// serveFile sends a page with its real status code and language, and adds
// the live-reload script to HTML (never to built output).
func (s *previewServer) serveFile(w http.ResponseWriter, r *http.Request, f *generator.File) {
	status := http.StatusOK
	if f.Code != 0 && (f.Format == "html" || f.Format == "json") {
		status = f.Code
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if f.Locale != "" {
		h.Set("Content-Language", string(f.Locale))
	}
	data := f.Data
	switch f.Format {
	case "html":
		h.Set("Content-Type", "text/html; charset=utf-8")
		data = previewHTML(data, r.URL.Query().Get("scheme"), r.URL.Query().Get("embed") == "")
	case "json":
		h.Set("Content-Type", "application/json")
		if f.Kind == "problem" {
			h.Set("Content-Type", "application/problem+json")
		}
	default:
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// liveReload reloads the page when the project is rebuilt.
const liveReload = `<script>new EventSource("/_errpages/events").addEventListener("reload",()=>location.reload())</script>`

// previewHTML adds the live-reload script (unless the page is framed in
// the gallery, which reloads as a whole: browsers allow only six open
// connections per host) and, for ?scheme=light or dark, forces that
// palette: the pages switch palettes with prefers-color-scheme, which a
// preview frame cannot set.
func previewHTML(page []byte, scheme string, reload bool) []byte {
	// The page's meta Content-Security-Policy allows its style block by
	// hash and no script: the preview changes both.
	page = metaCSP.ReplaceAll(page, nil)
	const dark = "@media(prefers-color-scheme:dark){"
	switch scheme {
	case "dark":
		page = bytes.Replace(page, []byte(dark), []byte("@media all{"), 1)
	case "light":
		page = bytes.Replace(page, []byte(dark), []byte("@media not all{"), 1)
	}
	if !reload {
		return page
	}
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return append(page, liveReload...)
	}
	return slices.Concat(page[:i], []byte(liveReload), page[i:])
}

var metaCSP = regexp.MustCompile(`<meta http-equiv="?Content-Security-Policy"? content="[^"]*">`)

// events streams "reload" and "error" to preview pages (server-sent events).
func (s *previewServer) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c := make(chan string, 4)
	s.mu.Lock()
	s.clients[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-c:
			if !ok {
				return
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev, ev)
			flusher.Flush()
		}
	}
}

// negotiate answers /_negotiate/[brand/]code the way the generated nginx,
// Caddy and lighttpd configurations do (the library's Negotiate), with the
// code as status.
func (s *previewServer) negotiate(w http.ResponseWriter, r *http.Request, files map[string]*generator.File, p *generator.Project, rest string) {
	brand, code := path.Split(rest)
	brand = strings.TrimSuffix(brand, "/")
	prefix := ""
	if brand != "" {
		prefix = brand + "/"
	}
	if p == nil {
		http.NotFound(w, r)
		return
	}
	locale, json, err := p.Negotiate(brand, r.Header.Get("Accept-Language"), r.Header.Get("Accept"))
	ext := "html"
	if json {
		ext = "json"
	}
	f := files[fmt.Sprintf("%spages/%s/%s.%s", prefix, locale, code, ext)]
	if err != nil || f == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Vary", "Accept-Language, Accept")
	s.serveFile(w, r, f)
}

var galleryTemplate = template.Must(template.New("gallery").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>errpages preview</title>
<style>
:root{color-scheme:light dark}body{margin:0;padding:1rem 1.5rem;font:15px/1.5 system-ui,sans-serif}
form{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:end;margin:.5rem 0 1rem}label{display:flex;flex-direction:column;font-size:.875rem}
.problem{border:2px solid #b91c1c;border-radius:.5rem;padding:.5rem 1rem;white-space:pre-wrap;font-family:ui-monospace,monospace}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}
figure{margin:0}.frame{height:24rem;overflow:hidden;border:1px solid GrayText;border-radius:.375rem}
iframe{width:250%;height:250%;border:0;transform:scale(.4);transform-origin:0 0}
figcaption{font-size:.875rem;margin-top:.25rem}
</style></head><body>
<h1>errpages preview</h1>
{{with .Problem}}<div class="problem" role="alert"><strong>The last change does not build; still showing the last good build.</strong>
{{.}}</div>{{end}}
<form method="get">
<label>Brand <select name="brand">{{range .Brands}}<option value="{{.ID}}"{{if eq .ID $.Brand}} selected{{end}}>{{.Label}}</option>{{end}}</select></label>
<label>Language <select name="locale">{{range .Locales}}<option{{if eq . $.Locale}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Theme <select name="theme"><option value="">any</option>{{range .Themes}}<option{{if eq . $.Theme}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Colours <select name="scheme">{{range .Schemes}}<option{{if eq . $.Scheme}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<button>Show</button>
</form>
<p>{{len .Pages}} pages. Each opens at its own URL with its real status code; <a href="/_negotiate/{{with .Brand}}{{.}}/{{end}}404">/_negotiate/…/404</a> picks the language from your browser's Accept-Language as the servers do.</p>
<div class="grid">
{{range .Pages}}<figure><div class="frame"><iframe src="/{{.Path}}?embed=1&amp;scheme={{$.Scheme}}" title="{{.Code}} preview" loading="lazy"></iframe></div>
<figcaption><a href="/{{.Path}}">{{.Code}} · {{.Locale}}</a></figcaption></figure>
{{end}}</div>
<script>const es=new EventSource("/_errpages/events");es.addEventListener("reload",()=>location.reload());es.addEventListener("error",e=>{if(e.data)location.reload()})</script>
</body></html>`))

type galleryBrand struct{ ID, Label string }

// gallery shows the pages of one brand, language and theme as framed
// previews, with the last build error when there is one.
func (s *previewServer) gallery(w http.ResponseWriter, r *http.Request, files map[string]*generator.File, p *generator.Project, problem string) {
	q := r.URL.Query()
	data := struct {
		Problem, Brand, Theme, Scheme string
		Locale                        generator.LocaleTag
		Brands                        []galleryBrand
		Locales                       []generator.LocaleTag
		Themes, Schemes               []string
		Pages                         []*generator.File
	}{Problem: problem, Brand: q.Get("brand"), Theme: q.Get("theme"), Scheme: q.Get("scheme"), Locale: generator.LocaleTag(q.Get("locale")),
		Schemes: []string{"auto", "light", "dark"}}
	if p != nil {
		for _, id := range p.Brands() {
			label := id
			if id == "" {
				label = "(default)"
			}
			data.Brands = append(data.Brands, galleryBrand{id, label})
			if t := p.Theme(id); !slices.Contains(data.Themes, t) {
				data.Themes = append(data.Themes, t)
			}
		}
		if !slices.Contains(p.Brands(), data.Brand) {
			data.Brand = p.Brands()[0]
		}
		if data.Theme != "" && p.Theme(data.Brand) != data.Theme {
			for _, id := range p.Brands() {
				if p.Theme(id) == data.Theme {
					data.Brand = id
					break
				}
			}
		}
	}
	if p != nil {
		data.Locales = p.Locales(data.Brand)
		slices.Sort(data.Locales)
		if !slices.Contains(data.Locales, data.Locale) {
			data.Locale = p.DefaultLocale(data.Brand)
		}
	}
	for _, f := range files {
		if f.Kind == "page" && f.Brand == data.Brand && f.Locale == data.Locale {
			data.Pages = append(data.Pages, f)
		}
	}
	slices.SortFunc(data.Pages, func(a, b *generator.File) int { return a.Code - b.Code })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := galleryTemplate.Execute(w, data); err != nil {
		fmt.Fprintf(s.stderr, "errpages: gallery: %v\n", err)
	}
}
