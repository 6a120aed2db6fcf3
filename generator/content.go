package generator

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// FrontMatter is the TOML between the +++ lines at the top of a content file.
type FrontMatter struct {
	Title   string       `toml:"title"`
	Summary string       `toml:"summary"`
	Related []StatusCode `toml:"related"`
}

// content is one parsed content/<locale>/<code>.md file.
type content struct {
	src      source
	front    FrontMatter
	body     []byte // Markdown after the front matter
	bodyLine int    // line of the file where body starts, 1-based
	// short marks a copy cut before its questions (stepsOnly).
	short bool
}

// textFile checks that s is UTF-8 text and strips a UTF-8 byte order mark.
func textFile(s source) ([]byte, error) {
	data := bytes.TrimPrefix(s.data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return nil, &Error{File: s.display, Line: line, Msg: "file is not valid UTF-8 text"}
	}
	return data, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// parseContent splits a content file into TOML front matter and Markdown.
func parseContent(s source) (*content, error) {
	data, err := textFile(s)
	if err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	c := &content{src: s, body: data, bodyLine: 1}
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimRight(first, " \t")) == "---" {
		// goldmark would render YAML front matter onto the page as text
		// under a heading.
		return nil, &Error{File: s.display, Line: 1, Col: 1, Msg: "front matter must be TOML between +++ lines, not YAML between --- lines"}
	}
	if string(bytes.TrimRight(first, " \t")) != "+++" {
		if err := checkMarkdownNesting(s.display, c.body, 1); err != nil {
			return nil, err
		}
		return c, nil
	}
	var front []byte
	lines := 1
	for {
		var line []byte
		var more bool
		line, rest, more = bytes.Cut(rest, []byte("\n"))
		lines++
		if string(bytes.TrimRight(line, " \t")) == "+++" {
			break
		}
		if !more {
			return nil, &Error{File: s.display, Line: 1, Col: 1, Msg: "front matter opened with +++ is never closed: add a line with +++ after it"}
		}
		front = append(append(front, line...), '\n')
	}
	c.body, c.bodyLine = rest, lines+1
	if err := checkMarkdownNesting(s.display, c.body, c.bodyLine); err != nil {
		return nil, err
	}
	// Front matter starts on line 2 of the file.
	shift := func(e error) error {
		if pe, ok := e.(*Error); ok && pe.Line > 0 {
			pe.Line++
		}
		return e
	}
	if err := checkTOMLNesting(s.display, front); err != nil {
		return nil, shift(err)
	}
	md, err := toml.NewDecoder(bytes.NewReader(front)).Decode(&c.front)
	if err != nil {
		return nil, shift(tomlError(s.display, front, err))
	}
	var errs errorList
	for _, k := range topKeys(md.Undecoded()) {
		line, col := keyPosition(front, k)
		errs.add(shift(&Error{File: s.display, Line: line, Col: col,
			Msg: fmt.Sprintf("unknown front matter key %q%s (known: title, summary, related)", k.String(), suggestFrom(k[len(k)-1], []string{"title", "summary", "related"}))}))
	}
	return c, errs.err()
}

// markdown renders content bodies. Raw HTML is escaped, so it shows as text,
// unless the project opts in with unsafe_html.
type markdown struct {
	safe, unsafe goldmark.Markdown
}

func newMarkdown() *markdown {
	return &markdown{
		safe: goldmark.New(goldmark.WithRenderer(renderer.NewRenderer(renderer.WithNodeRenderers(
			util.Prioritized(html.NewRenderer(), 1000),
			util.Prioritized(escapeRawHTML{}, 100),
		)))),
		unsafe: goldmark.New(goldmark.WithRendererOptions(html.WithUnsafe())),
	}
}

// render converts c's body to HTML after checking its links: only http,
// https, mailto and in-page (#) links, and no images, since pages must not
// load anything.
func (m *markdown) render(c *content, unsafeHTML bool) (template.HTML, error) {
	md := m.safe
	if unsafeHTML {
		md = m.unsafe
	}
	reader := text.NewReader(c.body)
	doc := md.Parser().Parse(reader, parser.WithContext(parser.NewContext()))
	var errs errorList
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch n := n.(type) {
		case *ast.Image:
			errs.add(&Error{File: c.src.display, Line: c.lineOf(n), Msg: "images are not allowed in content: pages must not load anything (use the logo setting for a brand image)"})
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			dest = string(n.Destination)
		case *ast.AutoLink:
			dest = string(n.URL(c.body))
			if n.AutoLinkType == ast.AutoLinkEmail {
				dest = "mailto:" + dest
			}
		default:
			return ast.WalkContinue, nil
		}
		if !strings.HasPrefix(dest, "#") {
			if err := checkLink(dest); err != nil {
				errs.add(&Error{File: c.src.display, Line: c.lineOf(n), Msg: err.Error()})
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", err
	}
	if err := errs.err(); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, c.body, doc); err != nil {
		return "", &Error{File: c.src.display, Msg: err.Error()}
	}
	// goldmark escaped every text and attribute, and raw HTML is escaped or
	// explicitly allowed by the project.
	return template.HTML(buf.String()), nil
}

// lineOf returns the file line of the block that holds n.
func (c *content) lineOf(n ast.Node) int {
	for b := n; b != nil; b = b.Parent() {
		if b.Type() == ast.TypeBlock && b.Lines().Len() > 0 {
			return c.bodyLine + bytes.Count(c.body[:b.Lines().At(0).Start], []byte("\n"))
		}
	}
	return c.bodyLine
}

// escapeRawHTML renders raw HTML in Markdown as visible, escaped text.
type escapeRawHTML struct{}

func (escapeRawHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				template.HTMLEscape(w, seg.Value(src))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			b := n.(*ast.HTMLBlock)
			_, _ = w.WriteString("<p>")
			for i := 0; i < b.Lines().Len(); i++ {
				seg := b.Lines().At(i)
				template.HTMLEscape(w, seg.Value(src))
			}
			if b.HasClosure() {
				closure := b.ClosureLine
				template.HTMLEscape(w, closure.Value(src))
			}
			_, _ = w.WriteString("</p>\n")
		}
		return ast.WalkSkipChildren, nil
	})
}

// stepsOnly returns the content without its questions: the body up to its
// first "## " heading.
func (c *content) stepsOnly() *content {
	short := *c
	short.short = true
	if i := bytes.Index(c.body, []byte("\n## ")); i >= 0 {
		short.body = c.body[:i+1]
	}
	return &short
}
