package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var (
	langRe = regexp.MustCompile(`<html lang=([^ >]+) dir=(ltr|rtl)>`)
	etagRe = regexp.MustCompile(`^(W/)?"[^"]*"$`)
)

// page returns the lang and dir of an errpages page, or "" if the body is
// not one (a server's built-in page).
func page(body string) (lang, dir string) {
	if !strings.Contains(body, "<main class=card>") {
		return "", ""
	}
	m := langRe.FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// check is one assertion of the checklist, named for the failure message.
type check struct {
	name string
	ok   bool
	got  any
}

func expect(t *testing.T, what string, r response, checks ...check) {
	t.Helper()
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s (got %v)\nheaders: %v\nbody: %.300s", what, c.name, c.got, r.header, r.body)
		}
	}
}

// wantPage checks status, language and the headers every error page has.
func wantPage(t *testing.T, what string, r response, status int, lang string) {
	t.Helper()
	l, dir := page(r.body)
	wantDir := "ltr"
	if lang == "ar" {
		wantDir = "rtl"
	}
	expect(t, what, r,
		check{"status", r.status == status, r.status},
		check{"errpages page in " + lang, l == lang, l},
		check{"dir " + wantDir, dir == wantDir, dir},
		check{"Content-Type text/html; charset=utf-8", strings.EqualFold(r.header.Get("Content-Type"), "text/html; charset=utf-8"), r.header.Get("Content-Type")},
		check{"Content-Language " + lang, r.header.Get("Content-Language") == lang, r.header.Get("Content-Language")},
		check{"Vary names Accept-Language", strings.Contains(strings.ToLower(strings.Join(r.header.Values("Vary"), ",")), "accept-language"), r.header.Values("Vary")},
		check{"Cache-Control", r.header.Get("Cache-Control") != "", r.header.Get("Cache-Control")},
		check{"no ETag or a well-formed one", r.header.Get("ETag") == "" || etagRe.MatchString(r.header.Get("ETag")), r.header.Get("ETag")},
		check{"body over 512 bytes", len(r.body) > 512, len(r.body)},
		// The error location's own policy replaces the site's strict one.
		check{"the pages' CSP", strings.Contains(r.header.Get("Content-Security-Policy"), "style-src 'sha256-") &&
			len(r.header.Values("Content-Security-Policy")) == 1, r.header.Values("Content-Security-Policy")},
		check{"X-Content-Type-Options nosniff", r.header.Get("X-Content-Type-Options") == "nosniff", r.header.Get("X-Content-Type-Options")},
		check{"Referrer-Policy no-referrer", r.header.Get("Referrer-Policy") == "no-referrer", r.header.Get("Referrer-Policy")},
		check{"X-Robots-Tag noindex", r.header.Get("X-Robots-Tag") == "noindex", r.header.Get("X-Robots-Tag")},
	)
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// runChecks drives the 23-check server checklist against a running server. flavor
// is "nginx", "apache", "htaccess" or "caddy"; they differ where the
// servers do.
func runChecks(t *testing.T, s *server, flavor string) {
	const secret = "/secret"
	// Normal pages get the site's own strict policy.
	if r := s.do(t, "GET", "/"); r.header.Get("Content-Security-Policy") != "default-src 'self'; style-src 'self'" {
		t.Errorf("the site's own CSP is %q on its home page", r.header.Get("Content-Security-Policy"))
	}
	// 1–5: 401 without credentials, default locale.
	r := s.do(t, "GET", secret)
	wantPage(t, "401 no credentials", r, 401, "en")
	expect(t, "401 no credentials", r,
		check{"WWW-Authenticate Basic realm", strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm="), r.header.Values("WWW-Authenticate")},
		check{"one WWW-Authenticate", len(r.header.Values("WWW-Authenticate")) == 1, r.header.Values("WWW-Authenticate")},
		check{"Cache-Control no-store", r.header.Get("Cache-Control") == "no-store", r.header.Get("Cache-Control")})
	// 6–9: German.
	r = s.do(t, "GET", secret, "Accept-Language: de")
	wantPage(t, "401 de", r, 401, "de")
	expect(t, "401 de", r, check{"WWW-Authenticate", r.header.Get("WWW-Authenticate") != "", nil})
	// 10–13: language negotiation.
	wantPage(t, "401 de-DE,de;q=0.9,en;q=0.8", s.do(t, "GET", secret, "Accept-Language: de-DE,de;q=0.9,en;q=0.8"), 401, "de")
	wantPage(t, "401 de-CH", s.do(t, "GET", secret, "Accept-Language: de-CH"), 401, "de")
	wantPage(t, "401 fr-FR → default locale", s.do(t, "GET", secret, "Accept-Language: fr-FR,fr;q=0.9"), 401, "en")
	wantPage(t, "401 ar", s.do(t, "GET", secret, "Accept-Language: ar-EG,ar;q=0.9"), 401, "ar")
	qvalues := "de" // Apache honours q-values
	if flavor == "nginx" || flavor == "caddy" {
		qvalues = "en" // nginx and Caddy maps take the first listed language
	}
	wantPage(t, "401 en;q=0.1, de;q=0.9", s.do(t, "GET", secret, "Accept-Language: en;q=0.1, de;q=0.9"), 401, qvalues)
	// 14–15: credentials.
	r = s.do(t, "GET", secret, "Authorization: alice:wonderland")
	expect(t, "valid credentials", r, check{"200 with the content", r.status == 200 && strings.Contains(r.body, "top secret"), r.status})
	r = s.do(t, "GET", secret, "Authorization: alice:wrong", "Accept-Language: de")
	wantPage(t, "wrong password", r, 401, "de")
	expect(t, "wrong password", r, check{"WWW-Authenticate", r.header.Get("WWW-Authenticate") != "", nil})
	// 16–19, 21: 404.
	r = s.do(t, "GET", "/missing", "Accept: "+browserAccept)
	wantPage(t, "404", r, 404, "en")
	expect(t, "404", r, check{"Cache-Control max-age=60 as configured", r.header.Get("Cache-Control") == "max-age=60", r.header.Get("Cache-Control")})
	wantPage(t, "404 ar", s.do(t, "GET", "/missing", "Accept-Language: ar"), 404, "ar")
	// 20: problem+json for JSON clients, same status, localized.
	for _, accept := range []string{"application/json", "application/problem+json"} {
		r = s.do(t, "GET", "/missing", "Accept: "+accept, "Accept-Language: de")
		var problem struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
		}
		err := json.Unmarshal([]byte(r.body), &problem)
		expect(t, "404 Accept: "+accept, r,
			check{"status 404", r.status == 404, r.status},
			check{"JSON content type", strings.Contains(r.header.Get("Content-Type"), "json") &&
				(accept != "application/problem+json" || r.header.Get("Content-Type") == "application/problem+json"), r.header.Get("Content-Type")},
			check{"problem details with status 404", err == nil && problem.Status == 404, err},
			check{"German title", problem.Title == "Seite nicht gefunden", problem.Title},
			check{"Content-Language de", r.header.Get("Content-Language") == "de", r.header.Get("Content-Language")})
	}
	// 22–23: HEAD and POST.
	r = s.do(t, "HEAD", "/missing")
	expect(t, "HEAD 404", r, check{"404", r.status == 404, r.status}, check{"no body", r.body == "", len(r.body)})
	wantPage(t, "POST 404", s.do(t, "POST", "/missing"), 404, "en")
	// 403, 500, 503.
	wantPage(t, "403", s.do(t, "GET", "/forbidden", "Accept-Language: de"), 403, "de")
	wantPage(t, "500", s.do(t, "GET", "/boom"), 500, "en")
	r = s.do(t, "GET", "/maint", "Accept-Language: de-AT")
	wantPage(t, "503", r, 503, "de")
	expect(t, "503", r, check{"Retry-After: 120", r.header.Get("Retry-After") == "120", r.header.Get("Retry-After")})
	if got := s.do(t, "GET", "/missing").header.Get("Retry-After"); got != "" {
		t.Errorf("404 carries Retry-After %q", got)
	}
	// Direct requests to the error files.
	r = s.do(t, "GET", "/_errors/en/404.html")
	switch flavor {
	case "nginx", "caddy":
		// The folder is internal (nginx) or outside the site (Caddy): the
		// request is an ordinary 404.
		wantPage(t, "direct request", r, 404, "en")
	case "apache":
		wantPage(t, "direct request is forbidden", r, 403, "en")
	case "htaccess":
		// Without server config, .htaccess cannot hide the folder.
		expect(t, "direct request", r, check{"200", r.status == 200, r.status})
	}
}
