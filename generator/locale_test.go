package generator

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/errpages/errpages"
)

func TestFallbackChain(t *testing.T) {
	for _, tc := range []struct {
		tag, def LocaleTag
		want     string
	}{
		{"de-AT", "en", "de-AT de en"},
		{"de", "fr", "de fr en"},
		{"en", "en", "en"},
		{"zh-TW", "en", "zh-TW zh-Hant zh en"},
		{"zh-CN", "en", "zh-CN zh-Hans zh en"},
		{"zh-HK", "en", "zh-HK zh-Hant zh en"},
		{"pt-PT", "en", "pt-PT pt en"},
		{"sr-Latn-RS", "de", "sr-Latn-RS sr-Latn sr de en"},
	} {
		var got []string
		for _, t := range fallbackChain(tc.tag, tc.def) {
			got = append(got, string(t))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("fallbackChain(%s, %s) = %v, want %s", tc.tag, tc.def, got, tc.want)
		}
	}
}

func TestDirection(t *testing.T) {
	for tag, want := range map[LocaleTag]string{"ar": "rtl", "he": "rtl", "fa": "rtl", "ur": "rtl", "en": "ltr", "de-AT": "ltr", "ja": "ltr", "zh-Hant": "ltr"} {
		if got := direction(tag); got != want {
			t.Errorf("direction(%s) = %s, want %s", tag, got, want)
		}
	}
}

// TestBuiltinLocalesComplete asserts that every built-in locale defines
// every UI string the built-in themes use, the title and summary of every
// built-in code, and the steps of the five core codes.
func TestBuiltinLocalesComplete(t *testing.T) {
	builtin := errpages.Builtin()
	l := &layers{builtin: builtin}
	locales, err := loadLocales(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(locales) < 2 {
		t.Fatalf("built-in locales: %d", len(locales))
	}
	var uiKeys []string
	pages, _ := fs.Glob(builtin, "themes/*/page.html")
	for _, name := range pages {
		data, _ := fs.ReadFile(builtin, name)
		for _, m := range regexp.MustCompile(`\.T\.(\w+)`).FindAllStringSubmatch(string(data), -1) {
			if !slices.Contains(uiKeys, m[1]) {
				uiKeys = append(uiKeys, m[1])
			}
		}
	}
	if len(uiKeys) < 5 {
		t.Fatalf("found only %v UI keys in the themes", uiKeys)
	}
	for tag, strs := range locales {
		for _, k := range uiKeys {
			if strs["ui."+k] == "" {
				t.Errorf("locale %s lacks ui.%s", tag, k)
			}
		}
		for _, c := range BuiltinCodes {
			for _, f := range []string{"title", "summary"} {
				if strs["codes."+itoa(c)+"."+f] == "" {
					t.Errorf("locale %s lacks codes.%d.%s", tag, c, f)
				}
			}
		}
		for _, c := range []string{"401", "403", "404", "408", "500"} {
			data, err := fs.ReadFile(builtin, "content/"+string(tag)+"/"+c+".md")
			if err != nil {
				t.Errorf("locale %s has no steps for %s: %v", tag, c, err)
				continue
			}
			if !regexp.MustCompile(`(?m)^1\. `).Match(data) {
				t.Errorf("content/%s/%s.md has no ordered list of steps", tag, c)
			}
		}
		if tag != "en" {
			for _, c := range BuiltinCodes {
				if strs["codes."+itoa(c)+".title"] == locales["en"]["codes."+itoa(c)+".title"] {
					t.Errorf("locale %s: title of %d is the English one", tag, c)
				}
			}
		}
	}
}
