package servers

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// traefikDynamic is the part of Traefik's dynamic configuration the
// generated file may use; decoding with KnownFields refuses anything else,
// so a misspelt key fails here as it would be ignored by Traefik.
type traefikDynamic struct {
	HTTP struct {
		Middlewares map[string]struct {
			Errors *struct {
				Status  []string `yaml:"status"`
				Service string   `yaml:"service"`
				Query   string   `yaml:"query"`
			} `yaml:"errors"`
		} `yaml:"middlewares"`
		Services map[string]struct {
			LoadBalancer *struct {
				Servers []struct {
					URL string `yaml:"url"`
				} `yaml:"servers"`
			} `yaml:"loadBalancer"`
		} `yaml:"services"`
	} `yaml:"http"`
}

// TestTraefikDynamicConfig parses the generated YAML (Traefik is not run
// here) and checks the keys the errors middleware needs.
func TestTraefikDynamicConfig(t *testing.T) {
	for _, brand := range []string{"", "shop-eu"} {
		s := testSite()
		s.Brand = brand
		data := files(t, "traefik", s)["traefik/errpages.yml"]
		var cfg traefikDynamic
		dec := yaml.NewDecoder(bytes.NewReader([]byte(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil {
			t.Fatalf("brand %q: %v\n%s", brand, err, data)
		}
		name := "errpages"
		if brand != "" {
			name += "-" + brand
		}
		mw, ok := cfg.HTTP.Middlewares[name]
		if !ok || mw.Errors == nil {
			t.Fatalf("brand %q: no errors middleware %q in\n%s", brand, name, data)
		}
		var codes []int
		for _, st := range mw.Errors.Status {
			n, err := strconv.Atoi(st)
			if err != nil {
				t.Errorf("status %q is not a code", st)
			}
			codes = append(codes, n)
		}
		if !slices.Equal(codes, s.Codes) {
			t.Errorf("status %v, want the generated codes %v", codes, s.Codes)
		}
		if !regexp.MustCompile(`^/[^{}]*\{status\}[^{}]*$`).MatchString(mw.Errors.Query) {
			t.Errorf("query %q: want a path with {status}", mw.Errors.Query)
		}
		svc, ok := cfg.HTTP.Services[mw.Errors.Service]
		if !ok || svc.LoadBalancer == nil || len(svc.LoadBalancer.Servers) != 1 {
			t.Fatalf("the middleware's service %q is not defined with one server", mw.Errors.Service)
		}
		if u := svc.LoadBalancer.Servers[0].URL; u != "http://127.0.0.1:8081" {
			t.Errorf("service URL %q, want the static server's address", u)
		}
		// The static server listens where the service points.
		caddyfile := files(t, "traefik", s)["traefik/Caddyfile"]
		if !strings.Contains(caddyfile, "http://:8081 {\n    bind 127.0.0.1\n") {
			t.Errorf("Caddyfile does not listen on 127.0.0.1:8081:\n%s", caddyfile)
		}
	}
}
