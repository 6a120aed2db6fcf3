package servers

import (
	"fmt"
	"strconv"
	"strings"
)

// backendTarget writes a whole nginx configuration that serves the pages
// as the error backend of a Kubernetes ingress: ingress-nginx's custom
// errors and Traefik's errors middleware.
type backendTarget struct{}

func init() { register(80, backendTarget{}) }

func (backendTarget) name() string { return "backend" }

func (backendTarget) omits(code int) string {
	if code == 408 {
		return "nginx answers `return 408` by closing the connection without a response; X-Code 408 gets the 404 page"
	}
	return nginxTarget{}.omits(code)
}

func (backendTarget) write(s Site) ([]File, error) {
	return []File{{Path: "backend/nginx.conf", Kind: "backend", Data: []byte(s.backend())}}, nil
}

// BackendPort is the port the error backend listens on: above 1024, so
// that nginx runs as an unprivileged user.
const BackendPort = 8080

// backend returns backend/nginx.conf. ingress-nginx sends an error to the
// default backend with the status in X-Code and the client's Accept in
// X-Format (its custom-http-errors contract); Traefik's errors middleware
// requests /<status>. Either way the answer has that status, so the
// request is rewritten to an internal location that returns it, and
// error_page serves the page as the nginx target does.
func (s Site) backend() string {
	// The ingress sets X-Request-ID, and clients cannot reach the backend.
	s.TrustRequestID = true
	codes := s.codesFor("backend")
	alt := make([]string, len(codes))
	for i, c := range codes {
		alt[i] = strconv.Itoa(c)
	}
	codeRE := "(" + strings.Join(alt, "|") + ")"
	var b strings.Builder
	b.WriteString(s.header("backend", "# ",
		"errpages: a whole nginx configuration (nginx.conf) that serves these pages as",
		"the error backend of a Kubernetes ingress, on port "+strconv.Itoa(BackendPort)+":",
		"",
		"- ingress-nginx (custom-http-errors, default-backend-service): the status",
		"  comes in X-Code and the client's Accept in X-Format; X-Request-ID and",
		"  X-Original-URI fill in the Reference block when it is on;",
		"- Traefik's errors middleware: GET /<status>, e.g. /503;",
		"- anything else, or a status that was not generated: the 404 page;",
		"- GET /healthz: 200, for the probes.",
		"",
		"The answer has the status, the visitor's language from Accept-Language, and",
		"problem+json when X-Format (or else Accept) asks for JSON. It runs as any",
		"user, with a read-only root file system: only /tmp must be writable.",
		"",
		"    nginx -c "+s.Root+"/backend/nginx.conf",
	))
	b.WriteString(`
worker_processes auto;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }

http {
    server_tokens off;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    # Long forwarded headers (a 10 KB X-Original-URI) still get a page.
    large_client_header_buffers 4 32k;
    log_format errpages '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                        'code="$http_x_code" namespace="$http_x_namespace" ingress="$http_x_ingress_name" '
                        'service="$http_x_service_name" request_id="$http_x_request_id"';
    access_log /dev/stdout errpages;

    # The format: X-Format from ingress-nginx, else the request's Accept.
`)
	accept, uri := s.nginxVar("accept"), s.nginxVar("uri")
	fmt.Fprintf(&b, "    map $http_x_format %s {\n        \"\" $http_accept;\n        default $http_x_format;\n    }\n", accept)
	fmt.Fprintf(&b, "    map $http_x_original_uri %s {\n        \"\" $request_uri;\n        default $http_x_original_uri;\n    }\n", uri)
	b.WriteString("    # The status: a generated one from X-Code, else from the path /<status>,\n")
	b.WriteString("    # else 404.\n")
	fmt.Fprintf(&b, "    map \"$http_x_code:$uri\" %s {\n", s.nginxVar("status"))
	fmt.Fprintf(&b, "        \"~^%s:\" /errpages-status/$1;\n", codeRE)
	fmt.Fprintf(&b, "        \"~:/%s$\" /errpages-status/$1;\n", codeRE)
	b.WriteString("        default /errpages-status/404;\n    }\n")
	b.WriteString(indent(s.nginxMaps(accept, uri), "    "))
	fmt.Fprintf(&b, "\n    server {\n        listen %d;\n\n", BackendPort)
	b.WriteString("        location = /healthz {\n            access_log off;\n            default_type text/plain;\n            return 200 \"ok\\n\";\n        }\n")
	fmt.Fprintf(&b, "        location / {\n            rewrite ^ %s last;\n        }\n", s.nginxVar("status"))
	b.WriteString("        location ^~ /errpages-status/ {\n            internal;\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "            location = /errpages-status/%d { return %d; }\n", c, c)
	}
	b.WriteString("        }\n\n")
	b.WriteString(indent(s.nginxErrorPages("backend"), "        "))
	b.WriteString("    }\n}\n")
	return b.String()
}
