package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// buildProject builds a project from its files into out, which is also
// where its configuration says the output lives on the server.
func buildProject(t *testing.T, out string, files map[string]string) *generator.Project {
	t.Helper()
	p, err := generator.Load(generator.Options{Project: mapFS(files), Builtin: errpages.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Build(context.Background(), out, generator.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := readable(out); err != nil {
		t.Fatal(err)
	}
	return p
}

// mapFS holds a project's files by name.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// readable makes an output readable by everyone: as root the servers'
// workers run as nobody, and builds keep the process umask.
func readable(out string) error {
	return filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	})
}

// readManifest reads the manifest of an output folder.
func readManifest(t *testing.T, out string) generator.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, generator.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m generator.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// brandDirs lists the brand folders of an output: the output itself for a
// single brand, else one folder per brand.
func brandDirs(t *testing.T, out string) []string {
	t.Helper()
	m := readManifest(t, out)
	if len(m.Brands) == 0 {
		return []string{out}
	}
	var dirs []string
	for _, b := range m.Brands {
		dirs = append(dirs, filepath.Join(out, b))
	}
	return dirs
}

// has reports whether a brand folder has a target's files.
func has(dir, target string) bool {
	_, err := os.Stat(filepath.Join(dir, target))
	return err == nil
}

// run runs a server's own configuration test and reports its output on
// failure.
func run(t *testing.T, what string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: %v\n%s", what, err, b)
	}
}

// serverConfigTests runs every server's own configuration test on an
// output folder, every brand at once where the server allows it, with the
// generated files included unchanged: nginx -t, apache2 -t, haproxy -c,
// caddy validate (the Caddy snippet and the Traefik recipe's Caddyfile),
// lighttpd -tt, luac -p on the mod_magnet script and xmllint with the
// httpErrors schema on web.config.
func serverConfigTests(t *testing.T, out string) {
	t.Helper()
	dirs := brandDirs(t, out)
	prefix := tempDir(t)
	siteFiles(t, prefix)
	targets := func(target string) []string {
		var out []string
		for _, d := range dirs {
			if has(d, target) {
				out = append(out, d)
			}
		}
		return out
	}

	if ds := targets("nginx"); len(ds) > 0 {
		var http, servers strings.Builder
		for i, d := range ds {
			fmt.Fprintf(&http, "    include %s;\n", q(d+"/nginx/http.conf"))
			fmt.Fprintf(&servers, "    server {\n        listen 127.0.0.1:%d;\n        root %s/site;\n        include %s;\n    }\n", 20000+i, prefix, q(d+"/nginx/server.conf"))
		}
		conf := filepath.Join(prefix, "nginx.conf")
		write(t, conf, fmt.Sprintf(`pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 64; }
http {
    client_body_temp_path %[1]s/tmp/client_body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    types { text/html html; }
%[2]s%[3]s}
`, prefix, http.String(), servers.String()))
		run(t, "nginx -t", nil, need(t, "nginx"), "-t", "-q", "-p", prefix+"/", "-c", conf, "-e", filepath.Join(prefix, "logs/error.log"))
	}
	if ds := targets("apache"); len(ds) > 0 {
		var vhosts strings.Builder
		port := freePort(t)
		for i, d := range ds {
			fmt.Fprintf(&vhosts, "<VirtualHost 127.0.0.1:%d>\n    ServerName brand%d.example\n    Include %s\n</VirtualHost>\n", port, i, q(d+"/apache/errpages.conf"))
		}
		conf := filepath.Join(prefix, "httpd.conf")
		write(t, conf, apacheConf(prefix, port, vhosts.String()))
		run(t, "apache2 -t", nil, need(t, "apache2", "httpd"), "-t", "-d", prefix, "-f", conf)
	}
	if ds := targets("haproxy"); len(ds) > 0 {
		// errpages.cfg first: it loads the Lua fetch that the maintenance
		// rules, copied into the frontend, use.
		var rules strings.Builder
		args := []string{"-c"}
		for _, d := range ds {
			args = append(args, "-f", d+"/haproxy/errpages.cfg")
			rules.WriteString(maintenanceRules(d))
		}
		conf := filepath.Join(prefix, "haproxy.cfg")
		write(t, conf, fmt.Sprintf("defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend web\n    bind 127.0.0.1:%d\n%s", freePort(t), rules.String()))
		run(t, "haproxy -c", nil, need(t, "haproxy"), append(args, "-f", conf)...)
	}
	if ds := targets("caddy"); len(ds) > 0 {
		var sites strings.Builder
		for i, d := range ds {
			fmt.Fprintf(&sites, "http://127.0.0.1:%d {\n    root * %s/site\n    file_server\n    import %s\n}\n", 20000+i, prefix, q(d+"/caddy/errpages.caddy"))
		}
		conf := filepath.Join(prefix, "Caddyfile")
		write(t, conf, "{\n    admin off\n    auto_https off\n}\n"+sites.String())
		run(t, "caddy validate", caddyEnv(prefix), need(t, "caddy"), "validate", "--config", conf, "--adapter", "caddyfile")
	}
	for _, d := range targets("traefik") {
		run(t, "caddy validate traefik/Caddyfile", caddyEnv(prefix), need(t, "caddy"), "validate", "--config", d+"/traefik/Caddyfile", "--adapter", "caddyfile")
	}
	for i, d := range targets("lighttpd") {
		// errorfile-prefix is one global setting: one configuration per brand.
		conf := filepath.Join(prefix, fmt.Sprintf("lighttpd-%d.conf", i))
		include := fmt.Sprintf("include %s\ninclude %s\n", q(d+"/lighttpd/errpages.conf"), q(d+"/lighttpd/magnet.conf"))
		for _, extra := range []string{"reference.conf", "maintenance.conf"} {
			if _, err := os.Stat(d + "/lighttpd/" + extra); err == nil {
				include += fmt.Sprintf("include %s\n", q(d+"/lighttpd/"+extra))
			}
		}
		write(t, conf, fmt.Sprintf("server.document-root = %s\nserver.bind = \"127.0.0.1\"\nserver.port = %d\nserver.errorlog = %s\n%s",
			q(prefix+"/site"), 20000+i, q(prefix+"/logs/lighttpd.log"), include))
		run(t, "lighttpd -tt", nil, need(t, "lighttpd"), "-tt", "-f", conf)
		scripts, _ := filepath.Glob(d + "/lighttpd/*.lua")
		for _, f := range scripts {
			run(t, "luac -p "+filepath.Base(f), nil, need(t, "luac5.4", "luac"), "-p", f)
		}
	}
	for _, d := range targets("iis") {
		run(t, "xmllint web.config", nil, need(t, "xmllint"), "--noout", "--schema", "../generator/servers/testdata/httperrors.xsd", d+"/iis/web.config")
	}
}

// q double-quotes a path for a server configuration. Roots never contain a
// double quote (errpages refuses them); Go's %q would escape non-ASCII
// spaces in a way no server reads.
func q(path string) string { return `"` + path + `"` }
