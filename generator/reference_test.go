package generator

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestConfigReference keeps the key tables of docs/configuration.md equal
// to the ones generated from the configuration structs, their doc tags and
// the defaults (refresh with -update). The prose around the tables is
// written by hand.
func TestConfigReference(t *testing.T) {
	const file = "../docs/configuration.md"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tables := referenceTables()
	block := regexp.MustCompile(`(?s)(<!-- generated: (\w+) -->\n).*?(<!-- end generated -->)`)
	seen := map[string]bool{}
	got := block.ReplaceAllStringFunc(string(data), func(m string) string {
		name := block.FindStringSubmatch(m)[2]
		seen[name] = true
		return "<!-- generated: " + name + " -->\n" + tables[name] + "<!-- end generated -->"
	})
	for name := range tables {
		if !seen[name] {
			t.Errorf("%s has no <!-- generated: %s --> block", file, name)
		}
	}
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if got != string(data) {
		t.Errorf("%s is out of date: run go test ./generator -run ConfigReference -update", file)
	}
}

// referenceTables returns the Markdown tables of the configuration
// reference by block name.
func referenceTables() map[string]string {
	def := defaultBrand()
	var top strings.Builder
	top.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
	for _, r := range keyRows(reflect.TypeFor[fileConfig](), reflect.ValueOf(fileConfig{Brand: def}), "") {
		fmt.Fprintf(&top, "| `%s` | %s | %s | %s |\n", r.key, r.typ, r.def, r.doc)
	}
	var colors strings.Builder
	colors.WriteString("| key | light default | dark default | used for |\n|---|---|---|---|\n")
	light, dark := reflect.ValueOf(def.Colors.Light), reflect.ValueOf(def.Colors.Dark)
	for i, f := range reflect.VisibleFields(reflect.TypeFor[Palette]()) {
		fmt.Fprintf(&colors, "| `%s` | `%v` | `%v` | %s |\n", f.Tag.Get("toml"), light.Field(i), dark.Field(i), cell(f.Tag.Get("doc")))
	}
	keyTable := func(t reflect.Type, v reflect.Value) string {
		var b strings.Builder
		b.WriteString("| key | default | meaning |\n|---|---|---|\n")
		for _, r := range keyRows(t, v, "") {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.key, r.def, r.doc)
		}
		return b.String()
	}
	return map[string]string{
		"top":         top.String(),
		"colors":      colors.String(),
		"server":      keyTable(reflect.TypeFor[Server](), reflect.ValueOf(def.Server)),
		"security":    keyTable(reflect.TypeFor[Security](), reflect.ValueOf(def.Security)),
		"page":        keyTable(reflect.TypeFor[PageSettings](), reflect.ValueOf(def.Page)),
		"maintenance": keyTable(reflect.TypeFor[Maintenance](), reflect.ValueOf(def.Maintenance)),
	}
}

type keyRow struct{ key, typ, def, doc string }

// keyRows lists the keys of a configuration struct with their defaults
// from v. The tables under the top level (colors, server, security) get a
// row of their own and a table below; the small per-server tables (iis,
// haproxy, traefik) are listed as dotted keys.
func keyRows(t reflect.Type, v reflect.Value, prefix string) []keyRow {
	var rows []keyRow
	for _, f := range reflect.VisibleFields(t) {
		name := f.Tag.Get("toml")
		if f.Anonymous || name == "" || name == "-" {
			continue
		}
		fv := v.FieldByIndex(f.Index)
		if f.Type.Kind() == reflect.Struct && prefix == "" && t == reflect.TypeFor[Server]() {
			rows = append(rows, keyRows(f.Type, fv, name+".")...)
			continue
		}
		doc := cell(f.Tag.Get("doc"))
		if values := enumValues(f); values != nil && f.Tag.Get("enum") == "targets" {
			doc += " Any of `\"" + strings.Join(values, "\"`, `\"") + "\"`."
		}
		rows = append(rows, keyRow{prefix + name, typeName(f), defaultText(f, fv), doc})
	}
	return rows
}

// typeName is how the reference names a key's type.
func typeName(f reflect.StructField) string {
	if t := f.Tag.Get("type"); t != "" {
		return t
	}
	names := map[reflect.Type]string{
		reflect.TypeFor[Link]():       "link",
		reflect.TypeFor[LocaleTag]():  "tag",
		reflect.TypeFor[StatusCode](): "integer",
		reflect.TypeFor[ByteSize]():   "size",
		reflect.TypeFor[Color]():      "colour",
	}
	name := func(t reflect.Type) string {
		if n, ok := names[t]; ok {
			return n
		}
		switch t.Kind() {
		case reflect.Int:
			return "integer"
		case reflect.Struct, reflect.Map:
			return "table"
		}
		return t.Kind().String()
	}
	switch f.Type.Kind() {
	case reflect.Slice:
		return "array of " + name(f.Type.Elem()) + "s"
	case reflect.Map:
		if f.Type.Elem().Kind() == reflect.Struct {
			return "tables"
		}
	}
	return name(f.Type)
}

// defaultText is a key's default as TOML, or its default tag where the
// default is computed.
func defaultText(f reflect.StructField, v reflect.Value) string {
	if d := f.Tag.Get("default"); d != "" {
		return cell(d)
	}
	switch x := v.Interface().(type) {
	case ByteSize:
		if x%1024 == 0 {
			return fmt.Sprintf("`\"%dKiB\"`", x/1024)
		}
		return fmt.Sprintf("`%d`", x)
	case string, Link, LocaleTag:
		return fmt.Sprintf("`\"%v\"`", x)
	}
	return fmt.Sprintf("`%v`", v.Interface())
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", "*", `\*`, "_", `\_`).Replace(s)
}
