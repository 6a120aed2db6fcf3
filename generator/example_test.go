package generator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"testing/fstest"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// Load a project from any fs.FS and render one page in memory.
func ExampleProject_RenderPage() {
	project := fstest.MapFS{
		"errpages.toml": {Data: []byte(`
name = "Acme"
url = "https://acme.example/"
locales = ["en", "de"]
codes = [404, 503]
`)},
	}
	p, err := generator.Load(generator.Options{Project: project, Builtin: errpages.Builtin()})
	if err != nil {
		log.Fatal(err)
	}
	page, err := p.RenderPage("", "de", 503)
	if err != nil {
		log.Fatal(err)
	}
	title := regexp.MustCompile(`<title>(.*?)</title>`).FindSubmatch(page.HTML)
	var problem struct {
		Title  string
		Status int
	}
	if err := json.Unmarshal(page.JSON, &problem); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n%d %s\n", title[1], problem.Status, problem.Title)
	// Output:
	// 503 Dienst nicht verfügbar · Acme
	// 503 Dienst nicht verfügbar
}

// Build a project into a folder.
func ExampleProject_Build() {
	project := fstest.MapFS{
		"errpages.toml": {Data: []byte("name = \"Acme\"\nlocales = [\"en\", \"de\"]\ncodes = [404, 500]\n")},
	}
	p, err := generator.Load(generator.Options{Project: project, Builtin: errpages.Builtin()})
	if err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "errpages-example")
	defer os.RemoveAll(dir)
	sum, err := p.Build(context.Background(), filepath.Join(dir, "dist"), generator.BuildOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Pages, "pages")
	// Output: 4 pages
}
