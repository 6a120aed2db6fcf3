package generator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/template/parse"

	"github.com/errpages/errpages/generator/servers"
)

// Missing is a translation gap: keys that one locale's pages use but that
// neither the locale nor its parent (de for de-AT) defines, so they fall back
// to the default locale or English.
type Missing struct {
	Brand  string
	Locale LocaleTag
	// Keys are locale keys ("ui.home", "codes.404.title",
	// "substatus.404.8.cause") and content files ("content/fr/404.md").
	Keys []string
}

// Coverage lists the translation gaps of the selected brands (all if ids is
// empty), sorted by brand and locale.
func (p *Project) Coverage(ids []string) ([]Missing, error) {
	brands, err := p.selectBrands(ids, Shard{})
	if err != nil {
		return nil, err
	}
	var out []Missing
	for _, b := range brands {
		extra := b.site().Pages(b.Server.Targets)
		for _, loc := range b.locales {
			if keys := p.missingKeys(b, loc, extra); len(keys) > 0 {
				out = append(out, Missing{Brand: b.ID, Locale: loc, Keys: keys})
			}
		}
	}
	return out, nil
}

// ownChain is the part of tag's fallback chain that speaks its language:
// de-AT and de, but not the default locale or English.
func ownChain(tag LocaleTag) []LocaleTag {
	chain := fallbackChain(tag, tag)
	if base, _, _ := strings.Cut(string(tag), "-"); base == "en" {
		return chain
	}
	return chain[:len(chain)-1]
}

// referenceKeys are the strings of the Reference block.
var referenceKeys = []string{"reference", "reference_hint", "request_id", "time", "host", "path"}

// missingKeys lists the keys loc lacks for brand b, whose targets add the
// pages extra (IIS sub-status pages, which need their own strings).
func (p *Project) missingKeys(b *brand, loc LocaleTag, extra []servers.PageRef) []string {
	own := ownChain(loc)
	has := func(key string) bool {
		for _, t := range own {
			if _, ok := p.locales[t][key]; ok {
				return true
			}
		}
		return false
	}
	hasFront := func(code StatusCode, field string) bool {
		for _, t := range own {
			if c := p.content[contentKey{t, code}]; c != nil {
				if field == "title" && c.front.Title != "" || field == "summary" && c.front.Summary != "" {
					return true
				}
			}
		}
		return false
	}
	var missing []string
	for _, k := range b.theme.uiKeys {
		// Strings of parts a brand does not show are not needed.
		if k == "owner" && !b.Page.OwnerHints || k == "contact_hint" && b.Contact != "" ||
			slices.Contains(referenceKeys, k) && !b.Page.Reference || k == "path" && !b.Page.ReferencePath {
			continue
		}
		if !has("ui." + k) {
			missing = append(missing, "ui."+k)
		}
	}
	if len(b.Server.retryAfter) > 0 {
		for _, k := range []string{"ui.retry_in", "ui.retry_at", "ui.unit_seconds", "ui.unit_minutes", "ui.unit_hours"} {
			if !has(k) {
				missing = append(missing, k)
			}
		}
	}
	if b.Page.OwnerHints {
		for _, c := range b.codes {
			if k := fmt.Sprintf("owner.%d", c); !has(k) && !has(fmt.Sprintf("owner.%dxx", c/100)) {
				missing = append(missing, k)
			}
		}
	}
	codes := slices.Clone(b.codes)
	defChain := fallbackChain(b.DefaultLocale, b.DefaultLocale)
	for _, c := range b.codes {
		if content := p.findContent(defChain, c); content != nil {
			codes = append(codes, content.front.Related...)
			if p.findContent(own, c) == nil {
				missing = append(missing, fmt.Sprintf("content/%s/%d.md", loc, c))
			}
		}
	}
	slices.Sort(codes)
	for _, c := range slices.Compact(codes) {
		for _, f := range []string{"title", "summary"} {
			if k := fmt.Sprintf("codes.%d.%s", c, f); !has(k) && !hasFront(c, f) {
				missing = append(missing, k)
			}
		}
	}
	for _, r := range extra {
		for _, f := range []string{"cause", "admin"} {
			if k := fmt.Sprintf("substatus.%d.%d.%s", r.Code, r.Sub, f); !has(k) {
				missing = append(missing, k)
			}
		}
	}
	return missing
}

// templateUIKeys lists the .T.<key> strings a template uses, as $.T.key or
// .T.key, in any of its associated templates.
func templateUIKeys(trees []*parse.Tree) []string {
	var keys []string
	add := func(ident []string) {
		for i := 0; i+1 < len(ident); i++ {
			if ident[i] == "T" && (i == 0 || ident[i-1] == "$") {
				if !slices.Contains(keys, ident[i+1]) {
					keys = append(keys, ident[i+1])
				}
			}
		}
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			add(n.Ident)
		case *parse.VariableNode:
			add(n.Ident)
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(&n.BranchNode)
		case *parse.RangeNode:
			walk(&n.BranchNode)
		case *parse.WithNode:
			walk(&n.BranchNode)
		case *parse.BranchNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		}
	}
	for _, t := range trees {
		if t != nil {
			walk(t.Root)
		}
	}
	slices.Sort(keys)
	return keys
}

// Omitted lists, for the selected brands (all if ids is empty), the codes
// each server target leaves out because its server cannot send or replace
// them, sorted by brand, target and code.
func (p *Project) Omitted(ids []string) ([]Omitted, error) {
	brands, err := p.selectBrands(ids, Shard{})
	if err != nil {
		return nil, err
	}
	var out []Omitted
	for _, b := range brands {
		site := b.site()
		for _, t := range b.Server.Targets {
			for _, o := range site.Omitted(t) {
				out = append(out, Omitted{Brand: b.ID, Target: t, Omission: o})
			}
		}
	}
	return out, nil
}

// Report is what Check found.
type Report struct {
	Summary
	Missing []Missing
	// Omitted lists the codes each server target leaves out of its
	// configuration because its server cannot send or replace them.
	Omitted []Omitted
	// TitleOnly lists, per brand ID, the codes whose pages show their
	// title and summary without steps: no content file in the brand's
	// default locale or the languages it falls back to.
	TitleOnly map[string][]StatusCode
}

// Omitted is a code that one brand's server target leaves out.
type Omitted struct {
	Brand  string
	Target string
	servers.Omission
}

// Check runs every validation of Build, rendering every file in memory and
// writing nothing, and reports the translation gaps. The error lists every
// problem that stops a build.
func (p *Project) Check(ctx context.Context, opts BuildOptions) (Report, error) {
	brands, err := p.selectBrands(opts.Brands, opts.Shard)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if r.Missing, err = p.Coverage(opts.Brands); err != nil {
		return Report{}, err
	}
	if r.Omitted, err = p.Omitted(opts.Brands); err != nil {
		return Report{}, err
	}
	r.TitleOnly = map[string][]StatusCode{}
	for _, b := range brands {
		for _, c := range b.codes {
			if p.findContent(fallbackChain(b.DefaultLocale, b.DefaultLocale), c) == nil {
				r.TitleOnly[b.ID] = append(r.TitleOnly[b.ID], c)
			}
		}
	}
	r.Summary, err = p.generate(ctx, discard{}, brands, opts)
	return r, err
}
