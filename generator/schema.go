package generator

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/errpages/errpages/generator/servers"
)

// Schema returns the JSON Schema (draft-07) of errpages.toml, for editors
// with a TOML language server (Taplo, Even Better TOML). It is generated
// from the configuration structs and their doc tags.
func Schema() []byte {
	brand := objectSchema(reflect.TypeFor[Brand]())
	top := objectSchema(reflect.TypeFor[fileConfig]())
	top["$schema"] = "http://json-schema.org/draft-07/schema#"
	top["$id"] = "https://github.com/errpages/errpages/errpages.schema.json"
	top["title"] = "errpages.toml"
	top["description"] = "Configuration of errpages, the generator of branded, localized HTTP error pages and server configuration."
	top["definitions"] = map[string]any{"brand": brand}
	top["properties"].(map[string]any)["brands"].(map[string]any)["additionalProperties"] = map[string]any{"$ref": "#/definitions/brand"}
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		panic(err) // only maps, strings and numbers: cannot fail
	}
	return append(out, '\n')
}

func objectSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for f := range t.Fields() {
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name := f.Tag.Get("toml")
			if name == "" || name == "-" {
				continue
			}
			s := typeSchema(f.Type)
			s["description"] = f.Tag.Get("doc")
			if p := f.Tag.Get("pattern"); p != "" {
				s["pattern"] = p
			}
			if values := enumValues(f); values != nil {
				if s["type"] == "array" {
					s["items"] = map[string]any{"enum": values}
				} else {
					s["enum"] = values
				}
			}
			props[name] = s
		}
	}
	walk(t)
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

// enumValues returns the values a field's enum tag allows: its
// comma-separated list, or for "targets" the registered server targets.
func enumValues(f reflect.StructField) []string {
	switch enum := f.Tag.Get("enum"); enum {
	case "":
		return nil
	case "targets":
		return servers.Targets()
	default:
		return strings.Split(enum, ",")
	}
}

var codeKeys = map[string]any{"pattern": "^[45][0-9][0-9]$"}

func typeSchema(t reflect.Type) map[string]any {
	switch t {
	case reflect.TypeFor[Color]():
		return map[string]any{"type": "string", "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"}
	case reflect.TypeFor[Link]():
		return map[string]any{"type": "string", "pattern": "^(https?://.+|mailto:.+|/([^/].*)?|)$"}
	case reflect.TypeFor[LocaleTag]():
		return map[string]any{"type": "string", "pattern": "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"}
	case reflect.TypeFor[StatusCode]():
		return map[string]any{"type": "integer", "minimum": 400, "maximum": 599}
	case reflect.TypeFor[ByteSize]():
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "integer", "minimum": 1024},
			map[string]any{"type": "string", "pattern": "^[0-9]+ ?([KkMm]i?[Bb]|[Bb])?$"},
		}}
	case reflect.TypeFor[HeaderValue]():
		return map[string]any{"type": []string{"string", "integer"}}
	case reflect.TypeFor[toml.Primitive]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Map:
		if t.Elem() == reflect.TypeFor[toml.Primitive]() {
			return map[string]any{"type": "object"}
		}
		return map[string]any{"type": "object", "propertyNames": codeKeys, "additionalProperties": typeSchema(t.Elem())}
	case reflect.Struct:
		return objectSchema(t)
	}
	panic("schema: unhandled type " + t.String())
}
