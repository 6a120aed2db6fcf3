package generator

import (
	"math"
	"testing"
)

func TestStatusCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want StatusCode
		ok   bool
	}{
		{"404", 404, true}, {"400", 400, true}, {"599", 599, true},
		{"399", 0, false}, {"600", 0, false}, {"abc", 0, false}, {"", 0, false}, {"40 4", 0, false},
	} {
		var c StatusCode
		err := c.UnmarshalText([]byte(tc.in))
		if (err == nil) != tc.ok || c != tc.want {
			t.Errorf("%q: got %d, %v; want %d, ok=%v", tc.in, c, err, tc.want, tc.ok)
		}
	}
}

func TestParseLocale(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"de", "de"}, {"DE-at", "de-AT"}, {"pt-BR", "pt-BR"}, {"zh-Hant", "zh-Hant"}, {"en-US", "en-US"},
		{"", ""}, {"../etc", ""}, {"de_DE", ""}, {"x", ""}, {"de\x00", ""}, {"und", ""}, {"toolongtag", ""},
	} {
		got, err := ParseLocale(tc.in)
		if string(got) != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseLocale(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestLink(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"https://acme.example/", true}, {"http://acme.example/x?y=1", true}, {"mailto:web@acme.example", true},
		{"/", true}, {"/help/contact", true}, {"", true},
		{"javascript:alert(1)", false}, {"JavaScript:alert(1)", false}, {"data:text/html,x", false},
		{"//evil.example/", false}, {"ftp://acme.example/", false}, {"https://", false}, {"mailto:", false},
		{"acme.example", false}, {"/a b", false}, {"/\"onmouseover=x", false},
	} {
		var l Link
		if err := l.UnmarshalText([]byte(tc.in)); (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
	}{
		{"16384", 16384}, {"16KiB", 16384}, {"16 KiB", 16384}, {"20KB", 20000}, {"1MiB", 1 << 20}, {"512B", 512},
		{"0", 0}, {"-5", 0}, {"16XB", 0}, {"KiB", 0},
	} {
		var s ByteSize
		err := s.UnmarshalText([]byte(tc.in))
		if s != tc.want || (err == nil) != (tc.want != 0) {
			t.Errorf("%q: got %d, %v; want %d", tc.in, s, err, tc.want)
		}
	}
}

func TestColor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"#1a73e8", "#1a73e8"}, {"#FFF", "#ffffff"}, {" #000000 ", "#000000"},
		{"1a73e8", ""}, {"#12345", ""}, {"#ggg", ""}, {"red", ""}, {"rgb(0,0,0)", ""}, {"#1234567", ""},
	} {
		var c Color
		err := c.UnmarshalText([]byte(tc.in))
		if (err == nil) != (tc.want != "") || err == nil && c.String() != tc.want {
			t.Errorf("%q: got %s, %v; want %q", tc.in, c, err, tc.want)
		}
	}
}

func TestContrast(t *testing.T) {
	// Reference values from the WCAG 2 definition.
	for _, tc := range []struct {
		a, b Color
		want float64
	}{
		{Color{0, 0, 0}, Color{255, 255, 255}, 21},
		{Color{255, 255, 255}, Color{255, 255, 255}, 1},
		{Color{0x77, 0x77, 0x77}, Color{255, 255, 255}, 4.48},
		{Color{0x76, 0x76, 0x76}, Color{255, 255, 255}, 4.54},
	} {
		if got := Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}
