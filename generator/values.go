package generator

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// StatusCode is an HTTP error status code, 400 to 599.
type StatusCode int

// UnmarshalText accepts a number from 400 to 599, as a TOML integer or string.
func (c *StatusCode) UnmarshalText(b []byte) error {
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("status code %q is not a number: expected an integer from 400 to 599", b)
	}
	if n < 400 || n > 599 {
		return fmt.Errorf("status code %d is out of range: expected 400 to 599 (errpages makes error pages only)", n)
	}
	*c = StatusCode(n)
	return nil
}

// LocaleTag is a canonical BCP 47 language tag such as "de" or "pt-BR".
type LocaleTag string

// UnmarshalText validates and canonicalizes a BCP 47 tag.
func (l *LocaleTag) UnmarshalText(b []byte) error {
	t, err := ParseLocale(string(b))
	if err != nil {
		return err
	}
	*l = t
	return nil
}

// ParseLocale validates s as a BCP 47 language tag and returns its canonical
// form ("DE-at" becomes "de-AT").
func ParseLocale(s string) (LocaleTag, error) {
	if s == "" || strings.ContainsAny(s, "/\\. \x00_") {
		return "", fmt.Errorf("locale %q is not a BCP 47 language tag such as \"de\" or \"pt-BR\"", s)
	}
	t, err := language.Parse(s)
	if err != nil || t.IsRoot() {
		return "", fmt.Errorf("locale %q is not a BCP 47 language tag such as \"de\" or \"pt-BR\"", s)
	}
	return LocaleTag(t.String()), nil
}

// Link is an http, https or mailto URL, or a path on the same site such as
// "/" or "/help". Anything else, notably javascript: and data: URLs, is
// rejected when the configuration is read.
type Link string

// UnmarshalText accepts an empty string (no link), a site path or an http,
// https or mailto URL.
func (l *Link) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*l = ""
		return nil
	}
	if err := checkLink(s); err != nil {
		return err
	}
	*l = Link(s)
	return nil
}

func checkLink(s string) error {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, "\\ \"'<>") {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("link %q is not a valid URL", s)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("link %q has no host", s)
		}
	case "mailto":
		if u.Opaque == "" {
			return fmt.Errorf("link %q has no address", s)
		}
	default:
		return fmt.Errorf("link %q: only https:, http: and mailto: links and site paths such as \"/\" are allowed", s)
	}
	return nil
}

// maxByteSize bounds sizes: far above any page, and no overflow.
const maxByteSize = 1 << 30

// ByteSize is a size in bytes, written as an integer or with a unit:
// "16KiB", "20 KB", "16384".
type ByteSize int64

// UnmarshalText parses an integer with an optional B, KB, KiB, MB or MiB unit.
func (s *ByteSize) UnmarshalText(b []byte) error {
	str := strings.TrimSpace(string(b))
	num := strings.TrimRight(str, "BbKkMmIi ")
	unit := strings.ToLower(strings.TrimSpace(str[len(num):]))
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("size %q: expected a positive number of bytes such as 16384 or \"16KiB\"", str)
	}
	mult := map[string]int64{"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000 * 1000, "mib": 1024 * 1024}[unit]
	if mult == 0 {
		return fmt.Errorf("size %q: unknown unit %q (use B, KB, KiB, MB or MiB)", str, unit)
	}
	if n > maxByteSize/mult {
		return fmt.Errorf("size %q is too large: expected at most 1 GiB", str)
	}
	*s = ByteSize(n * mult)
	return nil
}

// HeaderValue is an HTTP header value, written as a TOML string or integer
// (retry_after = { 503 = 120 }).
type HeaderValue string

// UnmarshalText keeps the value; the setting that uses it validates it.
func (h *HeaderValue) UnmarshalText(b []byte) error {
	*h = HeaderValue(strings.TrimSpace(string(b)))
	return nil
}
