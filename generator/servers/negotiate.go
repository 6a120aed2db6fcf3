package servers

import "strings"

// Negotiate picks the locale and format that the generated nginx, Caddy and
// lighttpd configurations pick for a request with these headers: the
// locale of the first language key that the Accept-Language header starts
// with (most specific key first, so "de-CH" before "de"), else the default
// locale; and JSON when Accept starts with application/json or
// application/problem+json. Only the browser's first language counts and
// q-values are ignored, as nginx maps do. (Apache's type maps honour
// q-values; HAProxy does not negotiate.)
func (s Site) Negotiate(acceptLanguage, accept string) (locale string, json bool) {
	locale = s.DefaultLocale
	// Servers drop the white space around a field value (RFC 9110 §5.5).
	al := strings.ToLower(strings.TrimSpace(acceptLanguage))
	for _, k := range s.languageKeys() {
		if rest, ok := strings.CutPrefix(al, k.tag); ok && (rest == "" || strings.ContainsRune("-,; \t\n\r\f\v", rune(rest[0]))) {
			locale = k.locale
			break
		}
	}
	a := strings.ToLower(strings.TrimSpace(accept))
	json = strings.HasPrefix(a, "application/json") || strings.HasPrefix(a, "application/problem+json")
	return locale, json
}
