// Package deploy holds the Kubernetes recipe of the errpages error backend
// and the tests that check it, the Dockerfile at the top of the repository
// included. It is its own Go module, so that the Kubernetes, kustomize and
// BuildKit packages these tests use never reach users of the errpages
// library.
package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
	"github.com/errpages/errpages/generator/servers"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	k8sjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	kustomize "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// documents splits YAML into its documents, as JSON, without the empty
// ones (a file that starts with comments).
func documents(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if s := string(j); s != "null" && s != "{}" {
			out = append(out, j)
		}
	}
	return out
}

// strict decodes JSON into v as the Kubernetes API server does: field
// names match exactly, and an unknown or repeated field is an error.
func strict(data []byte, v any) error {
	errs, err := k8sjson.UnmarshalStrict(data, v, k8sjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(errs...)
}

// decode decodes a Kubernetes document strictly into the official API
// type of its kind.
func decode(doc []byte) (any, error) {
	var meta struct{ APIVersion, Kind string }
	if err := json.Unmarshal(doc, &meta); err != nil {
		return nil, err
	}
	var v any
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		v = &appsv1.Deployment{}
	case "v1 Service":
		v = &corev1.Service{}
	case "v1 ConfigMap":
		v = &corev1.ConfigMap{}
	case "networking.k8s.io/v1 Ingress":
		v = &networkingv1.Ingress{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		v = &kustomize.Kustomization{}
	default:
		return nil, fmt.Errorf("%s %s: no API type to check it against", meta.APIVersion, meta.Kind)
	}
	return v, strict(doc, v)
}

// manifests decodes every manifest but Traefik's (a custom resource,
// checked against its CRD) by kind.
func manifests(t *testing.T) map[string][]any {
	t.Helper()
	files, _ := filepath.Glob("kubernetes/*/*.yaml")
	out := map[string][]any{}
	for _, f := range files {
		if strings.HasPrefix(f, filepath.Join("kubernetes", "traefik")) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range documents(t, data) {
			v, err := decode(doc)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			kind := strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
			out[kind] = append(out[kind], v)
		}
	}
	return out
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := manifests(t)
	for _, kind := range []string{"v1.Deployment", "v1.Service", "v1.ConfigMap", "v1.Ingress", "types.Kustomization"} {
		if len(m[kind]) == 0 {
			t.Errorf("no %s among the manifests: %v", kind, m)
		}
	}
	// A misspelt field is refused.
	data, _ := os.ReadFile("kubernetes/base/deployment.yaml")
	bad := bytes.Replace(data, []byte("readOnlyRootFilesystem"), []byte("readOnlyRootFileSystem"), 1)
	if _, err := decode(documents(t, bad)[0]); err == nil || !strings.Contains(err.Error(), "readOnlyRootFileSystem") {
		t.Errorf("a misspelt field decodes: %v", err)
	}
}

// backendCodes are the statuses the backend of the container's project
// answers with their own page.
func backendCodes(t *testing.T) []int {
	t.Helper()
	p, err := generator.Load(generator.Options{Project: os.DirFS("."), Builtin: errpages.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.Render(context.Background(), generator.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := files["backend/nginx.conf"]
	if f == nil {
		t.Fatal("errpages.toml builds no backend/nginx.conf")
	}
	var codes []int
	for _, m := range regexp.MustCompile(`location = /errpages-status/(\d+) `).FindAllStringSubmatch(string(f.Data), -1) {
		c, _ := strconv.Atoi(m[1])
		codes = append(codes, c)
	}
	return codes
}

// codeList reads "403,404" or Traefik's "500-504".
func codeList(t *testing.T, list ...string) []int {
	t.Helper()
	var out []int
	for _, item := range list {
		for _, part := range strings.Split(item, ",") {
			lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
			if !isRange {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || a > b {
				t.Fatalf("status list %q", item)
			}
			for c := a; c <= b; c++ {
				out = append(out, c)
			}
		}
	}
	return out
}

// dockerfileUser is the USER of the image's last stage.
func dockerfileUser(t *testing.T) string {
	user := ""
	for _, n := range dockerfile(t).Children {
		switch strings.ToLower(n.Value) {
		case "from":
			user = ""
		case "user":
			user = n.Next.Value
		}
	}
	return user
}

// TestRecipeMatchesBackend: the Deployment, Service and ingress settings
// agree with the backend errpages generates and the image that runs it.
func TestRecipeMatchesBackend(t *testing.T) {
	m := manifests(t)
	d := m["v1.Deployment"][0].(*appsv1.Deployment)
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	port := c.Ports[0]
	uid, _ := strconv.ParseInt(dockerfileUser(t), 10, 64)
	tmp := slices.ContainsFunc(c.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == "/tmp" })
	checks := []struct {
		what string
		ok   bool
	}{
		{"the container port is the backend's", port.ContainerPort == servers.BackendPort},
		{"probes ask /healthz on that port", c.ReadinessProbe.HTTPGet.Path == "/healthz" && c.LivenessProbe.HTTPGet.Path == "/healthz" &&
			c.ReadinessProbe.HTTPGet.Port.String() == port.Name && c.LivenessProbe.HTTPGet.Port.String() == port.Name},
		{"non-root, as the image's USER", pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot &&
			pod.SecurityContext.RunAsUser != nil && *pod.SecurityContext.RunAsUser == uid && uid > 0},
		{"a read-only root file system with a writable /tmp", c.SecurityContext.ReadOnlyRootFilesystem != nil && *c.SecurityContext.ReadOnlyRootFilesystem && tmp},
		{"no privilege escalation", c.SecurityContext.AllowPrivilegeEscalation != nil && !*c.SecurityContext.AllowPrivilegeEscalation},
		{"resource requests and limits", !c.Resources.Limits.Memory().IsZero() && !c.Resources.Requests.Cpu().IsZero()},
	}
	s := m["v1.Service"][0].(*corev1.Service)
	checks = append(checks, struct {
		what string
		ok   bool
	}{"the Service targets the container port", s.Spec.Ports[0].TargetPort.String() == port.Name && s.Spec.Selector["app.kubernetes.io/name"] == d.Spec.Selector.MatchLabels["app.kubernetes.io/name"]})
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no", c.what)
		}
	}

	// The statuses ingress-nginx and Traefik send to the backend have a page
	// there, and never 401 or 407, whose challenge the page would drop.
	handled := backendCodes(t)
	cm := m["v1.ConfigMap"][0].(*corev1.ConfigMap)
	ing := m["v1.Ingress"][0].(*networkingv1.Ingress)
	data, err := os.ReadFile("kubernetes/traefik/middleware.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var mw struct {
		Spec struct{ Errors struct{ Status []string } }
	}
	if err := json.Unmarshal(documents(t, data)[0], &mw); err != nil {
		t.Fatal(err)
	}
	for what, list := range map[string][]string{
		"ConfigMap custom-http-errors":  {cm.Data["custom-http-errors"]},
		"Ingress custom-http-errors":    {ing.Annotations["nginx.ingress.kubernetes.io/custom-http-errors"]},
		"Traefik middleware's statuses": mw.Spec.Errors.Status,
	} {
		for _, code := range codeList(t, list...) {
			if !slices.Contains(handled, code) || code == 401 || code == 407 {
				t.Errorf("%s: %d has no page in the backend or must reach the client as it is", what, code)
			}
		}
	}
}

// TestKustomizeBuild renders the base with kustomize's own Go packages and
// decodes what it produces strictly.
func TestKustomizeBuild(t *testing.T) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), "kubernetes/base")
	if err != nil {
		t.Fatal(err)
	}
	out, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, doc := range documents(t, out) {
		v, err := decode(doc)
		if err != nil {
			t.Errorf("kustomize build: %v\n%s", err, doc)
			continue
		}
		if d, ok := v.(*appsv1.Deployment); ok {
			if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example/errpages-backend:1" {
				t.Errorf("image %q: the kustomization's images entry did not apply", img)
			}
			if d.Spec.Selector.MatchLabels["app.kubernetes.io/component"] != "error-backend" {
				t.Errorf("selector %v: the kustomization's labels did not apply", d.Spec.Selector.MatchLabels)
			}
		}
		kinds[fmt.Sprintf("%T", v)] = true
	}
	if !kinds["*v1.Deployment"] || !kinds["*v1.Service"] || len(kinds) != 2 {
		t.Errorf("kustomize build made %v, want a Deployment and a Service", kinds)
	}
}

// traefikVersion is the Traefik release whose published CRD definitions
// the middleware is checked against.
const traefikVersion = "v3.7.13"

// middlewareSchema returns the OpenAPI schema of Traefik's Middleware
// resource, from the CRD definitions Traefik publishes in its module.
func middlewareSchema(t *testing.T) map[string]any {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/traefik/traefik/v3@"+traefikVersion)
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		t.Fatalf("go mod download traefik %s: %v %s", traefikVersion, err, out)
	}
	data, err := os.ReadFile(filepath.Join(mod.Dir, "docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range documents(t, data) {
		var crd struct {
			Spec struct {
				Names    struct{ Kind string }
				Versions []struct {
					Name   string
					Schema struct{ OpenAPIV3Schema map[string]any }
				}
			}
		}
		if err := json.Unmarshal(doc, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Names.Kind != "Middleware" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == "v1alpha1" {
				return v.Schema.OpenAPIV3Schema
			}
		}
	}
	t.Fatal("Traefik's CRD definitions have no Middleware v1alpha1")
	return nil
}

// validate checks v against an OpenAPI v3 schema as the Kubernetes API
// server does for a custom resource: types, enums, required fields, and
// no field the schema does not declare.
func validate(at string, v any, s map[string]any) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		fail("%v is not one of %v", v, e)
	}
	intOrString := s["x-kubernetes-int-or-string"] == true
	switch typ, _ := s["type"].(string); {
	case intOrString:
		if _, ok := v.(string); !ok {
			if _, ok := v.(float64); !ok {
				fail("want an integer or a string, got %T", v)
			}
		}
	case typ == "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("want an object, got %T", v)
			break
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				fail("%s is required", r)
			}
		}
		for k, val := range obj {
			switch p, ok := props[k].(map[string]any); {
			case ok:
				errs = append(errs, validate(at+"."+k, val, p)...)
			case s["additionalProperties"] != nil:
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					errs = append(errs, validate(at+"."+k, val, ap)...)
				}
			case props == nil || s["x-kubernetes-preserve-unknown-fields"] == true:
			default:
				fail("unknown field %q", k)
			}
		}
	case typ == "array":
		items, _ := s["items"].(map[string]any)
		list, ok := v.([]any)
		if !ok {
			fail("want an array, got %T", v)
		}
		for i, e := range list {
			errs = append(errs, validate(fmt.Sprintf("%s[%d]", at, i), e, items)...)
		}
	case typ == "string":
		if _, ok := v.(string); !ok {
			fail("want a string, got %T", v)
		}
	case typ == "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			fail("want an integer, got %v", v)
		}
	case typ == "boolean":
		if _, ok := v.(bool); !ok {
			fail("want a boolean, got %T", v)
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestTraefikMiddleware checks the errors middleware against Traefik's
// published Middleware CRD schema.
func TestTraefikMiddleware(t *testing.T) {
	schema := middlewareSchema(t)
	data, err := os.ReadFile("kubernetes/traefik/middleware.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(data []byte) []string {
		var v map[string]any
		if err := json.Unmarshal(documents(t, data)[0], &v); err != nil {
			t.Fatal(err)
		}
		if v["apiVersion"] != "traefik.io/v1alpha1" || v["kind"] != "Middleware" {
			return []string{fmt.Sprintf("%v %v: want traefik.io/v1alpha1 Middleware", v["apiVersion"], v["kind"])}
		}
		return validate("Middleware", v, schema)
	}
	for _, e := range check(data) {
		t.Error(e)
	}
	// The schema check can fail: a misspelt field and a wrong type.
	for _, bad := range [][2]string{{"query:", "querry:"}, {"port: 80", "port: [80]"}} {
		if errs := check(bytes.Replace(data, []byte(bad[0]), []byte(bad[1]), 1)); len(errs) == 0 {
			t.Errorf("%s → %s passes the schema", bad[0], bad[1])
		}
	}
}

// dockerfile parses the repository's Dockerfile with BuildKit's parser.
func dockerfile(t *testing.T) *parser.Node {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	return res.AST
}

// TestDockerfile: the image builds the container's project the way this
// test does, and every path it copies from the build stage exists in that
// output; it runs the official nginx image as a numeric non-root user on
// the backend's port.
func TestDockerfile(t *testing.T) {
	out := t.TempDir()
	p, err := generator.Load(generator.Options{Project: os.DirFS("."), Builtin: errpages.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Build(context.Background(), out, generator.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	var from, user, expose, entrypoint string
	var build bool
	copies := 0
	for _, n := range dockerfile(t).Children {
		var args []string
		for a := n.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		switch strings.ToLower(n.Value) {
		case "from":
			from, user = args[0], ""
		case "run":
			build = build || strings.Contains(strings.Join(args, " "), "errpages build -q -c deploy/errpages.toml -o /out")
		case "copy":
			if !slices.Contains(n.Flags, "--from=build") {
				continue
			}
			rel, ok := strings.CutPrefix(args[0], "/out")
			if !ok {
				t.Errorf("COPY %v: copies something else than the build's output", args)
				continue
			}
			if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
				t.Errorf("COPY %v: %v", args, err)
			}
			copies++
			if rel == "" && args[1] != "/usr/share/errpages" {
				t.Errorf("COPY %v: the pages must land where errpages.toml's root says", args)
			}
		case "user":
			user = args[0]
		case "expose":
			expose = args[0]
		case "entrypoint":
			entrypoint = strings.Join(args, " ")
		}
	}
	if !build {
		t.Error("no RUN builds deploy/errpages.toml into /out")
	}
	if copies != 2 {
		t.Errorf("%d COPY --from=build lines, want the pages and nginx.conf", copies)
	}
	if !strings.HasPrefix(from, "nginx:") {
		t.Errorf("the image runs on %s, want the official nginx image", from)
	}
	if uid, err := strconv.Atoi(user); err != nil || uid == 0 {
		t.Errorf("USER %q: want a numeric non-root user (Kubernetes checks runAsNonRoot by number)", user)
	}
	if expose != strconv.Itoa(servers.BackendPort) {
		t.Errorf("EXPOSE %s, want %d", expose, servers.BackendPort)
	}
	if !strings.HasPrefix(entrypoint, "nginx") {
		t.Errorf("ENTRYPOINT %q: want nginx itself", entrypoint)
	}
	root := regexp.MustCompile(`(?m)^root = "(.*)"$`).FindSubmatch(mustRead(t, "errpages.toml"))
	if root == nil || string(root[1]) != "/usr/share/errpages" {
		t.Errorf("errpages.toml's root %q is not where the image puts the pages", root)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
