package generator

import (
	"bytes"
	_ "embed"
	"html/template"
	"path"
)

//go:embed gallery.html
var galleryHTML string

var galleryTemplate = template.Must(template.New("gallery").Option("missingkey=error").Parse(galleryHTML))

type galleryBrand struct {
	ID, Dir, Name, Theme, Prefix string
	Default                      LocaleTag
	Locales                      []LocaleTag
	Codes                        []galleryCode
}

type galleryCode struct {
	Code  StatusCode
	Title string
}

// gallery renders index.html: every brand, code and locale of the build on
// one page, linking to each page, with previews in the default locale.
func (p *Project) gallery(brands []*brand) ([]byte, error) {
	var data struct{ Brands []galleryBrand }
	for _, b := range brands {
		gb := galleryBrand{ID: b.ID, Dir: b.ID, Name: b.Name, Theme: b.Theme, Default: b.DefaultLocale, Locales: b.locales}
		if b.ID != "" {
			gb.Prefix = path.Clean(b.ID) + "/"
		} else {
			gb.Dir = "default"
		}
		chain := fallbackChain(b.DefaultLocale, b.DefaultLocale)
		for _, c := range b.codes {
			title, _, err := p.codeText(b, chain, c)
			if err != nil {
				return nil, err
			}
			gb.Codes = append(gb.Codes, galleryCode{c, title})
		}
		data.Brands = append(data.Brands, gb)
	}
	var buf bytes.Buffer
	if err := galleryTemplate.Execute(&buf, data); err != nil {
		return nil, err
	}
	return p.min.Bytes("text/html", buf.Bytes())
}
