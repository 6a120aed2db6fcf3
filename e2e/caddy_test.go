package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// aliceHash is alice's password "wonderland" for Caddy's basicauth: bcrypt
// at cost 4 (htpasswd -nbB -C 4), base64-encoded as caddy hash-password
// writes it. Caddy's own cost 14 takes a second of CPU per login.
const aliceHash = "JDJ5JDA0JGkwTDdaT2tEYzMvZVoyLlNaaUNPc2VjR01jYXM5cEFwWUNaRjBteDVNanhZMmdiZVZCT1RH"

// caddyfile is a whole Caddy configuration, everything under prefix, whose
// site imports the generated handle_errors block unchanged.
func caddyfile(prefix, out string, port int) string {
	return fmt.Sprintf(`{
    admin off
    auto_https off
    log {
        output file %[1]s/logs/caddy.log
    }
}
http://127.0.0.1:%[3]d {
    root * %[1]s/site
    header Content-Security-Policy "default-src 'self'; style-src 'self'"
    basicauth /secret* {
        alice %[4]s
    }
    error /forbidden* 403
    error /boom 500
    error /maint 503
    error /gone 410
    file_server
    import "%[2]s/caddy/errpages.caddy"
}
`, prefix, out, port, aliceHash)
}

// caddyEnv keeps Caddy's data and config folders under prefix.
func caddyEnv(prefix string) []string {
	return append(os.Environ(), "HOME="+prefix, "XDG_DATA_HOME="+prefix+"/data", "XDG_CONFIG_HOME="+prefix+"/config")
}

// TestCaddy runs the server checklist on Caddy with the generated snippet.
func TestCaddy(t *testing.T) {
	t.Parallel()
	bin := need(t, "caddy")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	buildSite(t, out)
	siteFiles(t, prefix)
	port := freePort(t)
	conf := filepath.Join(prefix, "Caddyfile")
	write(t, conf, caddyfile(prefix, out, port))
	validate := exec.Command(bin, "validate", "--config", conf, "--adapter", "caddyfile")
	validate.Env = caddyEnv(prefix)
	if b, err := validate.CombinedOutput(); err != nil {
		t.Fatalf("caddy validate: %v\n%s", err, b)
	}
	cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = caddyEnv(prefix)
	s := start(t, cmd, port, filepath.Join(prefix, "logs/caddy.log"))
	runChecks(t, s, "caddy")
	// A code that is not generated keeps Caddy's own (empty) response.
	if r := s.do(t, "GET", "/gone"); r.status != 410 || r.body != "" {
		t.Errorf("410, not generated: status %d, body %.100q; want 410 and Caddy's empty body", r.status, r.body)
	}
}
