package generator

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/language"
)

// localeFile is the shape of locales/<tag>.toml.
type localeFile struct {
	UI map[string]string `toml:"ui"`
	// Maintenance holds the maintenance page's title and summary, and the
	// text of its link to the status page.
	Maintenance map[string]string `toml:"maintenance"`
	Codes       map[string]struct {
		Title   string `toml:"title"`
		Summary string `toml:"summary"`
	} `toml:"codes"`
	// Substatus holds IIS sub-status texts, keyed "404.8".
	Substatus map[string]struct {
		Cause string `toml:"cause"`
		Admin string `toml:"admin"`
	} `toml:"substatus"`
	// Owner holds the server-side causes shown to site owners, keyed by
	// status code, "4xx" or "5xx".
	Owner map[string]string `toml:"owner"`
}

// strings keys: "ui.<name>", "codes.<code>.title", "codes.<code>.summary",
// "substatus.<code>.<sub>.cause" and "substatus.<code>.<sub>.admin".
type localeStrings map[string]string

// loadLocales reads the locales/<tag>.toml files of both layers, the
// project's merged key by key over the built-in one. Every project file is
// read (and checked); a built-in one only if needed says so (nil: all).
func loadLocales(l *layers, needed func(LocaleTag) bool) (map[LocaleTag]localeStrings, error) {
	var errs errorList
	out := map[LocaleTag]localeStrings{}
	for _, name := range l.list("locales") {
		base, ok := strings.CutSuffix(name, ".toml")
		if !ok {
			continue
		}
		tag, err := ParseLocale(base)
		if err == nil && string(tag) != base {
			err = fmt.Errorf("locale file name %q: use the canonical tag %q", name, tag)
		}
		if err == nil && needed != nil && !needed(tag) && !l.inProject("locales/"+name) {
			continue
		}
		srcs, rerr := l.readBoth("locales/" + name)
		errs.add(rerr)
		if err != nil {
			for _, s := range srcs {
				errs.add(&Error{File: s.display, Msg: err.Error()})
			}
			continue
		}
		merged := localeStrings{}
		for _, s := range srcs {
			strs, err := decodeLocale(s)
			if err != nil {
				errs.add(err)
				continue
			}
			maps.Copy(merged, strs)
		}
		out[tag] = merged
	}
	return out, errs.err()
}

// maintenanceKeys are the strings of the [maintenance] table.
var maintenanceKeys = []string{"title", "summary", "status"}

func decodeLocale(s source) (localeStrings, error) {
	data, err := textFile(s)
	if err != nil {
		return nil, err
	}
	var lf localeFile
	if err := checkTOMLNesting(s.display, data); err != nil {
		return nil, err
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&lf)
	if err != nil {
		return nil, tomlError(s.display, data, err)
	}
	var errs errorList
	for _, k := range topKeys(md.Undecoded()) {
		line, col := keyPosition(data, k)
		errs.addf(s.display, line, col, "unknown key %q: a locale file has [ui] strings, [codes.<code>] tables with title and summary, [substatus.\"<code>.<sub>\"] tables with cause and admin, [owner] strings by code, and [maintenance] title, summary and status", k.String())
	}
	out := localeStrings{}
	for k, v := range lf.UI {
		out["ui."+k] = v
	}
	for k, v := range lf.Maintenance {
		if !slices.Contains(maintenanceKeys, k) {
			line, col := keyPosition(data, toml.Key{"maintenance", k})
			errs.addf(s.display, line, col, "maintenance.%s: expected one of %s", k, strings.Join(maintenanceKeys, ", "))
			continue
		}
		out["maintenance."+k] = v
	}
	for k, v := range lf.Codes {
		var c StatusCode
		if err := c.UnmarshalText([]byte(k)); err != nil {
			line, col := keyPosition(data, toml.Key{"codes", k})
			errs.addf(s.display, line, col, "codes.%s: %v", k, err)
			continue
		}
		if v.Title != "" {
			out[fmt.Sprintf("codes.%d.title", c)] = v.Title
		}
		if v.Summary != "" {
			out[fmt.Sprintf("codes.%d.summary", c)] = v.Summary
		}
	}
	for k, v := range lf.Substatus {
		code, sub, ok := strings.Cut(k, ".")
		var c StatusCode
		if !ok || c.UnmarshalText([]byte(code)) != nil || !digits.MatchString(sub) {
			line, col := keyPosition(data, toml.Key{"substatus", k})
			errs.addf(s.display, line, col, "substatus %q: expected an IIS code such as \"404.8\"", k)
			continue
		}
		if v.Cause != "" {
			out["substatus."+k+".cause"] = v.Cause
		}
		if v.Admin != "" {
			out["substatus."+k+".admin"] = v.Admin
		}
	}
	for k, v := range lf.Owner {
		var c StatusCode
		if k != "4xx" && k != "5xx" && c.UnmarshalText([]byte(k)) != nil {
			line, col := keyPosition(data, toml.Key{"owner", k})
			errs.addf(s.display, line, col, "owner.%s: expected a status code, \"4xx\" or \"5xx\"", k)
			continue
		}
		out["owner."+k] = v
	}
	return out, errs.err()
}

var digits = regexp.MustCompile(`^[0-9]{1,3}$`)

// fallbackChain lists the locales to try for tag, most specific first:
// the tag, its parents (de-AT → de, zh-TW → zh-Hant → zh), then the brand's
// default locale and English. Tags without locale data are dropped later.
func fallbackChain(tag, def LocaleTag) []LocaleTag {
	var chain []LocaleTag
	add := func(t LocaleTag) {
		if t != "" && !slices.Contains(chain, t) {
			chain = append(chain, t)
		}
	}
	add(tag)
	t := language.Make(string(tag))
	if base, _ := t.Base(); base.String() == "zh" {
		// Chinese falls back by script, never from Traditional to Simplified.
		if script, _ := t.Script(); script.String() == "Hans" || script.String() == "Hant" {
			add(LocaleTag("zh-" + script.String()))
		}
	}
	parts := strings.Split(string(tag), "-")
	for i := len(parts) - 1; i > 0; i-- {
		add(LocaleTag(strings.Join(parts[:i], "-")))
	}
	add(def)
	add("en")
	return chain
}

// direction is "rtl" for languages written right to left.
func direction(tag LocaleTag) string {
	script, _ := language.Make(string(tag)).Script()
	switch script.String() {
	case "Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr":
		return "rtl"
	}
	return "ltr"
}
