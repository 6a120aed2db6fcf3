package generator

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/errpages/errpages/generator/servers"
)

// BuildOptions selects what Build writes.
type BuildOptions struct {
	// Brands limits a multi-brand build to these brand IDs; empty means all.
	Brands []string
	// Progress, if set, is called after each page is rendered with the
	// number of pages rendered so far and the total, one call at a time.
	Progress func(done, total int)
	// Jobs is how many pages render at once; 0 means GOMAXPROCS. The output
	// is the same for any value.
	Jobs int
	// NoWait makes Build fail at once when another build is writing the
	// same output folder, instead of waiting for it to finish.
	NoWait bool
	// Waiting, if set, is called once when Build starts to wait for
	// another build of the same output folder.
	Waiting func()
	// Shard, if N > 0, builds only the brands of shard K (1 ≤ K ≤ N): a
	// brand's shard depends on its ID alone, so adding a brand never moves
	// the others, and the N shards together build every brand once.
	Shard Shard
}

// Shard is the K-th of N parts of a multi-brand project, N at most
// MaxShards.
type Shard struct{ K, N int }

// MaxShards bounds a Shard's N: more parts than any CI matrix runs.
const MaxShards = 10000

// has reports whether the brand with this ID belongs to the shard.
func (s Shard) has(id string) bool {
	if s.N <= 0 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32()%uint32(s.N)) == s.K-1
}

// Summary tells what a build wrote.
type Summary struct {
	Brands int   // brands built
	Pages  int   // HTML pages written
	Files  int   // files written, manifests included
	Bytes  int64 // bytes written, manifests included
}

// ManifestFile is one file of the output, as listed in manifest.json.
type ManifestFile struct {
	Path   string    `json:"path"`
	Kind   string    `json:"kind"` // "page", "problem", "manifest", "gallery" or a server target such as "nginx"
	Brand  string    `json:"brand,omitempty"`
	Code   int       `json:"code,omitempty"`
	Locale LocaleTag `json:"locale,omitempty"`
	// IISCode is the IIS sub-status of an IIS page, e.g. "404.8".
	IISCode string `json:"iis_code,omitempty"`
	Format  string `json:"format"` // "html", "json", "conf", "http" (a raw HAProxy response) or "lf" (an HAProxy log-format page)
	// CSP is the Content-Security-Policy an HTML page needs.
	CSP    string `json:"csp,omitempty"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest is manifest.json: every file of an output folder. Its presence
// marks a folder as errpages output that a later build may replace.
type Manifest struct {
	Generator string         `json:"generator"` // always "errpages"
	Brands    []string       `json:"brands,omitempty"`
	Files     []ManifestFile `json:"files"`
}

// ManifestName is the manifest's file name in an output folder.
const ManifestName = "manifest.json"

// Build renders every page of the selected brands and replaces the folder
// out with the result. It builds into a temporary folder beside out and
// swaps it in only when everything succeeded, so a failed or interrupted
// build leaves the previous output as it was. It refuses to replace a
// non-empty folder that is not errpages output.
func (p *Project) Build(ctx context.Context, out string, opts BuildOptions) (Summary, error) {
	brands, err := p.selectBrands(opts.Brands, opts.Shard)
	if err != nil {
		return Summary{}, err
	}
	// A link to the output folder (dist -> /srv/www/errors) stays a link:
	// the build is made beside its target and swapped in there.
	if target, err := filepath.EvalSymlinks(out); err == nil {
		out = target
	}
	parent, base := filepath.Split(filepath.Clean(out))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Summary{}, fmt.Errorf("%s: cannot create the output folder: %w", out, err)
	}
	// One build at a time per output folder: the lock is taken before the
	// folder is checked, and every temporary folder left beside it is then
	// from a build that died.
	unlock, err := lockOutput(ctx, parent, base, opts.NoWait, opts.Waiting)
	if err != nil {
		return Summary{}, err
	}
	defer unlock()
	if err := checkOutput(out); err != nil {
		return Summary{}, err
	}
	removeStale(parent, base)
	state := beside(parent, base, ".state")
	known := readStamps(state)
	// A rebuild that changes nothing leaves the output as it is: every
	// file is checked against its stamp instead of being linked anew.
	if _, err := os.Stat(filepath.Join(out, ManifestName)); err == nil && len(opts.Brands) == 0 && opts.Shard.N == 0 {
		if sum, stamps, ok := p.unchanged(ctx, brands, opts, out, known); ok {
			if !maps.Equal(stamps, known) {
				writeStamps(state, stamps)
			}
			return sum, nil
		}
	}
	tmp, err := os.MkdirTemp(parent, "."+base+tempInfix)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: cannot create the output folder: %w", out, err)
	}
	defer os.RemoveAll(tmp) // after a successful swap it holds the old output
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Summary{}, err
	}
	w := &writer{root: tmp, prevRoot: out, known: known, stamps: map[string]stamp{}}
	sum, err := p.generate(ctx, w, brands, opts)
	if err != nil {
		return Summary{}, err
	}
	if err := ctx.Err(); err != nil {
		return Summary{}, err
	}
	if err := verifyTree(tmp, sum.Files); err != nil {
		return Summary{}, err
	}
	flags := p.flagsInside(brands)
	keepFlags(out, tmp, flags)
	if err := swap(tmp, out); err != nil {
		return Summary{}, err
	}
	// A maintenance on or off during the swap went to the old tree, now in
	// tmp: the new one follows it.
	keepFlags(tmp, out, flags)
	writeStamps(state, w.stamps)
	return sum, nil
}

// errChanged stops the check of unchanged: a file differs from the
// output.
var errChanged = errors.New("the output differs")

// unchanged renders the brands and reports whether out already holds
// exactly their files, and nothing else but maintenance flags; it returns
// the files' stamps for the next build. A file whose stamp (size,
// modification time, SHA-256) is the one the last build recorded is
// trusted, any other is read back. It stops at the first difference.
func (p *Project) unchanged(ctx context.Context, brands []*brand, opts BuildOptions, out string, known map[string]stamp) (Summary, map[string]stamp, bool) {
	v := &verifier{root: out, known: known, stamps: map[string]stamp{}}
	sum, err := p.generate(ctx, v, brands, opts)
	if err != nil {
		return Summary{}, nil, false
	}
	files := map[string]bool{}
	for name := range v.stamps {
		files[name] = true
	}
	for _, rel := range p.flagsInside(brands) {
		files[rel] = true
	}
	dirs := map[string]bool{".": true}
	for name := range files {
		for d := path.Dir(name); !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	extra := filepath.WalkDir(out, func(name string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(out, name)
		rel = filepath.ToSlash(rel)
		if err != nil || rerr != nil || d.IsDir() && !dirs[rel] || !d.IsDir() && !files[rel] {
			return errChanged
		}
		return nil
	})
	return sum, v.stamps, extra == nil
}

// verifier is the sink of unchanged: it writes nothing and checks that
// each file is in out with these bytes.
type verifier struct {
	root   string
	known  map[string]stamp
	mu     sync.Mutex
	stamps map[string]stamp
}

func (v *verifier) startBrand(string)           {}
func (v *verifier) brandWritten([]ManifestFile) {}

func (v *verifier) write(name string, data []byte, sum [32]byte) (ManifestFile, error) {
	full := filepath.Join(v.root, filepath.FromSlash(name))
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return ManifestFile{}, errChanged
	}
	st := stampOf(fi, sum)
	if v.known[name] != st {
		if b, err := os.ReadFile(full); err != nil || !bytes.Equal(b, data) {
			return ManifestFile{}, errChanged
		}
	}
	v.mu.Lock()
	v.stamps[name] = st
	v.mu.Unlock()
	return discard{}.write(name, data, sum)
}

// flagsInside lists the maintenance flag files that live inside the output
// folder on the server, relative to it.
func (p *Project) flagsInside(brands []*brand) []string {
	var rels []string
	for _, b := range brands {
		if !b.Maintenance.Enabled {
			continue
		}
		if rel, ok := strings.CutPrefix(b.site().Maintenance.Flag, strings.TrimSuffix(b.Server.Root, "/")+"/"); ok {
			rels = append(rels, path.Join(b.ID, rel))
		}
	}
	return rels
}

// keepFlags makes the maintenance flag files of the tree to match those
// of the tree from: a build never switches maintenance on or off.
func keepFlags(from, to string, rels []string) {
	for _, rel := range rels {
		src, dst := filepath.Join(from, filepath.FromSlash(rel)), filepath.Join(to, filepath.FromSlash(rel))
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			os.Remove(dst)
			continue
		}
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if os.Link(src, dst) != nil {
			if data, err := os.ReadFile(src); err == nil {
				os.WriteFile(dst, data, 0o644)
			}
		}
	}
}

// counter reports rendering progress.
type counter struct {
	mu          sync.Mutex
	done, total int
	report      func(done, total int)
}

func (c *counter) step() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	if c.report != nil {
		c.report(c.done, c.total)
	}
}

// sink receives the files of a build: a folder on disk, memory, or
// nothing when only checking.
type sink interface {
	// startBrand says that the files of the brand with this ID come next.
	startBrand(id string)
	// write writes data, whose SHA-256 is sum, under name. Several
	// goroutines may call it at once, never two with the same sum.
	write(name string, data []byte, sum [32]byte) (ManifestFile, error)
	// brandWritten describes the files written since startBrand.
	brandWritten(files []ManifestFile)
}

// discard is the sink of Check: it keeps nothing.
type discard struct{}

func (discard) startBrand(string)           {}
func (discard) brandWritten([]ManifestFile) {}

func (discard) write(name string, data []byte, sum [32]byte) (ManifestFile, error) {
	return ManifestFile{Path: name, Bytes: len(data), SHA256: hex.EncodeToString(sum[:])}, nil
}

// generate renders every file of the brands into w, then the gallery and
// the manifests: one per brand folder in a multi-brand project, and one at
// the root listing everything.
func (p *Project) generate(ctx context.Context, w sink, brands []*brand, opts BuildOptions) (Summary, error) {
	var sum Summary
	prog := &counter{report: opts.Progress}
	for _, b := range brands {
		prog.total += len(b.pageKeys(b.site()))
	}
	count := func(files ...ManifestFile) {
		for _, f := range files {
			sum.Files++
			sum.Bytes += int64(f.Bytes)
			if f.Kind == "page" {
				sum.Pages++
			}
		}
	}
	// The root manifest lists every file of a single brand; in a
	// multi-brand project it lists the brand manifests, so that memory does
	// not grow with the number of brands.
	var root []ManifestFile
	multi := len(p.brands) > 1 || p.brands[0].ID != ""
	for _, b := range brands {
		files, err := p.writeBrand(ctx, w, b, multi, prog, opts.Jobs)
		if err != nil {
			return Summary{}, err
		}
		count(files...)
		sum.Brands++
		if multi {
			root = append(root, files[len(files)-1])
		} else {
			root = files
		}
	}
	if p.withGallery {
		mf, err := p.writeGallery(w, brands)
		if err != nil {
			return Summary{}, err
		}
		count(mf)
		root = append(root, mf)
	}
	m := Manifest{Generator: "errpages", Files: root}
	if multi {
		for _, b := range brands {
			m.Brands = append(m.Brands, b.ID)
		}
	}
	mf, err := writeManifest(w, "", m)
	if err != nil {
		return Summary{}, err
	}
	count(mf)
	return sum, nil
}

// writeBrand writes one brand's files into its folder and returns them with
// paths relative to the output; in a multi-brand project the last one is
// the brand's own manifest.
func (p *Project) writeBrand(ctx context.Context, w sink, b *brand, multi bool, prog *counter, jobs int) ([]ManifestFile, error) {
	w.startBrand(b.ID)
	files, err := p.buildBrand(ctx, w, b, b.ID, prog, jobs)
	if err != nil {
		return nil, err
	}
	if multi {
		mf, err := writeManifest(w, b.ID, Manifest{Generator: "errpages", Files: files})
		if err != nil {
			return nil, err
		}
		files = append(files, mf)
	}
	for i := range files {
		files[i].Brand = b.ID
		files[i].Path = path.Join(b.ID, files[i].Path)
	}
	w.brandWritten(files)
	return files, nil
}

// writeGallery writes index.html, every brand, code and language on one
// page.
func (p *Project) writeGallery(w sink, brands []*brand) (ManifestFile, error) {
	page, err := p.gallery(brands)
	if err != nil {
		return ManifestFile{}, err
	}
	mf, err := w.write("index.html", page, sha256.Sum256(page))
	if err != nil {
		return ManifestFile{}, err
	}
	mf.Kind, mf.Format = "gallery", "html"
	w.brandWritten([]ManifestFile{mf})
	return mf, nil
}

func (p *Project) selectBrands(ids []string, shard Shard) ([]*brand, error) {
	if shard.N != 0 && (shard.N < 0 || shard.N > MaxShards || shard.K < 1 || shard.K > shard.N) {
		return nil, fmt.Errorf("shard %d/%d: expected K/N with 1 ≤ K ≤ N ≤ %d", shard.K, shard.N, MaxShards)
	}
	if len(ids) == 0 {
		return slices.DeleteFunc(slices.Clone(p.brands), func(b *brand) bool { return !shard.has(b.ID) }), nil
	}
	var out []*brand
	for _, b := range p.brands {
		if slices.Contains(ids, b.ID) && shard.has(b.ID) {
			out = append(out, b)
		}
	}
	for _, id := range ids {
		if _, err := p.brand(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// buildBrand writes one brand's pages and server configuration under dir
// and returns them with paths relative to dir. Rendering and writing
// overlap: a file is written as soon as the page it is made from is
// rendered, and the configuration files right away.
func (p *Project) buildBrand(ctx context.Context, w sink, b *brand, dir string, prog *counter, jobs int) ([]ManifestFile, error) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	site := b.site()
	keys := b.pageKeys(site)
	plan, err := b.plan(site, keys)
	if err != nil {
		return nil, err
	}
	index := make(map[pageKey]int, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	// The files waiting for each page; those made from none are ready.
	pageOf := make([]int, len(plan))
	waiting := make([][]int, len(keys))
	ready := make(chan int, len(plan))
	for i, f := range plan {
		pageOf[i] = -1
		if r := f.Page; r != nil {
			k := index[pageKey{LocaleTag(r.Locale), StatusCode(r.Code), r.Sub}]
			pageOf[i], waiting[k] = k, append(waiting[k], i)
		} else {
			ready <- i
		}
	}
	// A page is dropped once every file made from it is written, so that
	// memory holds the pages in flight rather than the whole brand.
	pages := make([]*Page, len(keys))
	left := make([]atomic.Int32, len(keys))
	for k, fs := range waiting {
		left[k].Store(int32(len(fs)))
	}
	renderErrs := make([]error, len(keys))
	var renders sync.WaitGroup
	var failed atomic.Int64
	next := make(chan int)
	for range min(jobs, len(keys)) {
		renders.Go(func() {
			for i := range next {
				pages[i], renderErrs[i] = p.render(b, keys[i].locale, keys[i].code, keys[i].sub)
				prog.step()
				if renderErrs[i] != nil {
					failed.Add(1)
					continue
				}
				for _, f := range waiting[i] {
					ready <- f
				}
			}
		})
	}
	files := make([]ManifestFile, len(plan))
	writeErrs := make([]error, len(plan))
	var writes sync.WaitGroup
	var writeFailed atomic.Bool
	same := &contentLocks{m: map[[32]byte]*sync.Mutex{}}
	for range jobs {
		writes.Go(func() {
			for i := range ready {
				if writeFailed.Load() || ctx.Err() != nil {
					continue
				}
				k := pageOf[i]
				var pg *Page
				if k >= 0 {
					pg = pages[k]
				}
				if files[i], writeErrs[i] = b.writeFile(w, dir, plan[i], pg, same); writeErrs[i] != nil {
					writeFailed.Store(true)
				}
				if k >= 0 && left[k].Add(-1) == 0 {
					pages[k] = nil
				}
			}
		})
	}
feed:
	for i := range keys {
		// Stop early after many failures: one broken file breaks many pages.
		if failed.Load() > 50 || writeFailed.Load() {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	renders.Wait()
	close(ready)
	writes.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Rendering errors first, each once and sorted; then the first file
	// that could not be made, in manifest order.
	if err := dedupe(renderErrs); err != nil {
		return nil, err
	}
	for _, err := range writeErrs {
		if sp := (*servers.Problem)(nil); errors.As(err, &sp) {
			return nil, p.configError(b.Brand, sp.Msg, append([]string{"server"}, sp.Key...)...)
		} else if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// plan lists every file of the brand in manifest order: each page's HTML
// and problem+json, then each target's files.
func (b *brand) plan(site servers.Site, keys []pageKey) ([]servers.File, error) {
	var plan []servers.File
	for _, k := range keys {
		if k.sub >= 0 {
			continue
		}
		name := strconv.Itoa(int(k.code))
		if k.sub == servers.MaintenanceSub {
			name = "maintenance"
		}
		for _, json := range []bool{false, true} {
			f := servers.File{Path: fmt.Sprintf("pages/%s/%s.html", k.locale, name), Kind: "page",
				Page: &servers.PageRef{Locale: string(k.locale), Code: int(k.code), Sub: k.sub, JSON: json}}
			if json {
				f.Path, f.Kind = strings.TrimSuffix(f.Path, ".html")+".json", "problem"
			}
			plan = append(plan, f)
		}
	}
	for _, target := range b.Server.Targets {
		sf, err := servers.Write(target, site)
		if err != nil {
			return nil, err
		}
		plan = append(plan, sf...)
	}
	return plan, nil
}

// contentLocks let one writer at a time handle a content: the first writes
// it, the others then link to it, whatever the number of writers.
type contentLocks struct {
	mu sync.Mutex
	m  map[[32]byte]*sync.Mutex
}

func (c *contentLocks) lock(sum [32]byte) (unlock func()) {
	c.mu.Lock()
	l := c.m[sum]
	if l == nil {
		l = new(sync.Mutex)
		c.m[sum] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// writeFile makes a planned file from its page (nil for configuration)
// and writes it under dir.
func (b *brand) writeFile(w sink, dir string, f servers.File, pg *Page, same *contentLocks) (ManifestFile, error) {
	mf, data, sum, err := b.serverFile(f, pg)
	if err != nil {
		return mf, err
	}
	defer same.lock(sum)()
	written, err := w.write(path.Join(dir, mf.Path), data, sum)
	mf.Bytes, mf.SHA256 = written.Bytes, written.SHA256
	return mf, err
}

// serverFile returns the manifest entry and bytes of a file a server
// target asked for: its own configuration, or a copy of a rendered page,
// possibly wrapped (HAProxy's raw HTTP responses).
func (b *brand) serverFile(f servers.File, pg *Page) (ManifestFile, []byte, [32]byte, error) {
	mf, data := ManifestFile{Path: f.Path, Kind: f.Kind, Format: "conf"}, f.Data
	r := f.Page
	if r == nil {
		return mf, data, sha256.Sum256(data), nil
	}
	mf.Code, mf.Locale, mf.Format, mf.CSP, data = r.Code, LocaleTag(r.Locale), "html", b.csp, pg.HTML
	sum := pg.htmlSum
	if r.JSON {
		mf.Format, mf.CSP, data, sum = "json", "", pg.JSON, pg.jsonSum
	}
	if r.Sub >= 0 {
		mf.IISCode = fmt.Sprintf("%d.%d", r.Code, r.Sub)
	}
	if r.Wrap != nil {
		var err error
		if data, err = r.Wrap(data); err != nil {
			return mf, nil, sum, err
		}
		mf.Format, sum = r.Format, sha256.Sum256(data)
	}
	return mf, data, sum, nil
}

// pageKeys lists the pages a brand renders: every locale × code, then
// every locale × the pages its targets add (IIS sub-status pages).
func (b *brand) pageKeys(site servers.Site) []pageKey {
	var keys []pageKey
	for _, loc := range b.locales {
		for _, code := range b.codes {
			keys = append(keys, pageKey{loc, code, -1})
		}
	}
	extra := site.Pages(b.Server.Targets)
	for _, loc := range b.locales {
		for _, r := range extra {
			keys = append(keys, pageKey{loc, StatusCode(r.Code), r.Sub})
		}
	}
	if b.Maintenance.Enabled {
		for _, loc := range b.locales {
			keys = append(keys, pageKey{loc, 503, servers.MaintenanceSub})
		}
	}
	return keys
}

type pageKey struct {
	locale LocaleTag
	code   StatusCode
	sub    int
}

// site describes the brand to the server-config writers.
func (b *brand) site() servers.Site {
	s := servers.Site{
		Brand: b.ID, URLPrefix: b.Server.URLPrefix, Root: b.Server.Root,
		DefaultLocale: string(b.DefaultLocale),
		RetryAfter:    map[int]string{}, CacheControl: map[int]string{},
		Settings:       b.Server.Settings,
		Reference:      b.Page.Reference,
		ReferencePath:  b.Page.Reference && b.Page.ReferencePath,
		TrustRequestID: b.Server.TrustRequestID,
	}
	if m := b.Maintenance; m.Enabled {
		s.Maintenance = &servers.Maintenance{
			Flag: cmp.Or(m.Flag, strings.TrimSuffix(b.Server.Root, "/")+"/maintenance.on"), RetryAfter: string(m.RetryAfter),
			Allow: m.allow, BypassName: m.bypassName, BypassValue: m.bypassValue, Health: m.Health,
		}
	}
	for _, l := range b.locales {
		s.Locales = append(s.Locales, string(l))
	}
	if b.csp != "" {
		s.Headers = append(s.Headers, servers.Header{Name: "Content-Security-Policy", Value: b.csp})
	}
	if b.Security.Nosniff {
		s.Headers = append(s.Headers, servers.Header{Name: "X-Content-Type-Options", Value: "nosniff"})
	}
	if b.Security.ReferrerPolicy != "" {
		s.Headers = append(s.Headers, servers.Header{Name: "Referrer-Policy", Value: b.Security.ReferrerPolicy})
	}
	if b.Security.Noindex {
		s.Headers = append(s.Headers, servers.Header{Name: "X-Robots-Tag", Value: "noindex"})
	}
	for _, c := range b.codes {
		s.Codes = append(s.Codes, int(c))
	}
	// Operators' own headers come after errpages' own, sorted by name.
	s.Headers = append(s.Headers, b.Server.headers...)
	for c, v := range b.Server.retryAfter {
		s.RetryAfter[int(c)] = v
	}
	for c, v := range b.Server.cacheControl {
		s.CacheControl[int(c)] = v
	}
	return s
}

// dedupe returns each problem once, sorted by file and position: one bad
// content file breaks a page in every locale that falls back to it, and
// one line says it.
func dedupe(errs []error) error {
	var list []*Error
	seen := map[Error]bool{}
	for _, e := range diagnostics(errs...) {
		if !seen[*e] {
			seen[*e] = true
			list = append(list, e)
		}
	}
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	var out errorList
	for _, e := range list {
		out.add(e)
	}
	return out.err()
}

// writer writes files under root and counts them. A file whose bytes were
// already written (the same page in several IIS language folders) becomes a
// hard link to the first copy where the file system allows: creating a file
// costs far more than linking one.
//
// A file whose bytes equal the same file of the previous output is linked
// from there instead, so it keeps its modification time and rsync or a CDN
// upload moves only what changed.
type writer struct {
	// mu guards the maps that buildBrand's writers share.
	mu         sync.Mutex
	root       string
	seen       map[[32]byte]written // content hash → the first file written with it, this brand
	prevRoot   string
	prevPrefix string // "<brand>/", or "" for a single brand
	// prev maps a path inside the brand's folder to its sha256 in the
	// previous output's manifest, read once a file has no stamp.
	prev      map[string]string
	prevOnce  *sync.Once
	plainDirs map[string]bool // folders of the previous output checked by plainDir
	made      map[string]bool // folders created in root
	// known are the size, modification time and SHA-256 of the previous
	// output's files as the build before this one linked them; stamps
	// are this build's, for the next one.
	known, stamps map[string]stamp
}

// written is a file a brand wrote first with its content.
type written struct {
	path string
	st   stamp
}

// startBrand forgets the previous brand's files, so memory stays flat as
// brands grow. Build calls it before any write.
func (w *writer) startBrand(id string) {
	w.seen = map[[32]byte]written{}
	w.prevPrefix = ""
	if id != "" {
		w.prevPrefix = id + "/"
	}
	w.prev, w.prevOnce = nil, new(sync.Once)
	w.plainDirs = map[string]bool{}
	w.made = map[string]bool{}
}

// plainDir reports whether dir, a folder of the previous output, is
// reached from prevRoot without a symbolic link: a hard link made through
// a linked folder would point outside the output. Each folder is checked
// once per brand.
func (w *writer) plainDir(dir string) bool {
	if dir == w.prevRoot {
		return true
	}
	ok, seen := w.plainDirs[dir]
	if !seen {
		fi, err := os.Lstat(dir)
		parent := filepath.Dir(dir)
		ok = err == nil && fi.IsDir() && parent != dir && w.plainDir(parent)
		w.plainDirs[dir] = ok
	}
	return ok
}

func (w *writer) brandWritten([]ManifestFile) {}

// previously reports whether the previous output's file name had the
// content sum: by the stamp the last build left for it, else by the
// previous manifest, read only when a file has no stamp.
func (w *writer) previously(name string, sum [32]byte) bool {
	if st, ok := w.known[name]; ok {
		return st.SHA == sum
	}
	w.prevOnce.Do(func() { w.prev = previousFiles(filepath.Join(w.prevRoot, strings.TrimSuffix(w.prevPrefix, "/"))) })
	return w.prev[strings.TrimPrefix(name, w.prevPrefix)] == hex.EncodeToString(sum[:])
}

// linkPrevious links the previous output's file name to full if it still
// holds exactly data (nobody edited it since), and returns its stamp.
func (w *writer) linkPrevious(name, full string, data []byte, sum [32]byte) (stamp, bool) {
	old := filepath.Join(w.prevRoot, filepath.FromSlash(name))
	w.mu.Lock()
	plain := w.plainDir(filepath.Dir(old))
	w.mu.Unlock()
	if !plain {
		return stamp{}, false
	}
	fi, err := os.Lstat(old)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return stamp{}, false
	}
	// A file the previous build linked with this size, time and content
	// is the one it checked; any other is read, so a file edited by hand
	// is never carried over.
	st := stampOf(fi, sum)
	if w.known[name] != st {
		if b, err := os.ReadFile(old); err != nil || !bytes.Equal(b, data) {
			return stamp{}, false
		}
	}
	if os.Link(old, full) != nil {
		return stamp{}, false
	}
	return st, true
}

// stamp is what a rebuild compares instead of reading a file back.
type stamp struct {
	Size, ModTime int64
	SHA           [32]byte
}

func stampOf(fi fs.FileInfo, sum [32]byte) stamp {
	return stamp{fi.Size(), fi.ModTime().UnixNano(), sum}
}

// readStamps reads the stamps a build left beside the output folder; a
// missing or unreadable file means every file is read back once.
func readStamps(name string) map[string]stamp {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	var m map[string]stamp
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&m) != nil {
		return nil
	}
	return m
}

// writeStamps replaces the stamps file; failing to write it only costs
// the next build some reading.
func writeStamps(name string, m map[string]stamp) {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return
	}
	bw := bufio.NewWriter(f)
	err = gob.NewEncoder(bw).Encode(m)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil && cerr == nil {
		os.Rename(tmp, name)
	} else {
		os.Remove(tmp)
	}
}

// previousFiles reads the manifest of an earlier build in out.
func previousFiles(out string) map[string]string {
	data, err := os.ReadFile(filepath.Join(out, ManifestName))
	var m Manifest
	if err != nil || json.Unmarshal(data, &m) != nil {
		return nil
	}
	files := make(map[string]string, len(m.Files))
	for _, f := range m.Files {
		files[f.Path] = f.SHA256
	}
	return files
}

func (w *writer) write(name string, data []byte, sum [32]byte) (ManifestFile, error) {
	full := filepath.Join(w.root, filepath.FromSlash(name))
	// Many files share a folder: create each once (MkdirAll tolerates
	// another goroutine creating it at the same time).
	dir := filepath.Dir(full)
	w.mu.Lock()
	made := w.made[dir]
	w.mu.Unlock()
	if !made {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ManifestFile{}, err
		}
		w.mu.Lock()
		w.made[dir] = true
		w.mu.Unlock()
	}
	mf := ManifestFile{Path: name, Bytes: len(data), SHA256: hex.EncodeToString(sum[:])}
	// The first file with this content is written (or linked from the
	// previous output); the others are linked to it.
	w.mu.Lock()
	first, seen := w.seen[sum]
	w.mu.Unlock()
	// Only files linked from the previous output get a stamp: the next
	// build trusts those and reads back, once, a file written this time.
	// (Stamping every file would make memory grow with the brands.)
	var st stamp
	linked := false
	if w.previously(name, sum) {
		st, linked = w.linkPrevious(name, full, data, sum)
	}
	if !linked && seen && os.Link(first.path, full) == nil {
		st, linked = first.st, true
	}
	if !linked {
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return ManifestFile{}, err
		}
	}
	w.mu.Lock()
	if !seen {
		w.seen[sum] = written{full, st}
	}
	if st != (stamp{}) {
		w.stamps[name] = st
	}
	w.mu.Unlock()
	return mf, nil
}

// writeManifest writes m with one line per file: easy to diff and to grep,
// and encoded entry by entry, so a build of many brands needs no second
// copy of it in memory.
func writeManifest(w sink, dir string, m Manifest) (ManifestFile, error) {
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	var buf bytes.Buffer
	buf.Grow(200 * (len(m.Files) + 1))
	buf.WriteString("{\n  \"generator\": \"errpages\",\n")
	if m.Brands != nil {
		brands, _ := json.Marshal(m.Brands)
		fmt.Fprintf(&buf, "  \"brands\": %s,\n", brands)
	}
	buf.WriteString("  \"files\": [")
	for i, f := range m.Files {
		line, err := json.Marshal(f)
		if err != nil {
			return ManifestFile{}, err
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(line)
	}
	buf.WriteString("\n  ]\n}\n")
	mf, err := w.write(path.Join(dir, ManifestName), buf.Bytes(), sha256.Sum256(buf.Bytes()))
	mf.Path, mf.Kind, mf.Format = ManifestName, "manifest", "json"
	return mf, err
}

// checkOutput refuses an output path that is a file, or a non-empty folder
// without an errpages manifest: it may hold someone's files.
func checkOutput(out string) error {
	fi, err := os.Stat(out)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: output path is a file, not a folder", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(out, ManifestName))
	var m Manifest
	if err != nil || json.Unmarshal(data, &m) != nil || m.Generator != "errpages" {
		return fmt.Errorf("%s: folder is not empty and has no errpages %s: refusing to replace it (choose another output folder with -o, or empty this one)", out, ManifestName)
	}
	return nil
}

// verifyTree checks, before a build is swapped in, that its folder holds
// exactly the files the build wrote: nothing else may have touched it.
func verifyTree(dir string, files int) error {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err == nil && n != files {
		err = fmt.Errorf("it holds %d files, but the build wrote %d", n, files)
	}
	if err != nil {
		return fmt.Errorf("%s: the new output is incomplete, so the previous one was kept: %w", dir, err)
	}
	return nil
}

// tempInfix marks a build's temporary folder, ".<base>.errpages-<random>",
// beside the output folder.
const tempInfix = ".errpages-"

// beside names a file errpages keeps beside the output folder base (its
// lock, its rebuild state): ".<base>.errpages<suffix>", never inside it.
func beside(parent, base, suffix string) string {
	return filepath.Join(parent, "."+base+".errpages"+suffix)
}

// removeStale deletes the temporary folders of builds of base that were
// killed; the caller holds the output's lock. It matches names by prefix:
// base may contain glob characters.
func removeStale(parent, base string) {
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+base+tempInfix) {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

// swap puts the finished tmp folder at out. Afterwards tmp holds the old
// output (or nothing) and the caller removes it.
func swap(tmp, out string) error {
	if _, err := os.Lstat(out); isNotExist(err) {
		return os.Rename(tmp, out)
	}
	if err := exchange(tmp, out); err == nil {
		return nil
	}
	// No atomic exchange here: move the old output aside, then the new in.
	old := tmp + ".old-" + rand.Text()[:8]
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return os.Rename(old, tmp)
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// File is one file of a build held in memory.
type File struct {
	ManifestFile
	Data []byte
}

// memory is the sink of Render.
type memory struct {
	mu    sync.Mutex
	files map[string]*File
}

func (m *memory) write(name string, data []byte, sum [32]byte) (ManifestFile, error) {
	mf, _ := discard{}.write(name, data, sum)
	m.mu.Lock()
	m.files[name] = &File{ManifestFile: mf, Data: data}
	m.mu.Unlock()
	return mf, nil
}

func (m *memory) startBrand(string) {}

// brandWritten keeps the manifest's description of each file.
func (m *memory) brandWritten(files []ManifestFile) {
	for _, mf := range files {
		if f := m.files[mf.Path]; f != nil {
			f.ManifestFile = mf
		}
	}
}

// Render builds the selected brands in memory, as Build would write them,
// and returns every file by its path in the output folder, with the
// manifest's description of it.
func (p *Project) Render(ctx context.Context, opts BuildOptions) (map[string]*File, error) {
	brands, err := p.selectBrands(opts.Brands, opts.Shard)
	if err != nil {
		return nil, err
	}
	m := &memory{files: map[string]*File{}}
	if _, err := p.generate(ctx, m, brands, opts); err != nil {
		return nil, err
	}
	return m.files, nil
}

// MaintenanceFlag returns the flag file of the brand's maintenance switch,
// the path on the server that turns maintenance on while it exists, or ""
// when the brand does not enable [maintenance].
func (p *Project) MaintenanceFlag(id string) (string, error) {
	b, err := p.brand(id)
	if err != nil || !b.Maintenance.Enabled {
		return "", err
	}
	return b.site().Maintenance.Flag, nil
}
