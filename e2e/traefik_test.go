package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraefikStaticServer runs the static server of the Traefik recipe
// (traefik/Caddyfile, unchanged) on Caddy and asks it what the errors
// middleware asks: /<status> with the visitor's headers and Host. Traefik
// itself is not in Debian and is not run; it sends the answer with the
// original status.
func TestTraefikStaticServer(t *testing.T) {
	t.Parallel()
	bin := need(t, "caddy")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	port := freePort(t)
	cfg := fmt.Sprintf(project, out) + fmt.Sprintf("[server.traefik]\naddress = \"127.0.0.1:%d\"\n", port)
	buildProject(t, out, map[string]string{"errpages.toml": cfg, "locales/ar.toml": arabic})
	if yml, _ := os.ReadFile(filepath.Join(out, "traefik/errpages.yml")); !strings.Contains(string(yml), fmt.Sprintf("url: \"http://127.0.0.1:%d\"", port)) {
		t.Fatalf("errpages.yml does not point at the static server:\n%s", yml)
	}
	conf := filepath.Join(out, "traefik/Caddyfile")
	cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = caddyEnv(prefix)
	// start polls GET /, which the static server answers with its 404 page.
	s := start(t, cmd, port, filepath.Join(prefix, "none.log"))
	for _, tc := range []struct {
		status int
		lang   string
	}{{404, "en"}, {404, "de"}, {403, "de"}, {503, "ar"}, {401, "de"}} {
		r := s.do(t, "GET", fmt.Sprintf("/%d", tc.status), "Accept-Language: "+tc.lang, "Host: shop.example")
		wantPage(t, fmt.Sprintf("/%d %s", tc.status, tc.lang), r, tc.status, tc.lang)
	}
	r := s.do(t, "GET", "/503", "Accept-Language: de")
	expect(t, "503", r, check{"Retry-After: 120", r.header.Get("Retry-After") == "120", r.header.Get("Retry-After")})
	r = s.do(t, "GET", "/404", "Accept: application/problem+json")
	expect(t, "/404 JSON", r,
		check{"problem+json", r.header.Get("Content-Type") == "application/problem+json", r.header.Get("Content-Type")},
		check{"status in the document", strings.Contains(r.body, `"status":404`), r.body})
}
