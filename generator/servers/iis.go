package servers

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// iisSubStatus lists the IIS sub-status codes that get their own page, per
// status code (KB 943891). Only the three-digit code goes on the wire; IIS
// picks the page by code.sub, then code.
var iisSubStatus = map[int][]int{
	401: {1, 2, 3, 4, 5, 501, 502, 503, 504},
	403: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 501, 502, 503, 504},
	404: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 501, 502, 503, 504},
	500: {0, 11, 12, 13, 15, 19, 21, 22, 23, 24, 50, 51, 52, 53, 100},
	502: {1, 2, 3, 4, 5, 6, 7},
	503: {0, 2, 3, 4},
}

// IISFolder is one language folder of the IIS layout: IIS reads
// <prefixLanguageFilePath>\<the literal Accept-Language tag>\<page>, so each
// tag a browser may send needs its own folder.
type IISFolder struct {
	Name   string // the folder, an exact language tag such as "de-AT"
	Locale string // the generated locale whose pages it holds
}

// IISDir is the folder, relative to the site root, that holds the IIS
// language folders: the URL prefix without slashes, e.g. "_errors".
func (s Site) IISDir() string {
	return strings.ReplaceAll(strings.Trim(s.URLPrefix, "/"), "/", `\`)
}

// IISFolders lists the language folders, sorted by name. The fallback
// folder (the server's system language, used for any other language)
// holds its own language if generated, else the default locale.
func (s Site) IISFolders() []IISFolder {
	byName := map[string]string{}
	for _, l := range s.Locales {
		byName[l] = l
	}
	for _, l := range s.Locales {
		for _, a := range Aliases(l) {
			if _, ok := byName[a]; !ok {
				byName[a] = l
			}
		}
	}
	if fb := string(s.IIS.FallbackFolder); fb != "" {
		if _, ok := byName[fb]; !ok {
			byName[fb] = s.DefaultLocale
		}
	}
	var out []IISFolder
	for name, l := range byName {
		out = append(out, IISFolder{name, l})
	}
	slices.SortFunc(out, func(a, b IISFolder) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// IISPages lists the page file names every IIS language folder holds, with
// the code and sub-status (-1 for the code's own page) of each.
func (s Site) IISPages() []IISPage {
	var out []IISPage
	for _, c := range s.Codes {
		out = append(out, IISPage{fmt.Sprintf("%d.html", c), c, -1})
		for _, sub := range iisSubStatus[c] {
			out = append(out, IISPage{fmt.Sprintf("%d.%d.html", c, sub), c, sub})
		}
	}
	return out
}

// IISPage is one page of an IIS language folder.
type IISPage struct {
	File      string
	Code, Sub int
}

// commentSafe breaks every "--", which an XML comment cannot hold.
func commentSafe(s string) string {
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "- -")
	}
	return s
}

type webConfig struct {
	XMLName   xml.Name    `xml:"configuration"`
	Comment   xml.Comment `xml:",comment"`
	WebServer struct {
		HTTPErrors httpErrors `xml:"httpErrors"`
	} `xml:"system.webServer"`
	Location *location `xml:"location,omitempty"`
}

// location sets the security headers for the error folder.
type location struct {
	Path    string `xml:"path,attr"`
	Headers struct {
		Rows []any
	} `xml:"system.webServer>httpProtocol>customHeaders"`
}

type headerRemove struct {
	XMLName xml.Name `xml:"remove"`
	Name    string   `xml:"name,attr"`
}

type headerAdd struct {
	XMLName xml.Name `xml:"add"`
	Name    string   `xml:"name,attr"`
	Value   string   `xml:"value,attr"`
}

type httpErrors struct {
	ErrorMode        string `xml:"errorMode,attr"`
	ExistingResponse string `xml:"existingResponse,attr"`
	Rows             []any
}

type removeRow struct {
	XMLName xml.Name `xml:"remove"`
	Status  int      `xml:"statusCode,attr"`
	Sub     int      `xml:"subStatusCode,attr"`
}

type errorRow struct {
	XMLName      xml.Name `xml:"error"`
	Status       int      `xml:"statusCode,attr"`
	Sub          int      `xml:"subStatusCode,attr"`
	Prefix       string   `xml:"prefixLanguageFilePath,attr"`
	Path         string   `xml:"path,attr"`
	ResponseMode string   `xml:"responseMode,attr"`
}

// iisTarget writes IIS web.config and its language folders.
type iisTarget struct{}

func init() { register(30, iisTarget{}) }

// IISOptions are the IIS-specific settings.
type IISOptions struct {
	ExistingResponse string    `toml:"existing_response" doc:"IIS existingResponse: Replace always shows the branded page, Auto keeps an application's own error body (API JSON), PassThrough never replaces." enum:"Replace,Auto,PassThrough"`
	FallbackFolder   iisFolder `toml:"fallback_folder" pattern:"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$" doc:"The IIS server's system language: the folder IIS uses when the visitor's language has none."`
}

var iisDefaults = IISOptions{ExistingResponse: "Replace", FallbackFolder: "en-US"}

func (o IISOptions) problems() []*Problem {
	if !slices.Contains([]string{"Replace", "Auto", "PassThrough"}, o.ExistingResponse) {
		return []*Problem{{[]string{"iis", "existing_response"},
			fmt.Sprintf("server.iis.existing_response %q: expected \"Replace\", \"Auto\" or \"PassThrough\"", o.ExistingResponse)}}
	}
	return nil
}

// iisFolder is a language folder name, a BCP 47 tag in canonical form
// ("EN-us" becomes "en-US").
type iisFolder string

func (f *iisFolder) UnmarshalText(b []byte) error {
	t, err := language.Parse(string(b))
	if err != nil || t.IsRoot() || strings.ContainsAny(string(b), "/\\. _") {
		return fmt.Errorf("locale %q is not a BCP 47 language tag such as \"de\" or \"pt-BR\"", b)
	}
	*f = iisFolder(t.String())
	return nil
}

// iisSubHelp names, for a sub-status whose cause the visitor's advice of
// its own status does not fit, the status whose steps do: a rate limit is
// a 429 to the visitor whatever IIS sends, a blocked address has nothing to
// sign in to, and a misconfigured server is a 500.
var iisSubHelp = map[string]int{
	"401.3": 403, "401.4": 403, "401.5": 403,
	"401.501": 429, "401.502": 429, "401.503": 451, "401.504": 451,
	"403.1": 500, "403.2": 500, "403.3": 405, "403.4": 400, "403.5": 400, "403.6": 451, "403.8": 451,
	"403.9": 503, "403.10": 500, "403.11": 401, "403.14": 404, "403.15": 503, "403.18": 500, "403.19": 500,
	"403.20": 401, "403.21": 404, "403.22": 405,
	"403.501": 429, "403.502": 429, "403.503": 451, "403.504": 451,
	"404.2": 500, "404.3": 500, "404.4": 500, "404.5": 400, "404.6": 405, "404.10": 431, "404.11": 400,
	"404.12": 400, "404.13": 413, "404.14": 414, "404.15": 414, "404.16": 405, "404.17": 500, "404.18": 400,
	"404.19": 400, "404.20": 414,
	"404.501": 429, "404.502": 429, "404.503": 451, "404.504": 451,
	"500.11": 503, "500.12": 503, "500.13": 503,
	"502.1": 504,
}

// HelpFor returns the status code whose visitor advice fits the cause of
// sub-status sub of code: code itself unless the cause calls for another.
func HelpFor(code, sub int) int {
	if c, ok := iisSubHelp[fmt.Sprintf("%d.%d", code, sub)]; ok {
		return c
	}
	return code
}

func (iisTarget) name() string { return "iis" }

func (iisTarget) omits(int) string { return "" }

func (iisTarget) write(s Site) ([]File, error) { return iis(s) }

// pages are the sub-status pages of every code, for one locale: IIS picks
// a page by code.sub before code.
func (iisTarget) pages(s Site) []PageRef {
	var out []PageRef
	for _, p := range s.IISPages() {
		if p.Sub >= 0 {
			out = append(out, PageRef{Code: p.Code, Sub: p.Sub})
		}
	}
	return out
}

// iis writes iis/web.config and lays out the pages under
// iis/<IISDir>/<folder>/: every page of IISPages in every IISFolders folder.
func iis(s Site) ([]File, error) {
	existing := s.IIS.ExistingResponse
	if existing == "" {
		existing = "Replace"
	}
	var wc webConfig
	wc.Comment = xml.Comment(commentSafe(s.header("iis", "  ",
		"",
		"errpages: IIS 7+ error pages (system.webServer/httpErrors).",
		"",
		"Copy the folder "+s.IISDir()+`\ next to this file into the site's root folder, and`,
		"merge the <httpErrors> element into the site's web.config (or use this file",
		"as it is if the site has none). Paths are relative to the site: no defaultPath",
		"and no allowAbsolutePathsWhenDelegated, which applicationHost.config locks.",
		"IIS picks the language folder by the literal Accept-Language tag; a visitor",
		"whose language has no folder gets the server's system language folder",
		"("+string(s.IIS.FallbackFolder)+"). responseMode=\"File\" keeps the status code and headers",
		"(401 keeps WWW-Authenticate).",
	)))
	wc.WebServer.HTTPErrors = httpErrors{ErrorMode: "Custom", ExistingResponse: existing}
	for _, p := range s.IISPages() {
		wc.WebServer.HTTPErrors.Rows = append(wc.WebServer.HTTPErrors.Rows,
			removeRow{Status: p.Code, Sub: p.Sub},
			errorRow{Status: p.Code, Sub: p.Sub, Prefix: s.IISDir(), Path: p.File, ResponseMode: "File"})
	}
	if len(s.Headers) > 0 {
		wc.Location = &location{Path: strings.ReplaceAll(s.IISDir(), `\`, "/")}
		for _, h := range s.Headers {
			wc.Location.Headers.Rows = append(wc.Location.Headers.Rows, headerRemove{Name: h.Name}, headerAdd{Name: h.Name, Value: h.Value})
		}
	}
	data, err := xml.MarshalIndent(wc, "", "  ")
	if err != nil {
		return nil, err
	}
	out := append([]byte(xml.Header), data...)
	files := []File{{Path: "iis/web.config", Kind: "iis", Data: append(out, '\n')}}
	dir := "iis/" + strings.ReplaceAll(s.IISDir(), `\`, "/") + "/"
	for _, folder := range s.IISFolders() {
		for _, p := range s.IISPages() {
			files = append(files, File{Path: dir + folder.Name + "/" + p.File, Kind: "iis",
				Page: &PageRef{Locale: folder.Locale, Code: p.Code, Sub: p.Sub}})
		}
	}
	return files, nil
}
