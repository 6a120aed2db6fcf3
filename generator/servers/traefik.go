package servers

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

// traefikTarget writes the Traefik errors middleware and its static server.
type traefikTarget struct{}

func init() { register(70, traefikTarget{}) }

func (traefikTarget) name() string { return "traefik" }

func (traefikTarget) omits(int) string { return "" }

func (traefikTarget) write(s Site) ([]File, error) { return traefik(s), nil }

// traefik writes traefik/errpages.yml, the dynamic configuration of an
// errors middleware, and traefik/Caddyfile, the static server it fetches
// the pages from: Traefik does not host files.
//
// Traefik asks the service for query ("/404") with the original request's
// headers, and sends the answer's body and headers with the original
// status. The static server turns "/404" into Caddy's own 404 error, so the
// Caddy handle_errors block picks the language, format and headers.
func traefik(s Site) []File {
	host, port, _ := net.SplitHostPort(s.Traefik.Address)
	name := "errpages"
	if s.Brand != "" {
		name += "-" + s.Brand
	}
	var y strings.Builder
	y.WriteString(s.header("traefik", "# ",
		"errpages: Traefik v2/v3 dynamic configuration (file provider) for the errors",
		"middleware. Add this file to the file provider's directory, run the static",
		"server in Caddyfile next to it, and attach the middleware to a router:",
		"",
		"    http:",
		"      routers:",
		"        my-router:",
		"          middlewares: [\""+name+"@file\"]",
		"",
		"The middleware keeps the original status and replaces the body of every",
		"listed status, including a backend's own error responses.",
	))
	y.WriteString("http:\n  middlewares:\n")
	fmt.Fprintf(&y, "    %s:\n      errors:\n        status:\n", name)
	for _, c := range s.Codes {
		fmt.Fprintf(&y, "          - \"%d\"\n", c)
	}
	fmt.Fprintf(&y, "        service: %s\n        query: \"/{status}\"\n", name)
	fmt.Fprintf(&y, "  services:\n    %s:\n      loadBalancer:\n        servers:\n          - url: \"http://%s\"\n", name, s.Traefik.Address)

	var c strings.Builder
	c.WriteString(s.header("traefik", "# ",
		"errpages: the static server behind the Traefik errors middleware in",
		"errpages.yml. Run it with Caddy 2:",
		"",
		"    caddy run --config \""+s.Root+"/traefik/Caddyfile\" --adapter caddyfile",
		"",
		"It answers /<status> with the page of that status in the visitor's language.",
	))
	c.WriteString("{\n    admin off\n    auto_https off\n}\n\n")
	// Traefik sends the original Host, so the site must answer any host.
	fmt.Fprintf(&c, "http://:%s {\n", port)
	if host != "" {
		fmt.Fprintf(&c, "    bind %s\n", host)
	}
	c.WriteString("    @errpages_status path_regexp status ^/([45][0-9][0-9])$\n")
	// With one argument, error takes a placeholder for the message.
	c.WriteString("    error @errpages_status \"errpages\" {re.status.1}\n")
	c.WriteString("    error 404\n")
	c.WriteString(indent(s.caddyHandleErrors(), "    "))
	c.WriteString("}\n")
	return []File{
		{Path: "traefik/errpages.yml", Kind: "traefik", Data: []byte(y.String())},
		{Path: "traefik/Caddyfile", Kind: "traefik", Data: []byte(c.String())},
	}
}

// TraefikOptions are the Traefik-specific settings.
type TraefikOptions struct {
	Address string `toml:"address" doc:"host:port of the static server that the Traefik errors middleware fetches pages from."`
}

var traefikDefaults = TraefikOptions{Address: "127.0.0.1:8081"}

var addressRe = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$`)

func (o TraefikOptions) problems() []*Problem {
	if !addressRe.MatchString(o.Address) {
		return []*Problem{{[]string{"traefik", "address"}, fmt.Sprintf("server.traefik.address %q: expected host:port, e.g. \"127.0.0.1:8081\"", o.Address)}}
	}
	return nil
}
