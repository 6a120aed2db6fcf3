package generator

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// checkSVG refuses an SVG logo that could run script or load anything:
// script and foreignObject elements, event handler attributes, links and
// style references to anything but a fragment of the same file, and DTDs
// (entity expansion). The logo is also only ever shown through <img>, where
// browsers run no script and load nothing, so this is a second line.
func checkSVG(file string, data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var errs errorList
	sawSVG := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		line, col := d.InputPos()
		if err != nil {
			errs.addf(file, line, 0, "logo is not valid SVG: %v", strings.TrimPrefix(err.Error(), "XML syntax error on line "+fmt.Sprint(line)+": "))
			break
		}
		switch t := tok.(type) {
		case xml.Directive:
			errs.addf(file, line, col, "logo has a <!%s>: DTDs and entities are not allowed", strings.Fields(string(t) + " x")[0])
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if name == "svg" {
				sawSVG = true
			}
			switch name {
			case "script", "foreignobject", "iframe", "embed", "object", "handler", "listener":
				errs.addf(file, line, col, "logo has a <%s> element: scripts and embedded documents are not allowed", t.Name.Local)
			case "style":
				var css string
				if err := d.DecodeElement(&css, &t); err == nil {
					if bad := externalCSS(css); bad != "" {
						errs.addf(file, line, col, "logo style loads %q: a logo may not load anything", bad)
					}
				}
			}
			for _, a := range t.Attr {
				an := strings.ToLower(a.Name.Local)
				switch {
				case strings.HasPrefix(an, "on"):
					errs.addf(file, line, col, "logo has an event handler %s= on <%s>: scripts are not allowed", a.Name.Local, t.Name.Local)
				case an == "href" || an == "src":
					if !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
						errs.addf(file, line, col, "logo links to %q: a logo may only refer to its own #fragments", a.Value)
					}
				case an == "style" || an == "fill" || an == "stroke" || an == "filter" || an == "mask" || an == "clip-path":
					if bad := externalCSS(a.Value); bad != "" {
						errs.addf(file, line, col, "logo %s= loads %q: a logo may not load anything", a.Name.Local, bad)
					}
				}
				if (an == "attributename") && strings.Contains(strings.ToLower(a.Value), "href") {
					errs.addf(file, line, col, "logo animates a link (<%s attributeName=%q>): not allowed", t.Name.Local, a.Value)
				}
			}
		}
	}
	if len(errs) == 0 && !sawSVG {
		errs.addf(file, 0, 0, "logo is not an SVG image: no <svg> element")
	}
	return errs.err()
}

var cssRefRe = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")]*)|@import\s+['"]?([^'";\s]*)`)

// externalCSS returns the first url() or @import in css that is not a
// same-document #fragment.
func externalCSS(css string) string {
	for _, m := range cssRefRe.FindAllStringSubmatch(css, -1) {
		ref := m[1] + m[2]
		if !strings.HasPrefix(strings.TrimSpace(ref), "#") || m[2] != "" {
			return ref
		}
	}
	return ""
}
