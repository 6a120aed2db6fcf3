package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// TestConfigSamplesParse runs nginx -t, apache2 -t, haproxy -c, caddy
// validate and lighttpd -tt on configurations generated from unusual but
// valid settings: a root with a space and non-ASCII letters, a nested URL
// prefix, HTTP-date Retry-After values, script and region locales.
func TestConfigSamplesParse(t *testing.T) {
	nginx := need(t, "nginx")
	apache := need(t, "apache2", "httpd")
	haproxy, caddy, lighttpd := need(t, "haproxy"), need(t, "caddy"), need(t, "lighttpd")
	for i, server := range []string{
		"url_prefix = \"/errors/pages/\"\nretry_after = { 503 = \"Wed, 21 Oct 2026 07:28:00 GMT\", 429 = 5 }\ncache_control = { 404 = \"private, max-age=30\" }",
		"url_prefix = \"/~e.r-r_s/\"",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// The test servers' own files live in a plain folder; the
			// generated files must cope with the unusual one.
			prefix := tempDir(t)
			os.MkdirAll(filepath.Join(prefix, "site"), 0o755)
			for _, d := range []string{"logs", "tmp"} {
				os.MkdirAll(filepath.Join(prefix, d), 0o777)
				os.Chmod(filepath.Join(prefix, d), 0o777) // nginx workers run as nobody
			}
			out := filepath.Join(prefix, "my site é", "out")
			cfg := fmt.Sprintf("locales = [\"en\", \"zh-Hant\", \"pt-BR\", \"ar\"]\ncodes = [401, 404, 408, 429, 503]\n[server]\nroot = %q\n%s\n", out, server)
			p, err := generator.Load(generator.Options{Project: fstest.MapFS{"errpages.toml": {Data: []byte(cfg)}}, Builtin: errpages.Builtin()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Build(context.Background(), out, generator.BuildOptions{}); err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(prefix, "nginx.conf")
			write(t, conf, nginxConf(prefix, out, freePort(t)))
			if b, err := exec.Command(nginx, "-t", "-q", "-p", prefix+"/", "-c", conf, "-e", filepath.Join(prefix, "logs/error.log")).CombinedOutput(); err != nil {
				t.Errorf("nginx -t: %v\n%s", err, b)
			}
			os.MkdirAll(filepath.Join(prefix, "run"), 0o755)
			aconf := filepath.Join(prefix, "httpd.conf")
			write(t, aconf, apacheConf(prefix, freePort(t), fmt.Sprintf("Include %q", filepath.Join(out, "apache/errpages.conf"))))
			if b, err := exec.Command(apache, "-t", "-d", prefix, "-f", aconf).CombinedOutput(); err != nil {
				t.Errorf("apache2 -t: %v\n%s", err, b)
			}
			hconf := filepath.Join(prefix, "haproxy.cfg")
			write(t, hconf, haproxyConf(freePort(t), freePort(t), "zh-Hant"))
			if b, err := exec.Command(haproxy, "-c", "-f", hconf, "-f", filepath.Join(out, "haproxy/errpages.cfg")).CombinedOutput(); err != nil {
				t.Errorf("haproxy -c: %v\n%s", err, b)
			}
			cconf := filepath.Join(prefix, "Caddyfile")
			write(t, cconf, caddyfile(prefix, out, freePort(t), "JDJhJDE0JHh4eHh4eHh4eHh4eHh4eHh4eHh4eHUxN0ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZG"))
			for _, c := range []string{cconf, filepath.Join(out, "traefik/Caddyfile")} {
				cmd := exec.Command(caddy, "validate", "--config", c, "--adapter", "caddyfile")
				cmd.Env = caddyEnv(prefix)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("caddy validate %s: %v\n%s", c, err, b)
				}
			}
			lconf := filepath.Join(prefix, "lighttpd.conf")
			write(t, lconf, lighttpdConf(prefix, out, freePort(t), freePort(t), false, 1))
			if b, err := exec.Command(lighttpd, "-tt", "-f", lconf).CombinedOutput(); err != nil {
				t.Errorf("lighttpd -tt: %v\n%s", err, b)
			}
		})
	}
}
