package generator

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestSchemaInSync keeps the committed errpages.schema.json equal to the
// schema generated from the configuration structs (refresh with -update),
// and fails for any configuration key without a description.
func TestSchemaInSync(t *testing.T) {
	got := Schema()
	if *update {
		if err := os.WriteFile("../errpages.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("../errpages.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("errpages.schema.json is out of date: run go test ./generator -run Schema -update")
	}
	var undocumented []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for f := range t.Fields() {
			if f.Anonymous {
				walk(prefix, f.Type)
				continue
			}
			name := f.Tag.Get("toml")
			if name == "" || name == "-" {
				continue
			}
			if f.Tag.Get("doc") == "" {
				undocumented = append(undocumented, prefix+name)
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Color]() {
				walk(prefix+name+".", ft)
			}
		}
	}
	walk("", reflect.TypeFor[fileConfig]())
	for _, k := range undocumented {
		t.Errorf("configuration key %q has no doc tag, so the schema does not describe it", k)
	}
	// Every known key is in the schema.
	var schema map[string]any
	json.Unmarshal(got, &schema)
	for _, k := range knownKeys() {
		node := schema
		for _, part := range strings.Split(k, ".") {
			props, _ := node["properties"].(map[string]any)
			if items, ok := node["items"].(map[string]any); ok && props == nil {
				props, _ = items["properties"].(map[string]any)
			}
			next, ok := props[part].(map[string]any)
			if !ok {
				t.Errorf("schema has no entry for %q", k)
				break
			}
			node = next
		}
	}
}
