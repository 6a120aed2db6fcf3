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

// TestConfigSamplesParse runs nginx -t and apache2 -t on configurations
// generated from unusual but valid settings: a root with a space and
// non-ASCII letters, a nested URL prefix, HTTP-date Retry-After values,
// script and region locales, several brands.
func TestConfigSamplesParse(t *testing.T) {
	nginx := need(t, "nginx")
	apache := need(t, "apache2", "httpd")
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
			cfg := fmt.Sprintf("locales = [\"en\", \"zh-Hant\", \"pt-BR\", \"ar\"]\ncodes = [401, 404, 408, 429, 503]\n[server]\nroot = %q\ntargets = [\"nginx\", \"apache\"]\n%s\n", out, server)
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
		})
	}
}
